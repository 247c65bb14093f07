"""Every write to a use case goes through a function here.

Shape of each: ``transaction.atomic()`` -> lock the row (``select_for_update``) -> guard the state
and the rules of the workflow -> write -> record the event in the same transaction -> notify, whose
e-mail task is queued in that transaction too, so it exists exactly when the change commits.
Permission to ask is the view's business (``permissions.py``); the rules that must hold whoever
asks (an author never approves their own use case, only the named owner signs) are enforced here
as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from core import history
from core.history import history_context
from core.people import person_name
from portfolio.choices import REVIEWERS_GROUP
from portfolio.models import Membership
from usecases import evidence
from usecases.choices import (
    EDITABLE_FIELDS,
    EDITABLE_STATUSES,
    MATERIAL_FIELDS,
    MEASURABLE_STATUSES,
    SIGN_OFF_STATEMENT,
    Action,
    EventKind,
    EvidenceStatus,
    NotificationKind,
    ReviewDecision,
    RevisionReason,
    SignOffKind,
    Status,
)
from usecases.display import (
    M2M_FIELDS,
    comparable_values,
    display_value,
    linked,
    usecase_snapshot,
)
from usecases.models import (
    Comment,
    Measurement,
    Notification,
    OwnershipTransfer,
    Review,
    Revision,
    SignOff,
    UseCase,
    UseCaseEvent,
)
from usecases.notifications import close_requests, notify
from usecases.readiness import missing_for_review
from usecases.workflow import transition


class UseCaseError(Exception):
    """A domain rule refused the change; the message is for the person who asked."""


class EditConflict(UseCaseError):
    """Someone saved the use case after the editor loaded it."""

    def __init__(self, current: UseCase, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(f"{current.key} was changed by someone else after you opened it.")


class StaleVersion(EditConflict):
    """A decision taken on a text that has moved on since the person saw it: nothing is done, so
    nobody approves, signs or retires a version they never read."""

    def __init__(self, current: UseCase, expected_version: int):
        super().__init__(current, expected_version)
        self.args = (
            f"{current.key} changed after you opened it (you saw version {expected_version}; it "
            f"is at version {current.version} now), so nothing was done. See what changed, then "
            "decide again.",
        )


class NotEditable(UseCaseError):
    pass


class InvalidTransition(UseCaseError):
    """The use case is not in a state the action starts from (often: someone was quicker)."""


class NotAllowed(UseCaseError):
    """A workflow rule forbids this person from taking this action."""


class Incomplete(UseCaseError):
    """The use case lacks what a review needs; ``missing`` names each gap."""

    def __init__(self, usecase: UseCase, missing: list[str]):
        self.missing = missing
        super().__init__(f"{usecase.key} can't go to review yet. Missing: {', '.join(missing)}.")


@history_context(service=EventKind.CREATED)
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
        for name in EDITABLE_FIELDS:
            if name in data:
                setattr(current, name, data[name])
        m2m = {name: list(data[name]) for name in M2M_FIELDS if name in data}
        after = comparable_values(current, m2m)
        changed = [name for name in after if before[name] != after[name]]
        if not changed:
            return current
        after_shown = usecase_snapshot(current, {**linked(current), **m2m})
        changes = {name: [before_shown[name], after_shown[name]] for name in changed}

        back_to_review = current.status == Status.ACTIVE and any(
            name in changes for name in MATERIAL_FIELDS
        )
        if back_to_review:
            _require_complete(current, m2m)
        _bump(current, [*EDITABLE_FIELDS])
        for name, items in m2m.items():
            getattr(current, name).set(items)
        _record(current, actor, EventKind.UPDATED, changes=changes)
        if any(name.startswith("metric_") for name in changed):
            _refresh_evidence(current)  # a new baseline, target or date moves the line
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
    for event in events:
        who = person_name(event.actor, "someone")
        for name, (_, new) in event.changes.items():
            label = UseCase._meta.get_field(name).verbose_name
            latest[name] = ChangeSince(
                field=name,
                label=label,
                changed_by=who,
                theirs=new,
                yours=yours.get(name, ""),
                yours_changed=name in yours,
            )
    return list(latest.values())


# --- The workflow -----------------------------------------------------------------------------


def _lock(usecase: UseCase) -> UseCase:
    return UseCase.objects.select_for_update().get(pk=usecase.pk)


def _guard(current: UseCase, action: Action, expected_version: int | None = None) -> None:
    """The action starts from this state, on the version the person decided on.

    ``expected_version`` is the version shown to the person acting; None only where no person saw
    a page (the guided hand-over of a deactivation, the demo, the shell).
    """
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, expected_version)
    step = transition(action)
    if not step.starts_from(current):
        raise InvalidTransition(
            f"{current.key} is {current.get_status_display().lower()} now, so it can't be "
            f"{step.past}. Someone may have acted on it a moment ago; the page shows its "
            "current state."
        )


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


def _move(current: UseCase, to: Status, actor, kind: EventKind, *, note="", fields=()) -> None:
    """Change the status (and ``fields`` set by the caller), bump the version, record the event,
    and close the requests the state it leaves had open."""
    from_status = current.status
    current.status = to
    _bump(current, ["status", "changed_since_sign_off", *fields])
    _record(current, actor, kind, from_status=from_status, note=note)
    if to != from_status and from_status in OPEN_REQUESTS:
        close_requests(
            usecase=current,
            kinds=OPEN_REQUESTS[from_status],
            reason=f"{person_name(actor)} {CLOSED_BY.get(kind, EventKind(kind).label.lower())}.",
        )


# The notices that ask someone to act while a use case is in a state; they close when it leaves.
REVIEW_REQUESTS = (NotificationKind.REVIEW_REQUESTED,)
SIGN_OFF_REQUESTS = (NotificationKind.SIGN_OFF_REQUESTED, NotificationKind.OWNERSHIP_TRANSFERRED)
OPEN_REQUESTS = {Status.IN_REVIEW: REVIEW_REQUESTS, Status.AWAITING_SIGN_OFF: SIGN_OFF_REQUESTS}
# What closed them, after the name of who did it: "Rob Reviewer approved it."
CLOSED_BY = {
    EventKind.APPROVED: "approved it",
    EventKind.CHANGES_REQUESTED: "asked for changes",
    EventKind.REJECTED: "rejected it",
    EventKind.SIGNED_OFF: "signed it off",
    EventKind.OWNERSHIP_DECLINED: "declined ownership",
}


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise UseCaseError(message)
    return text


def _require_complete(current: UseCase, m2m: dict | None = None) -> None:
    missing = missing_for_review(current, m2m)
    if missing:
        raise Incomplete(current, missing)


def _snapshot_revision(current: UseCase, actor, reason: RevisionReason) -> Revision:
    last = current.revisions.aggregate(last=Max("number"))["last"] or 0
    return Revision.objects.create(
        usecase=current,
        number=last + 1,
        version=current.version,
        reason=reason,
        data=usecase_snapshot(current),
        created_by=actor,
    )


def _open_review(current: UseCase, actor) -> Review:
    revision = _snapshot_revision(current, actor, RevisionReason.SUBMITTED)
    review = Review.objects.create(usecase=current, revision=revision, submitted_by=actor)
    reviewers = (
        get_user_model()
        .objects.filter(groups__name=REVIEWERS_GROUP, is_active=True)
        .exclude(pk__in=[current.author_id, actor.pk])  # neither may decide on it
    )
    notify(
        recipients=reviewers,
        kind=NotificationKind.REVIEW_REQUESTED,
        usecase=current,
        message=f"{person_name(actor)} asks for a review of {current.key} “{current.title}”.",
    )
    return review


@history_context(service=EventKind.SUBMITTED)
def usecase_submit(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    """Send a complete draft to the reviewers; or an active use case whose signed text changed
    outside the registry's pages, back to them (then the owner signs the new text)."""
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.SUBMIT, expected_version)
        _require_complete(current)
        _open_review(current, actor)
        kind = EventKind.RESUBMITTED if current.status == Status.ACTIVE else EventKind.SUBMITTED
        _move(current, Status.IN_REVIEW, actor, kind)
    return current


