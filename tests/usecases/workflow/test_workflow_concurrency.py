"""Two people acting at once, on two real database connections: exactly one decision is recorded and
the other person gets a clear refusal; a double-clicked button acts once.

Transactional: each thread has its own connection and must see what the others committed. Serialized
rollback restores the role groups the flush between transactional tests would delete.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.concurrency import HOLD_SECONDS, at_once
from tests.factories import reviewer
from usecases import services
from usecases.choices import EventKind, NotificationKind, ReviewDecision, Status
from usecases.models import Notification, SignOff, UseCase
from usecases.services import workflow as workflow_services

TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DECISION_EVENTS = [EventKind.APPROVED, EventKind.CHANGES_REQUESTED, EventKind.REJECTED]


@pytest.fixture
def slow_guard(monkeypatch):
    """Widen the window between the state check and the write of every transition. Every
    transition guards through ``services.workflow._guard`` (``locked_for``); the test fails if the
    patched guard never ran, so a race test cannot pass without the race."""
    guard = workflow_services._guard
    paused = []

    def guard_then_pause(current, action, expected_version=None):
        guard(current, action, expected_version)
        paused.append(action)
        time.sleep(HOLD_SECONDS)

    monkeypatch.setattr(workflow_services, "_guard", guard_then_pause)
    yield
    assert paused, "the slowed guard never ran: the race was not tested"


@pytest.fixture
def second_reviewer(transactional_db):
    return reviewer(username="rob", first_name="Rob", last_name="Reviewer")


DECISIONS = {
    "approve": (
        lambda usecase, actor: services.usecase_approve(usecase=usecase, actor=actor),
        Status.AWAITING_SIGN_OFF,
        ReviewDecision.APPROVED,
    ),
    "request_changes": (
        lambda usecase, actor: services.usecase_request_changes(
            usecase=usecase, actor=actor, comment="Name the offices."
        ),
        Status.DRAFT,
        ReviewDecision.CHANGES_REQUESTED,
    ),
    "reject": (
        lambda usecase, actor: services.usecase_reject(
            usecase=usecase, actor=actor, rationale="Duplicate."
        ),
        Status.DECLINED,
        ReviewDecision.REJECTED,
    ),
}


@TRANSACTIONAL
@pytest.mark.usefixtures("slow_guard")
@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "reject"), ("approve", "approve"), ("request_changes", "approve")],
)
def test_two_reviewers_deciding_at_once_record_exactly_one_decision(
    org, usecase_in, second_reviewer, first, second
):
    usecase = usecase_in("in_review")
    reviewers = [org.reviewer, second_reviewer]
    decisions = [first, second]

    outcomes = at_once(
        lambda: DECISIONS[first][0](UseCase.objects.get(pk=usecase.pk), org.reviewer),
        lambda: DECISIONS[second][0](UseCase.objects.get(pk=usecase.pk), second_reviewer),
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], services.InvalidTransition), refused[0]
    winner = next(i for i, outcome in enumerate(outcomes) if not isinstance(outcome, Exception))
    _, to_status, decision = DECISIONS[decisions[winner]]

    stored = UseCase.objects.get(pk=usecase.pk)
    assert stored.status == to_status
    assert stored.version == usecase.version + 1
    review = stored.reviews.get()
    assert (review.reviewer, review.decision) == (reviewers[winner], decision)
    assert stored.events.filter(kind__in=DECISION_EVENTS).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.REVIEW_DECIDED).count() == 1

    message = str(refused[0])
    assert f"{usecase.key} is {Status(to_status).label.lower()} now, so it can't be" in message
    assert "Someone may have acted on it a moment ago" in message


@TRANSACTIONAL
@pytest.mark.usefixtures("slow_guard")
def test_two_sign_offs_at_once_give_one_sign_off(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")

    def sign():
        return services.usecase_sign_off(
            usecase=UseCase.objects.get(pk=usecase.pk), actor=org.owner, accepted=True
        )

    outcomes = at_once(sign, sign)

    assert sum(isinstance(outcome, services.InvalidTransition) for outcome in outcomes) == 1
    assert SignOff.objects.filter(usecase=usecase).count() == 1
    assert UseCase.objects.get(pk=usecase.pk).events.filter(kind=EventKind.SIGNED_OFF).count() == 1


# -- A double-clicked button -----------------------------------------------------------------------


def action_url(usecase, action: str) -> str:
    return reverse(f"usecases:usecase_{action}", args=[usecase.key])


def recorded(usecase) -> dict:
    stored = UseCase.objects.get(pk=usecase.pk)
    return {
        "status": stored.status,
        "version": stored.version,
        "events": stored.events.count(),
        "reviews": list(stored.reviews.values_list("pk", "decision", "decided_at")),
        "sign_offs": stored.sign_offs.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.mark.django_db
def test_a_double_clicked_approve_approves_once_and_says_so(client, org, usecase_in):
    usecase = usecase_in("in_review")
    client.force_login(org.reviewer)
    url = action_url(usecase, "approve")

    shown = {"note": "", "version": usecase.version}
    first = client.post(url, shown)
    after_first = recorded(usecase)
    second = client.post(url, shown)

    assert first.status_code == 302
    assert after_first["status"] == Status.AWAITING_SIGN_OFF
    # The second click was for the version before the approval: refused, saying what happened.
    assert second.status_code == 409
    page = second.content.decode()
    assert f"{usecase.key} changed after you opened it" in page
    assert "Rita Reviewer: approved" in page
    assert recorded(usecase) == after_first
    assert UseCase.objects.get(pk=usecase.pk).events.filter(kind=EventKind.APPROVED).count() == 1


@pytest.mark.django_db
def test_a_double_clicked_htmx_button_answers_with_the_refusal_on_the_panel(
    client, org, usecase_in
):
    usecase = usecase_in("awaiting_sign_off")
    client.force_login(org.owner)
    url = action_url(usecase, "sign_off")
    htmx = {"HX-Request": "true", "HX-Current-URL": usecase.get_absolute_url()}

    shown = {"accepted": "on", "version": usecase.version}
    first = client.post(url, shown, headers=htmx)
    after_first = recorded(usecase)
    second = client.post(url, shown, headers=htmx)

    assert first.status_code == 200
    assert after_first["status"] == Status.ACTIVE
    assert second.status_code == 409  # htmx swaps it in (static/js/app.js)
    panel = second.content.decode()
    assert panel.lstrip().startswith('<section class="card status-panel" id="status-panel"')
    assert "Owen Owner: signed off" in panel
    assert recorded(usecase) == after_first
    assert after_first["sign_offs"] == 1


@TRANSACTIONAL
@pytest.mark.usefixtures("slow_guard")
def test_two_clicks_arriving_together_approve_once(org, usecase_in):
    usecase = usecase_in("in_review")
    clicks = [Client(), Client()]  # two requests from one person, as a double click sends them
    for browser in clicks:
        browser.force_login(org.reviewer)
    url = action_url(usecase, "approve")

    shown = {"note": "", "version": usecase.version}
    responses = at_once(*(lambda browser=browser: browser.post(url, shown) for browser in clicks))

    # The click that waited for the other's lock finds a newer version than it was sent for.
    assert sorted(response.status_code for response in responses) == [302, 409]
    stored = UseCase.objects.get(pk=usecase.pk)
    assert stored.status == Status.AWAITING_SIGN_OFF
    assert stored.version == usecase.version + 1
    assert stored.events.filter(kind=EventKind.APPROVED).count() == 1
    assert stored.reviews.get().decision == ReviewDecision.APPROVED
    refused = next(response for response in responses if response.status_code == 409)
    assert "Rita Reviewer: approved" in refused.content.decode()


@pytest.mark.django_db
def test_a_double_clicked_re_attest_records_one_sign_off(client, org, usecase_in):
    usecase = usecase_in("active")
    client.force_login(org.owner)
    url = reverse("usecases:usecase_reattest", args=[usecase.key])
    shown = {"version": usecase.version}
    first = client.post(url, shown)
    second = client.post(url, shown)
    assert first.status_code == 302
    assert SignOff.objects.filter(usecase=usecase, kind="reattest").count() == 1
    assert second.status_code == 409
    assert "Owen Owner: re-attested" in second.content.decode()
