"""A custom field's value: read from what a caller gives (a form's cleaned value, or text from a
shell, an import or an API), checked by the field's type, stored in ``UseCase.custom_values`` as
plain JSON, and shown to people.

Stored shapes: text, long text, URL and choice as strings; whole numbers as JSON numbers;
decimals as their plain text ("12.5", so no float rounding creeps in); dates as ISO text (they
sort as dates); yes / no as true / false; multiple choice as a list of strings in the field's
order; a person as their user id. An empty value is no key at all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, URLValidator
from django.db import connection, models
from django.utils.functional import SimpleLazyObject

from core.compiled import compiled_instances, statement
from core.people import person_name
from usecases.dates import out_of_bounds
from usecases.models.custom_fields import CustomField, CustomFieldType
from usecases.numbers import parse_decimal, plain_decimal

T = CustomFieldType
TEXT_LIMITS = {T.TEXT: 500, T.LONG_TEXT: 10000, T.URL: 500}
# Whole numbers JSON and JavaScript read exactly.
INTEGER_LIMIT = 2**53 - 1
DECIMAL_DIGITS = 16
# Digits counted as a number is written out (1E+30 has 31), before and after the point together.
decimal_rule = DecimalValidator(DECIMAL_DIGITS, None)
_TRUE, _FALSE = {"true", "yes", "y", "1", "on"}, {"false", "no", "n", "0", "off"}
_web_address = URLValidator(schemes=["http", "https"])


class Refused(ValueError):
    """The value can't be stored; the message names the field."""


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _text(field, value) -> str:
    if not isinstance(value, str):
        raise Refused(f"{field.label}: enter text.")
    value = value.replace("\r\n", "\n").strip()
    limit = TEXT_LIMITS[field.type]
    if len(value) > limit:
        raise Refused(f"{field.label}: keep it to {limit} characters (it has {len(value)}).")
    return value


def _url(field, value) -> str:
    value = _text(field, value)
    try:
        _web_address(value)
    except ValidationError:
        raise Refused(
            f"{field.label}: enter a full web address starting with http:// or https://, "
            "e.g. https://example.org/page."
        ) from None
    return value


def _integer(field, value) -> int:
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()):
            raise Refused(f"{field.label}: enter a whole number, e.g. 42.")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(f"{field.label}: enter a whole number, e.g. 42.")
    if abs(value) > INTEGER_LIMIT:
        raise Refused(f"{field.label}: the number is too large.")
    return value


def _decimal(field, value) -> str:
    problem = f"{field.label}: enter a number, e.g. 12.5 or 12,5 (write 1250, not 1,250)."
    if isinstance(value, str):
        try:
            value = parse_decimal(value)
        except ValueError:
            raise Refused(problem) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            raise Refused(problem) from None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise Refused(problem)
    try:
        decimal_rule(value)  # the form's field applies the same validator
    except ValidationError:
        raise Refused(f"{field.label}: use at most {DECIMAL_DIGITS} digits.") from None
    return plain_decimal(value)


def _date(field, value) -> str:
    if isinstance(value, str):
        try:
            value = models.DateField().to_python(value.strip())
        except ValidationError:
            value = None
    if not isinstance(value, date):
        raise Refused(f"{field.label}: enter a date as year-month-day, e.g. 2025-03-31.")
    if problem := out_of_bounds(value, "a date"):
        raise Refused(f"{field.label}: {problem[0].lower()}{problem[1:]}")
    return value.isoformat()


def _boolean(field, value) -> bool:
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        value = value.strip().lower() in _TRUE
    if not isinstance(value, bool):
        raise Refused(f"{field.label}: answer yes or no.")
    return value


def _choice(field, value) -> str:
    if not isinstance(value, str) or value.strip() not in field.choices:
        options = ", ".join(f"“{choice}”" for choice in field.choices)
        raise Refused(f"{field.label}: “{value}” is not one of the choices ({options}).")
    return value.strip()


def _choices(field, value) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set):
        raise Refused(f"{field.label}: give a list of choices.")
    chosen = {_choice(field, item) for item in items}
    return [choice for choice in field.choices if choice in chosen]


