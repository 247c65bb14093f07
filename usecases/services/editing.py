"""Editing a use case: create a draft, save an edit (refused on a conflict), and what others changed
since a version.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from core import history
from core.history import history_context
from core.people import person_name
from usecases.choices import (
    EDITABLE_FIELDS,
    EDITABLE_STATUSES,
    LIFECYCLE_DATES,
    EventKind,
    Source,
    Status,
)
from usecases.custom_fields import values as custom
from usecases.custom_fields.values import checked_custom_values, labels, lock_definitions
from usecases.display import M2M_FIELDS, comparable_values, linked, usecase_snapshot
from usecases.lifecycle import checked_lifecycle, order_errors
from usecases.models import UseCase, UseCaseEvent
from usecases.register import checked_register, material_fields
from usecases.selectors import field_label
from usecases.services.claims import withdraw_ownership_request
from usecases.services.errors import EditConflict, InvalidValue, NotEditable
from usecases.services.measurements import _refresh_evidence_after_edit
from usecases.services.steps import _bump, _record
from usecases.services.workflow import _move, _open_review, _require_complete


def _apply(usecase: UseCase, data: dict) -> None:
    """Set the editable fields ``data`` holds on ``usecase``, refusing (``InvalidValue``, each
    field named, nothing set) lifecycle, register and custom values it can't hold, whoever calls.
    ``data["custom_values"]`` is {name: value}, applied over the stored values."""
    lifecycle, errors = checked_lifecycle(data)
    if not errors:
        errors = order_errors(
            {name: lifecycle.get(name, getattr(usecase, name)) for name in LIFECYCLE_DATES}
        )
    register, register_errors = checked_register(usecase, data)
    if data.get("custom_values"):
        lock_definitions()  # checked by the definitions as they stay until this write commits
    custom, custom_errors = checked_custom_values(usecase.custom_values, data.get("custom_values"))
    errors = {**errors, **register_errors, **custom_errors}
    if errors:
        raise InvalidValue(errors)
    checked = {**lifecycle, **register, "custom_values": custom}
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(usecase, name, checked.get(name, data[name]))


def usecase_refusals(data: dict) -> dict[str, str]:
    """What ``usecase_create`` would refuse in ``data``, by field name (empty: nothing): for a
    preview that must say so before anything is written."""
    usecase = UseCase(status=Status.DRAFT)
    try:
        _apply(usecase, data)
    except InvalidValue as refused:
        return dict(refused.errors)
    # What the columns hold: lengths, digits, ranges (a form checks these before a service).
    named = {  # links are rows already found, so not looked up again
        field.name
        for field in UseCase._meta.concrete_fields
        if field.name in data and not field.is_relation
    }
    others = [field.name for field in UseCase._meta.concrete_fields if field.name not in named]
    try:
        usecase.clean_fields(exclude=others)
    except ValidationError as refused:
        return {
            name: f"{field_label(name)}: {' '.join(messages)}"
            for name, messages in refused.message_dict.items()
        }
    return {}


@history_context(service=EventKind.CREATED)
def usecase_create(
    *, actor, data: dict, source: str = Source.MANUAL, external_ref: str = ""
) -> UseCase:
    """Create a draft authored by ``actor`` from cleaned form data; an imported one keeps its
    ``source`` and ``external_ref`` (unique per source)."""
    with transaction.atomic():
        usecase = UseCase(
            author=actor, status=Status.DRAFT, source=source, external_ref=external_ref
        )
        _apply(usecase, data)
        usecase.save()
        for name in M2M_FIELDS:
            getattr(usecase, name).set(data.get(name) or [])
        history.record(
            EventKind.CREATED,
            usecase=usecase,
            actor=actor,
            version=usecase.version,
            changes={
                name: ["", value] for name, value in usecase_snapshot(usecase).items() if value
            },
        )
    return usecase


@history_context(service=EventKind.CREATED)
def usecases_create_many(*, actor, items: list[tuple[dict, str, str]]) -> list[UseCase]:
    """Create many drafts at once, each ``(data, source, external_ref)`` checked as
    ``usecase_create`` checks it and written with one insert per table, each with its "created"
    event: an import's batch. One invalid item refuses them all (``InvalidValue``), so callers
    check each with ``usecase_refusals`` first and fall back to ``usecase_create`` one by one."""
    with transaction.atomic():
        usecases = []
        for data, source, external_ref in items:
            usecase = UseCase(
                author=actor, status=Status.DRAFT, source=source, external_ref=external_ref
            )
            _apply(usecase, data)
            usecases.append(usecase)
        UseCase.objects.bulk_create(usecases)
        custom_fields = custom.active_fields()
        events = []
        for name in M2M_FIELDS:
            through = UseCase._meta.get_field(name).remote_field.through
            target = UseCase._meta.get_field(name).m2m_reverse_field_name()
            through.objects.bulk_create(
                through(usecase_id=usecase.pk, **{f"{target}_id": item.pk})
                for usecase, (data, _, _) in zip(usecases, items, strict=True)
                for item in data.get(name) or []
            )
        for usecase, (data, _, _) in zip(usecases, items, strict=True):
            m2m = {name: list(data.get(name) or []) for name in M2M_FIELDS}
            shown = usecase_snapshot(usecase, m2m, custom_fields)
            changes = {name: ["", value] for name, value in shown.items() if value}
            events.append(
                {"usecase": usecase, "actor": actor, "version": usecase.version, "changes": changes}
            )
        history.record_many(EventKind.CREATED, events)
    return usecases


@history_context(service=EventKind.UPDATED)
def usecase_update(*, usecase: UseCase, actor, data: dict, expected_version: int) -> UseCase:
    """Save an edit, refusing it when the row moved on since the editor loaded ``expected_version``.

    Nothing is written when nothing changed; the version only moves on a real change.
    """
    with transaction.atomic():
        current = UseCase.objects.select_for_update().get(pk=usecase.pk)
        if current.status not in EDITABLE_STATUSES:
            raise NotEditable(
                f"{current.key} is {current.get_status_display().lower()}; "
                "only drafts and active use cases can be edited."
            )
        if current.version != expected_version:
            raise EditConflict(current, expected_version)

        before, before_shown = comparable_values(current), usecase_snapshot(current)
        impact_before = current.impact_level
        _apply(current, data)
        m2m = {name: list(data[name]) for name in M2M_FIELDS if name in data}
        after = comparable_values(current, m2m)
        changed = [name for name in after if before[name] != after[name]]
        if not changed:
            return current
        after_shown = usecase_snapshot(current, {**linked(current), **m2m})
        changes = {name: [before_shown[name], after_shown[name]] for name in changed}

        back_to_review = current.status == Status.ACTIVE and any(
            name in changes for name in material_fields(impact_before, current.impact_level)
        )
        if back_to_review:
            _require_complete(current, m2m)
        _bump(current, [*EDITABLE_FIELDS])
        for name, items in m2m.items():
            getattr(current, name).set(items)
        _record(current, actor, EventKind.UPDATED, changes=changes)
        if "owner" in changed and current.owner_id is not None:
            named = f"{person_name(actor)} named {person_name(current.owner)} the owner."
            withdraw_ownership_request(current, reason=named)
        if any(name.startswith("metric_") for name in changed):
            _refresh_evidence_after_edit(current, actor)  # the baseline, target or date moved
        if back_to_review:
            # What the owner signed changed: review and sign-off again. The last signed revision
            # stays readable, and the use case shows as "changed since sign-off" until then.
            current.changed_since_sign_off = True
            _open_review(current, actor)
            _move(current, Status.IN_REVIEW, actor, EventKind.RESUBMITTED)
    return current


@dataclass(frozen=True)
class ChangeSince:
    """What others changed since a given version: for the conflict page."""

    field: str
    label: str
    changed_by: str
    theirs: str
    yours: str = ""
    yours_changed: bool = False


def changes_since(
    usecase: UseCase, version: int, yours: dict[str, str] | None = None
) -> list[ChangeSince]:
    """The fields changed after ``version``, newest value per field, with who changed them.

    ``yours`` holds the stale editor's values for the fields they changed too.
    """
    yours = yours or {}
    events = (
        UseCaseEvent.objects.filter(usecase=usecase, version__gt=version)
        .select_related("actor")
        .order_by("version")
    )
    latest: dict[str, ChangeSince] = {}
    custom = labels()
    for event in events:
        who = person_name(event.actor, "someone")
        for name, (_, new) in event.changes.items():
            label = field_label(name, custom)
            latest[name] = ChangeSince(
                field=name,
                label=label,
                changed_by=who,
                theirs=new,
                yours=yours.get(name, ""),
                yours_changed=name in yours,
            )
    return list(latest.values())
