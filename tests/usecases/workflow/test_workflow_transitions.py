"""Every workflow transition through the services: what it records when allowed, and that a refusal
changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.conftest import make_usecase
from tests.factories import UserFactory, reviewer
from usecases import services
from usecases.choices import (
    SIGN_OFF_STATEMENT,
    EventKind,
    ReviewDecision,
    RevisionReason,
    SignOffKind,
    Status,
)
from usecases.models import OwnershipTransfer, Review, SignOff, UseCase

pytestmark = pytest.mark.django_db

ALL_STATUSES = [status.value for status in Status]


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


def state_of(usecase) -> dict:
    """Everything a transition writes, to show that a refusal wrote nothing."""
    row = stored(usecase)
    return {
        "status": row.status,
        "version": row.version,
        "owner": row.owner_id,
        "changed_since_sign_off": row.changed_since_sign_off,
        "signed_off_at": row.signed_off_at,
        "attestation_expires_at": row.attestation_expires_at,
        "events": list(row.events.values_list("pk", flat=True)),
        "revisions": list(row.revisions.values_list("pk", flat=True)),
        "reviews": list(row.reviews.values_list("pk", "decision", "decided_at")),
        "sign_offs": list(row.sign_offs.values_list("pk", "superseded_at")),
        "transfers": list(row.transfers.values_list("pk", "resolved_at")),
        "notifications": list(row.notifications.values_list("pk", flat=True)),
    }


def latest_event(usecase):
    return stored(usecase).events.first()


# -- Submit ----------------------------------------------------------------------------------------

REVIEW_NEEDS = [
    "Who",
    "Problem",
    "Success signal",
    "Owner",
    "at least one product",
    "at least one goal",
]
LEFT_OUT = {
    "Who": {"who": ""},
    "Problem": {"problem": "   "},
    "Success signal": {"success_signal": ""},
    "Owner": {"owner": None},
    "at least one product": {"products": []},
    "at least one goal": {"goals": []},
}


def test_submitting_a_complete_draft_opens_a_review_on_a_snapshot(org, usecase):
    submitted = services.usecase_submit(usecase=usecase, actor=org.lead)

    assert submitted.status == Status.IN_REVIEW
    review = Review.objects.get(usecase=usecase)
    assert review.decided_at is None
    assert review.submitted_by == org.lead
    assert review.revision.reason == RevisionReason.SUBMITTED
    assert review.revision.data["who"] == "Claims officers in regional offices"
    assert review.revision.data["owner"] == "Owen Owner"
    event = latest_event(usecase)
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        EventKind.SUBMITTED,
        org.lead,
        Status.DRAFT,
        Status.IN_REVIEW,
    )
    assert stored(usecase).version == usecase.version + 1


def test_submitting_an_empty_draft_lists_everything_missing_and_changes_nothing(org):
    empty = make_usecase(
        org=org, who="", problem="", success_signal="", owner=None, products=[], goals=[]
    )
    before = state_of(empty)

    with pytest.raises(services.Incomplete) as refusal:
        services.usecase_submit(usecase=empty, actor=org.lead)

    assert refusal.value.missing == REVIEW_NEEDS
    assert "Missing: Who, Problem, Success signal, Owner" in str(refusal.value)
    assert state_of(empty) == before


@pytest.mark.parametrize("missing", REVIEW_NEEDS)
def test_submitting_a_draft_lacking_one_thing_names_exactly_that(org, missing):
    draft = make_usecase(org=org, **LEFT_OUT[missing])
    before = state_of(draft)

    with pytest.raises(services.Incomplete) as refusal:
        services.usecase_submit(usecase=draft, actor=org.lead)

    assert refusal.value.missing == [missing]
    assert state_of(draft) == before


# -- Review decisions ------------------------------------------------------------------------------


def test_approving_closes_the_review_and_awaits_the_owners_sign_off(org, usecase_in):
    usecase = usecase_in("in_review")

    approved = services.usecase_approve(usecase=usecase, actor=org.reviewer, comment=" Clear. ")

    assert approved.status == Status.AWAITING_SIGN_OFF
    review = Review.objects.get(usecase=usecase)
    assert (review.reviewer, review.decision, review.comment) == (
        org.reviewer,
        ReviewDecision.APPROVED,
        "Clear.",
    )
    assert review.decided_at is not None
    event = latest_event(usecase)
    assert (event.kind, event.actor, event.note) == (EventKind.APPROVED, org.reviewer, "Clear.")
    assert (event.from_status, event.to_status) == (Status.IN_REVIEW, Status.AWAITING_SIGN_OFF)


def test_requesting_changes_sends_the_use_case_back_to_draft_with_the_comment(org, usecase_in):
    usecase = usecase_in("in_review")

    services.usecase_request_changes(
        usecase=usecase, actor=org.reviewer, comment="Name the regional offices."
    )

    assert stored(usecase).status == Status.DRAFT
    review = Review.objects.get(usecase=usecase)
    assert review.decision == ReviewDecision.CHANGES_REQUESTED
    assert review.comment == "Name the regional offices."
    assert latest_event(usecase).kind == EventKind.CHANGES_REQUESTED


def test_a_draft_sent_back_for_changes_can_be_resubmitted_for_a_new_review(org, usecase_in):
    usecase = usecase_in("in_review")
    services.usecase_request_changes(usecase=usecase, actor=org.reviewer, comment="Fix it.")

    services.usecase_submit(usecase=usecase, actor=org.lead)

    assert stored(usecase).status == Status.IN_REVIEW
    assert usecase.reviews.count() == 2
    assert usecase.reviews.filter(decided_at__isnull=True).count() == 1
    assert list(usecase.revisions.values_list("number", flat=True)) == [2, 1]


@pytest.mark.parametrize("blank", ["", "   "])
def test_requesting_changes_without_a_comment_is_refused(org, usecase_in, blank):
    usecase = usecase_in("in_review")
    before = state_of(usecase)

    with pytest.raises(services.UseCaseError, match="Say what needs to change"):
        services.usecase_request_changes(usecase=usecase, actor=org.reviewer, comment=blank)

    assert state_of(usecase) == before


def test_rejecting_declines_the_use_case_with_the_rationale(org, usecase_in):
    usecase = usecase_in("in_review")

    services.usecase_reject(usecase=usecase, actor=org.reviewer, rationale="Duplicates UC-7.")

    declined = stored(usecase)
    assert declined.status == Status.DECLINED
    assert declined.get_status_display() == "Declined"
    review = Review.objects.get(usecase=usecase)
    assert (review.decision, review.comment) == (ReviewDecision.REJECTED, "Duplicates UC-7.")
    event = latest_event(usecase)
    assert (event.kind, event.note) == (EventKind.REJECTED, "Duplicates UC-7.")


@pytest.mark.parametrize("blank", ["", "  \n "])
def test_rejecting_without_a_rationale_is_refused(org, usecase_in, blank):
    usecase = usecase_in("in_review")
    before = state_of(usecase)

    with pytest.raises(services.UseCaseError, match="Give the rationale"):
        services.usecase_reject(usecase=usecase, actor=org.reviewer, rationale=blank)

    assert state_of(usecase) == before


def test_a_declined_use_case_can_be_reopened_as_a_draft_and_submitted_again(org, usecase_in):
    usecase = usecase_in("declined")

    services.usecase_reopen(usecase=usecase, actor=org.member)

    assert stored(usecase).status == Status.DRAFT
    event = latest_event(usecase)
    assert (event.kind, event.from_status, event.to_status) == (
        EventKind.REOPENED,
        Status.DECLINED,
        Status.DRAFT,
    )
    services.usecase_submit(usecase=usecase, actor=org.lead)
    assert stored(usecase).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    "decide",
    [
        lambda usecase, actor: services.usecase_approve(usecase=usecase, actor=actor),
        lambda usecase, actor: services.usecase_request_changes(
            usecase=usecase, actor=actor, comment="Mine to fix."
        ),
        lambda usecase, actor: services.usecase_reject(
            usecase=usecase, actor=actor, rationale="Mine to drop."
        ),
    ],
    ids=["approve", "request_changes", "reject"],
)
def test_a_reviewer_cannot_decide_on_a_use_case_they_wrote(org, decide):
    writing_reviewer = reviewer(username="raf", first_name="Raf", last_name="Writer")
    usecase = make_usecase(org=org, author=writing_reviewer)
    services.usecase_submit(usecase=usecase, actor=org.lead)
    before = state_of(usecase)

    with pytest.raises(services.NotAllowed, match="another reviewer must decide"):
        decide(usecase, writing_reviewer)

    assert state_of(usecase) == before


# -- Sign-off --------------------------------------------------------------------------------------


def test_the_named_owner_signing_off_makes_the_use_case_active_and_owned(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")

    with override_settings(SIGN_OFF_VALID_DAYS=30):
        services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)

    active = stored(usecase)
    assert active.status == Status.ACTIVE
    sign_off = SignOff.objects.get(usecase=usecase)
    assert sign_off.owner == org.owner
    assert sign_off.kind == SignOffKind.SIGN_OFF
    assert sign_off.statement == SIGN_OFF_STATEMENT
    assert sign_off.expires_at == sign_off.signed_at + timedelta(days=30)
    assert sign_off.superseded_at is None
    assert sign_off.revision.reason == RevisionReason.SIGNED
    assert sign_off.revision.data["success_signal"] == active.success_signal
    assert sign_off.revision.created_by == org.owner
    assert active.signed_off_at == sign_off.signed_at
    assert active.attestation_expires_at == sign_off.expires_at
    assert not active.changed_since_sign_off
    assert not active.attestation_overdue
    event = latest_event(usecase)
    assert (event.kind, event.actor, event.note) == (
        EventKind.SIGNED_OFF,
        org.owner,
        SIGN_OFF_STATEMENT,
    )


def test_a_sign_off_holds_for_the_configured_number_of_days_by_default(org, usecase_in, settings):
    usecase = usecase_in("active")

    sign_off = SignOff.objects.get(usecase=usecase)
    assert sign_off.expires_at - sign_off.signed_at == timedelta(days=settings.SIGN_OFF_VALID_DAYS)
    assert settings.SIGN_OFF_VALID_DAYS == 180


@pytest.mark.parametrize("role", ["member", "lead", "reviewer", "admin", "non_member"])
def test_nobody_but_the_named_owner_can_sign_off(org, usecase_in, role):
    usecase = usecase_in("awaiting_sign_off")
    before = state_of(usecase)

    with pytest.raises(services.NotAllowed, match="Only the named owner"):
        services.usecase_sign_off(usecase=usecase, actor=getattr(org, role), accepted=True)

    assert state_of(usecase) == before


def test_signing_off_without_accepting_the_statement_is_refused(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")
    before = state_of(usecase)

    with pytest.raises(services.UseCaseError, match="to sign off"):
        services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=False)

    assert state_of(usecase) == before


# -- Declining ownership ---------------------------------------------------------------------------


def test_declining_ownership_returns_the_draft_to_its_author_without_an_owner(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")

    services.usecase_decline_ownership(usecase=usecase, actor=org.owner, reason="Not my area.")

    draft = stored(usecase)
    assert draft.status == Status.DRAFT
    assert draft.owner is None
    event = latest_event(usecase)
    assert (event.kind, event.actor, event.note) == (
        EventKind.OWNERSHIP_DECLINED,
        org.owner,
        "Not my area.",
    )
    with pytest.raises(services.Incomplete) as refusal:
        services.usecase_submit(usecase=draft, actor=org.lead)
    assert refusal.value.missing == ["Owner"]


def test_declining_ownership_needs_a_reason(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")
    before = state_of(usecase)

    with pytest.raises(services.UseCaseError, match="Say why you decline"):
        services.usecase_decline_ownership(usecase=usecase, actor=org.owner, reason=" ")

    assert state_of(usecase) == before


def test_only_the_named_owner_can_decline_ownership(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")
    before = state_of(usecase)

    with pytest.raises(services.NotAllowed):
        services.usecase_decline_ownership(usecase=usecase, actor=org.lead, reason="Not theirs.")

    assert state_of(usecase) == before


# -- Transferring ownership ------------------------------------------------------------------------


@pytest.mark.parametrize("requested_by", ["owner", "lead", "admin"])
def test_a_transfer_awaits_the_new_owners_sign_off_while_the_old_one_holds(
    org, usecase_in, successor, requested_by
):
    usecase = usecase_in("active")
    old_sign_off = SignOff.objects.get(usecase=usecase)

    services.usecase_transfer_ownership(
        usecase=usecase, actor=getattr(org, requested_by), new_owner=successor, reason="Moved."
    )

    pending = stored(usecase)
    assert pending.status == Status.AWAITING_SIGN_OFF
    assert pending.owner == successor
    transfer = OwnershipTransfer.objects.get(usecase=usecase)
    assert (transfer.from_owner, transfer.to_owner, transfer.requested_by) == (
        org.owner,
        successor,
        getattr(org, requested_by),
    )
    assert transfer.resolved_at is None
    assert services.current_sign_off(pending) == old_sign_off
    assert pending.attestation_expires_at == old_sign_off.expires_at
    assert latest_event(usecase).kind == EventKind.TRANSFER_REQUESTED


def test_the_new_owners_sign_off_supersedes_the_previous_one(org, usecase_in, successor):
    usecase = usecase_in("active")
    old_sign_off = SignOff.objects.get(usecase=usecase)
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)

    services.usecase_sign_off(usecase=usecase, actor=successor, accepted=True)

    active = stored(usecase)
    assert (active.status, active.owner) == (Status.ACTIVE, successor)
    new_sign_off = services.current_sign_off(active)
    assert new_sign_off.owner == successor
    old_sign_off.refresh_from_db()
    assert old_sign_off.superseded_at == new_sign_off.signed_at
    assert old_sign_off.superseded_by == new_sign_off
    transfer = OwnershipTransfer.objects.get(usecase=usecase)
    assert transfer.accepted is True
    assert transfer.resolved_at is not None
    assert active.attestation_expires_at == new_sign_off.expires_at


def test_the_previous_owner_cannot_sign_for_the_new_one(org, usecase_in, successor):
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)
    before = state_of(usecase)

    with pytest.raises(services.NotAllowed):
        services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)

    assert state_of(usecase) == before


def test_declining_a_transfer_returns_the_use_case_to_its_previous_owner(
    org, usecase_in, successor
):
    usecase = usecase_in("active")
    old_sign_off = SignOff.objects.get(usecase=usecase)
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)

    services.usecase_decline_ownership(usecase=usecase, actor=successor, reason="Wrong team.")

    active = stored(usecase)
    assert (active.status, active.owner) == (Status.ACTIVE, org.owner)
    transfer = OwnershipTransfer.objects.get(usecase=usecase)
    assert transfer.accepted is False
    assert transfer.resolved_at is not None
    assert services.current_sign_off(active) == old_sign_off
    old_sign_off.refresh_from_db()
    assert old_sign_off.superseded_at is None


@pytest.mark.parametrize(
    "new_owner", ["current owner", "deactivated person"], ids=["same_owner", "deactivated"]
)
def test_a_transfer_to_the_current_owner_or_a_deactivated_account_is_refused(
    org, usecase_in, new_owner
):
    usecase = usecase_in("active")
    person = org.owner if new_owner == "current owner" else UserFactory(is_active=False)
    before = state_of(usecase)

    with pytest.raises(services.UseCaseError):
        services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=person)

    assert state_of(usecase) == before


# -- Re-attesting, retiring, reopening -------------------------------------------------------------


def test_re_attesting_gives_a_fresh_expiry_and_supersedes_the_old_sign_off(org, usecase_in):
    usecase = usecase_in("active")
    old_sign_off = SignOff.objects.get(usecase=usecase)

    services.usecase_reattest(usecase=usecase, actor=org.owner)

    active = stored(usecase)
    renewed = services.current_sign_off(active)
    assert renewed.kind == SignOffKind.REATTEST
    assert renewed.revision == old_sign_off.revision
    assert renewed.expires_at > old_sign_off.expires_at
    old_sign_off.refresh_from_db()
    assert (old_sign_off.superseded_at, old_sign_off.superseded_by) == (renewed.signed_at, renewed)
    assert active.status == Status.ACTIVE
    assert active.attestation_expires_at == renewed.expires_at
    assert latest_event(usecase).kind == EventKind.REATTESTED


def test_only_the_owner_can_re_attest(org, usecase_in):
    usecase = usecase_in("active")
    before = state_of(usecase)

    with pytest.raises(services.NotAllowed):
        services.usecase_reattest(usecase=usecase, actor=org.admin)

    assert state_of(usecase) == before


def test_retiring_records_the_reason_and_reopening_makes_a_draft_again(org, usecase_in):
    usecase = usecase_in("active")

    services.usecase_retire(
        usecase=usecase, actor=org.lead, reason="Claims moved to the new system."
    )

    assert stored(usecase).status == Status.RETIRED
    event = latest_event(usecase)
    assert (event.kind, event.note) == (EventKind.RETIRED, "Claims moved to the new system.")

    services.usecase_reopen(usecase=usecase, actor=org.lead)

    assert stored(usecase).status == Status.DRAFT
    assert latest_event(usecase).kind == EventKind.REOPENED


def test_retiring_needs_a_reason(org, usecase_in):
    usecase = usecase_in("active")
    before = state_of(usecase)

    with pytest.raises(services.UseCaseError, match="Say why it is retired"):
        services.usecase_retire(usecase=usecase, actor=org.lead, reason="")

    assert state_of(usecase) == before


# -- Refused from the wrong state ------------------------------------------------------------------

# The workflow of the design (ARCHITECTURE.md), written out independently of usecases.workflow.
STARTS_FROM = {
    "submit": {"draft"},
    "approve": {"in_review"},
    "request_changes": {"in_review"},
    "reject": {"in_review"},
    "sign_off": {"awaiting_sign_off"},
    "decline_ownership": {"awaiting_sign_off"},
    "transfer_ownership": {"active"},
    "reattest": {"active"},
    "retire": {"active"},
    "reopen": {"declined", "retired"},
}


def take(action, usecase, org, newcomer):
    """Take ``action`` as someone whose role allows it, with valid input."""
    calls = {
        "submit": lambda: services.usecase_submit(usecase=usecase, actor=org.lead),
        "approve": lambda: services.usecase_approve(usecase=usecase, actor=org.reviewer),
        "request_changes": lambda: services.usecase_request_changes(
            usecase=usecase, actor=org.reviewer, comment="Fix it."
        ),
        "reject": lambda: services.usecase_reject(
            usecase=usecase, actor=org.reviewer, rationale="No."
        ),
        "sign_off": lambda: services.usecase_sign_off(
            usecase=usecase, actor=usecase.owner, accepted=True
        ),
        "decline_ownership": lambda: services.usecase_decline_ownership(
            usecase=usecase, actor=usecase.owner, reason="Not mine."
        ),
        "transfer_ownership": lambda: services.usecase_transfer_ownership(
            usecase=usecase, actor=org.lead, new_owner=newcomer
        ),
        "reattest": lambda: services.usecase_reattest(usecase=usecase, actor=usecase.owner),
        "retire": lambda: services.usecase_retire(usecase=usecase, actor=org.lead, reason="Done."),
        "reopen": lambda: services.usecase_reopen(usecase=usecase, actor=org.lead),
    }
    return calls[action]()


WRONG_STATES = [
    (action, status)
    for action, sources in STARTS_FROM.items()
    for status in ALL_STATUSES
    if status not in sources
]


@pytest.mark.parametrize(("action", "status"), WRONG_STATES)
def test_an_action_from_a_state_it_does_not_start_from_is_refused(
    org, usecase_in, successor, action, status
):
    usecase = usecase_in(status)
    before = state_of(usecase)

    with pytest.raises(services.InvalidTransition) as refusal:
        take(action, usecase, org, successor)

    label = Status(status).label.lower()
    assert f"{usecase.key} is {label} now, so it can't be" in str(refusal.value)
    assert state_of(usecase) == before


@pytest.mark.parametrize(
    ("action", "status"),
    [(action, status) for action, sources in STARTS_FROM.items() for status in sorted(sources)],
)
def test_an_action_from_each_state_it_starts_from_is_taken(
    org, usecase_in, successor, action, status
):
    usecase = usecase_in(status)

    take(action, usecase, org, successor)

    assert stored(usecase).version > usecase.version


# -- Editing an active use case --------------------------------------------------------------------


# What the owner signed, with a value different from the one ``METRIC`` gives the use case.
SIGNED_CHANGES = {
    "who": "Something else entirely.",
    "problem": "Something else entirely.",
    "success_signal": "Something else entirely.",
    "metric_name": "Something else entirely.",
    "metric_direction": "decrease",
    "metric_baseline": Decimal(7),
    "metric_baseline_date": date(2026, 2, 1),
    "metric_target": Decimal(500),
    "metric_target_date": date(2027, 6, 30),
}
METRIC = {
    "metric_name": "Claims decided within 10 days (%)",
    "metric_direction": "increase",
    "metric_baseline": Decimal(40),
    "metric_baseline_date": date(2026, 1, 1),
    "metric_target": Decimal(80),
    "metric_target_date": date(2027, 1, 1),
}


@pytest.mark.parametrize("field", [*SIGNED_CHANGES, "owner"])
def test_editing_what_was_signed_sends_an_active_use_case_back_to_review(
    org, usecase_in, successor, field
):
    usecase = usecase_in("active", **METRIC)
    signed = services.current_sign_off(usecase)
    new_value = successor if field == "owner" else SIGNED_CHANGES[field]

    edited = services.usecase_update(
        usecase=usecase, actor=org.member, data={field: new_value}, expected_version=usecase.version
    )

    assert edited.status == Status.IN_REVIEW
    assert edited.changed_since_sign_off is True
    assert stored(usecase).changed_since_sign_off is True
    open_review = Review.objects.get(usecase=usecase, decided_at__isnull=True)
    assert open_review.revision.reason == RevisionReason.SUBMITTED
    assert list(stored(usecase).events.values_list("kind", flat=True)[:2]) == [
        EventKind.RESUBMITTED,
        EventKind.UPDATED,
    ]
    # The last signed revision stays readable until the owner signs again.
    assert services.current_sign_off(edited) == signed
    assert signed.revision.data[field] != open_review.revision.data[field]


def test_the_changed_since_sign_off_mark_clears_when_the_owner_signs_again(org, usecase_in):
    usecase = usecase_in("active")
    services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"problem": "Claims wait months."},
        expected_version=usecase.version,
    )

    services.usecase_approve(usecase=usecase, actor=org.reviewer)
    services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)

    active = stored(usecase)
    assert (active.status, active.changed_since_sign_off) == (Status.ACTIVE, False)
    assert active.sign_offs.filter(superseded_at__isnull=True).count() == 1
    assert services.current_sign_off(active).revision.data["problem"] == "Claims wait months."


@pytest.mark.parametrize(
    "data", [{"title": "A clearer title"}, {"business_intent": "Fewer complaints."}]
)
def test_a_non_material_edit_keeps_an_active_use_case_active(org, usecase_in, data):
    usecase = usecase_in("active")

    edited = services.usecase_update(
        usecase=usecase, actor=org.member, data=data, expected_version=usecase.version
    )

    assert edited.status == Status.ACTIVE
    assert stored(usecase).changed_since_sign_off is False
    assert not Review.objects.filter(usecase=usecase, decided_at__isnull=True).exists()
    assert latest_event(usecase).kind == EventKind.UPDATED


def test_a_material_edit_that_leaves_the_use_case_incomplete_is_refused(org, usecase_in):
    usecase = usecase_in("active")
    before = state_of(usecase)

    with pytest.raises(services.Incomplete) as refusal:
        services.usecase_update(
            usecase=usecase, actor=org.member, data={"who": ""}, expected_version=usecase.version
        )

    assert refusal.value.missing == ["Who"]
    assert state_of(usecase) == before


@pytest.mark.parametrize("status", ["in_review", "awaiting_sign_off", "declined", "retired"])
def test_only_drafts_and_active_use_cases_can_be_edited(org, usecase_in, status):
    usecase = usecase_in(status)
    before = state_of(usecase)

    with pytest.raises(services.NotEditable):
        services.usecase_update(
            usecase=usecase,
            actor=org.member,
            data={"title": "New"},
            expected_version=usecase.version,
        )

    assert state_of(usecase) == before


# -- Attestation expiry ----------------------------------------------------------------------------


def expire(usecase, *, days_ago: int = 1):
    """Move the current sign-off's expiry into the past, as time passing would."""
    past = timezone.now() - timedelta(days=days_ago)
    SignOff.objects.filter(usecase=usecase, superseded_at__isnull=True).update(
        signed_at=past - timedelta(days=180), expires_at=past
    )
    UseCase.objects.filter(pk=usecase.pk).update(attestation_expires_at=past)


