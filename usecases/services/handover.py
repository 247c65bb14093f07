"""What a person leaving needs from use cases beyond a change of owner (``services.
usecase_transfer_ownership`` / ``usecase_reassign_owner``): a new author for the open use cases
they wrote, and a new person to fall back to for a handover they started. The guided deactivation
(``administration.services.deactivation``) calls these; the caller holds the locks."""

from __future__ import annotations

from core import history
from core.history import history_context
from core.people import person_name
from usecases.choices import EventKind, HistoryMark
from usecases.models import OwnershipTransfer, UseCase
from usecases.services.steps import _bump


def usecase_reassign_author(*, usecase: UseCase, actor, new_author, note: str) -> None:
    """Name ``new_author`` the author of ``usecase`` (locked by the caller): the person a draft
    comes back to, whose My work lists it."""
    previous = usecase.author
    with history_context(service=HistoryMark.AUTHOR_REASSIGNED):
        usecase.author = new_author
        _bump(usecase, ["author"])
        history.record(
            EventKind.UPDATED,
            usecase=usecase,
            actor=actor,
            version=usecase.version,
            note=note,
            changes={"author": [person_name(previous), person_name(new_author)]},
        )


def transfer_redirect_fallback(*, transfer: OwnershipTransfer, actor, fallback, leaver) -> None:
    """A handover ``leaver`` started still waits for its new owner: if they decline, the use case
    goes to ``fallback`` instead of to the leaver (``services.usecase_decline_ownership`` hands it
    to the transfer's ``from_owner`` while that person is active)."""
    transfer.from_owner = fallback
    transfer.save(update_fields=["from_owner"])
    usecase = transfer.usecase
    history.record(
        EventKind.UPDATED,
        usecase=usecase,
        actor=actor,
        version=usecase.version,
        note=(
            f"{person_name(leaver)} is leaving: if "
            f"{person_name(transfer.to_owner)} declines ownership, it goes to "
            f"{person_name(fallback)}."
        ),
    )