def _decide(
    *, usecase, actor, action: Action, decision: ReviewDecision, comment: str, expected_version
) -> UseCase:
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, action, expected_version)
        review = current.reviews.select_for_update().get(decided_at__isnull=True)
        # Separation of duties: whoever wrote the use case, or sent this version to review (a
        # lead submitting, or the person whose edit reopened it), does not decide on it.
        if actor.pk in {current.author_id, review.submitted_by_id}:
            raise NotAllowed(
                f"You wrote or submitted this version of {current.key}; another reviewer must "
                "decide on it."
            )
        review.reviewer = actor
        review.decision = decision
        review.comment = comment
        review.decided_at = timezone.now()
        review.save(update_fields=["reviewer", "decision", "comment", "decided_at"])

        step = transition(action)
        to = step.target
        _move(current, to, actor, step.event, note=comment)
        decided = f"{person_name(actor)} {step.past} {current.key} “{current.title}”"
        notify(
            recipients=[current.author],
            kind=NotificationKind.REVIEW_DECIDED,
            usecase=current,
            message=f"{decided}." + (f" “{comment}”" if comment else ""),
        )
        if to == Status.AWAITING_SIGN_OFF:
            notify(
                recipients=[current.owner],
                kind=NotificationKind.SIGN_OFF_REQUESTED,
                usecase=current,
                message=f"{current.key} “{current.title}” was approved; as its owner, please "
                "review it and sign off.",
            )
    return current


