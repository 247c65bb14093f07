"""The custom field form: what an admin defines. The types' own rules are in
``usecases.custom_fields``; the service refuses what would strand stored values."""

from django import forms

from administration.forms.objects import EditedStateForm
from administration.services.custom_fields import customfield_state
from administration.services.editing import state_fingerprint
from usecases.models import CustomField, CustomFieldType
from usecases.models.custom_fields import CHOICE_TYPES, NAME_PATTERN


class CustomFieldForm(EditedStateForm):
    label = forms.CharField(max_length=100, help_text="What people see on the form and the pages.")
    name = forms.RegexField(
        regex=NAME_PATTERN,
        max_length=50,
        help_text="The key values are stored and filtered under (?cf_<name>=): lower-case "
        "letters, digits and underscores, starting with a letter. It can't change later.",
        error_messages={
            "invalid": "Use lower-case letters, digits and underscores, starting with a letter."
        },
    )
    help_text = forms.CharField(
        max_length=300, required=False, help_text="Shown under the field on the use-case form."
    )
    type = forms.ChoiceField(choices=CustomFieldType.choices)
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="For a choice or multiple choice: one option a line, in the order shown.",
    )
    required_for_review = forms.BooleanField(
        required=False,
        label="Required for review",
        help_text="A use case can't be submitted for review while this field is empty.",
    )
    group = forms.CharField(
        max_length=100,
        required=False,
        help_text="Fields of one group are shown together (e.g. “Finance”). Empty: “More about "
        "this use case”.",
    )
    order = forms.IntegerField(
        min_value=0, max_value=32767, initial=100, help_text="Lower numbers come first."
    )

    def __init__(self, *args, field: CustomField | None = None, **kwargs):
        self.field = field
        state = customfield_state(field) if field is not None else None
        if state is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: value for name, value in state.items() if name in self.base_fields},
                "name": field.name,
                "fingerprint": state_fingerprint(state),
            }
        initial = kwargs.get("initial") or {}
        if isinstance(initial.get("choices"), list):
            kwargs["initial"] = {**initial, "choices": "\n".join(initial["choices"])}
        super().__init__(*args, state=state, **kwargs)
        if field is not None:
            self.fields["name"].disabled = True
            self.fields["name"].initial = field.name
            self.fields["name"].help_text = "The key values are stored under; it can't change."

    def clean_choices(self):
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        choices = list(dict.fromkeys(line for line in lines if line))
        if any(len(choice) > 100 for choice in choices):
            raise forms.ValidationError("Keep each choice to 100 characters.")
        return choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("type") in CHOICE_TYPES and not cleaned.get("choices"):
            self.add_error("choices", "A choice field needs at least one choice, one a line.")
        return cleaned
