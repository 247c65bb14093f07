"""How the rows of the database's history tables read in the timeline: a use-case field as people
name it, a value as people read it, and what a row changed, old -> new (the use case's own rows,
and its reviews' and sign-offs' rows, kept as JSON)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst

from core.formats import day_text, moment_text
from usecases.display import display_value
from usecases.models import (
    Review,
    ReviewHistory,
    Revision,
    SignOff,
    SignOffHistory,
    UseCase,
    UseCaseGoalHistory,
    UseCaseHistory,
    UseCaseProductHistory,
)
from usecases.numbers import plain_decimal
from usecases.register import value_text

# Columns that are no news in a timeline: ones that never change or that every save moves
# (bookkeeping), and ones derived from measurements, kept by the services and the daily
# recompute (the measurements' own events tell that story; a new row's "No measurements" is no
# news either).
_HISTORY_NOISE = frozenset(
    {"id", "number", "version", "created_at", "updated_at", "evidence_status", "last_measured_on"}
)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


# Fields whose name, read aloud, is not what people call them.
_LABELS = {
    "changed_since_sign_off": "Changed since sign-off",
    "signed_off_at": "Signed off",
    "attestation_expires_at": "Attestation due",
    "external_ref": "External reference",
}


def field_label(name: str, custom=None) -> str:
    """A use-case field as people name it ("success_signal" -> "Success signal"); ``custom``
    holds the custom fields' labels by key (``custom_fields.values.labels``)."""
    if name in _LABELS:
        return _LABELS[name]
    if name.startswith("cf_"):
        return (custom or {}).get(name) or capfirst(name[3:].replace("_", " "))
    try:
        return capfirst(UseCase._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _shown(row, field, related) -> str:
    """A history row's value of ``field`` as people read it; ``related`` holds the people and
    teams rows name, by model and id (read once for the whole timeline)."""
    if field.is_relation:
        return display_value(related[field.related_model].get(getattr(row, field.attname)))
    value = getattr(row, field.attname)
    if (text := value_text(field.name, value)) is not None:
        return text  # the register's lists and yes/no questions
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return moment_text(value)
    if isinstance(value, date):
        return day_text(value)
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


_HISTORY_FIELDS = [
    field
    for field in UseCaseHistory._meta.concrete_fields
    if not field.name.startswith("pgh_") and field.name not in _HISTORY_NOISE
]
# What the timeline reads of a use case's history row: when, how and at which version it was
# written, and the fields it shows (``row_changes``).
HISTORY_ATTNAMES = (
    "pgh_id",
    "pgh_created_at",
    "pgh_label",
    "version",
    *(field.attname for field in _HISTORY_FIELDS),
)


def _custom_changes(row, previous, custom) -> list[FieldChange]:
    """The custom values a row changed, one per field, by its label (``custom``)."""
    old = (previous.custom_values if previous is not None else None) or {}
    new = row.custom_values or {}
    return [
        FieldChange(
            field_label(f"cf_{name}", custom),
            _shown_custom(old.get(name)),
            _shown_custom(new.get(name)),
        )
        for name in sorted({*old, *new})
        if old.get(name) != new.get(name)
    ]


def _shown_custom(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return display_value(value)


def row_changes(row, previous, custom, related) -> tuple[FieldChange, ...]:
    """What ``row`` changed after ``previous``; ``custom`` names the custom fields by key,
    ``related`` the people and teams by model and id (``_shown``)."""
    changes = []
    for field in _HISTORY_FIELDS:
        if field.name == "custom_values":
            changes += _custom_changes(row, previous, custom)
            continue
        value = getattr(row, field.attname)
        if previous is None and value is False:
            continue  # a new row's unset flag is no news
        if previous is not None and getattr(previous, field.attname) == value:
            continue  # the same stored value reads the same: no need to format it twice
        old = _shown(previous, field, related) if previous is not None else ""
        new = _shown(row, field, related)
        if old != new:
            changes.append(FieldChange(field_label(field.name), old, new))
    return tuple(changes)


def context_user_id(row):
    """Who made a use-case history row (``history._HistoryRow``) and through which address."""
    metadata = row.context_metadata or {}
    return metadata.get("user"), metadata.get("url", "")


# Review and sign-off rows changed outside the services: what each is called, and its columns as
# people name them, in the order shown. Ids, the use case and bookkeeping links are no news.
RELATED_HISTORY = {
    ReviewHistory._meta.label: (
        "Review",
        Review,
        {
            "submitted_by": "Submitted by",
            "submitted_at": "Submitted",
            "revision": "Revision",
            "reviewer": "Reviewer",
            "decision": "Decision",
            "comment": "Comment",
            "decided_at": "Decided",
        },
    ),
    SignOffHistory._meta.label: (
        "Sign-off",
        SignOff,
        {
            "owner": "Signed by",
            "revision": "Revision signed",
            "kind": "Kind",
            "statement": "Statement",
            "signed_at": "Signed",
            "expires_at": "Expires",
            "superseded_at": "Superseded",
            "reminder_sent_at": "Attestation reminder sent",
        },
    ),
}
LINK_HISTORY = {
    UseCaseProductHistory._meta.label: "product",
    UseCaseGoalHistory._meta.label: "goal",
}
EVENT_VERBS = {"insert": "created", "delete": "deleted"}


def _related_columns(model, labels) -> list:
    """(column, field, label) of ``model``'s columns the timeline shows, in ``labels``' order."""
    return [
        (model._meta.get_field(name).column, model._meta.get_field(name), label)
        for name, label in labels.items()
    ]


_RELATED_COLUMNS = {
    name: _related_columns(model, labels) for name, (_, model, labels) in RELATED_HISTORY.items()
}


def json_shown(field, value, *, people, revisions) -> str:
    """A value from a history row's JSON (``row_to_json``) as people read it."""
    if value is None or value == "":
        return ""
    if field.is_relation:
        if field.related_model is Revision:
            revision = revisions.get(value)
            return f"Revision {revision.number}" if revision else f"a deleted revision (#{value})"
        person = people.get(value)
        return display_value(person) if person else f"a deleted person (#{value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(field, DateTimeField):
        moment = parse_datetime(value)
        return moment_text(moment) if moment else str(value)
    return str(value)


def related_values(event) -> list[tuple]:
    """(field, label, old, new) raw JSON values of a review or sign-off history row: every value
    a new or deleted row held, or what an update changed."""
    columns = _RELATED_COLUMNS[event.pgh_model]
    data = event.pgh_data or {}
    if event.pgh_label == "insert":
        return [(f, label, None, data.get(col)) for col, f, label in columns]
    if event.pgh_label == "delete":
        return [(f, label, data.get(col), None) for col, f, label in columns]
    diff = event.pgh_diff or {}
    return [(f, label, *diff[col]) for col, f, label in columns if col in diff]
