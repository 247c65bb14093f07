"""Who is told what: the in-app notice each transition creates, and the e-mail task it queues in
the transition's own transaction (committed with it, or rolled back with it)."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_usecase
from tests.factories import UserFactory, reviewer
from usecases import services
from usecases.choices import NotificationKind
from usecases.models import Notification, UseCase
from usecases.services import workflow as workflow_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_tasks")]


def notices(usecase, kind=None) -> dict[str, set[str]]:
    """``{kind: {username, ...}}`` of the notices about ``usecase``."""
    found: dict[str, set[str]] = {}
    rows = Notification.objects.filter(usecase=usecase).select_related("recipient")
    if kind:
        rows = rows.filter(kind=kind)
    for notice in rows:
        found.setdefault(notice.kind, set()).add(notice.recipient.username)
    return found


def queued_notice_ids() -> list[int]:
    """The notices whose e-mail waits in the task queue."""
    return sorted(
        result.args_kwargs["args"][0]
        for result in DBTaskResult.objects.filter(task_path__endswith="send_notification_email")
    )


def start_afresh():
    """Forget the notices (and their queued e-mails) that building the use case left."""
    Notification.objects.all().delete()
    DBTaskResult.objects.all().delete()


@pytest.fixture
def second_reviewer(db):
    return reviewer(username="rob", first_name="Rob", last_name="Reviewer")


def test_submitting_asks_every_active_reviewer_except_the_author(
    org, django_capture_on_commit_callbacks
):
    writing_reviewer = reviewer(username="raf", first_name="Raf", last_name="Writer")
    reviewer(username="ruth", is_active=False)
    reviewer(username="rob")
    usecase = make_usecase(org=org, author=writing_reviewer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.usecase_submit(usecase=usecase, actor=org.lead)

    assert notices(usecase) == {NotificationKind.REVIEW_REQUESTED: {"rita", "rob"}}
    assert callbacks == []  # queued in the transaction: nothing waits for the commit
    assert queued_notice_ids() == sorted(Notification.objects.values_list("pk", flat=True))


def test_the_review_request_names_the_use_case_and_who_asks(org, usecase):
    services.usecase_submit(usecase=usecase, actor=org.lead)

    notice = Notification.objects.get(recipient=org.reviewer)
    assert notice.message == f"Leo Lead asks for a review of {usecase.key} “{usecase.title}”."
    assert notice.read_at is None
    assert notice.email_sent_at is None


def test_approving_tells_the_author_and_asks_the_owner_to_sign_off(
    org, usecase_in, django_capture_on_commit_callbacks
):
    usecase = usecase_in("in_review")
    start_afresh()

    with django_capture_on_commit_callbacks(execute=True):
        services.usecase_approve(usecase=usecase, actor=org.reviewer, comment="Clear.")

    assert notices(usecase) == {
        NotificationKind.REVIEW_DECIDED: {"mia"},
        NotificationKind.SIGN_OFF_REQUESTED: {"owen"},
    }
    decided = Notification.objects.get(kind=NotificationKind.REVIEW_DECIDED)
    assert decided.message.startswith(f"Rita Reviewer approved {usecase.key}")
    assert decided.message.endswith("“Clear.”")
    assert queued_notice_ids() == sorted(Notification.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("decide", "verb"),
    [
        (
            lambda usecase, actor: services.usecase_request_changes(
                usecase=usecase, actor=actor, comment="Name the offices."
            ),
            "sent back for changes",
        ),
        (
            lambda usecase, actor: services.usecase_reject(
                usecase=usecase, actor=actor, rationale="Duplicate."
            ),
            "rejected",
        ),
    ],
    ids=["request_changes", "reject"],
)
def test_a_decision_against_the_use_case_tells_only_the_author(
    org, usecase_in, django_capture_on_commit_callbacks, decide, verb
):
    usecase = usecase_in("in_review")
    start_afresh()

    with django_capture_on_commit_callbacks(execute=True):
        decide(usecase, org.reviewer)

    assert notices(usecase) == {NotificationKind.REVIEW_DECIDED: {"mia"}}
    assert f"Rita Reviewer {verb} {usecase.key}" in Notification.objects.get().message


def test_a_transfer_tells_the_new_owner(org, usecase_in, django_capture_on_commit_callbacks):
    usecase = usecase_in("active")
    successor = UserFactory(username="sam", first_name="Sam", last_name="Successor")
    start_afresh()

    with django_capture_on_commit_callbacks(execute=True):
        services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)

    assert notices(usecase) == {NotificationKind.OWNERSHIP_TRANSFERRED: {"sam"}}
    assert "Leo Lead asks you to take over ownership" in Notification.objects.get().message
    assert len(queued_notice_ids()) == 1


def test_declining_ownership_tells_the_author(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")
    start_afresh()

    services.usecase_decline_ownership(usecase=usecase, actor=org.owner, reason="Not my area.")

    assert notices(usecase) == {NotificationKind.OWNERSHIP_DECLINED: {"mia"}}


def test_declining_a_transfer_tells_who_asked_and_the_previous_owner(org, usecase_in):
    usecase = usecase_in("active")
    successor = UserFactory(username="sam")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)
    start_afresh()

    services.usecase_decline_ownership(usecase=usecase, actor=successor, reason="Wrong team.")

    assert notices(usecase) == {NotificationKind.OWNERSHIP_DECLINED: {"leo", "owen"}}


def test_a_transfer_the_owner_asked_for_and_the_successor_declined_tells_the_owner_once(
    org, usecase_in
):
    usecase = usecase_in("active")
    successor = UserFactory(username="sam")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=successor)
    start_afresh()

    services.usecase_decline_ownership(usecase=usecase, actor=successor, reason="Wrong team.")

    assert Notification.objects.filter(recipient=org.owner).count() == 1
    assert notices(usecase) == {NotificationKind.OWNERSHIP_DECLINED: {"owen"}}


def test_editing_what_was_signed_asks_the_reviewers_again(
    org, usecase_in, second_reviewer, django_capture_on_commit_callbacks
):
    usecase = usecase_in("active")
    start_afresh()

    with django_capture_on_commit_callbacks(execute=True):
        services.usecase_update(
            usecase=usecase,
            actor=org.member,
            data={"success_signal": "Nine in ten decided within a week."},
            expected_version=usecase.version,
        )

    assert notices(usecase) == {NotificationKind.REVIEW_REQUESTED: {"rita", "rob"}}
    assert len(queued_notice_ids()) == 2


def test_a_deactivated_owner_gets_no_notice(org, usecase_in):
    usecase = usecase_in("in_review")
    start_afresh()
    type(org.owner).objects.filter(pk=org.owner.pk).update(is_active=False)

    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    assert notices(usecase) == {NotificationKind.REVIEW_DECIDED: {"mia"}}


def test_the_journey_gives_each_person_the_right_notices(
    org, usecase, second_reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.usecase_submit(usecase=usecase, actor=org.lead)
        services.usecase_request_changes(usecase=usecase, actor=org.reviewer, comment="Fix it.")
        services.usecase_submit(usecase=usecase, actor=org.lead)
        services.usecase_approve(usecase=usecase, actor=second_reviewer)
        services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)

    inbox = {
        user.username: list(
            Notification.objects.filter(recipient=user)
            .order_by("pk")
            .values_list("kind", flat=True)
        )
        for user in (org.member, org.reviewer, second_reviewer, org.owner, org.lead)
    }
    assert inbox == {
        "mia": [NotificationKind.REVIEW_DECIDED, NotificationKind.REVIEW_DECIDED],
        "rita": [NotificationKind.REVIEW_REQUESTED, NotificationKind.REVIEW_REQUESTED],
        "rob": [NotificationKind.REVIEW_REQUESTED, NotificationKind.REVIEW_REQUESTED],
        "owen": [NotificationKind.SIGN_OFF_REQUESTED],
        "leo": [],
    }
    assert len(queued_notice_ids()) == Notification.objects.count() == 7


# -- The e-mail is queued with the change: it commits with it, and nothing after a rollback ---------


def test_e_mail_is_queued_in_the_transition_s_own_transaction(
    org, usecase, django_capture_on_commit_callbacks
):
    """Nothing is left to do after the commit, so nothing is lost if the process dies then."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.usecase_submit(usecase=usecase, actor=org.lead)

    # The on-commit hooks never ran (as after a crash right after the commit): still queued.
    assert callbacks == []
    notice = Notification.objects.get(usecase=usecase)
    assert queued_notice_ids() == [notice.pk]


