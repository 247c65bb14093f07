"""Every write to a use case goes through a function here.

Shape of each: ``transaction.atomic()`` -> lock the row (``select_for_update``) -> guard the state
and the rules of the workflow -> write -> record the event in the same transaction -> notify, whose
e-mail leaves only after commit. Permission to ask is the view's business (``permissions.py``);
the rules that must hold whoever asks (an author never approves their own use case, only the
named owner signs) are enforced here as well.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from pghistory import runtime as pghistory_runtime

from portfolio.choices import REVIEWERS_GROUP
from usecases.choices import (
    ACTION_EVENTS,
    EDITABLE_STATUSES,
    MATERIAL_FIELDS,
    SIGN_OFF_STATEMENT,
    TRANSITIONS,
    Action,
    EventKind,
    NotificationKind,
    ReviewDecision,
    RevisionReason,
    SignOffKind,
    Status,
)
from usecases.models import (
    Comment,
    Notification,
    OwnershipTransfer,
    Review,
    Revision,
    SignOff,
    UseCase,
    UseCaseEvent,
)
from usecases.notifications import notify

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


class InvalidTransition(UseCaseError):
    """The use case is not in a state the action starts from (often: someone was quicker)."""


class NotAllowed(UseCaseError):
    """A workflow rule forbids this person from taking this action."""


class Incomplete(UseCaseError):
    """The use case lacks what a review needs; ``missing`` names each gap."""

    def __init__(self, usecase: UseCase, missing: list[str]):
        self.missing = missing
        super().__init__(f"{usecase.key} can't go to review yet. Missing: {', '.join(missing)}.")


def display_value(value) -> str:
    """A field value as people read it; used for change records and conflict pages."""
    if value is None:
        return ""
    if isinstance(value, get_user_model()):
        return value.get_full_name() or value.get_username()
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(item) for item in value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 95.0000 -> 95, 1.50 -> 1.5
    return str(value)


def _links(usecase: UseCase) -> dict[str, list]:
    return {name: list(getattr(usecase, name).all()) for name in M2M_FIELDS}


def _comparable(usecase: UseCase, m2m: dict | None = None) -> dict:
    """Raw values to detect a change: ids for people and links, numbers as numbers. Display text
    would miss a swap between two people of the same name and see 1.5 vs 1.5000 as a change."""
    values = {
        name: getattr(usecase, UseCase._meta.get_field(name).attname) for name in EDITABLE_FIELDS
    }
    links = {**_links(usecase), **(m2m or {})} if usecase.pk else (m2m or {})
    for name in M2M_FIELDS:
        values[name] = sorted(item.pk for item in links.get(name, []))
    return values


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


@contextmanager
def service_history_context(service: str):
    """Mark the history rows written inside as written by ``service`` (an event name).

    The timeline shows tracked rows without this mark as changes made outside the registry's
    pages (the admin, the shell, an importer). A request already holds one pghistory context
    (user and URL) for all its writes; the service gets a context of its own with the same user
    and URL, so a write next to it in the same request or import run keeps its own, unmarked
    context instead of borrowing the service's mark.
    """
    outer = getattr(pghistory_runtime._tracker, "value", None)
    if outer is None:
        try:
            with pghistory.context(service=str(service)):
                yield
        finally:
            _forget_history_context()
        return
    pghistory_runtime._tracker.value = pghistory_runtime.Context(
        id=uuid.uuid4(), metadata={**outer.metadata, "service": str(service)}
    )
    try:
        yield
    finally:
        pghistory_runtime._tracker.value = outer


def _forget_history_context() -> None:
    """pghistory hands its context to the database with ``SET LOCAL``, which lasts until the
    transaction ends: inside a caller's transaction (an import run, a test), a write after the
    service would still carry the service's mark and vanish from the timeline. Clear it."""
    if not connection.in_atomic_block or connection.needs_rollback:
        return  # autocommit: the setting ended with the service's own transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', '', true), "
            "set_config('pghistory.context_metadata', '', true)"
        )


@service_history_context(EventKind.CREATED)
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


@service_history_context(EventKind.UPDATED)
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

        before, before_shown = _comparable(current), usecase_snapshot(current)
        for name in EDITABLE_FIELDS:
            if name in data:
                setattr(current, name, data[name])
        m2m = {name: list(data[name]) for name in M2M_FIELDS if name in data}
        after = _comparable(current, m2m)
        changed = [name for name in after if before[name] != after[name]]
        if not changed:
            return current
        after_shown = usecase_snapshot(current, {**_links(current), **m2m})
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
        who = (
            (event.actor.get_full_name() or event.actor.get_username())
            if event.actor
            else "someone"
        )
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


