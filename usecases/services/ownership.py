"""Ownership: sign-off, re-attestation, declining, transferring, and an admin reassigning the owner
when a person leaves.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.history import history_context
from core.people import person_name
from usecases.choices import (
    SIGN_OFF_STATEMENT,
    Action,
    EventKind,
    HistoryMark,
    NotificationKind,
    RevisionReason,
    SignOffKind,
    Status,
)
from usecases.display import display_value
from usecases.models import OwnershipTransfer, Revision, SignOff, UseCase
from usecases.notifications import close_requests, notify
from usecases.services.claims import withdraw_ownership_request
from usecases.services.errors import InvalidTransition, NotAllowed, UseCaseError
from usecases.services.steps import _bump, _lock, _record, _required
from usecases.services.workflow import SIGN_OFF_REQUESTS, _move, _snapshot_revision, locked_for
from usecases.workflow import transition


def _require_owner(current: UseCase, actor, doing: str) -> None:
    if current.owner_id != actor.pk:
        raise NotAllowed(f"Only the named owner of {current.key} can {doing}.")


def current_sign_off(usecase: UseCase) -> SignOff | None:
    return usecase.sign_offs.filter(superseded_at__isnull=True).first()


def _open_transfer(current: UseCase) -> OwnershipTransfer | None:
    """The handover waiting for its new owner's sign-off, locked; None when there is none."""
    return current.transfers.select_for_update().filter(resolved_at__isnull=True).first()


def _resolve(transfer: OwnershipTransfer, *, accepted: bool) -> None:
    transfer.resolved_at = timezone.now()
    transfer.accepted = accepted
    transfer.save(update_fields=["resolved_at", "accepted"])


def _check_new_owner(current: UseCase, new_owner) -> None:
    if not new_owner.is_active:
        raise UseCaseError(
            f"{person_name(new_owner)}'s account is deactivated; choose someone else."
        )
    if new_owner.pk == current.owner_id:
        raise UseCaseError(f"{person_name(new_owner)} already owns {current.key}.")


def _handover_note(new_owner, reason: str) -> str:
    return f"To {person_name(new_owner)}." + (f" {reason}" if reason else "")


def _give_sign_off(current: UseCase, actor, kind: SignOffKind, revision: Revision) -> SignOff:
    """Record a sign-off and supersede the one it replaces; keep the use case's dates in step."""
    now = timezone.now()
    previous = current.sign_offs.select_for_update().filter(superseded_at__isnull=True).first()
    if previous:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    sign_off = SignOff.objects.create(
        usecase=current,
        owner=actor,
        revision=revision,
        kind=kind,
        statement=SIGN_OFF_STATEMENT,
        signed_at=now,
        expires_at=now + timedelta(days=settings.SIGN_OFF_VALID_DAYS),
        # A re-attestation renews what was signed, not the text as it may be now; a sign-off
        # binds to the current text (the database computes the digest when this is empty).
        material_digest=previous.material_digest
        if previous and kind == SignOffKind.REATTEST
        else "",
    )
    if previous:
        previous.superseded_by = sign_off
        previous.save(update_fields=["superseded_by"])
    # A fresh expiry answers any reminder that the old one was due.
    done = "re-attested" if kind == SignOffKind.REATTEST else "signed it off"
    close_requests(
        usecase=current,
        kinds=[NotificationKind.ATTESTATION_DUE],
        reason=f"{person_name(actor)} {done}.",
    )
    current.signed_off_at = sign_off.signed_at
    current.attestation_expires_at = sign_off.expires_at
    return sign_off


def _move_signed(current: UseCase, actor, action: Action) -> None:
    """The status move of a sign-off or re-attestation: the statement is the event's note, and
    the new dates (``_give_sign_off``) are saved with it."""
    step = transition(action)
    fields = ["signed_off_at", "attestation_expires_at"]
    _move(current, step.target, actor, step.event, note=SIGN_OFF_STATEMENT, fields=fields)


@history_context(service=EventKind.SIGNED_OFF)
def usecase_sign_off(
    *, usecase: UseCase, actor, accepted: bool, expected_version: int | None = None
) -> UseCase:
    """The named owner accepts ownership of the approved text; it becomes active and owned."""
    with locked_for(usecase, Action.SIGN_OFF, expected_version) as current:
        _require_owner(current, actor, "sign it off")
        if not accepted:
            raise UseCaseError(f"Tick “{SIGN_OFF_STATEMENT}” to sign off.")
        revision = _snapshot_revision(current, actor, RevisionReason.SIGNED)
        _give_sign_off(current, actor, SignOffKind.SIGN_OFF, revision)
        transfer = _open_transfer(current)
        if transfer:
            _resolve(transfer, accepted=True)
        current.changed_since_sign_off = False
        _move_signed(current, actor, Action.SIGN_OFF)
    return current


