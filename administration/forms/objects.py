"""The forms of the administration pages for teams, members, people, products and goals. They
parse and validate; the services in ``administration.services`` write."""

from django import forms
from django.contrib.auth import get_user_model

from administration.services.editing import state_fingerprint
from administration.services.goals import goal_state
from administration.services.products import product_state
from administration.services.teams import team_state
from portfolio.choices import GoalStatus, MembershipRole, ProductLifecycle, TeamKind
from portfolio.models import Product, StrategicGoal, Team
from portfolio.selectors import unit_paths
from usecases.choosers.widgets import ChooserChoiceField, ChooserSelect
from usecases.forms.fields import PersonField

User = get_user_model()


class PersonChoiceField(PersonField):
    """A person by a chooser: a few on the page, the rest by search (``usecases.choosers.widgets``)."""


def active_people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class TextAreaField(forms.CharField):
    """Free text in a textarea. Browsers post its line breaks as CRLF; keep them as LF, so that
    saving an untouched form changes nothing."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


FINGERPRINT_MISSING = (
    "This form is missing what it was loaded with; reload the page and make your changes again."
)


class EditedStateForm(forms.Form):
    """An edit form that must not silently overwrite someone else's change: it carries a hidden
    ``fingerprint`` of the state it was loaded with (``editing.state_fingerprint``), which the
    service checks under the row lock. ``state`` is the row's ``*_state`` as loaded."""

    def __init__(self, *args, state: dict | None = None, **kwargs):
        self.state = state
        if state is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: value for name, value in state.items() if name in self.base_fields},
                "fingerprint": state_fingerprint(state),
            }
        super().__init__(*args, **kwargs)
        if state is not None:
            self.fields["fingerprint"] = forms.CharField(
                widget=forms.HiddenInput, error_messages={"required": FINGERPRINT_MISSING}
            )

    def edited_data(self) -> dict:
        """The cleaned values of what the form edits, by ``state`` name."""
        return {name: self.cleaned_data[name] for name in self.state if name in self.base_fields}


class TeamForm(EditedStateForm):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=TeamKind.choices)
    parent = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Part of",
        empty_label="None: a top-level unit",
        help_text="The unit this team sits under (a department, an agency); it moves with its "
        "own sub-units.",
        error_messages={
            "invalid_choice": "Choose a unit that is not archived and is not this team or one of "
            "its own sub-units."
        },
    )
    description = TextAreaField(required=False)

    def __init__(
        self,
        *args,
        team: Team | None = None,
        state: dict | None = None,
        excluded_parents=(),
        **kwargs,
    ):
        """``excluded_parents``: the team itself and its sub-units (``team_descendant_ids``)."""
        self.team = team
        if team is not None and state is None:
            state = team_state(team)
        super().__init__(*args, state=state, **kwargs)
        units = Team.objects.active()
        if team is not None and team.parent_id:
            units = units | Team.objects.filter(pk=team.parent_id)  # kept, even if archived since
        units = units.exclude(pk__in=list(excluded_parents)).distinct()
        field = self.fields["parent"]
        field.queryset = units
        # In the tree's order (a unit, then its sub-units), each named with the units above it.
        field.choices = [
            ("", field.empty_label),
            *((unit.pk, path) for unit, path in unit_paths(units)),
        ]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Team.objects.filter(name__iexact=name)
        if self.team is not None:
            taken = taken.exclude(pk=self.team.pk)
        if taken.exists():
            raise forms.ValidationError(f"A team called “{name}” already exists.")
        return name


class MembershipAddForm(forms.Form):
    user = PersonChoiceField(queryset=User.objects.none(), label="Person")
    role = forms.ChoiceField(choices=MembershipRole.choices, initial=MembershipRole.MEMBER)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people().exclude(memberships__team=team)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MembershipRole.choices)


class ArchiveForm(forms.Form):
    archived = forms.TypedChoiceField(
        choices=[("1", "Archive"), ("0", "Restore")], coerce=lambda value: value == "1"
    )


class ProfileSwitchForm(forms.Form):
    """Switch a standard's profile on or off (``usecases.profiles``)."""

    enabled = forms.TypedChoiceField(
        choices=[("1", "Switch on"), ("0", "Switch off")], coerce=lambda value: value == "1"
    )


class PersonCreateForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="What they type to sign in.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(help_text="The set-password link is sent here.")
    team = forms.ModelChoiceField(
        queryset=Team.objects.active(), required=False, help_text="Optional: add them to a team."
    )
    role = forms.ChoiceField(choices=MembershipRole.choices, initial=MembershipRole.MEMBER)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        field = User._meta.get_field(User.USERNAME_FIELD)
        for validator in field.validators:
            validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"The username “{username}” is taken.")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(f"Someone already uses {email}.")
        return email


class PersonEditForm(EditedStateForm):
    """A person's name, e-mail address and roles. ``state`` is ``people.person_state(person)``
    as loaded: saving over someone else's change is refused (``people.person_update``)."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        label="E-mail address", help_text="Where set-password links and notifications go."
    )
    is_admin = forms.BooleanField(
        required=False,
        label="Admin",
        help_text="Manages teams, people, products and goals in these pages.",
    )
    is_reviewer = forms.BooleanField(
        required=False, label="Reviewer", help_text="Decides reviews and reads the dashboards."
    )

    def __init__(self, *args, person, actor, state: dict, **kwargs):
        self.person, self.actor = person, actor
        super().__init__(*args, state=state, **kwargs)
        if self.is_own_account:
            self.fields[
                "is_admin"
            ].help_text = "You cannot take yourself out of the Admins group; another admin can."

    @property
    def is_own_account(self) -> bool:
        return self.person.pk == self.actor.pk

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exclude(pk=self.person.pk).exists():
            raise forms.ValidationError(f"Someone else already uses {email}.")
        return email

    def clean_is_admin(self):
        keep = self.cleaned_data["is_admin"]
        if self.is_own_account and self.state["is_admin"] and not keep:
            raise forms.ValidationError(
                "You cannot take yourself out of the Admins group; another admin can."
            )
        return keep


class ReactivateForm(forms.Form):
    send_email = forms.BooleanField(
        required=False,
        label="Also send them a set-password e-mail",
        help_text="They can sign in with the password they had; the link lets them choose a new "
        "one.",
    )


class ProductForm(EditedStateForm):
    name = forms.CharField(max_length=120)
    team = ChooserChoiceField(
        queryset=Team.objects.active(),
        label="Owning team",
        widget=ChooserSelect(kind="teams", scope="active"),
    )
    manager = PersonChoiceField(
        queryset=User.objects.none(), required=False, label="Product manager"
    )
    vision = TextAreaField(required=False)
    lifecycle = forms.ChoiceField(choices=ProductLifecycle.choices, initial=ProductLifecycle.LIVE)

    def __init__(self, *args, product: Product | None = None, state: dict | None = None, **kwargs):
        """``product`` with its team and manager loaded (``select_related``)."""
        self.product = product
        if product is not None and state is None:
            state = product_state(product)
        super().__init__(*args, state=state, **kwargs)
        people = active_people()
        teams = Team.objects.active()
        if product is not None:
            # Keep the current values choosable even if archived or deactivated since.
            people = people | User.objects.filter(pk=product.manager_id)
            teams = teams | Team.objects.filter(pk=product.team_id)
        self.fields["manager"].queryset = people.distinct()
        self.fields["team"].queryset = teams.distinct()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Product.objects.filter(name__iexact=name)
        if self.product is not None:
            taken = taken.exclude(pk=self.product.pk)
        if taken.exists():
            raise forms.ValidationError(f"A product called “{name}” already exists.")
        return name


class GoalForm(EditedStateForm):
    title = forms.CharField(max_length=200)
    description = TextAreaField(required=False)
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    parent = forms.ModelChoiceField(
        queryset=StrategicGoal.objects.none(),
        required=False,
        label="Sits under",
        help_text="Choose a parent to move the goal (with its sub-goals) in the hierarchy.",
    )
    period = forms.CharField(
        max_length=40, required=False, help_text="For example 2026 or 2026-H1."
    )
    status = forms.ChoiceField(choices=GoalStatus.choices, initial=GoalStatus.ACTIVE)

    def __init__(
        self,
        *args,
        goal: StrategicGoal | None = None,
        state: dict | None = None,
        excluded_parents=(),
        **kwargs,
    ):
        """``goal`` with its owner and parent loaded (``select_related``)."""
        self.goal = goal
        if goal is not None and state is None:
            state = goal_state(goal)
        super().__init__(*args, state=state, **kwargs)
        people = active_people()
        if goal is not None and goal.owner_id:
            people = (people | User.objects.filter(pk=goal.owner_id)).distinct()
        self.fields["owner"].queryset = people
        self.fields["parent"].queryset = StrategicGoal.objects.exclude(
            pk__in=list(excluded_parents)
        ).order_by("title")
