"""The use-case form: the use case in the domain's words, with its optimistic lock and the re-base
of a stale edit on what is saved now."""

import contextlib
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models
from django.db.models import Q
from django.http import QueryDict

from portfolio.models import (
    Product,
    ProductQuerySet,
    StrategicGoal,
    StrategicGoalQuerySet,
    Team,
    TeamQuerySet,
)
from usecases.choices import FORM_FIELDS, REGISTER_FIELDS, MetricDirection, Status
from usecases.choosers.widgets import (
    ChooserCheckboxSelectMultiple,
    ChooserChoiceField,
    ChooserMultipleChoiceField,
    ChooserSelect,
)
from usecases.custom_fields import form_fields as custom_fields
from usecases.display import M2M_FIELDS
from usecases.forms.fields import DATE_INPUT, PersonField, _within_bounds, register_formfield
from usecases.lifecycle import LIFECYCLE_DATES, LIFECYCLE_LABELS, order_errors
from usecases.models import UseCase
from usecases.numbers import LocalizedDecimalField, plain_decimal
from usecases.permissions import creatable_team_ids
from usecases.readiness import REVIEW_FIELDS, Need, missing_needs
from usecases.register import SECTIONS, Section
from usecases.selectors import owner_choices

User = get_user_model()

# The register's free-text fields, edited in small boxes.
REGISTER_TEXTS = [
    name for name in REGISTER_FIELDS if isinstance(UseCase._meta.get_field(name), models.TextField)
]
# What an unanswered choice reads as.
EMPTY_CHOICES = {
    "metric_direction": "Not set",
    "evidence_area": "Not set",
    "sourcing": "Not stated",
    "impact_level": "Not assessed yet",
}
EMPTY_VALUES = (None, "", [], "[]")

PRIORITY_CHOICES = [("", "Not rated"), *[(n, str(n)) for n in range(1, 6)]]


def _form_value(value):
    """One comparable shape for initial and posted values: text (newlines and edges normalised),
    or a sorted list of ids for multiple choices."""
    if isinstance(value, list | tuple):
        return sorted(str(getattr(item, "pk", item)) for item in value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value).replace("\r\n", "\n").strip()


def rebase_on_saved(form: "UseCaseForm", saved: UseCase) -> tuple[QueryDict, set[str]]:
    """A stale edit, re-based on what is saved now: the fields the editor changed keep their
    typed values; every other field takes the saved value, so saving again cannot quietly undo
    someone else's change. Returns the new form data and the names of the fields the editor changed.
    """
    started = form.started_from()
    typed = form.typed_values()
    now_saved = UseCaseForm(instance=saved, user=None).field_values()
    # A field the editor's page did not show (a custom field archived when it was loaded) is not
    # one they changed: it takes the saved value.
    touched = {
        name
        for name, value in typed.items()
        if started is None or (name in started and started[name] != value)
    }
    data = form.data.copy()
    for name, value in now_saved.items():
        if name in touched:
            continue
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    data["version"] = str(saved.version)
    data["original"] = signing.dumps(now_saved)
    return data, touched


