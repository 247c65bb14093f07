"""How a use case's values read to people: change records, conflict pages, revision diffs and the
timeline all show a value the same way."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

from core.people import person_name
from usecases.choices import EDITABLE_FIELDS
from usecases.custom_fields import values as custom
from usecases.models import UseCase
from usecases.numbers import plain_decimal
from usecases.register import value_text

CUSTOM_VALUES = "custom_values"
# The use case's links people edit with its text.
M2M_FIELDS = ["products", "goals"]


def display_value(value) -> str:
    """A field value as people read it; used for change records and conflict pages."""
    if value is None:
        return ""
    if isinstance(value, get_user_model()):
        return person_name(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(item) for item in value))
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def linked(usecase: UseCase) -> dict[str, list]:
    return {name: list(getattr(usecase, name).all()) for name in M2M_FIELDS}


def comparable_values(usecase: UseCase, m2m: dict | None = None) -> dict:
    """Raw values to detect a change: ids for people and links, numbers as numbers. Display text
    would miss a swap between two people of the same name and see 1.5 vs 1.5000 as a change."""
    values = {
        name: getattr(usecase, UseCase._meta.get_field(name).attname)
        for name in EDITABLE_FIELDS
        if name != CUSTOM_VALUES
    }
    values.update(custom.comparable(usecase, custom.active_fields()))
    links = {**linked(usecase), **(m2m or {})} if usecase.pk else (m2m or {})
    for name in M2M_FIELDS:
        values[name] = sorted(item.pk for item in links.get(name, []))
    return values


def usecase_snapshot(
    usecase: UseCase, m2m: dict | None = None, custom_fields: dict | None = None
) -> dict[str, str]:
    """Every editable field as people read it; ``m2m`` overrides the stored links;
    ``custom_fields`` the custom fields in use, where the caller read them already."""
    values = {}
    for name in EDITABLE_FIELDS:
        if name == CUSTOM_VALUES:
            # One entry per custom field in use, so diffs and changes name each by its label.
            fields = custom.active_fields() if custom_fields is None else custom_fields
            values.update(custom.shown_values(usecase, fields))
            continue
        field = UseCase._meta.get_field(name)
        if (text := value_text(name, getattr(usecase, name))) is not None:
            values[name] = text
        elif field.choices:
            values[name] = getattr(usecase, f"get_{name}_display")()
        else:
            values[name] = display_value(getattr(usecase, name))
    for name in M2M_FIELDS:
        items = m2m[name] if m2m is not None else getattr(usecase, name).all()
        values[name] = display_value(list(items))
    return values
