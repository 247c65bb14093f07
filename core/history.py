"""The audit entry point: every event the registry records goes through here.

Two things make the history of a change, both named from one registry of names:

- an **event row** in the registry's words ("Approved", "team.created"), written by
  :func:`record` into the table its name is registered for (:func:`register_events`); an event
  name nobody registered is refused, so a typo cannot write a row no page knows how to show;
- the **row history** pghistory's triggers write for every tracked row, whatever changed it. A
  service marks the rows it writes with :func:`history_context`; rows without the mark were
  changed outside the registry's pages (the Django admin, a shell, an importer).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pghistory
from django.db import connection, models
from django.dispatch import Signal
from pghistory import runtime as pghistory_runtime


@dataclass(frozen=True)
class EventName:
    name: str
    label: str
    table: type[models.Model]


# Sent by ``record_many`` with ``sender`` (the event table) and ``events`` (the rows written): a
# bulk insert sends no ``post_save``, so whoever acts on each new event row (the webhooks) listens
# here too, and acts on the batch at once.
events_recorded = Signal()

_EVENTS: dict[str, EventName] = {}
# Names that mark history rows (``history_context``) without an event row of their own.
_MARKS: set[str] = set()


def register_events(table: type[models.Model], names) -> None:
    """Register ``names`` (``TextChoices`` or ``(name, label)`` pairs) as events written to
    ``table``, whose ``event_field`` holds the name."""
    choices = names.choices if hasattr(names, "choices") else names
    for name, label in choices:
        known = _EVENTS.get(name)
        if known is not None and known.table is not table:
            raise ValueError(f"Event {name!r} is already registered for {known.table.__name__}.")
        _EVENTS[name] = EventName(str(name), str(label), table)


def register_marks(names) -> None:
    """Register ``names`` (``TextChoices`` or ``(name, label)`` pairs) as marks a service may put
    on the history rows it writes without recording an event row (a reminder sent, a recompute)."""
    choices = names.choices if hasattr(names, "choices") else names
    _MARKS.update(str(name) for name, _ in choices)


def event_name(name: str) -> EventName:
    try:
        return _EVENTS[str(name)]
    except KeyError:
        raise LookupError(f"No event {name!r} is registered.") from None


def record(name: str, **fields) -> models.Model:
    """Write the event row for ``name`` (in the caller's transaction) and return it."""
    event = event_name(name)
    return event.table.objects.create(**{event.table.event_field: event.name}, **fields)


def record_many(name: str, rows: list[dict]) -> list[models.Model]:
    """Write one event row for ``name`` per item of ``rows`` (the fields of each), in one insert:
    for a service that writes many rows at once (an import's batch)."""
    event = event_name(name)
    table = event.table
    events = table.objects.bulk_create(
        [table(**{table.event_field: event.name}, **fields) for fields in rows]
    )
    events_recorded.send(sender=table, events=events)
    return events


@contextmanager
def history_context(**metadata):
    """Mark the history rows written inside with ``metadata`` (e.g. ``service="review.approved"``).

    Usable as a decorator. A request already holds one pghistory context (user and URL) for all
    its writes; the marked writes get a context of their own with the same user and URL, so a write
    next to them in the same request or import run keeps its own, unmarked context instead of
    borrowing the mark.
    """
    marks = {key: str(value) for key, value in metadata.items()}
    unknown = sorted(name for name in marks.values() if name not in _EVENTS and name not in _MARKS)
    if unknown:
        raise LookupError(f"No event or mark {', '.join(map(repr, unknown))} is registered.")
    outer = getattr(pghistory_runtime._tracker, "value", None)
    if outer is None:
        try:
            with pghistory.context(**marks):
                yield
        finally:
            forget_history_context()
        return
    pghistory_runtime._tracker.value = pghistory_runtime.Context(
        id=uuid.uuid4(), metadata={**outer.metadata, **marks}
    )
    try:
        yield
    finally:
        pghistory_runtime._tracker.value = outer


def forget_history_context() -> None:
    """pghistory hands its context to the database with ``SET LOCAL``, which lasts until the
    transaction ends: inside a caller's transaction (an import run, a test), a write after the
    marked ones would still carry the mark and vanish from the timeline. Clear it."""
    if not connection.in_atomic_block or connection.needs_rollback:
        return  # autocommit: the setting ended with the service's own transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', '', true), "
            "set_config('pghistory.context_metadata', '', true)"
        )