def test_an_active_use_case_past_its_expiry_is_attestation_overdue(org, usecase_in):
    overdue = usecase_in("active", title="Overdue")
    current = usecase_in("active", title="Current")
    expire(overdue)

    assert list(UseCase.objects.overdue()) == [stored(overdue)]
    assert stored(overdue).attestation_overdue is True
    assert stored(current).attestation_overdue is False


def test_overdue_is_measured_against_the_given_moment(org, usecase_in):
    usecase = usecase_in("active")
    expiry = stored(usecase).attestation_expires_at

    assert not UseCase.objects.overdue(now=expiry - timedelta(seconds=1)).exists()
    assert UseCase.objects.overdue(now=expiry + timedelta(seconds=1)).get() == stored(usecase)


def test_a_retired_use_case_past_its_expiry_is_not_overdue(org, usecase_in):
    usecase = usecase_in("active")
    expire(usecase)
    services.usecase_retire(usecase=usecase, actor=org.lead, reason="Done.")

    assert not UseCase.objects.overdue().exists()
    assert stored(usecase).attestation_overdue is False


def test_a_short_validity_setting_makes_the_sign_off_overdue_sooner(org, usecase_in):
    with override_settings(SIGN_OFF_VALID_DAYS=1):
        usecase = usecase_in("active")

    assert not UseCase.objects.overdue().exists()
    assert UseCase.objects.overdue(now=timezone.now() + timedelta(days=2)).get() == stored(usecase)


def test_re_attesting_an_overdue_use_case_clears_the_overdue_mark(org, usecase_in):
    usecase = usecase_in("active")
    expire(usecase)

    services.usecase_reattest(usecase=usecase, actor=org.owner)

    assert stored(usecase).attestation_overdue is False
    assert not UseCase.objects.overdue().exists()
