"""Every write to a use case goes through a function here.

Shape of each: ``transaction.atomic()`` -> lock the row -> guard -> write -> record the event in the
same transaction. Workflow transitions (submit, review, sign-off) join this module in issue 3.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from usecases.choices import EventKind, Status
from usecases.models import UseCase, UseCaseEvent

# Fields a person edits in the use-case form; the optimistic lock covers all of them.
EDITABLE_FIELDS = [
    "title",
    "who",
    "problem",
    "success_signal",
    "business_intent",
    "people_change",
    "process_change",
    "technology_change",
    "metric_name",
    "metric_unit",
    "metric_direction",
    "metric_baseline",
    "metric_target",
    "metric_target_date",
    "evidence_area",
    "team",
    "owner",
    "business_value",
    "effort",
]
M2M_FIELDS = ["products", "goals"]
EDITABLE_STATUSES = frozenset({Status.DRAFT})


class UseCaseError(Exception):
    """A domain rule refused the change; the message is for the person who asked."""


class EditConflict(UseCaseError):
    """Someone saved the use case after the editor loaded it."""

    def __init__(self, current: UseCase, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(f"{current.key} was changed by someone else after you opened it.")


class NotEditable(UseCaseError):
    pass


def display_value(value) -> str:
    """A field value as people read it; used for change records and conflict pages."""
    if value is None:
        return ""
    if isinstance(value, get_user_model()):
        return value.get_full_name() or value.get_username()
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(item) for item in value))
    return str(value)


def usecase_snapshot(usecase: UseCase, m2m: dict | None = None) -> dict[str, str]:
    """Every editable field as people read it; ``m2m`` overrides the stored links."""
    values = {}
    for name in EDITABLE_FIELDS:
        field = UseCase._meta.get_field(name)
        if field.choices:
            values[name] = getattr(usecase, f"get_{name}_display")()
        else:
            values[name] = display_value(getattr(usecase, name))
    for name in M2M_FIELDS:
        items = m2m[name] if m2m is not None else getattr(usecase, name).all()
        values[name] = display_value(list(items))
    return values


def usecase_create(*, actor, data: dict) -> UseCase:
    """Create a draft authored by ``actor`` from cleaned form data."""
    with transaction.atomic():
        usecase = UseCase(author=actor, status=Status.DRAFT)
        for name in EDITABLE_FIELDS:
            if name in data:
                setattr(usecase, name, data[name])
        usecase.save()
        for name in M2M_FIELDS:
            getattr(usecase, name).set(data.get(name) or [])
        UseCaseEvent.objects.create(
            usecase=usecase,
            kind=EventKind.CREATED,
            actor=actor,
            version=usecase.version,
            changes={
                name: ["", value] for name, value in usecase_snapshot(usecase).items() if value
            },
        )
    return usecase


def usecase_update(*, usecase: UseCase, actor, data: dict, expected_version: int) -> UseCase:
    """Save an edit, refusing it when the row moved on since the editor loaded ``expected_version``.

    Nothing is written when nothing changed; the version only moves on a real change.
    """
    with transaction.atomic():
        current = UseCase.objects.select_for_update().get(pk=usecase.pk)
        if current.version != expected_version:
            raise EditConflict(current, expected_version)
        if current.status not in EDITABLE_STATUSES:
            raise NotEditable(
                f"{current.key} is {current.get_status_display().lower()}; only drafts can be edited."
            )

        before = usecase_snapshot(current)
        for name in EDITABLE_FIELDS:
            if name in data:
                setattr(current, name, data[name])
        m2m = {name: list(data[name]) for name in M2M_FIELDS if name in data}
        after = usecase_snapshot(
            current, {**{n: getattr(current, n).all() for n in M2M_FIELDS}, **m2m}
        )
        changes = {
            name: [before[name], after[name]] for name in after if before[name] != after[name]
        }
        if not changes:
            return current

        current.version = F("version") + 1
        current.save(update_fields=[*EDITABLE_FIELDS, "version", "updated_at"])
        for name, items in m2m.items():
            getattr(current, name).set(items)
        current.refresh_from_db(fields=["version", "updated_at"])
        UseCaseEvent.objects.create(
            usecase=current,
            kind=EventKind.UPDATED,
            actor=actor,
            version=current.version,
            changes=changes,
        )
    return current


@dataclass(frozen=True)
class ChangeSince:
    """What others changed since a given version: for the conflict page."""

    field: str
    label: str
    changed_by: str
    theirs: str
    yours: str = ""


def changes_since(
    usecase: UseCase, version: int, yours: dict[str, str] | None = None
) -> list[ChangeSince]:
    """The fields changed after ``version``, newest value per field, with who changed them.

    ``yours`` (a snapshot of the stale editor's form) fills in their value for each such field.
    """
    yours = yours or {}
    events = (
        UseCaseEvent.objects.filter(usecase=usecase, version__gt=version)
        .select_related("actor")
        .order_by("version")
    )
    latest: dict[str, ChangeSince] = {}
    for event in events:
        who = (
            (event.actor.get_full_name() or event.actor.get_username())
            if event.actor
            else "someone"
        )
        for name, (_, new) in event.changes.items():
            label = UseCase._meta.get_field(name).verbose_name
            latest[name] = ChangeSince(
                field=name, label=label, changed_by=who, theirs=new, yours=yours.get(name, "")
            )
    return list(latest.values())