class Interrupted(Exception):
    pass


def test_a_transition_rolled_back_by_its_caller_leaves_no_notice_and_queues_no_e_mail(
    org, usecase_in, django_capture_on_commit_callbacks
):
    usecase = usecase_in("in_review")
    start_afresh()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Interrupted),
        transaction.atomic(),
    ):
        services.usecase_approve(usecase=usecase, actor=org.reviewer)
        raise Interrupted

    assert callbacks == []
    assert not Notification.objects.exists()
    assert DBTaskResult.objects.count() == 0
    assert UseCase.objects.get(pk=usecase.pk).status == "in_review"


def test_a_transition_that_fails_after_notifying_leaves_no_notice_and_queues_no_e_mail(
    org, usecase, monkeypatch, django_capture_on_commit_callbacks
):
    moved = []

    def failing_move(*args, **kwargs):
        moved.append(args)
        raise Interrupted("the database went away after the notice was written")

    # Submit notifies the reviewers first, then moves the status: fail at the move.
    monkeypatch.setattr(workflow_services, "_move", failing_move)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Interrupted),
    ):
        services.usecase_submit(usecase=usecase, actor=org.lead)

    assert moved, "the failing move never ran"
    assert callbacks == []
    assert not Notification.objects.exists()
    assert DBTaskResult.objects.count() == 0
    assert not usecase.reviews.exists()