def _person_pk(value):
    if isinstance(value, get_user_model()):
        return value.pk
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _person(field, value) -> int:
    User = get_user_model()
    if isinstance(value, User):
        value = value.pk
    people = User.objects.filter(is_active=True)
    if isinstance(value, int) and not isinstance(value, bool):
        found = people.filter(pk=value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        found = people.filter(pk=int(text)) if text.isdigit() else people.filter(username=text)
    else:
        found = people.none()
    pk = found.values_list("pk", flat=True).first()
    if pk is None:
        raise Refused(f"{field.label}: “{value}” is no active person in the registry.")
    return pk


_PARSERS = {
    T.TEXT: _text,
    T.LONG_TEXT: _text,
    T.URL: _url,
    T.INTEGER: _integer,
    T.DECIMAL: _decimal,
    T.DATE: _date,
    T.BOOLEAN: _boolean,
    T.CHOICE: _choice,
    T.MULTIPLE_CHOICE: _choices,
    T.PERSON: _person,
}


def stored_value(field: CustomField, value):
    """``value`` as the JSON column keeps it, None for empty; ``Refused`` names the field."""
    if isinstance(value, str) and field.type not in TEXT_LIMITS:
        value = value.strip()
    if is_empty(value):
        return None
    stored = _PARSERS[field.type](field, value)
    return None if is_empty(stored) else stored


def _definitions(usecase=None) -> list[CustomField]:
    """Every field, archived ones too (one query). Given a use case, read once for it: the parts
    of its page (the fields, the readiness list, the history's labels) share them."""
    if usecase is not None and hasattr(usecase, "_custom_field_definitions"):
        return usecase._custom_field_definitions
    fields = compiled_instances(_definitions_query)
    if usecase is not None:
        usecase._custom_field_definitions = fields
    return fields


def definitions_statement():
    """The statement the fields' definitions are read by (for ``core.compiled.read_ahead``)."""
    return statement(_definitions_query)


def _definitions_query(limit: None):
    return CustomField.objects.all()


def lock_definitions(mode: str = "SHARE") -> None:
    """Hold the definitions as they are until this transaction ends. A write checks values by
    them in SHARE mode; an admin's change of a field's type or choices takes ROW EXCLUSIVE first,
    so it waits for writes in flight (then sees their values) and later writes wait for it."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {CustomField._meta.db_table} IN {mode} MODE")


def active_fields(usecase=None) -> dict[str, CustomField]:
    """The fields people fill in now, by name, in the form's order."""
    return {field.name: field for field in _definitions(usecase) if not field.is_archived}


def checked_custom_values(
    current: dict, given: dict | None, fields: dict[str, CustomField] | None = None
) -> tuple[dict, dict[str, str]]:
    """``current`` (a use case's stored values) with ``given`` ({name: value}; an empty value
    clears the field) applied, and the refusals keyed ``cf_<name>``. A name that is no custom
    field in use is refused too. Values of archived fields are kept as they are."""
    if given is None:
        return dict(current or {}), {}
    if not isinstance(given, dict):
        return dict(current or {}), {"custom_values": "Custom fields: give {name: value} pairs."}
    fields = active_fields() if fields is None else fields
    values, errors, unknown = dict(current or {}), {}, []
    for name, value in given.items():
        field = fields.get(name)
        if field is None:
            unknown.append(name)
            continue
        if field.type == T.PERSON and _person_pk(value) == values.get(name) is not None:
            continue  # the person named before stays named, even if they have left since
        try:
            stored = stored_value(field, value)
        except Refused as refusal:
            errors[field.key] = str(refusal)
            continue
        if stored is None:
            values.pop(name, None)
        else:
            values[name] = stored
    if unknown:
        names = ", ".join(f"“{name}”" for name in unknown)
        errors["custom_values"] = f"Not custom fields in use: {names}; nothing was saved."
    return values, errors


def people_named(values: list[dict], fields: dict[str, CustomField]) -> dict[int, str]:
    """The names of the people ``values`` (several use cases' custom values) point at: one query,
    none when no person field holds a value."""
    ids = {
        value.get(name)
        for value in values
        for name, field in fields.items()
        if field.type == T.PERSON and isinstance(value.get(name), int)
    }
    if not ids:
        return {}
    return {user.pk: person_name(user) for user in get_user_model().objects.filter(pk__in=ids)}


def shown_value(field: CustomField, value, people: dict[int, str] | None = None) -> str:
    """A stored value as people read it."""
    if is_empty(value):
        return ""
    if field.type == T.BOOLEAN:
        return "Yes" if value else "No"
    if field.type == T.MULTIPLE_CHOICE and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if field.type == T.DATE:
        try:
            return date.fromisoformat(value).strftime("%-d %b %Y")
        except (TypeError, ValueError):
            return str(value)
    if field.type == T.PERSON:
        return (people or {}).get(value, f"person #{value}")
    return str(value)


def shown_values(usecase, fields: dict[str, CustomField]) -> dict[str, str]:
    """The use case's values of ``fields`` as people read them, keyed ``cf_<name>`` (snapshots
    and change records: every field, empty or not)."""
    stored = usecase.custom_values or {}
    people = people_named([stored], fields)
    return {
        field.key: shown_value(field, stored.get(name), people) for name, field in fields.items()
    }


def comparable(usecase, fields: dict[str, CustomField]) -> dict:
    """The stored values of ``fields``, keyed ``cf_<name>``, to tell a change."""
    stored = usecase.custom_values or {}
    return {field.key: stored.get(name) for name, field in fields.items()}


def labels(usecase=None):
    """Every field's label by key (``cf_<name>``), archived ones too: old revisions and changes
    keep naming them. Read the first time it is asked, so a page whose history names no custom
    field pays nothing."""
    return SimpleLazyObject(lambda: {field.key: field.label for field in _definitions(usecase)})


def missing_required(usecase, fields=None) -> list[CustomField]:
    """The fields required for review that ``usecase`` leaves empty; ``fields`` the active
    fields when the caller has them (one query otherwise)."""
    if fields is None:
        fields = active_fields(usecase)
    stored = usecase.custom_values or {}
    return [
        field
        for name, field in fields.items()
        if field.required_for_review and is_empty(stored.get(name))
    ]


def shown_groups(usecase) -> list[tuple[str, list[tuple[str, str]]]]:
    """The use case's custom fields in use as the detail page shows them: by group, in the
    admins' order, each (label, value as people read it). One query, two with a person field."""
    fields = active_fields(usecase)
    stored = usecase.custom_values or {}
    people = people_named([stored], fields)
    grouped: dict[str, list] = {}
    for name, field in fields.items():
        grouped.setdefault(field.group, []).append(
            (field.label, shown_value(field, stored.get(name), people))
        )
    return list(grouped.items())
