"""What claiming asks: whom to ask to own a draft, why a request is declined, and the list's bulk
assignment (a person to ask and/or a team to move to)."""

from django import forms

from portfolio.models import Team
from usecases.choosers.kinds import first_rows
from usecases.choosers.widgets import ChooserChoiceField, ChooserSelect
from usecases.forms.fields import PersonField
from usecases.selectors import owner_choices

_VERSION_MISSING = "The form is missing the version you saw; reload the page and try again."


def _version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": _VERSION_MISSING, "invalid": _VERSION_MISSING},
    )


class _ErrorText:
    def error_text(self) -> str:
        return " ".join(error for errors in self.errors.values() for error in errors)


class ClaimForm(_ErrorText, forms.Form):
    """Take ownership of the version shown."""

    version = _version_field()


class OwnershipRequestForm(_ErrorText, forms.Form):
    person = PersonField(
        queryset=owner_choices(),
        label="Ask to own it",
        error_messages={
            "required": "Choose the person to ask.",
            "invalid_choice": "Choose a person from the list: that one is not an active account.",
        },
    )
    version = _version_field()


class DeclineRequestForm(_ErrorText, forms.Form):
    reason = forms.CharField(
        label="Why do you decline?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={
            "required": "Say why you decline, so the team lead can find the right owner."
        },
    )


class BulkAssignForm(_ErrorText, forms.Form):
    """A person to ask to own each selected draft, a team to move them to, or both. The teams
    offered are those ``team_ids`` names (the ones the person may move use cases into)."""

    owner = PersonField(
        queryset=owner_choices(),
        required=False,
        label="Ask to own",
        empty_label="Nobody (leave the owner)",
        # Not the list's filters: choosing here must not reload the list (usecase_list.html).
        widget=ChooserSelect(
            attrs={"class": "bulk-field"},
            kind="people",
            scope="active",
            first=first_rows(owner_choices),
        ),
        error_messages={
            "invalid_choice": "Choose a person from the list: that one is not an active account."
        },
    )
    team = ChooserChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Move to team",
        empty_label="Keep their team",
        widget=ChooserSelect(attrs={"class": "bulk-field"}, kind="teams", scope="led"),
        error_messages={"invalid_choice": "Choose one of the teams you lead."},
    )

    def __init__(self, *args, team_ids=None, **kwargs):
        """``team_ids``: the teams offered; None offers every team not archived (admins)."""
        # Its own ids: the list's filter form beside it has an owner and a team field too.
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        teams = Team.objects.active().order_by("name")
        self.fields["team"].queryset = teams if team_ids is None else teams.filter(pk__in=team_ids)

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("owner") is None and data.get("team") is None:
            raise forms.ValidationError("Choose a person to ask, a team to move to, or both.")
        return data