@history_context(service=EventKind.APPROVED)
def usecase_approve(
    *, usecase: UseCase, actor, comment: str = "", expected_version: int | None = None
) -> UseCase:
    return _decide(
        usecase=usecase,
        actor=actor,
        action=Action.APPROVE,
        decision=ReviewDecision.APPROVED,
        comment=(comment or "").strip(),
        expected_version=expected_version,
    )


@history_context(service=EventKind.CHANGES_REQUESTED)
def usecase_request_changes(
    *, usecase: UseCase, actor, comment: str, expected_version: int | None = None
) -> UseCase:
    comment = _required(comment, "Say what needs to change, so the author knows what to fix.")
    return _decide(
        usecase=usecase,
        actor=actor,
        action=Action.REQUEST_CHANGES,
        decision=ReviewDecision.CHANGES_REQUESTED,
        comment=comment,
        expected_version=expected_version,
    )


@history_context(service=EventKind.REJECTED)
def usecase_reject(
    *, usecase: UseCase, actor, rationale: str, expected_version: int | None = None
) -> UseCase:
    rationale = _required(rationale, "Give the rationale for rejecting it; the author will see it.")
    return _decide(
        usecase=usecase,
        actor=actor,
        action=Action.REJECT,
        decision=ReviewDecision.REJECTED,
        comment=rationale,
        expected_version=expected_version,
    )


def _require_owner(current: UseCase, actor, doing: str) -> None:
    if current.owner_id != actor.pk:
        raise NotAllowed(f"Only the named owner of {current.key} can {doing}.")


def current_sign_off(usecase: UseCase) -> SignOff | None:
    return usecase.sign_offs.filter(superseded_at__isnull=True).first()


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