def _guard(current: UseCase, action: Action) -> None:
    sources, _ = TRANSITIONS[action]
    if current.status not in sources:
        raise InvalidTransition(
            f"{current.key} is {current.get_status_display().lower()} now, so it can't be "
            f"{_PAST[action]}. Someone may have acted on it a moment ago; the page shows its "
            "current state."
        )


_PAST = {
    Action.SUBMIT: "submitted for review",
    Action.APPROVE: "approved",
    Action.REQUEST_CHANGES: "sent back for changes",
    Action.REJECT: "rejected",
    Action.SIGN_OFF: "signed off",
    Action.DECLINE_OWNERSHIP: "declined",
    Action.TRANSFER_OWNERSHIP: "transferred",
    Action.REATTEST: "re-attested",
    Action.RETIRE: "retired",
    Action.REOPEN: "reopened",
}


def _bump(current: UseCase, fields: list[str]) -> None:
    """Save ``fields`` and move the version on, so an editor holding an older form gets a conflict."""
    current.version = F("version") + 1
    current.save(update_fields=[*fields, "version", "updated_at"])
    current.refresh_from_db(fields=["version", "updated_at"])


def _record(
    current: UseCase, actor, kind: EventKind, *, from_status="", note="", changes=None
) -> UseCaseEvent:
    return UseCaseEvent.objects.create(
        usecase=current,
        kind=kind,
        actor=actor,
        version=current.version,
        from_status=from_status,
        to_status=current.status if from_status else "",
        note=note,
        changes=changes or {},
    )


def _move(current: UseCase, to: Status, actor, kind: EventKind, *, note="", fields=()) -> None:
    """Change the status (and ``fields`` set by the caller), bump the version, record the event."""
    from_status = current.status
    current.status = to
    _bump(current, ["status", "changed_since_sign_off", *fields])
    _record(current, actor, kind, from_status=from_status, note=note)


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise UseCaseError(message)
    return text


def missing_for_review(usecase: UseCase, m2m: dict | None = None) -> list[str]:
    """What a complete use case has and this one lacks, in the form's words."""
    links = m2m or {}
    has_products = bool(links["products"]) if "products" in links else usecase.products.exists()
    has_goals = bool(links["goals"]) if "goals" in links else usecase.goals.exists()
    checks = [
        ("Who", bool(usecase.who.strip())),
        ("Problem", bool(usecase.problem.strip())),
        ("Success signal", bool(usecase.success_signal.strip())),
        ("Owner", usecase.owner_id is not None),
        ("at least one product", has_products),
        ("at least one goal", has_goals),
    ]
    return [label for label, present in checks if not present]


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
        .exclude(pk=current.author_id)
    )
    notify(
        recipients=reviewers,
        kind=NotificationKind.REVIEW_REQUESTED,
        usecase=current,
        message=f"{_name(actor)} asks for a review of {current.key} “{current.title}”.",
    )
    return review


def _name(user) -> str:
    return display_value(user)


@service_history_context(EventKind.SUBMITTED)
def usecase_submit(*, usecase: UseCase, actor) -> UseCase:
    """Send a complete draft to the reviewers."""
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.SUBMIT)
        _require_complete(current)
        _open_review(current, actor)
        _move(current, Status.IN_REVIEW, actor, EventKind.SUBMITTED)
    return current


def _decide(*, usecase, actor, action: Action, decision: ReviewDecision, comment: str) -> UseCase:
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, action)
        if current.author_id == actor.pk:
            raise NotAllowed(f"You wrote {current.key}; another reviewer must decide on it.")
        review = current.reviews.select_for_update().get(decided_at__isnull=True)
        review.reviewer = actor
        review.decision = decision
        review.comment = comment
        review.decided_at = timezone.now()
        review.save(update_fields=["reviewer", "decision", "comment", "decided_at"])

        _, to = TRANSITIONS[action]
        _move(current, to, actor, ACTION_EVENTS[action], note=comment)
        decided = f"{_name(actor)} {_PAST[action]} {current.key} “{current.title}”"
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


@service_history_context(EventKind.APPROVED)
def usecase_approve(*, usecase: UseCase, actor, comment: str = "") -> UseCase:
    return _decide(
        usecase=usecase,
        actor=actor,
        action=Action.APPROVE,
        decision=ReviewDecision.APPROVED,
        comment=(comment or "").strip(),
    )


@service_history_context(EventKind.CHANGES_REQUESTED)
def usecase_request_changes(*, usecase: UseCase, actor, comment: str) -> UseCase:
    comment = _required(comment, "Say what needs to change, so the author knows what to fix.")
    return _decide(
        usecase=usecase,
        actor=actor,
        action=Action.REQUEST_CHANGES,
        decision=ReviewDecision.CHANGES_REQUESTED,
        comment=comment,
    )


