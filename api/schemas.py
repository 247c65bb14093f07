"""What the API says about a use case: its fields as the registry stores them, typed.

The editable fields' types are read off the model (``usecases.models.UseCase``): text as text, a
field with choices as its choices (an empty text where it may be left unanswered), dates, decimals,
whole numbers, yes/no and lists; each described by the model's own label and help text. The
output and the input share them, so a field the model gains shows in both."""

from datetime import date, datetime
from datetime import date as calendar_date  # where a field is named "date"
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal, Union

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.text import capfirst
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import Field, create_model, field_validator, model_validator

from usecases.choices import FORM_FIELDS, AssessmentKind, EvidenceStatus, Source, Status
from usecases.models import CustomFieldType, UseCase


def _without_nul(value):
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text may not hold the NUL character.")
    elif isinstance(value, list | tuple):
        for item in value:
            _without_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)
    return value


class InputSchema(Schema):
    """What a request sends. No text may hold NUL (PostgreSQL stores none; the pages' forms
    refuse it too), so it is refused naming the field before anything is looked up."""

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, data):
        sent = data._obj if isinstance(data, DjangoGetter) else data  # as django-ninja wraps it
        if not isinstance(sent, dict):
            raise ValueError("The body is a JSON object of the fields to set.")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def no_nul(cls, value):
        return _without_nul(value)


class TeamRef(Schema):
    slug: str
    name: str


class PersonRef(Schema):
    username: str
    name: str


def choice(values, *, blank: bool = False):
    """The type of a field with choices: one of ``values`` (and "" when it may stay unanswered)."""
    return Literal[("",) * blank + tuple(values)]


class ImpactAssessment(Schema):
    """One impact assessment done: its kind, and its date and link where known."""

    kind: choice(AssessmentKind.values)
    date: calendar_date | None = None
    link: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def unknown_date(cls, value):
        return value or None  # stored as "" when not known


# The related fields, typed by the schemas themselves (by slug, username or id).
RELATED = {"team", "owner"}


def _python_type(field: models.Field):
    """What ``field``'s value is in JSON: its choices, or the type of its values."""
    if field.name == "impact_assessments":
        return list[ImpactAssessment]
    if isinstance(field, ArrayField):
        return list[_python_type(field.base_field)]
    if field.choices:
        return choice([value for value, _ in field.choices], blank=field.blank)
    for kind, python in (
        (models.DecimalField, Decimal),
        (models.DateField, date),
        (models.BooleanField, bool),
        (models.IntegerField, int),
    ):
        if isinstance(field, kind):
            return python | None if field.null else python
    return str


def _described(field: models.Field) -> str:
    label = capfirst(field.verbose_name)
    return f"{label}. {field.help_text}" if field.help_text else label


# Every field the use-case form edits but its links: (name, JSON type, description).
EDITED = [
    (name, _python_type(field), _described(field))
    for name in FORM_FIELDS
    if name not in RELATED
    for field in [UseCase._meta.get_field(name)]
]

UseCaseFields = create_model(
    "UseCaseFields",
    __base__=Schema,
    **{name: (kind, Field(description=text)) for name, kind, text in EDITED},
)


# --- Custom fields: a value each, typed by its field's type ---------------------------------------

T = CustomFieldType


class CustomValue(Schema):
    name: str
    label: str


# A custom value's JSON type by its field's types, each a schema of its own (named here).
VALUE_TYPES = {
    "TextValue": ((T.TEXT, T.LONG_TEXT, T.URL, T.CHOICE), str | None),
    "WholeNumberValue": ((T.INTEGER,), int | None),
    "DecimalValue": ((T.DECIMAL,), Decimal | None),
    "DateValue": ((T.DATE,), date | None),
    "YesNoValue": ((T.BOOLEAN,), bool | None),
    "ChoicesValue": ((T.MULTIPLE_CHOICE,), list[str]),
    "PersonValue": ((T.PERSON,), PersonRef | None),
}
CustomFieldValue = Annotated[
    Union[  # noqa: UP007  (a union built from a tuple of types)
        tuple(
            create_model(
                schema_name,
                __base__=CustomValue,
                type=(choice(kind.value for kind in kinds), ...),
                value=(value_type, ...),
            )
            for schema_name, (kinds, value_type) in VALUE_TYPES.items()
        )
    ],
    Field(discriminator="type"),
]


def typed_value(kind: str, stored, people: dict[int, dict]):
    """A stored custom value as its type reads it; None for empty, or for a value left from
    before the field's type changed that does not read as the type."""
    if kind == T.MULTIPLE_CHOICE:
        return [str(item) for item in stored] if isinstance(stored, list) else []
    if stored is None or stored == "":
        return None
    readers = {
        T.INTEGER: lambda: stored if type(stored) is int else None,
        T.DECIMAL: lambda: Decimal(str(stored)),
        T.DATE: lambda: date.fromisoformat(stored),
        T.BOOLEAN: lambda: stored if isinstance(stored, bool) else None,
        T.PERSON: lambda: people.get(stored),
    }
    try:
        return readers.get(kind, lambda: str(stored))()
    except (TypeError, ValueError, InvalidOperation):
        return None


class CustomFieldOut(Schema):
    """A custom field the admins defined (on the administration pages). Every field in use
    applies to every use case; its value is set as ``custom_fields.<name>``."""

    name: str
    key: str = Field(description="Its name in the list's filters and sorts: cf_<name>.")
    label: str
    help_text: str
    type: choice(T.values)
    choices: list[str] = Field(description="For a choice or multiple choice: the options.")
    required_for_review: bool
    group: str
    order: int


class UseCaseOut(UseCaseFields):
    key: str
    status: choice(Status.values)
    team: TeamRef
    owner: PersonRef | None
    evidence_status: choice(EvidenceStatus.values)
    last_measured_on: date | None
    signed_off_at: datetime | None
    attestation_expires_at: datetime | None
    changed_since_sign_off: bool
    custom_fields: list[CustomFieldValue] = Field(
        description="Every custom field in use, with its value (null or [] when empty)."
    )
    source: choice(Source.values)
    external_ref: str
    created_at: datetime
    updated_at: datetime
    version: int
    url: str


class UseCasePage(Schema):
    items: list[UseCaseOut]
    next_cursor: str | None