@history_context(service=EventKind.SIGNED_OFF)
def usecase_sign_off(
    *, usecase: UseCase, actor, accepted: bool, expected_version: int | None = None
) -> UseCase:
    """The named owner accepts ownership of the approved text; it becomes active and owned."""
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.SIGN_OFF, expected_version)
        _require_owner(current, actor, "sign it off")
        if not accepted:
            raise UseCaseError(f"Tick “{SIGN_OFF_STATEMENT}” to sign off.")
        revision = _snapshot_revision(current, actor, RevisionReason.SIGNED)
        _give_sign_off(current, actor, SignOffKind.SIGN_OFF, revision)
        transfer = current.transfers.select_for_update().filter(resolved_at__isnull=True).first()
        if transfer:
            transfer.resolved_at = timezone.now()
            transfer.accepted = True
            transfer.save(update_fields=["resolved_at", "accepted"])
        current.changed_since_sign_off = False
        _move(
            current,
            Status.ACTIVE,
            actor,
            EventKind.SIGNED_OFF,
            note=SIGN_OFF_STATEMENT,
            fields=["signed_off_at", "attestation_expires_at"],
        )
    return current


@history_context(service=EventKind.REATTESTED)
def usecase_reattest(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    """The owner confirms, again, that they own the use case as signed: a fresh expiry date.

    Re-attesting leaves the status as it is, so the state guard alone cannot stop a double click;
    ``expected_version`` (the version the button was shown for) does: the second click is stale.
    """
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.REATTEST, expected_version)
        _require_owner(current, actor, "re-attest it")
        signed = current_sign_off(current)
        revision = (
            signed.revision if signed else _snapshot_revision(current, actor, RevisionReason.SIGNED)
        )
        _give_sign_off(current, actor, SignOffKind.REATTEST, revision)
        _move(
            current,
            Status.ACTIVE,
            actor,
            EventKind.REATTESTED,
            note=SIGN_OFF_STATEMENT,
            fields=["signed_off_at", "attestation_expires_at"],
        )
    return current


@history_context(service=EventKind.OWNERSHIP_DECLINED)
def usecase_decline_ownership(
    *, usecase: UseCase, actor, reason: str, expected_version: int | None = None
) -> UseCase:
    """The named owner says no. A fresh use case goes back to its author as a draft; a transfer
    falls back to the previous owner, whose sign-off still holds; or, when a deactivation named a
    successor to take it back, to that successor, who is asked to sign off."""
    reason = _required(reason, "Say why you decline, so the author can find the right owner.")
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.DECLINE_OWNERSHIP, expected_version)
        _require_owner(current, actor, "decline ownership")
        transfer = current.transfers.select_for_update().filter(resolved_at__isnull=True).first()
        if transfer:
            transfer.resolved_at = timezone.now()
            transfer.accepted = False
            transfer.save(update_fields=["resolved_at", "accepted"])
        fallback = transfer.from_owner if transfer else None
        if fallback is not None and fallback.is_active:
            current.owner = fallback
            signed = current_sign_off(current)
            if signed is not None and signed.owner_id == fallback.pk:
                to, told = Status.ACTIVE, [transfer.requested_by, fallback]
            else:
                # Named to take it back when its previous owner left (usecases.admin_people):
                # they never signed it, so they are asked to, as every new owner is.
                OwnershipTransfer.objects.create(
                    usecase=current,
                    from_owner=None,
                    to_owner=fallback,
                    requested_by=transfer.requested_by,
                    reason=transfer.reason,
                )
                to, told = Status.AWAITING_SIGN_OFF, [transfer.requested_by]
        else:
            # A first owner said no, or the previous owner of a transfer has left: back to the
            # author to find someone.
            current.owner = None
            to, told = Status.DRAFT, [current.author, transfer and transfer.requested_by]
        _move(current, to, actor, EventKind.OWNERSHIP_DECLINED, note=reason, fields=["owner"])
        if to == Status.AWAITING_SIGN_OFF:
            # Still awaiting sign-off, so _move closed nothing: the decliner's request closes.
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
        notify(
            recipients=told,
            kind=NotificationKind.OWNERSHIP_DECLINED,
            usecase=current,
            message=f"{person_name(actor)} declined ownership of {current.key} “{current.title}”: "
            f"“{reason}”",
        )
    return current


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
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.TRANSFER_OWNERSHIP, expected_version)
        if not new_owner.is_active:
            raise UseCaseError(
                f"{person_name(new_owner)}'s account is deactivated; choose someone else."
            )
        if new_owner.pk == current.owner_id:
            raise UseCaseError(f"{person_name(new_owner)} already owns {current.key}.")
        reason = (reason or "").strip()
        OwnershipTransfer.objects.create(
            usecase=current,
            from_owner=current.owner,
            to_owner=new_owner,
            requested_by=actor,
            reason=reason,
        )
        current.owner = new_owner
        _move(
            current,
            Status.AWAITING_SIGN_OFF,
            actor,
            EventKind.TRANSFER_REQUESTED,
            note=f"To {person_name(new_owner)}." + (f" {reason}" if reason else ""),
            fields=["owner"],
        )
        notify(
            recipients=[new_owner],
            kind=NotificationKind.OWNERSHIP_TRANSFERRED,
            usecase=current,
            message=f"{person_name(actor)} asks you to take over ownership of {current.key} "
            f"“{current.title}”. Review it and sign off, or decline.",
        )
    return current


