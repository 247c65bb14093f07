"""Steps every write to a use case shares: lock the row, save and move the version on, record the
event; and one check of required text.
"""

from __future__ import annotations

from django.db.models import F

from core import history
from usecases.choices import EventKind
from usecases.models import UseCase, UseCaseEvent
from usecases.services.errors import UseCaseError


def _lock(usecase: UseCase) -> UseCase:
    return UseCase.objects.select_for_update().get(pk=usecase.pk)


def _bump(current: UseCase, fields: list[str]) -> None:
    """Save ``fields`` and move the version on, so an editor holding an older form gets a conflict."""
    current.version = F("version") + 1
    current.save(update_fields=[*fields, "version", "updated_at"])
    current.refresh_from_db(fields=["version", "updated_at"])


def _record(
    current: UseCase, actor, kind: EventKind, *, from_status="", note="", changes=None
) -> UseCaseEvent:
    return history.record(
        kind,
        usecase=current,
        actor=actor,
        version=current.version,
        from_status=from_status,
        to_status=current.status if from_status else "",
        note=note,
        changes=changes or {},
    )


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise UseCaseError(message)
    return text
