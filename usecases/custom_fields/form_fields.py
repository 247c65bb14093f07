"""The custom fields on the use-case form: a form field per field in use (``cf_<name>``), grouped
as the admins grouped them, checked by the same rules the services apply; what the form hands
the services (``{name: value}``) and what the readiness list reads.

The form costs one query for the definitions and, when a person field exists, one for the people
to choose from, whatever the number of fields."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.db.models import Q

from core.people import person_label
from usecases.custom_fields.values import DECIMAL_DIGITS, TEXT_LIMITS, active_fields, is_empty
from usecases.dates import out_of_bounds
from usecases.models.custom_fields import CustomField, CustomFieldType
from usecases.numbers import LocalizedDecimalField

T = CustomFieldType
YES_NO = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_in_range(label: str):
    def check(value):
        if problem := out_of_bounds(value, f"the date for “{label}”"):
            raise forms.ValidationError(problem)

    return check


def _people_choices(named: set) -> list[tuple]:
    """Active people, and whoever the use case names already (they may have left since)."""
    people = get_user_model().objects.filter(Q(is_active=True) | Q(pk__in=named))
    return [("", "Nobody chosen")] + [
        (user.pk, person_label(user))
        for user in people.order_by("first_name", "last_name", "username")
    ]


def form_field(field: CustomField, people: list[tuple] | None = None) -> forms.Field:
    """The form field for ``field``; errors say which field they are about (the summary lists
    them by label)."""
    common = {"label": field.label, "help_text": field.help_text, "required": False}
    kind = field.type
    if kind in (T.TEXT, T.URL):
        built = forms.CharField(max_length=TEXT_LIMITS[kind], **common)
        if kind == T.URL:
            built.validators.append(URLValidator(schemes=["http", "https"]))
            built.error_messages["invalid"] = (
                "Enter a full web address starting with http:// or https://."
            )
        return built
    if kind == T.LONG_TEXT:
        return forms.CharField(
            max_length=TEXT_LIMITS[kind], widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if kind == T.INTEGER:
        return forms.IntegerField(
            min_value=-(2**53 - 1), max_value=2**53 - 1, widget=forms.TextInput, **common
        )
    if kind == T.DECIMAL:
        return LocalizedDecimalField(max_digits=DECIMAL_DIGITS, **common)
    if kind == T.DATE:
        return forms.DateField(
            widget=DATE_INPUT,
            validators=[_date_in_range(field.label)],
            error_messages={"invalid": "Enter a date as year-month-day, e.g. 2025-03-31."},
            **common,
        )
    if kind == T.BOOLEAN:
        return forms.ChoiceField(choices=YES_NO, **common)
    if kind == T.CHOICE:
        return forms.ChoiceField(
            choices=[("", "Not set"), *((choice, choice) for choice in field.choices)], **common
        )
    if kind == T.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(choice, choice) for choice in field.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.TypedChoiceField(choices=people or [], coerce=int, empty_value=None, **common)


def initial_value(field: CustomField, stored):
    """A stored value as the form field shows it."""
    if field.type == T.BOOLEAN and stored is not None:
        return "yes" if stored else "no"
    return stored


def add_custom_fields(form) -> None:
    """Put the custom fields in use on ``form`` (the use-case form), after its own fields, with
    the stored values as initial ones; mark those required for review."""
    fields = active_fields()
    form.custom_fields = fields
    stored = form.instance.custom_values or {}
    person_fields = [name for name, field in fields.items() if field.type == T.PERSON]
    people = (
        _people_choices({stored.get(name) for name in person_fields}) if person_fields else None
    )
    for name, field in fields.items():
        form.fields[field.key] = form_field(field, people)
        form.initial.setdefault(field.key, initial_value(field, stored.get(name)))
    form.review_fields = form.review_fields | {
        field.key for field in fields.values() if field.required_for_review
    }
    if form.is_bound:
        _keep_what_was_not_posted(form, stored)


def _keep_what_was_not_posted(form, stored: dict) -> None:
    """A field the post does not carry (not on the page it came from, or left out by a script)
    takes its stored value as if posted: a form shown again after an error then draws and keeps
    it, instead of drawing it empty and clearing it on the next save."""
    missing = [field for field in form.custom_fields.values() if not _posted(form, field)]
    if not missing:
        return
    data = form.data.copy()
    for field in missing:
        value = initial_value(field, stored.get(field.name))
        if isinstance(value, list) and hasattr(data, "setlist"):
            data.setlist(field.key, value)
        elif value is not None:
            data[field.key] = value
        else:
            data[field.key] = ""
    form.data = data


def custom_keys(form) -> list[str]:
    return [field.key for field in form.custom_fields.values()]


def _domain_value(field: CustomField, value):
    if field.type == T.BOOLEAN:
        return {"yes": True, "no": False}.get(value)
    return value


SHOWN = "custom_shown"


def _posted(form, field: CustomField) -> bool:
    """Whether the post carries ``field``: its key, or (a checkbox list with nothing ticked posts
    no key) the form's marker that it was on the page. A field the page did not show (archived
    when the form was loaded, left out by a script) is left as it is, never cleared."""
    data = form.data
    shown = data.getlist(SHOWN) if hasattr(data, "getlist") else data.get(SHOWN, [])
    if isinstance(shown, str):
        shown = [shown]
    return field.key in data or field.key in shown


def custom_data(form) -> dict:
    """The custom values for the services: {name: value} for each field the post carries, from
    the form's cleaned values."""
    return {
        name: _domain_value(field, form.cleaned_data.get(field.key))
        for name, field in form.custom_fields.items()
        if _posted(form, field)
    }


def apply_to_instance(form) -> None:
    """Put the valid custom values on the form's instance, so its readiness list reads what the
    form holds (the services check and store them on save)."""
    values = dict(form.instance.custom_values or {})
    for name, field in form.custom_fields.items():
        if field.key in form.errors or field.key not in form.cleaned_data:
            continue
        if not _posted(form, field):
            continue
        value = _domain_value(field, form.cleaned_data[field.key])
        if is_empty(value):
            values.pop(name, None)
        else:
            values[name] = value if field.type != T.PERSON else int(value)
    form.instance.custom_values = values


def groups(form) -> list[tuple[str, list]]:
    """The custom fields' bound fields, by group, in the admins' order (for the template)."""
    fields = form.custom_fields.values()
    return [
        (group, [form[field.key] for field in members])
        for group, members in groupby(fields, key=lambda field: field.group)
    ]