@history_context(service=EventKind.RETIRED)
def usecase_retire(
    *, usecase: UseCase, actor, reason: str, expected_version: int | None = None
) -> UseCase:
    reason = _required(reason, "Say why it is retired; people will look for the reason later.")
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.RETIRE, expected_version)
        _move(current, Status.RETIRED, actor, EventKind.RETIRED, note=reason)
    return current


@history_context(service=EventKind.REOPENED)
def usecase_reopen(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.REOPEN, expected_version)
        _move(current, Status.DRAFT, actor, EventKind.REOPENED)
    return current


@history_context(service=EventKind.COMMENTED)
def comment_post(*, usecase: UseCase, actor, body: str) -> Comment:
    body = _required(body, "Write something before posting.")
    return Comment.objects.create(usecase=usecase, author=actor, body=body)


@history_context(service="signoff.reminder_sent")
def send_attestation_reminders(*, now=None) -> int:
    """Remind owners whose sign-off expires within the reminder window, once per sign-off."""
    now = now or timezone.now()
    due = (
        SignOff.objects.select_for_update(of=("self",))
        .filter(
            superseded_at__isnull=True,
            reminder_sent_at__isnull=True,
            usecase__status=Status.ACTIVE,
            expires_at__lte=now + timedelta(days=settings.ATTESTATION_REMINDER_DAYS),
        )
        .select_related("usecase__owner")
    )
    sent = 0
    with transaction.atomic():
        for sign_off in due:
            usecase = sign_off.usecase
            when = "expired" if sign_off.expires_at < now else "expires"
            expiry = timezone.localdate(sign_off.expires_at)
            notify(
                recipients=[usecase.owner],
                kind=NotificationKind.ATTESTATION_DUE,
                usecase=usecase,
                message=f"Your sign-off of {usecase.key} “{usecase.title}” {when} on "
                f"{expiry.day} {expiry:%B %Y}. Re-attest if you still own it.",
            )
            sign_off.reminder_sent_at = now
            sign_off.save(update_fields=["reminder_sent_at"])
            sent += 1
    return sent


