"""Claiming a draft nobody owns (an imported use case, most often): a team lead asks someone to own
it, who accepts or declines; or the person the use case names as its contact claims it directly.

Claiming makes a person the owner of a draft, nothing more: it then goes through review and
sign-off like any other use case, so an imported use case is never active without a signature.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.history import history_context
from core.people import person_name
from portfolio.permissions import forget_role_facts
from usecases import permissions
from usecases.choices import EventKind, NotificationKind
from usecases.display import display_value
from usecases.models import OwnershipRequest, UseCase
from usecases.notifications import close_requests, notify
from usecases.services.errors import InvalidTransition, NotAllowed, StaleVersion, UseCaseError
from usecases.services.steps import _bump, _lock, _record, _required

ASKED = (NotificationKind.OWNERSHIP_REQUESTED,)


def _locked_unowned_draft(usecase: UseCase, expected_version: int | None) -> UseCase:
    """The use case's row, locked, on the version the person saw, still a draft nobody owns."""
    current = _lock(usecase)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, expected_version)
    if not permissions.is_unowned_draft(current):
        state = (
            f"owned by {person_name(current.owner)}"
            if current.owner_id
            else current.get_status_display().lower()
        )
        raise InvalidTransition(
            f"{current.key} is {state} now, so nobody can be asked to own or claim it; "
            "nothing was changed."
        )
    return current


def _open_request(current: UseCase) -> OwnershipRequest | None:
    return (
        current.ownership_requests.select_for_update()
        .select_related("person", "requested_by")
        .open()
        .first()
    )


def _resolve(request: OwnershipRequest, *, accepted: bool, answer: str = "") -> None:
    request.resolved_at = timezone.now()
    request.accepted = accepted
    request.answer = answer
    request.save(update_fields=["resolved_at", "accepted", "answer"])


def _title(current: UseCase) -> str:
    return f"{current.key} “{current.title}”"


def withdraw_ownership_request(current: UseCase, *, reason: str) -> None:
    """The open request on ``current`` (locked by the caller) closes: the draft got its owner
    another way (an edit, an admin's reassignment), so the person asked is asked no longer."""
    request = _open_request(current)
    if request is None:
        return
    _resolve(request, accepted=False, answer=reason)
    close_requests(usecase=current, kinds=ASKED, reason=reason)


@history_context(service=EventKind.OWNERSHIP_REQUESTED)
def usecase_request_ownership(
    *, usecase: UseCase, actor, person, expected_version: int | None = None
) -> OwnershipRequest:
    """Ask ``person`` to own a draft nobody owns. A request already open to someone else is
    withdrawn (they are told in their inbox); the person asked is notified (inbox and e-mail)."""
    with transaction.atomic():
        current = _locked_unowned_draft(usecase, expected_version)
        forget_role_facts(actor)
        if not permissions.may_request_ownership(actor, current):
            raise NotAllowed(
                f"Only a lead of {current.team.name} or an admin can ask someone to own "
                f"{current.key}."
            )
        if not person.is_active:
            raise UseCaseError(
                f"{person_name(person)}'s account is deactivated; choose someone else."
            )
        previous = _open_request(current)
        if previous is not None and previous.person_id == person.pk:
            raise UseCaseError(f"{person_name(person)} is already asked to own {current.key}.")
        note = f"Asked {person_name(person)} to own it."
        if previous is not None:
            _resolve(previous, accepted=False, answer=f"{person_name(person)} was asked instead.")
            close_requests(
                usecase=current,
                kinds=ASKED,
                reason=f"{person_name(actor)} asked {person_name(person)} instead.",
            )
            note += f" (Instead of {person_name(previous.person)}.)"
        request = OwnershipRequest.objects.create(
            usecase=current, person=person, requested_by=actor
        )
        _bump(current, [])
        _record(current, actor, EventKind.OWNERSHIP_REQUESTED, note=note)
        notify(
            recipients=[person],
            kind=NotificationKind.OWNERSHIP_REQUESTED,
            usecase=current,
            message=f"{person_name(actor)} asks you to own {_title(current)}. Accept to become "
            "its owner: you complete the draft, which then goes through review and your "
            "sign-off. Or decline, saying why.",
        )
    return request


@history_context(service=EventKind.OWNERSHIP_CLAIMED)
def usecase_claim(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    """``actor`` becomes the owner of a draft nobody owns: accepting the request that asks them,
    or as the contact the imported use case names. Still a draft: review and sign-off follow."""
    with transaction.atomic():
        current = _locked_unowned_draft(usecase, expected_version)
        asked = _open_request(current)
        told = []
        if asked is not None and asked.person_id == actor.pk:
            _resolve(asked, accepted=True)
            note = f"Accepted {person_name(asked.requested_by)}'s request to own it."
            told = [asked.requested_by]
        elif permissions.may_claim(actor, current):
            note = "Claimed as the contact the use case names."
            if asked is not None:
                _resolve(asked, accepted=False, answer=f"{person_name(actor)} claimed it.")
                told = [asked.requested_by]
        else:
            raise NotAllowed(
                f"Only the person asked to own {current.key}, or the contact it names, can "
                "claim it."
            )
        current.owner = actor
        _bump(current, ["owner"])
        _record(
            current,
            actor,
            EventKind.OWNERSHIP_CLAIMED,
            note=note,
            changes={"owner": [display_value(None), display_value(actor)]},
        )
        close_requests(usecase=current, kinds=ASKED, reason=f"{person_name(actor)} took ownership.")
        notify(
            recipients=told,
            kind=NotificationKind.OWNERSHIP_CLAIMED,
            usecase=current,
            message=f"{person_name(actor)} now owns {_title(current)}, still a draft: once it "
            "is complete a team lead submits it for review, and its owner signs it off.",
        )
    return current


@history_context(service=EventKind.OWNERSHIP_REQUEST_DECLINED)
def usecase_decline_ownership_request(*, usecase: UseCase, actor, reason: str) -> UseCase:
    """The person asked to own a draft says no, and why; whoever asked is told."""
    reason = _required(reason, "Say why you decline, so the team lead can find the right owner.")
    with transaction.atomic():
        current = _lock(usecase)
        asked = _open_request(current)
        if asked is None or not permissions.may_answer_ownership_request(actor, asked):
            raise NotAllowed(f"Nobody asks you to own {current.key} now; nothing was changed.")
        _resolve(asked, accepted=False, answer=reason)
        _bump(current, [])
        _record(current, actor, EventKind.OWNERSHIP_REQUEST_DECLINED, note=reason)
        close_requests(usecase=current, kinds=ASKED, reason=f"{person_name(actor)} declined.")
        notify(
            recipients=[asked.requested_by],
            kind=NotificationKind.OWNERSHIP_DECLINED,
            usecase=current,
            message=f"{person_name(actor)} declined to own {_title(current)}: “{reason}”",
        )
    return current