class UseCaseForm(forms.ModelForm):
    """The use case in the domain's words. ``version`` carries the optimistic lock on edit."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The values the editor started from (signed), so a conflict can keep what they didn't touch.
    original = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = UseCase
        fields = [*FORM_FIELDS, *M2M_FIELDS]
        formfield_callback = register_formfield
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
            "metric_baseline_date": "Baseline date",
            "metric_target": "Target",
            "metric_target_date": "Target date",
            "evidence_area": "Evidence area",
            "business_value": "Business value (1–5)",
            "effort": "Effort (1–5)",
            "people_change": "People change",
            "process_change": "Process change",
            "technology_change": "Technology change",
            **LIFECYCLE_LABELS,
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
            "lifecycle_stage": "Where it stands in practice. This is not its approval: an "
            "in-production use case still needs a signed owner.",
            "started_on": "When work on it began.",
            "in_production_on": "When it went live for the people it is for.",
            "ended_on": "When it was switched off or abandoned.",
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
            "metric_target_date": DATE_INPUT,
            "metric_baseline_date": DATE_INPUT,
            **dict.fromkeys(LIFECYCLE_DATES, DATE_INPUT),
            **{name: forms.Textarea(attrs={"rows": 2}) for name in REGISTER_TEXTS},
            "business_value": forms.Select(choices=PRIORITY_CHOICES),
            "effort": forms.Select(choices=PRIORITY_CHOICES),
            "team": ChooserSelect(kind="teams", scope="creatable"),
            "products": ChooserCheckboxSelectMultiple(kind="products", scope="active"),
            "goals": ChooserCheckboxSelectMultiple(kind="goals", scope="active"),
        }
        field_classes = {
            "owner": PersonField,
            "team": ChooserChoiceField,
            "products": ChooserMultipleChoiceField,
            "goals": ChooserMultipleChoiceField,
            "metric_baseline": LocalizedDecimalField,
            "metric_target": LocalizedDecimalField,
        }
        error_messages = {
            "title": {"required": "Give the use case a title."},
            "team": {"required": "Choose the team that owns this use case."},
            "lifecycle_stage": {
                "invalid_choice": "Lifecycle stage: “%(value)s” is not a stage; choose one."
            },
            **{
                name: {"invalid": f"{LIFECYCLE_LABELS[name]}: enter a date as year-month-day."}
                for name in LIFECYCLE_DATES
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance if self.instance.pk else None

        team_ids = creatable_team_ids(user)
        teams = TeamQuerySet.ACTIVE
        if team_ids is not None:
            teams &= Q(pk__in=team_ids)
        if instance:
            teams |= Q(pk=instance.team_id)
        self.fields["team"].queryset = Team.objects.filter(teams).order_by("name")
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
        if instance and instance.status != Status.DRAFT:
            # Ownership of a reviewed use case moves only by a transfer the new owner signs.
            self.fields["owner"].disabled = True
            self.fields["owner"].help_text = (
                "Owners change through “Transfer ownership” on the use case page, "
                "so the new owner signs off."
            )
        self.fields["lifecycle_stage"].required = False
        for name, empty in EMPTY_CHOICES.items():
            self.fields[name].choices = [("", empty), *self.fields[name].choices[1:]]

        products = ProductQuerySet.ACTIVE
        goals = StrategicGoalQuerySet.ACTIVE
        if instance:
            # Links to archived products or dropped goals stay visible instead of silently
            # vanishing; subqueries on the link tables, not joins, keep this cheap at any size.
            links = UseCase.products.through.objects.filter(usecase=instance)
            products |= Q(pk__in=links.values("product_id"))
            links = UseCase.goals.through.objects.filter(usecase=instance)
            goals |= Q(pk__in=links.values("strategicgoal_id"))
        self.fields["products"].queryset = Product.objects.filter(products).order_by("name")
        self.fields["goals"].queryset = StrategicGoal.objects.filter(goals).order_by("title")

        custom_fields.add_custom_fields(self)
        if instance:
            self.fields["version"].initial = instance.version
            if not self.is_bound:
                self.fields["original"].initial = signing.dumps(self.field_values())

    def field_values(self) -> dict:
        """The use case's fields as this form shows (and a browser posts) them."""
        return {name: _form_value(self[name].value()) for name in self._value_names()}

    def _value_names(self) -> list[str]:
        return [*FORM_FIELDS, *M2M_FIELDS, *custom_fields.custom_keys(self)]

    # The fields the submit rule asks for: the form marks them "needed for review".
    review_fields = REVIEW_FIELDS
    # As usecase_form.html lays them out, so the error summary lists errors in the order a person
    # meets the fields.
    field_order = [
        *("title", "who", "problem", "success_signal", "business_intent"),
        *("team", "owner", "products", "goals"),
        *("metric_name", "metric_unit", "metric_direction", "metric_baseline"),
        *("metric_baseline_date", "metric_target", "metric_target_date", "evidence_area"),
        *("people_change", "process_change", "technology_change", "business_value", "effort"),
        *("lifecycle_stage", *LIFECYCLE_DATES),
        *REGISTER_FIELDS,
    ]

    def register_sections(self) -> list[tuple[Section, list, bool]]:
        """The register's sections with their fields, each open when it holds a value or an
        error (closed and out of the way otherwise)."""
        sections = []
        for section in SECTIONS:
            fields = [self[name] for name in section.fields]
            filled = any(field.errors or field.value() not in EMPTY_VALUES for field in fields)
            sections.append((section, fields, filled))
        return sections

    def review_gaps(self) -> list[Need]:
        """What submitting would still lack, by the submit rule, read from what the form holds:
        the use case with the form's valid values applied, and the links as shown or posted."""
        if self.is_bound:
            self.is_valid()  # applies the valid values to the instance (once; errors are kept)
        links = {name: self[name].value() for name in M2M_FIELDS}
        return missing_needs(self.instance, links, self.custom_fields)

    def custom_groups(self) -> list[tuple[str, list]]:
        return custom_fields.groups(self)

    def started_from(self) -> dict | None:
        """The values the editor loaded, or None if the form did not carry them intact."""
        try:
            return signing.loads(self.data.get("original", ""))
        except signing.BadSignature:
            return None

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
        baseline, target = cleaned.get("metric_baseline"), cleaned.get("metric_target")
        direction = cleaned.get("metric_direction")
        if baseline is not None and target is not None:
            if direction == MetricDirection.INCREASE and target < baseline:
                self.add_error(
                    "metric_target",
                    "Higher is better, so the target should not be below the baseline.",
                )
            elif direction == MetricDirection.DECREASE and target > baseline:
                self.add_error(
                    "metric_target",
                    "Lower is better, so the target should not be above the baseline.",
                )
        baseline_date, target_date = (
            cleaned.get("metric_baseline_date"),
            cleaned.get("metric_target_date"),
        )
        if baseline_date and target_date and baseline_date >= target_date:
            self.add_error(
                "metric_target_date", "The target date should come after the baseline date."
            )
        for name, problem in order_errors(cleaned).items():
            if name not in self.errors:
                self.add_error(name, problem)
        custom_fields.apply_to_instance(self)
        return cleaned

    def clean_metric_baseline_date(self):
        value = self.cleaned_data.get("metric_baseline_date")
        _within_bounds(value, "the baseline date")
        return value

    def clean_metric_target_date(self):
        value = self.cleaned_data.get("metric_target_date")
        _within_bounds(value, "the target date")
        return value

    def clean_lifecycle_stage(self):
        # Left out of a post (an older page, a script): the stage stays as it is.
        return self.cleaned_data.get("lifecycle_stage") or self.instance.lifecycle_stage

    def _clean_lifecycle_date(self, name: str):
        value = self.cleaned_data.get(name)
        _within_bounds(value, f"the date for “{LIFECYCLE_LABELS[name]}”")
        return value

    def clean_started_on(self):
        return self._clean_lifecycle_date("started_on")

    def clean_in_production_on(self):
        return self._clean_lifecycle_date("in_production_on")

    def clean_ended_on(self):
        return self._clean_lifecycle_date("ended_on")

    def typed_values(self) -> dict:
        values = {}
        for name in self._value_names():
            listed = isinstance(self.fields[name], forms.MultipleChoiceField)
            typed = self.data.getlist(name) if listed else self.data.get(name)
            if self.data.get(f"{name}_search", "").strip():
                typed = self[name].data  # what was typed into a chooser's search box, too
            if isinstance(self.fields[name], LocalizedDecimalField):
                # "12,5" typed where "12.5" was shown is no change.
                with contextlib.suppress(forms.ValidationError):
                    typed = self.fields[name].to_python(typed)
            values[name] = _form_value(typed)
        return values

    def domain_data(self) -> dict:
        """Cleaned values for the services: only the use case's own fields."""
        data = {name: self.cleaned_data[name] for name in [*FORM_FIELDS, *M2M_FIELDS]}
        return {**data, "custom_values": custom_fields.custom_data(self)}
