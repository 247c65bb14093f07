"""The review cycle: submit, approve, request changes, reject, retire, reopen; the guard every
workflow action passes, and the status move that records the event and closes open requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.history import history_context
from core.people import person_name
from portfolio.choices import REVIEWERS_GROUP
from usecases.choices import (
    Action,
    EventKind,
    NotificationKind,
    ReviewDecision,
    RevisionReason,
    Status,
)
from usecases.display import usecase_snapshot
from usecases.models import Review, Revision, UseCase
from usecases.notifications import close_requests, notify
from usecases.readiness import missing_for_review
from usecases.services.errors import Incomplete, InvalidTransition, NotAllowed, StaleVersion
from usecases.services.steps import _bump, _lock, _record, _required
from usecases.workflow import Transition, transition


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


@contextmanager
def locked_for(
    usecase: UseCase, action: Action, expected_version: int | None = None
) -> Iterator[UseCase]:
    """In one transaction: lock the use case's row and guard ``action`` on it (``_guard``); the
    block gets the row as it is now, and everything it writes commits or rolls back together."""
    with transaction.atomic():
        current = _lock(usecase)
        _guard(current, action, expected_version)
        yield current


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
        .exclude(pk__in=current.review_party_ids(submitted_by_id=actor.pk))
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
    with locked_for(usecase, Action.SUBMIT, expected_version) as current:
        _require_complete(current)
        _open_review(current, actor)
        kind = EventKind.RESUBMITTED if current.status == Status.ACTIVE else EventKind.SUBMITTED
        _move(current, Status.IN_REVIEW, actor, kind)
    return current


def _decide(
    *, usecase, actor, action: Action, decision: ReviewDecision, comment: str, expected_version
) -> UseCase:
    with locked_for(usecase, action, expected_version) as current:
        review = current.reviews.select_for_update().get(decided_at__isnull=True)
        # Separation of duties: whoever wrote the use case, or sent this version to review (a
        # lead submitting, or the person whose edit reopened it), does not decide on it.
        if actor.pk in current.review_party_ids(submitted_by_id=review.submitted_by_id):
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
        _move(current, step.target, actor, step.event, note=comment)
        _tell_decision(current, actor, step, comment)
    return current


def _tell_decision(current: UseCase, actor, step: Transition, comment: str) -> None:
    """The author hears the decision; after an approval, the owner is asked to sign off."""
    decided = f"{person_name(actor)} {step.past} {current.key} “{current.title}”"
    notify(
        recipients=[current.author],
        kind=NotificationKind.REVIEW_DECIDED,
        usecase=current,
        message=f"{decided}." + (f" “{comment}”" if comment else ""),
    )
    if step.target == Status.AWAITING_SIGN_OFF:
        notify(
            recipients=[current.owner],
            kind=NotificationKind.SIGN_OFF_REQUESTED,
            usecase=current,
            message=f"{current.key} “{current.title}” was approved; as its owner, please "
            "review it and sign off.",
        )


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


@history_context(service=EventKind.RETIRED)
def usecase_retire(
    *, usecase: UseCase, actor, reason: str, expected_version: int | None = None
) -> UseCase:
    reason = _required(reason, "Say why it is retired; people will look for the reason later.")
    with locked_for(usecase, Action.RETIRE, expected_version) as current:
        step = transition(Action.RETIRE)
        _move(current, step.target, actor, step.event, note=reason)
    return current


@history_context(service=EventKind.REOPENED)
def usecase_reopen(*, usecase: UseCase, actor, expected_version: int | None = None) -> UseCase:
    with locked_for(usecase, Action.REOPEN, expected_version) as current:
        step = transition(Action.REOPEN)
        _move(current, step.target, actor, step.event)
    return current
