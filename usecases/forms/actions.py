"""What a workflow action asks for, and a comment."""

from django import forms

from usecases.choices import SIGN_OFF_STATEMENT, Action
from usecases.forms.fields import PersonField
from usecases.models import UseCase
from usecases.selectors import owner_choices


class ActionForm(forms.Form):
    """What a workflow action asks for: a note (comment, rationale or reason), the sign-off
    statement, or a new owner. Which of them are required is the action's business."""

    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    accepted = forms.BooleanField(required=False, label=SIGN_OFF_STATEMENT)
    new_owner = PersonField(queryset=owner_choices(), required=False, label="New owner")
    # The use case's version when the button was shown: the action is taken on that text or not at
    # all (a newer version is refused as stale; so is a double click).
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "The form is missing the version you saw; reload the page and try again.",
            "invalid": "The form is missing the version you saw; reload the page and try again.",
        },
    )

    def __init__(self, *args, action: Action, usecase: UseCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action == Action.TRANSFER_OWNERSHIP:
            self.fields["new_owner"].required = True
            self.fields["new_owner"].queryset = owner_choices().exclude(pk=usecase.owner_id)
            self.fields["new_owner"].error_messages["required"] = "Choose the new owner."

    def error_text(self) -> str:
        return " ".join(error for errors in self.errors.values() for error in errors)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        error_messages={"required": "Write something before posting."},
    )


# --- Success-signal evidence ----------------------------------------------------------------------