@history_context(service=EventKind.REATTESTED)
def usecase_reattest(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    """The owner confirms, again, that they own the use case as signed: a fresh expiry date.

    Re-attesting leaves the status as it is, so the state guard alone cannot stop a double click;
    ``expected_version`` (the version the button was shown for) does: the second click is stale.
    """
    with locked_for(usecase, Action.REATTEST, expected_version) as current:
        _require_owner(current, actor, "re-attest it")
        signed = current_sign_off(current)
        revision = (
            signed.revision if signed else _snapshot_revision(current, actor, RevisionReason.SIGNED)
        )
        _give_sign_off(current, actor, SignOffKind.REATTEST, revision)
        _move_signed(current, actor, Action.REATTEST)
    return current


@history_context(service=EventKind.OWNERSHIP_DECLINED)
def usecase_decline_ownership(
    *, usecase: UseCase, actor, reason: str, expected_version: int | None = None
) -> UseCase:
    """The named owner says no. A fresh use case goes back to its author as a draft; a transfer
    falls back to the previous owner, whose sign-off still holds; or, when a deactivation named a
    successor to take it back, to that successor, who is asked to sign off."""
    reason = _required(reason, "Say why you decline, so the author can find the right owner.")
    with locked_for(usecase, Action.DECLINE_OWNERSHIP, expected_version) as current:
        _require_owner(current, actor, "decline ownership")
        transfer = _open_transfer(current)
        if transfer:
            _resolve(transfer, accepted=False)
        to, told = _fall_back(current, transfer)
        event = transition(Action.DECLINE_OWNERSHIP).event
        _move(current, to, actor, event, note=reason, fields=["owner"])
        if to == Status.AWAITING_SIGN_OFF:
            _pass_to_fallback(current, actor, fallback=current.owner)
        notify(
            recipients=told,
            kind=NotificationKind.OWNERSHIP_DECLINED,
            usecase=current,
            message=f"{person_name(actor)} declined ownership of {current.key} “{current.title}”: "
            f"“{reason}”",
        )
    return current


def _fall_back(current: UseCase, transfer: OwnershipTransfer | None) -> tuple[Status, list]:
    """Who owns a declined use case now (set on ``current``), the status it goes to, and who is
    told: the previous owner of a transfer, if still active; else nobody, back to the author."""
    fallback = transfer.from_owner if transfer else None
    if fallback is None or not fallback.is_active:
        # A first owner said no, or the previous owner of a transfer has left: back to the
        # author to find someone.
        current.owner = None
        return Status.DRAFT, [current.author, transfer and transfer.requested_by]
    current.owner = fallback
    signed = current_sign_off(current)
    if signed is not None and signed.owner_id == fallback.pk:
        return Status.ACTIVE, [transfer.requested_by, fallback]
    # Named to take it back when its previous owner left (the guided deactivation): they never
    # signed it, so they are asked to, as every new owner is.
    OwnershipTransfer.objects.create(
        usecase=current,
        from_owner=None,
        to_owner=fallback,
        requested_by=transfer.requested_by,
        reason=transfer.reason,
    )
    return Status.AWAITING_SIGN_OFF, [transfer.requested_by]


def _pass_to_fallback(current: UseCase, actor, *, fallback) -> None:
    """Still awaiting sign-off, so ``_move`` closed nothing: the decliner's request closes, and
    the fallback owner is asked to sign."""
    close_requests(
        usecase=current,
        kinds=SIGN_OFF_REQUESTS,
        reason=f"{person_name(actor)} declined ownership.",
        keep_recipient=fallback,
    )
    notify(
        recipients=[fallback],
        kind=NotificationKind.OWNERSHIP_TRANSFERRED,
        usecase=current,
        message=f"{person_name(actor)} declined ownership of {current.key} “{current.title}”, "
        "which comes to you instead. Review it and sign off, or decline.",
    )


@history_context(service=EventKind.TRANSFER_REQUESTED)
def usecase_transfer_ownership(
    *,
    usecase: UseCase,
    actor,
    new_owner,
    reason: str = "",
    expected_version: int | None = None,
) -> UseCase:
    """Hand an active use case to ``new_owner``, who must sign off; until then the previous
    owner's sign-off stays valid."""
    with locked_for(usecase, Action.TRANSFER_OWNERSHIP, expected_version) as current:
        _check_new_owner(current, new_owner)
        reason = (reason or "").strip()
        OwnershipTransfer.objects.create(
            usecase=current,
            from_owner=current.owner,
            to_owner=new_owner,
            requested_by=actor,
            reason=reason,
        )
        current.owner = new_owner
        step = transition(Action.TRANSFER_OWNERSHIP)
        note = _handover_note(new_owner, reason)
        _move(current, step.target, actor, step.event, note=note, fields=["owner"])
        notify(
            recipients=[new_owner],
            kind=NotificationKind.OWNERSHIP_TRANSFERRED,
            usecase=current,
            message=f"{person_name(actor)} asks you to take over ownership of {current.key} "
            f"“{current.title}”. Review it and sign off, or decline.",
        )
    return current


# --- Reassigning ownership outside the normal handover (a person leaves) ------------------------

# Statuses whose owner an admin may replace directly; an active use case goes through
# ``usecase_transfer_ownership`` instead, so the new owner signs before the old sign-off lapses.
REASSIGNABLE_STATUSES = frozenset(
    {Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF, Status.DECLINED, Status.RETIRED}
)


@history_context(service=HistoryMark.OWNER_REASSIGNED)
def usecase_reassign_owner(*, usecase: UseCase, actor, new_owner, reason: str = "") -> UseCase:
    """Name ``new_owner`` as the owner of a use case that is not active (drafts, reviews, awaiting
    sign-off, declined, retired). Awaiting sign-off: the new owner is asked to sign; an open
    transfer to the previous owner is closed and reopened to the new one."""
    with transaction.atomic():
        current = _lock(usecase)
        if current.status not in REASSIGNABLE_STATUSES:
            raise InvalidTransition(
                f"{current.key} is {current.get_status_display().lower()}; transfer its "
                "ownership instead, so the new owner signs off."
            )
        _check_new_owner(current, new_owner)
        reason = (reason or "").strip()
        previous = current.owner
        if current.status == Status.AWAITING_SIGN_OFF:
            _redirect_open_transfer(current, actor, new_owner, reason)
        current.owner = new_owner
        _bump(current, ["owner"])
        named = f"{person_name(actor)} named {person_name(new_owner)} the owner instead."
        withdraw_ownership_request(current, reason=named)
        # Whoever was asked to sign, or told they own it, is no longer: their notices close.
        close_requests(
            usecase=current,
            kinds=SIGN_OFF_REQUESTS,
            reason=named,
            keep_recipient=new_owner,
        )
        # Recorded as an edit of the owner field: the timeline shows who replaced whom.
        _record(
            current,
            actor,
            EventKind.UPDATED,
            note=_handover_note(new_owner, reason),
            changes={"owner": [display_value(previous), display_value(new_owner)]},
        )
        _tell_reassigned(current, actor, new_owner)
    return current


def _redirect_open_transfer(current: UseCase, actor, new_owner, reason: str) -> None:
    """An open transfer to the previous owner closes, and reopens to ``new_owner``."""
    transfer = _open_transfer(current)
    if transfer:
        _resolve(transfer, accepted=False)
        OwnershipTransfer.objects.create(
            usecase=current,
            from_owner=transfer.from_owner,
            to_owner=new_owner,
            requested_by=actor,
            reason=reason,
        )


def _tell_reassigned(current: UseCase, actor, new_owner) -> None:
    """The new owner hears of it: asked to sign when the use case awaits sign-off."""
    named = f"{person_name(actor)} named you the owner of {current.key} “{current.title}”"
    if current.status == Status.AWAITING_SIGN_OFF:
        notify(
            recipients=[new_owner],
            kind=NotificationKind.SIGN_OFF_REQUESTED,
            usecase=current,
            message=f"{named}, which awaits its owner's sign-off. Review it and sign off, "
            "or decline.",
        )
        return
    later = (
        " You will be asked to sign off once it is approved."
        if current.status in (Status.DRAFT, Status.IN_REVIEW)
        else ""
    )
    notify(
        recipients=[new_owner],
        kind=NotificationKind.OWNERSHIP_TRANSFERRED,
        usecase=current,
        message=f"{named} ({current.get_status_display().lower()}).{later}",
    )