# --- The inbox ----------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, actor) -> Notification:
    """Mark one of ``actor``'s notices read. The first reading time is kept: a second click, or
    two tabs, change nothing."""
    if notification.recipient_id != actor.pk:
        raise NotAllowed("Only the person a notice was sent to can mark it read.")
    now = timezone.now()
    marked = Notification.objects.filter(
        pk=notification.pk, recipient=actor, read_at__isnull=True
    ).update(read_at=now)
    if marked:
        notification.read_at = now
    else:
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor, up_to_id: int | None = None) -> int:
    """Mark ``actor``'s unread notices read and return how many. ``up_to_id`` (the newest notice
    the person saw) leaves alone a notice that arrived after the page was drawn."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    return unread.update(read_at=timezone.now())


# --- Reassigning ownership outside the normal handover (a person leaves) ------------------------

# Statuses whose owner an admin may replace directly; an active use case goes through
# ``usecase_transfer_ownership`` instead, so the new owner signs before the old sign-off lapses.
REASSIGNABLE_STATUSES = frozenset(
    {Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF, Status.DECLINED, Status.RETIRED}
)


@history_context(service="usecase.owner_reassigned")
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
        if not new_owner.is_active:
            raise UseCaseError(
                f"{person_name(new_owner)}'s account is deactivated; choose someone else."
            )
        if new_owner.pk == current.owner_id:
            raise UseCaseError(f"{person_name(new_owner)} already owns {current.key}.")
        reason = (reason or "").strip()
        previous = current.owner
        if current.status == Status.AWAITING_SIGN_OFF:
            transfer = (
                current.transfers.select_for_update().filter(resolved_at__isnull=True).first()
            )
            if transfer:
                transfer.resolved_at = timezone.now()
                transfer.accepted = False
                transfer.save(update_fields=["resolved_at", "accepted"])
                OwnershipTransfer.objects.create(
                    usecase=current,
                    from_owner=transfer.from_owner,
                    to_owner=new_owner,
                    requested_by=actor,
                    reason=reason,
                )
        current.owner = new_owner
        _bump(current, ["owner"])
        # Whoever was asked to sign, or told they own it, is no longer: their notices close.
        close_requests(
            usecase=current,
            kinds=SIGN_OFF_REQUESTS,
            reason=f"{person_name(actor)} named {person_name(new_owner)} the owner instead.",
            keep_recipient=new_owner,
        )
        # Recorded as an edit of the owner field: the timeline shows who replaced whom.
        _record(
            current,
            actor,
            EventKind.UPDATED,
            note=f"To {person_name(new_owner)}." + (f" {reason}" if reason else ""),
            changes={"owner": [display_value(previous), display_value(new_owner)]},
        )
        if current.status == Status.AWAITING_SIGN_OFF:
            notify(
                recipients=[new_owner],
                kind=NotificationKind.SIGN_OFF_REQUESTED,
                usecase=current,
                message=f"{person_name(actor)} named you the owner of {current.key} "
                f"“{current.title}”, which awaits its owner's sign-off. Review it and sign off, "
                "or decline.",
            )
        else:
            notify(
                recipients=[new_owner],
                kind=NotificationKind.OWNERSHIP_TRANSFERRED,
                usecase=current,
                message=f"{person_name(actor)} named you the owner of {current.key} "
                f"“{current.title}” ({current.get_status_display().lower()})."
                + (
                    " You will be asked to sign off once it is approved."
                    if current.status in (Status.DRAFT, Status.IN_REVIEW)
                    else ""
                ),
            )
    return current


# --- Success-signal evidence --------------------------------------------------------------------


# What a measurement's column holds: 16 digits, four of them decimals.
MEASUREMENT_LIMIT = Decimal(10) ** 12


def measurement_text(usecase: UseCase, measured_on, value) -> str:
    """A reading as people say it: "12.5 days on 3 Mar 2025"."""
    unit = f" {usecase.metric_unit}" if usecase.metric_unit else ""
    return f"{display_value(value)}{unit} on {measured_on.day} {measured_on:%b %Y}"


def _refresh_evidence(current: UseCase, *, today=None) -> tuple[str, str]:
    """Recompute ``current``'s evidence status and last measurement date from its measurements
    and save them. Returns the status before and after."""
    today = today or timezone.localdate()
    readings = list(
        Measurement.objects.filter(usecase=current)
        .order_by("measured_on", "pk")
        .values_list("measured_on", "value")
    )
    before = current.evidence_status
    current.evidence_status = evidence_status_of(current, readings, today=today)
    current.last_measured_on = readings[-1][0] if readings else None
    current.save(update_fields=["evidence_status", "last_measured_on"])
    return before, current.evidence_status


def evidence_status_of(usecase: UseCase, readings, *, today) -> EvidenceStatus:
    """``evidence.evaluate`` on ``usecase``'s metric; a use case without a metric has no data."""
    if not usecase.metric_name:
        return EvidenceStatus.NO_DATA
    return evidence.evaluate(
        direction=usecase.metric_direction,
        baseline=usecase.metric_baseline,
        baseline_date=usecase.metric_baseline_date,
        target=usecase.metric_target,
        target_date=usecase.metric_target_date,
        measurements=readings,
        today=today,
    )


