"""A request that is settled stops waiting in people's inboxes: when one reviewer decides, the
other reviewers' "review requested" notices close (read, with who decided), in the same transaction
as the decision; so do "sign-off requested" notices once the sign-off is given, declined or asked of
someone else, and an attestation reminder once the owner re-attests."""

import re

import pytest
from django.db import transaction

from administration.services.deactivation import person_deactivate
from tests.factories import UserFactory, reviewer
from usecases import services
from usecases.choices import NotificationKind
from usecases.models import Notification
from usecases.notifications import MESSAGE_LENGTH, close_requests
from usecases.selectors.inbox import unread_notification_count

pytestmark = pytest.mark.django_db

INBOX_URL = "/inbox/"
COUNT_URL = "/inbox/count/"


@pytest.fixture
def rob(db):
    return reviewer(username="rob", first_name="Rob", last_name="Reviewer")


def nav_count(response) -> int:
    match = re.search(r'<span class="nav-count">(\d+)<', response.content.decode())
    return int(match.group(1)) if match else 0


def request_to(person, usecase, kind=NotificationKind.REVIEW_REQUESTED) -> Notification:
    return Notification.objects.filter(recipient=person, usecase=usecase, kind=kind).latest("pk")


DECISIONS = {
    "approve": (
        lambda usecase, actor: services.usecase_approve(usecase=usecase, actor=actor),
        "approved it",
    ),
    "request_changes": (
        lambda usecase, actor: services.usecase_request_changes(
            usecase=usecase, actor=actor, comment="Name the offices."
        ),
        "asked for changes",
    ),
    "reject": (
        lambda usecase, actor: services.usecase_reject(
            usecase=usecase, actor=actor, rationale="Out of scope."
        ),
        "rejected it",
    ),
}


# -- Review requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("decision", DECISIONS)
def test_when_one_reviewer_decides_the_others_requests_close(
    as_user, org, usecase_in, rob, decision
):
    usecase = usecase_in("in_review")  # asked Rita and Rob
    client = as_user(rob)
    assert unread_notification_count(rob) == 1
    assert nav_count(client.get(COUNT_URL)) == 1
    decide, done = DECISIONS[decision]

    decide(usecase, org.reviewer)

    assert unread_notification_count(rob) == 0
    assert nav_count(client.get(COUNT_URL)) == 0
    notice = request_to(rob, usecase)
    assert notice.read_at is not None
    assert notice.message == (
        f"Leo Lead asks for a review of {usecase.key} “{usecase.title}”. "
        f"— Closed: Rita Reviewer {done}."
    )
    # The decider's own request is settled too.
    assert unread_notification_count(org.reviewer) == 0


def test_the_inbox_tells_the_other_reviewer_someone_else_decided(as_user, org, usecase_in, rob):
    usecase = usecase_in("in_review")
    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    page = as_user(rob).get(INBOX_URL).content.decode()

    assert "Everything read" in page
    assert "— Closed: Rita Reviewer approved it." in page
    assert "notice-unread" not in page


def test_a_decision_through_the_page_closes_the_other_requests(as_user, org, usecase_in, rob):
    usecase = usecase_in("in_review")

    as_user(org.reviewer).post(
        f"/usecases/{usecase.key}/approve/", {"note": "", "version": usecase.version}
    )

    assert unread_notification_count(rob) == 0


def test_a_decision_rolled_back_leaves_the_requests_open(org, usecase_in, rob):
    """The requests close in the decision's own transaction: undone with it."""
    usecase = usecase_in("in_review")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.usecase_approve(usecase=usecase, actor=org.reviewer)
        raise RuntimeError("the request died after the decision")

    notice = request_to(rob, usecase)
    assert notice.read_at is None
    assert "Closed" not in notice.message
    assert unread_notification_count(rob) == 1


def test_a_new_review_round_asks_again_and_the_old_request_stays_closed(org, usecase_in, rob):
    usecase = usecase_in("in_review")
    usecase = services.usecase_request_changes(
        usecase=usecase, actor=org.reviewer, comment="Name the offices."
    )

    services.usecase_submit(usecase=usecase, actor=org.lead)

    requests = Notification.objects.filter(recipient=rob, kind=NotificationKind.REVIEW_REQUESTED)
    assert [notice.read_at is None for notice in requests.order_by("pk")] == [False, True]
    assert unread_notification_count(rob) == 1


