from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from portfolio.models import Product, StrategicGoal, Team
from usecases.models import UseCase
from usecases.permissions import creatable_team_ids
from usecases.selectors import owner_choices
from usecases.services import EDITABLE_FIELDS, M2M_FIELDS

User = get_user_model()

PRIORITY_CHOICES = [("", "Not rated"), *[(n, str(n)) for n in range(1, 6)]]


def person_label(user) -> str:
    """How a person appears in a choice list: name and username, so namesakes stay apart."""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class UseCaseForm(forms.ModelForm):
    """The use case in the domain's words. ``version`` carries the optimistic lock on edit."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = UseCase
        fields = [*EDITABLE_FIELDS, *M2M_FIELDS]
        labels = {
            "title": "Title",
            "who": "Who",
            "problem": "Problem",
            "success_signal": "Success signal",
            "business_intent": "Business intent",
            "owner": "Owner",
            "team": "Team",
            "products": "Products",
            "goals": "Goals",
            "metric_name": "Metric",
            "metric_unit": "Unit",
            "metric_direction": "Direction",
            "metric_baseline": "Baseline",
            "metric_target": "Target",
            "metric_target_date": "Target date",
            "evidence_area": "Evidence area",
            "business_value": "Business value (1–5)",
            "effort": "Effort (1–5)",
            "people_change": "People change",
            "process_change": "Process change",
            "technology_change": "Technology change",
        }
        help_texts = {
            "title": "A short name people will recognise, such as “Triage incoming benefit claims”.",
            "who": "Who is this for? Name the people or role, e.g. “Claims officers in regional offices”.",
            "problem": "What business problem does it address, in the words of the people who have it?",
            "success_signal": "How will we recognise success in practice? What would people see or measure?",
            "owner": "The person accountable for this use case. They will be asked to sign off.",
            "products": "The systems this use case runs on.",
            "goals": "The strategic goals this use case serves.",
            "metric_name": "What you will measure, e.g. “Average days to decision”.",
        }
        widgets = {
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
            "who": forms.Textarea(attrs={"rows": 2}),
            "problem": forms.Textarea(attrs={"rows": 4}),
            "success_signal": forms.Textarea(attrs={"rows": 3}),
            "business_intent": forms.Textarea(attrs={"rows": 3}),
            "people_change": forms.Textarea(attrs={"rows": 2}),
            "process_change": forms.Textarea(attrs={"rows": 2}),
            "technology_change": forms.Textarea(attrs={"rows": 2}),
            "metric_target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "business_value": forms.Select(choices=PRIORITY_CHOICES),
            "effort": forms.Select(choices=PRIORITY_CHOICES),
            "products": forms.CheckboxSelectMultiple,
            "goals": forms.CheckboxSelectMultiple,
        }
        field_classes = {"owner": PersonField}
        error_messages = {
            "title": {"required": "Give the use case a title."},
            "team": {"required": "Choose the team that owns this use case."},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance if self.instance.pk else None

        team_ids = creatable_team_ids(user)
        teams = Team.objects.active()
        if team_ids is not None:
            teams = teams.filter(pk__in=team_ids)
        if instance:
            teams = Team.objects.filter(pk__in=teams.values("pk")) | Team.objects.filter(
                pk=instance.team_id
            )
        self.fields["team"].queryset = teams.order_by("name")
        self.fields["team"].empty_label = "Choose a team"
        if not instance and len(team_ids or ()) == 1:
            self.fields["team"].initial = next(iter(team_ids))

        owners = owner_choices()
        if instance and instance.owner_id:
            # A deactivated owner stays selected, so clean_owner can say so, instead of the
            # field silently falling back to "Not decided yet" and the save dropping the owner.
            owners = owners | User.objects.filter(pk=instance.owner_id)
        self.fields["owner"].queryset = owners
        self.fields["owner"].empty_label = "Not decided yet"
        for name in ("metric_direction", "evidence_area"):
            self.fields[name].choices = [("", "Not set"), *self.fields[name].choices[1:]]

        products = Q(pk__in=Product.objects.active().values("pk"))
        goals = Q(pk__in=StrategicGoal.objects.active().values("pk"))
        if instance:
            # Links to archived products or dropped goals stay visible instead of silently
            # vanishing; subqueries on the link tables, not joins, keep this cheap at any size.
            links = UseCase.products.through.objects.filter(usecase=instance)
            products |= Q(pk__in=links.values("product_id"))
            links = UseCase.goals.through.objects.filter(usecase=instance)
            goals |= Q(pk__in=links.values("strategicgoal_id"))
        self.fields["products"].queryset = Product.objects.filter(products).order_by("name")
        self.fields["goals"].queryset = StrategicGoal.objects.filter(goals).order_by("title")

        if instance:
            self.fields["version"].initial = instance.version

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is not None and not owner.is_active:
            raise forms.ValidationError(
                "This person's account is deactivated; choose someone else."
            )
        return owner

    def clean(self):
        cleaned = super().clean()
        has_numbers = any(
            cleaned.get(name) is not None for name in ("metric_baseline", "metric_target")
        )
        if has_numbers and not cleaned.get("metric_name"):
            self.add_error("metric_name", "Name the metric the baseline and target refer to.")
        return cleaned

    def domain_data(self) -> dict:
        """Cleaned values for the services: only the use case's own fields."""
        return {name: self.cleaned_data[name] for name in [*EDITABLE_FIELDS, *M2M_FIELDS]}