def _status_change(before: str, after: str) -> dict:
    if before == after:
        return {}
    labels = dict(EvidenceStatus.choices)
    return {"evidence_status": [labels.get(before, before), labels.get(after, after)]}


def _guard_measurable(current: UseCase) -> None:
    if not current.metric_name:
        raise UseCaseError(
            f"{current.key} has no success metric yet; define the metric before recording "
            "measurements."
        )
    if current.status not in MEASURABLE_STATUSES:
        raise InvalidTransition(
            f"{current.key} is {current.get_status_display().lower()}; measurements are recorded "
            "once it is approved, until it is retired."
        )


def _may_record(current: UseCase, actor) -> bool:
    if current.evidence_keeper_id == actor.pk:
        return True
    allowed = current.measurement_recorders.filter(pk=actor.pk).exists()
    return allowed and Membership.objects.filter(team_id=current.team_id, user=actor).exists()


@history_context(service=EventKind.MEASUREMENT_RECORDED)
def measurement_record(
    *, usecase: UseCase, actor, measured_on, value, note: str = "", source_url: str = ""
) -> Measurement:
    """Record one reading of the success metric and bring the use case's evidence status up to
    date. The owner records, or a team member the owner allowed; never a date in the future."""
    today = timezone.localdate()
    with transaction.atomic():
        current = _lock(usecase)
        _guard_measurable(current)
        if not _may_record(current, actor):
            raise NotAllowed(
                f"Only the owner of {current.key}, or a team member they allow, can record "
                "measurements."
            )
        if measured_on > today:
            raise UseCaseError(
                "The date is in the future; record a measurement once it has been taken."
            )
        value = Decimal(str(value))
        if not value.is_finite() or abs(value) >= MEASUREMENT_LIMIT:
            raise UseCaseError(
                "Enter the measured value as a number below a trillion, to at most four decimals."
            )
        value = value.quantize(evidence.VALUE_PRECISION)
        measurement = Measurement.objects.create(
            usecase=current,
            measured_on=measured_on,
            value=value,
            note=(note or "").strip(),
            source_url=(source_url or "").strip(),
            recorded_by=actor,
        )
        before, after = _refresh_evidence(current, today=today)
        _record(
            current,
            actor,
            EventKind.MEASUREMENT_RECORDED,
            note=measurement_text(current, measured_on, value)
            + (f": {measurement.note}" if measurement.note else "."),
            changes=_status_change(before, after),
        )
    return measurement


@history_context(service=EventKind.MEASUREMENT_DELETED)
def measurement_delete(*, measurement: Measurement, actor) -> UseCase:
    """Delete a reading: the owner any, a recorder their own. The evidence status follows."""
    with transaction.atomic():
        current = _lock(measurement.usecase)
        stored = (
            Measurement.objects.select_for_update()
            .filter(pk=measurement.pk, usecase=current)
            .first()
        )
        if stored is None:
            raise UseCaseError("That measurement was already deleted.")
        _guard_measurable(current)
        if current.evidence_keeper_id != actor.pk and not (
            stored.recorded_by_id == actor.pk and _may_record(current, actor)
        ):
            raise NotAllowed(
                f"Only the owner of {current.key}, or whoever recorded it, can delete a "
                "measurement."
            )
        text = measurement_text(current, stored.measured_on, stored.value)
        stored.delete()
        before, after = _refresh_evidence(current)
        _record(
            current,
            actor,
            EventKind.MEASUREMENT_DELETED,
            note=f"{text}.",
            changes=_status_change(before, after),
        )
    return current


