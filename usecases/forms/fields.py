"""Form fields and widgets the use-case forms share."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst

from core.people import person_label
from usecases.choosers.widgets import ChooserFieldMixin, ChooserSelect
from usecases.dates import out_of_bounds
from usecases.register import assessments_text, parse_assessments, web_address


class PersonField(ChooserFieldMixin, forms.ModelChoiceField):
    """A person among the active ones, by a chooser: the page carries a few, a search finds the
    rest (``usecases.choosers.widgets``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", ChooserSelect(kind="people", scope="active"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return person_label(obj)


def _within_bounds(value: date | None, what: str) -> None:
    if problem := out_of_bounds(value, what):
        raise forms.ValidationError(problem)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssessmentsField(forms.CharField):
    """Impact assessments typed one per line (``usecases.register.parse_assessments``), shown back
    the same way."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return assessments_text(value) if isinstance(value, list) else value

    def to_python(self, value):
        try:
            return parse_assessments(super().to_python(value) or "")
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class WebAddressLinesField(forms.CharField):
    """Web addresses, one per line; each must start with http(s)://."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        lines = [line.strip() for line in (super().to_python(value) or "").splitlines()]
        addresses = [line for line in lines if line]
        for number, address in enumerate(addresses, start=1):
            try:
                web_address(address)
            except ValidationError:
                raise forms.ValidationError(
                    f"Line {number}: “{address}” is not a web address starting with https://."
                ) from None
        return addresses


class StatedYesNoField(forms.TypedChoiceField):
    """Yes, no, or not stated (None): a question a register asks that may not be answered yet."""

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        super().__init__(
            choices=[("", "Not stated"), ("yes", "Yes"), ("no", "No")],
            coerce=lambda value: value == "yes",
            empty_value=None,
            **kwargs,
        )

    def prepare_value(self, value):
        return {True: "yes", False: "no"}.get(value, value or "")


WEB_ADDRESS_MESSAGE = "Enter a full web address starting with https://, e.g. https://example.org."
EMAIL_MESSAGE = "Enter one e-mail address, e.g. ai-office@example.org."


def register_formfield(db_field, **kwargs):
    """The use-case form's field for each model field (``ModelForm.Meta.formfield_callback``): the
    register's lists and yes/no questions as people answer them; web addresses assumed https."""
    special = {
        "impact_assessments": AssessmentsField,
        "documentation_urls": WebAddressLinesField,
        "personal_data": StatedYesNoField,
    }.get(db_field.name)
    if special is not None:
        return special(
            label=kwargs.get("label", capfirst(db_field.verbose_name)),
            help_text=kwargs.get("help_text", db_field.help_text),
            required=False,
        )
    if db_field.name == "techniques":
        return forms.MultipleChoiceField(
            label=kwargs.get("label", capfirst(db_field.verbose_name)),
            help_text=db_field.help_text,
            choices=db_field.base_field.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("error_messages", {"invalid": WEB_ADDRESS_MESSAGE})
    elif isinstance(db_field, models.EmailField):
        kwargs.setdefault("error_messages", {"invalid": EMAIL_MESSAGE})
    return db_field.formfield(**kwargs)
