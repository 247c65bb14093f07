"""The custom fields in the use-case list: a filter each (``?cf_<name>=``), sorting by any of them
(``?sort=cf_<name>`` or ``-cf_<name>``, empty values last either way) and optional columns
(``?columns=cf_<name>``, as many as wanted; kept in the query string, so a link or bookmark keeps
them). Every filter reads the one JSON column: equality through its GIN index (``@>``), text by
``ILIKE``. The list costs one query for the definitions whatever their number, and one for the
people its person columns name."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import (
    BigIntegerField,
    CharField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Concat, Lower

from usecases.custom_fields.values import people_named, shown_value
from usecases.models.custom_fields import CustomField, CustomFieldType
from usecases.numbers import LocalizedDecimalField, plain_decimal

T = CustomFieldType
TEXT_TYPES = frozenset({T.TEXT, T.LONG_TEXT, T.URL})
YES_NO = [("yes", "Yes"), ("no", "No")]


def _contains(field: CustomField, value):
    return {"custom_values__contains": {field.name: value}}


def _condition(field: CustomField, value) -> dict | None:
    """The filter for ``value`` as the filter form cleaned it; None matches nothing."""
    if field.type in TEXT_TYPES:
        return {f"custom_values__{field.name}__icontains": value}
    if field.type == T.DECIMAL:
        return _contains(field, plain_decimal(value))  # a Decimal, as its filter field read it
    if field.type == T.DATE:
        return _contains(field, value.isoformat())
    if field.type == T.BOOLEAN:
        return _contains(field, value == "yes")
    if field.type == T.MULTIPLE_CHOICE:
        return _contains(field, [value])
    if field.type == T.PERSON:
        person = get_user_model().objects.filter(username=value.strip()).first()
        return _contains(field, person.pk) if person else None
    return _contains(field, value)  # whole numbers (an int, as their filter read it) and choices


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class NumberTextFilter(django_filters.NumberFilter):
    field_class = LocalizedDecimalField


def list_filter(field: CustomField) -> django_filters.Filter:
    def apply(queryset, name, value):
        if value in (None, ""):
            return queryset
        condition = _condition(field, value)
        return queryset.filter(**condition) if condition else queryset.none()

    common = {"label": field.label, "method": apply}
    if field.type == T.INTEGER:
        return WholeNumberFilter(widget=forms.TextInput, **common)
    if field.type == T.DECIMAL:
        # Read as the form reads a number ("12,5" is 12.5; "1,250" is refused as ambiguous), so a
        # typed value that is no number is named on the filter form instead of matching nothing.
        return NumberTextFilter(widget=forms.TextInput, **common)
    if field.type == T.DATE:
        return django_filters.DateFilter(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field.type == T.BOOLEAN:
        return django_filters.ChoiceFilter(choices=YES_NO, empty_label="Any", **common)
    if field.type in (T.CHOICE, T.MULTIPLE_CHOICE):
        choices = [(choice, choice) for choice in field.choices]
        return django_filters.ChoiceFilter(choices=choices, empty_label="Any", **common)
    if field.type == T.PERSON:
        return django_filters.CharFilter(
            widget=forms.TextInput(attrs={"placeholder": "username"}), **common
        )
    return django_filters.CharFilter(**common)


def sort_key(field: CustomField):
    """What the list sorts by for ``field``: numbers as numbers, text regardless of case, a
    person by name."""
    text = KeyTextTransform(field.name, "custom_values")
    if field.type == T.INTEGER:
        return Cast(text, BigIntegerField())  # whole numbers are kept up to 2**53 - 1
    if field.type == T.DECIMAL:
        # Wide enough for every value the one decimal rule lets in (values.DECIMAL_DIGITS).
        return Cast(text, DecimalField(max_digits=40, decimal_places=20))
    if field.type == T.BOOLEAN:
        return KeyTransform(field.name, "custom_values")
    if field.type == T.PERSON:
        stored = KeyTextTransform(field.name, OuterRef("custom_values"))
        names = get_user_model().objects.filter(pk=Cast(stored, IntegerField()))
        full = Concat("last_name", "first_name", "username", output_field=CharField())
        return Subquery(names.annotate(full=Lower(full)).values("full")[:1])
    return Lower(text)


class SortFilter(django_filters.OrderingFilter):
    """The list's ordering, with each custom field as one more choice (``cf_<name>``)."""

    def __init__(self, *args, custom: dict[str, CustomField], **kwargs):
        self.custom = {field.key: field for field in custom.values()}
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        chosen = next((item for item in value or () if item.lstrip("-") in self.custom), None)
        if chosen is None:
            return super().filter(qs, value)
        key = sort_key(self.custom[chosen.lstrip("-")])
        descending = chosen.startswith("-")
        return qs.order_by(
            key.desc(nulls_last=True) if descending else key.asc(nulls_last=True),
            F("number").desc(),
        )


def add_to_filterset(filterset, fields: dict[str, CustomField]) -> None:
    """A filter per field, the custom fields among the sort choices, and the columns choice."""
    filterset.custom_fields = fields
    if not fields:
        return
    for field in fields.values():
        filterset.filters[field.key] = list_filter(field)
    plain = filterset.filters["sort"]
    sort = SortFilter(
        label=plain.label,
        fields=[(field, param) for param, field in plain.param_map.items()],
        empty_label=plain.extra.get("empty_label"),
        custom=fields,
    )
    sort.extra["choices"] = [*plain.extra["choices"]] + [
        choice
        for field in fields.values()
        for choice in (
            (field.key, f"{field.label}: A–Z, low–high"),
            (f"-{field.key}", f"{field.label}: Z–A, high–low"),
        )
    ]
    filterset.filters["sort"] = sort
    filterset.filters["columns"] = django_filters.MultipleChoiceFilter(
        label="Show columns",
        choices=[(field.key, field.label) for field in fields.values()],
        widget=forms.CheckboxSelectMultiple,
        method=lambda queryset, name, value: queryset,
    )
    for name in (*(field.key for field in fields.values()), "sort", "columns"):
        filterset.filters[name].parent = filterset


def chosen_columns(filterset) -> list[CustomField]:
    """The custom fields the list shows as columns (``?columns=``), in the admins' order."""
    fields = getattr(filterset, "custom_fields", {})
    if not fields or not filterset.form.is_valid():
        return []
    chosen = set(filterset.form.cleaned_data.get("columns") or ())
    return [field for field in fields.values() if field.key in chosen]


def with_cells(usecases, columns: list[CustomField]) -> list:
    """The page's use cases, each with ``custom_cells``: (label, value as read) per column."""
    rows = list(usecases)
    if not columns:
        return rows
    fields = {field.name: field for field in columns}
    people = people_named([row.custom_values or {} for row in rows], fields)
    for row in rows:
        stored = row.custom_values or {}
        row.custom_cells = [
            (field.label, shown_value(field, stored.get(field.name), people)) for field in columns
        ]
    return rows