@history_context(service=EventKind.RECORDERS_CHANGED)
def measurement_recorders_set(*, usecase: UseCase, actor, users) -> UseCase:
    """The owner chooses which members of the owning team may record measurements too. The owner
    always may, so naming them changes nothing."""
    with transaction.atomic():
        current = _lock(usecase)
        if current.evidence_keeper_id != actor.pk:
            raise NotAllowed(
                f"Only the owner of {current.key} who signed it off can choose who records "
                "measurements."
            )
        wanted = {user.pk: user for user in users if user.pk != current.evidence_keeper_id}
        members = set(
            Membership.objects.filter(
                team_id=current.team_id, user_id__in=wanted, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        outsiders = [user for pk, user in wanted.items() if pk not in members]
        if outsiders:
            names = ", ".join(sorted(person_name(user) for user in outsiders))
            raise UseCaseError(
                f"Only active members of {current.team.name} can record measurements; "
                f"{names} {'is' if len(outsiders) == 1 else 'are'} not."
            )
        previous = list(current.measurement_recorders.all())
        if {user.pk for user in previous} == set(wanted):
            return current
        current.measurement_recorders.set(list(wanted.values()))
        _record(
            current,
            actor,
            EventKind.RECORDERS_CHANGED,
            changes={
                "measurement_recorders": [
                    ", ".join(sorted(person_name(user) for user in previous)),
                    ", ".join(sorted(person_name(user) for user in wanted.values())),
                ]
            },
        )
    return current


@history_context(service="evidence.recomputed")
def evidence_recompute(*, today=None, batch_size: int = 1000) -> int:
    """Bring every use case's evidence status up to ``today`` (the expected line moves with time,
    and the target date passes); run daily. Returns how many use cases changed.

    Only use cases with a measurement, or with a status or date left from one, are read; each
    batch is locked before its measurements are read, so a measurement recorded meanwhile is
    never overwritten with an older status.
    """
    today = today or timezone.localdate()
    candidates = (
        UseCase.objects.filter(
            Exists(Measurement.objects.filter(usecase=OuterRef("pk")))
            | ~Q(evidence_status=EvidenceStatus.NO_DATA)
            | Q(last_measured_on__isnull=False)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pks = list(candidates)
    readings = Measurement.objects.filter(usecase=OuterRef("pk"))
    changed = 0
    for start in range(0, len(pks), batch_size):
        batch = pks[start : start + batch_size]
        with transaction.atomic():
            list(UseCase.objects.select_for_update().filter(pk__in=batch).values_list("pk"))
            rows = (
                UseCase.objects.filter(pk__in=batch)
                .only(
                    "metric_name",
                    "metric_direction",
                    "metric_baseline",
                    "metric_baseline_date",
                    "metric_target",
                    "metric_target_date",
                    "evidence_status",
                    "last_measured_on",
                )
                .annotate(
                    first_on=Subquery(
                        readings.order_by("measured_on", "pk").values("measured_on")[:1]
                    ),
                    latest_on=Subquery(
                        readings.order_by("-measured_on", "-pk").values("measured_on")[:1]
                    ),
                    latest_value=Subquery(
                        readings.order_by("-measured_on", "-pk").values("value")[:1]
                    ),
                )
            )
            updated = []
            for usecase in rows:
                # The rule reads only the first date and the latest reading.
                pairs = (
                    [
                        (usecase.first_on, usecase.latest_value),
                        (usecase.latest_on, usecase.latest_value),
                    ]
                    if usecase.latest_on
                    else []
                )
                status = evidence_status_of(usecase, pairs, today=today)
                if (status, usecase.latest_on) != (
                    usecase.evidence_status,
                    usecase.last_measured_on,
                ):
                    usecase.evidence_status = status
                    usecase.last_measured_on = usecase.latest_on
                    updated.append(usecase)
            UseCase.objects.bulk_update(updated, ["evidence_status", "last_measured_on"])
            changed += len(updated)
    return changed