@service_history_context(EventKind.REJECTED)
def usecase_reject(*, usecase: UseCase, actor, rationale: str) -> UseCase:
    rationale = _required(rationale, "Give the rationale for rejecting it; the author will see it.")
    return _decide(
        usecase=usecase,
        actor=actor,
        action=Action.REJECT,
        decision=ReviewDecision.REJECTED,
        comment=rationale,
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
    )
    if previous:
        previous.superseded_by = sign_off
        previous.save(update_fields=["superseded_by"])
    current.signed_off_at = sign_off.signed_at
    current.attestation_expires_at = sign_off.expires_at
    return sign_off


@service_history_context(EventKind.SIGNED_OFF)
def usecase_sign_off(*, usecase: UseCase, actor, accepted: bool) -> UseCase:
    """The named owner accepts ownership of the approved text; it becomes active and owned."""
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.SIGN_OFF)
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


@service_history_context(EventKind.REATTESTED)
def usecase_reattest(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    """The owner confirms, again, that they own the use case as signed: a fresh expiry date.

    Re-attesting leaves the status as it is, so the state guard alone cannot stop a double click;
    ``expected_version`` (the version the button was shown for) does.
    """
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.REATTEST)
        _require_owner(current, actor, "re-attest it")
        if expected_version is not None and current.version != expected_version:
            raise InvalidTransition(
                f"{current.key} changed after this page was shown (it may have just been "
                "re-attested); nothing more was recorded."
            )
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


@service_history_context(EventKind.OWNERSHIP_DECLINED)
def usecase_decline_ownership(*, usecase: UseCase, actor, reason: str) -> UseCase:
    """The named owner says no. A fresh use case goes back to its author as a draft; a transfer
    falls back to the previous owner, whose sign-off still holds."""
    reason = _required(reason, "Say why you decline, so the author can find the right owner.")
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.DECLINE_OWNERSHIP)
        _require_owner(current, actor, "decline ownership")
        transfer = current.transfers.select_for_update().filter(resolved_at__isnull=True).first()
        if transfer:
            transfer.resolved_at = timezone.now()
            transfer.accepted = False
            transfer.save(update_fields=["resolved_at", "accepted"])
            current.owner = transfer.from_owner
            to, told = Status.ACTIVE, [transfer.requested_by, transfer.from_owner]
        else:
            current.owner = None
            to, told = Status.DRAFT, [current.author]
        _move(current, to, actor, EventKind.OWNERSHIP_DECLINED, note=reason, fields=["owner"])
        notify(
            recipients=told,
            kind=NotificationKind.OWNERSHIP_DECLINED,
            usecase=current,
            message=f"{_name(actor)} declined ownership of {current.key} “{current.title}”: "
            f"“{reason}”",
        )
    return current


@service_history_context(EventKind.TRANSFER_REQUESTED)
def usecase_transfer_ownership(*, usecase: UseCase, actor, new_owner, reason: str = "") -> UseCase:
    """Hand an active use case to ``new_owner``, who must sign off; until then the previous
    owner's sign-off stays valid."""
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.TRANSFER_OWNERSHIP)
        if not new_owner.is_active:
            raise UseCaseError(f"{_name(new_owner)}'s account is deactivated; choose someone else.")
        if new_owner.pk == current.owner_id:
            raise UseCaseError(f"{_name(new_owner)} already owns {current.key}.")
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
            note=f"To {_name(new_owner)}." + (f" {reason}" if reason else ""),
            fields=["owner"],
        )
        notify(
            recipients=[new_owner],
            kind=NotificationKind.OWNERSHIP_TRANSFERRED,
            usecase=current,
            message=f"{_name(actor)} asks you to take over ownership of {current.key} "
            f"“{current.title}”. Review it and sign off, or decline.",
        )
    return current


@service_history_context(EventKind.RETIRED)
def usecase_retire(*, usecase: UseCase, actor, reason: str) -> UseCase:
    reason = _required(reason, "Say why it is retired; people will look for the reason later.")
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.RETIRE)
        _move(current, Status.RETIRED, actor, EventKind.RETIRED, note=reason)
    return current


@service_history_context(EventKind.REOPENED)
def usecase_reopen(*, usecase: UseCase, actor) -> UseCase:
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, Action.REOPEN)
        _move(current, Status.DRAFT, actor, EventKind.REOPENED)
    return current


@service_history_context(EventKind.COMMENTED)
def comment_post(*, usecase: UseCase, actor, body: str) -> Comment:
    body = _required(body, "Write something before posting.")
    return Comment.objects.create(usecase=usecase, author=actor, body=body)


@service_history_context("signoff.reminder_sent")
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