def test_a_request_already_read_keeps_its_message(org, usecase_in, rob):
    usecase = usecase_in("in_review")
    notice = request_to(rob, usecase)
    services.notification_mark_read(notification=notice, actor=rob)
    read_at = Notification.objects.get(pk=notice.pk).read_at

    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    stored = Notification.objects.get(pk=notice.pk)
    assert (stored.read_at, stored.message) == (read_at, notice.message)


def test_other_use_cases_requests_stay_open(org, usecase_in, rob):
    usecase = usecase_in("in_review")
    other = usecase_in("in_review", title="Another claim triage")

    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    assert request_to(rob, other).read_at is None
    assert unread_notification_count(rob) == 1


def test_other_notices_about_the_use_case_stay_unread(org, usecase_in, rob):
    """Only requests close: the author's news of the decision is new."""
    usecase = usecase_in("in_review")

    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    assert unread_notification_count(org.member) == 1  # "review decided"
    assert unread_notification_count(org.owner) == 1  # "sign-off requested"


# -- Sign-off requests -------------------------------------------------------------------------


def test_signing_off_closes_the_owners_request(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")
    assert unread_notification_count(org.owner) == 1

    services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)

    notice = request_to(org.owner, usecase, NotificationKind.SIGN_OFF_REQUESTED)
    assert notice.read_at is not None
    assert notice.message.endswith("— Closed: Owen Owner signed it off.")


def test_a_declined_transfer_closes_the_request_to_the_new_owner(org, usecase_in, successor):
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)
    assert unread_notification_count(successor) == 1

    services.usecase_decline_ownership(usecase=usecase, actor=successor, reason="Wrong team.")

    assert unread_notification_count(successor) == 0
    notice = request_to(successor, usecase, NotificationKind.OWNERSHIP_TRANSFERRED)
    assert notice.message.endswith("— Closed: Sam Successor declined ownership.")


def test_handing_an_awaited_sign_off_to_someone_else_closes_the_first_request(
    as_user, org, usecase_in, successor
):
    usecase = usecase_in("awaiting_sign_off")

    services.usecase_reassign_owner(usecase=usecase, actor=org.admin, new_owner=successor)

    assert unread_notification_count(org.owner) == 0
    notice = request_to(org.owner, usecase, NotificationKind.SIGN_OFF_REQUESTED)
    assert notice.message.endswith("— Closed: Adam Admin named Sam Successor the owner instead.")
    # The new owner's request is open.
    assert unread_notification_count(successor) == 1
    assert nav_count(as_user(successor).get(COUNT_URL)) == 1


def test_a_transfer_handed_on_during_a_deactivation_closes_the_first_request(
    org, usecase_in, successor
):
    """Sam was asked to take over, then the admin deactivates the previous owner and names Tom:
    Sam is no longer asked."""
    tom = UserFactory(username="tom", first_name="Tom", last_name="Taker")
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)

    person_deactivate(person=successor, actor=org.admin, usecase_owners={usecase.pk: tom})

    notice = request_to(successor, usecase, NotificationKind.OWNERSHIP_TRANSFERRED)
    assert notice.read_at is not None
    assert "named Tom Taker the owner instead" in notice.message
    assert unread_notification_count(tom) == 1


def test_re_attesting_closes_the_attestation_reminder(org, usecase_in, settings):
    settings.SIGN_OFF_VALID_DAYS = 10
    usecase = usecase_in("active")
    services.send_attestation_reminders()
    assert unread_notification_count(org.owner) == 1

    services.usecase_reattest(usecase=usecase, actor=org.owner)

    assert unread_notification_count(org.owner) == 0
    notice = request_to(org.owner, usecase, NotificationKind.ATTESTATION_DUE)
    assert notice.message.endswith("— Closed: Owen Owner re-attested.")


# -- The note fits the message ---------------------------------------------------------------------


def test_a_long_message_keeps_its_start_and_the_note(org, usecase_in, rob):
    usecase = usecase_in("in_review")
    notice = request_to(rob, usecase)
    long_message = "x" * MESSAGE_LENGTH
    Notification.objects.filter(pk=notice.pk).update(message=long_message)

    closed = close_requests(
        usecase=usecase, kinds=[NotificationKind.REVIEW_REQUESTED], reason="Rita decided."
    )

    assert closed == 2  # Rita's and Rob's
    message = Notification.objects.get(pk=notice.pk).message
    assert len(message) == MESSAGE_LENGTH
    assert message.endswith("x… — Closed: Rita decided.")
