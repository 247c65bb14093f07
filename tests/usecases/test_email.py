"""E-mail over real SMTP: the notices of a transition leave through the database task worker to an
SMTP server on a local port; with the server down, the transitions still succeed and the e-mails
go out, once each, when it is back. A notice read or closed (its request settled by someone else)
before its e-mail goes out is not e-mailed: the e-mail only says "look at your inbox".

Transactional: the worker reads the task rows the services committed, as in production. Serialized
rollback restores the role groups the flush between transactional tests would delete.
"""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from administration.services.tasks import task_retry
from core import task_queue
from tests.factories import UserFactory, reviewer
from tests.smtp import CollectingHandler, running_mail_server
from tests.task_worker import allow_connections, cut_connections, run_worker
from usecases import services
from usecases.choices import NotificationKind
from usecases.models import Notification
from usecases.tasks import retry_delay, send_notification_email

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SUBJECT_PREFIX = "[Use-case registry] "


def email_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="send_notification_email")


def due_tasks():
    return email_tasks().ready()


def waiting_tasks():
    """Retries scheduled for later."""
    return email_tasks().filter(status=TaskResultStatus.READY).exclude(pk__in=due_tasks())


def make_retries_due():
    email_tasks().filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def subject(kind: NotificationKind, usecase) -> str:
    return f"{SUBJECT_PREFIX}{kind.label}: {usecase.key}"


def tasks_for(notice: Notification):
    return email_tasks().filter(args_kwargs__args=[notice.pk]).order_by("enqueued_at")


# -- Scenario A: the server is up ------------------------------------------------------------------


@pytest.mark.usefixtures("smtp_settings")
def test_a_transition_queues_its_e_mails_and_the_worker_delivers_them(org, usecase, mail_server):
    mail_server.start()

    services.usecase_submit(usecase=usecase, actor=org.lead)

    assert due_tasks().count() == 1
    assert mail_server.handler.messages == []  # nothing is sent in the request

    run_worker()

    assert mail_server.handler.received() == [
        ("rita@example.org", subject(NotificationKind.REVIEW_REQUESTED, usecase)),
    ]
    notice = Notification.objects.get()
    assert notice.email_sent_at is not None
    assert (notice.email_attempts, notice.email_last_error) == (1, "")
    finished = email_tasks().get()
    assert (finished.status, finished.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")


@pytest.mark.usefixtures("smtp_settings")
def test_the_e_mail_carries_the_notice_and_a_link_to_the_use_case(org, usecase_in, mail_server):
    mail_server.start()
    usecase = usecase_in("in_review")
    run_worker()
    mail_server.handler.messages.clear()

    services.usecase_approve(usecase=usecase, actor=org.reviewer, comment="Clear.")
    run_worker()

    received = sorted(mail_server.handler.received())
    assert received == [
        ("mia@example.org", subject(NotificationKind.REVIEW_DECIDED, usecase)),
        ("owen@example.org", subject(NotificationKind.SIGN_OFF_REQUESTED, usecase)),
    ]
    to_author = next(m for m in mail_server.handler.messages if m["To"] == "mia@example.org")
    body = to_author.get_content()
    assert "Hello Mia Member," in body
    assert f"Rita Reviewer approved {usecase.key}" in body
    assert usecase.get_absolute_url() in body
    assert to_author["From"] == "registry@localhost"


# -- The e-mail is queued in the transition's own transaction ---------------------------------------


class Interrupted(Exception):
    pass


@pytest.mark.usefixtures("smtp_settings")
def test_a_transition_that_rolls_back_queues_no_e_mail(org, usecase_in, mail_server):
    mail_server.start()
    usecase = usecase_in("in_review")
    run_worker()
    mail_server.handler.messages.clear()
    queued_before = email_tasks().count()

    with pytest.raises(Interrupted), transaction.atomic():
        services.usecase_approve(usecase=usecase, actor=org.reviewer)
        assert email_tasks().count() == queued_before + 2  # queued, not yet committed
        raise Interrupted

    assert email_tasks().count() == queued_before
    run_worker()
    assert mail_server.handler.messages == []


@pytest.mark.usefixtures("smtp_settings")
def test_a_committed_transition_leaves_one_task_per_e_mail_delivered_once(
    org, usecase_in, mail_server
):
    mail_server.start()
    usecase = usecase_in("in_review")
    run_worker()
    mail_server.handler.messages.clear()
    before = set(email_tasks().values_list("pk", flat=True))

    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    new_tasks = email_tasks().exclude(pk__in=before)
    notices = Notification.objects.filter(
        kind__in=[NotificationKind.REVIEW_DECIDED, NotificationKind.SIGN_OFF_REQUESTED]
    )
    assert sorted(task.args_kwargs["args"][0] for task in new_tasks) == sorted(
        notices.values_list("pk", flat=True)
    )
    assert new_tasks.count() == 2

    run_worker()
    run_worker()

    assert sorted(mail_server.handler.received()) == [
        ("mia@example.org", subject(NotificationKind.REVIEW_DECIDED, usecase)),
        ("owen@example.org", subject(NotificationKind.SIGN_OFF_REQUESTED, usecase)),
    ]
    finished = email_tasks().exclude(pk__in=before)
    assert [task.return_value for task in finished] == ["sent", "sent"]


@pytest.mark.usefixtures("smtp_settings")
def test_the_e_mail_survives_a_crash_right_after_the_commit(org, usecase, mail_server, monkeypatch):
    """A process that dies between the commit and its on-commit hooks runs none of them: drop
    every hook, and the e-mail still goes out, because its task row committed with the change."""
    monkeypatch.setattr(transaction, "on_commit", lambda *args, **kwargs: None)
    mail_server.start()

    services.usecase_submit(usecase=usecase, actor=org.lead)
    run_worker()

    assert mail_server.handler.received() == [
        ("rita@example.org", subject(NotificationKind.REVIEW_REQUESTED, usecase)),
    ]


def test_a_backend_that_runs_tasks_at_once_is_called_only_after_the_commit(
    org, usecase_in, settings, mailoutbox
):
    """Only the database queue shares the transaction; another backend (here the immediate one,
    which sends at once) waits for the commit, so a rolled-back change sends nothing."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    usecase = usecase_in("in_review")
    mailoutbox.clear()

    with pytest.raises(Interrupted), transaction.atomic():
        services.usecase_approve(usecase=usecase, actor=org.reviewer)
        raise Interrupted
    assert mailoutbox == []

    services.usecase_approve(usecase=usecase, actor=org.reviewer)
    assert sorted(message.to[0] for message in mailoutbox) == [
        "mia@example.org",
        "owen@example.org",
    ]
    assert DBTaskResult.objects.count() == 0


# -- A settled request is not e-mailed -------------------------------------------------------------
#
# When one reviewer decides, the other reviewers' "review requested" notices close (read, with who
# decided). An e-mail is a nudge to look at the inbox: a notice read or closed before its e-mail
# goes out needs none, and its reviewer is not asked for a review nobody needs any more.


@pytest.fixture
def rob(db):
    return reviewer(username="rob", first_name="Rob", last_name="Reviewer")


@pytest.mark.usefixtures("smtp_settings")
def test_a_request_closed_before_the_worker_runs_is_not_e_mailed(org, usecase, mail_server, rob):
    mail_server.start()
    services.usecase_submit(usecase=usecase, actor=org.lead)  # asks Rita and Rob
    services.usecase_approve(usecase=usecase, actor=org.reviewer)  # Rita decides at once

    run_worker()

    assert sorted(mail_server.handler.received()) == [
        ("mia@example.org", subject(NotificationKind.REVIEW_DECIDED, usecase)),
        ("owen@example.org", subject(NotificationKind.SIGN_OFF_REQUESTED, usecase)),
    ]
    for notice in Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED):
        assert (notice.email_sent_at, notice.email_attempts, notice.email_last_error) == (
            None,
            0,
            "",
        )
        assert [task.return_value for task in tasks_for(notice)] == ["skipped: read"]
    assert email_tasks().exclude(status=TaskResultStatus.SUCCESSFUL).count() == 0


@pytest.mark.usefixtures("smtp_settings")
def test_an_open_request_is_e_mailed_once_and_not_again_when_it_closes(
    org, usecase, mail_server, rob
):
    mail_server.start()
    services.usecase_submit(usecase=usecase, actor=org.lead)

    run_worker()

    requested = [
        ("rita@example.org", subject(NotificationKind.REVIEW_REQUESTED, usecase)),
        ("rob@example.org", subject(NotificationKind.REVIEW_REQUESTED, usecase)),
    ]
    assert sorted(mail_server.handler.received()) == requested

    services.usecase_approve(usecase=usecase, actor=org.reviewer)  # closes Rob's request
    run_worker()

    to_rob = Notification.objects.get(recipient=rob)
    assert to_rob.read_at is not None
    assert send_notification_email.call(to_rob.pk) == "already sent"
    assert [item for item in mail_server.handler.received() if item[0] == "rob@example.org"] == [
        ("rob@example.org", subject(NotificationKind.REVIEW_REQUESTED, usecase))
    ]
    assert [task.return_value for task in tasks_for(to_rob)] == ["sent"]


@pytest.mark.usefixtures("smtp_settings")
def test_a_retry_after_the_request_closed_stops_without_sending(org, usecase, mail_server, rob):
    services.usecase_submit(usecase=usecase, actor=org.lead)
    run_worker()  # the server is down: both requests wait for a retry
    to_rob = Notification.objects.get(recipient=rob)
    assert Notification.objects.get(pk=to_rob.pk).email_attempts == 1
    assert waiting_tasks().count() == 2

    services.usecase_approve(usecase=usecase, actor=org.reviewer)
    mail_server.start()
    make_retries_due()
    run_worker()

    assert sorted(mail_server.handler.received()) == [
        ("mia@example.org", subject(NotificationKind.REVIEW_DECIDED, usecase)),
        ("owen@example.org", subject(NotificationKind.SIGN_OFF_REQUESTED, usecase)),
    ]
    # Recorded as skipped, not failed: one attempt made, no error pending, no retry left.
    to_rob.refresh_from_db()
    assert (to_rob.email_sent_at, to_rob.email_attempts, to_rob.email_last_error) == (None, 1, "")
    assert [task.return_value for task in tasks_for(to_rob)] == ["retry scheduled", "skipped: read"]
    assert email_tasks().filter(status=TaskResultStatus.READY).count() == 0

    run_worker()
    assert len(mail_server.handler.messages) == 2


@pytest.mark.usefixtures("smtp_settings")
def test_a_notice_read_in_the_inbox_before_the_worker_runs_is_not_e_mailed(
    org, usecase, mail_server
):
    mail_server.start()
    services.usecase_submit(usecase=usecase, actor=org.lead)
    notice = Notification.objects.get()
    services.notification_mark_read(notification=notice, actor=org.reviewer)

    run_worker()

    assert mail_server.handler.messages == []
    assert [task.return_value for task in tasks_for(notice)] == ["skipped: read"]


# -- Scenario B: the mail server is unreachable ----------------------------------------------------


@pytest.mark.usefixtures("smtp_settings")
def test_with_the_mail_server_down_transitions_succeed_and_e_mails_go_out_once_it_is_back(
    org, usecase, mail_server
):
    successor = UserFactory(username="sam", first_name="Sam", last_name="Successor")

    # Every transition of the journey succeeds while nothing listens on the port.
    services.usecase_submit(usecase=usecase, actor=org.lead)
    services.usecase_approve(usecase=usecase, actor=org.reviewer)
    services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)
    usecase.refresh_from_db()
    assert (usecase.status, usecase.owner) == ("awaiting_sign_off", successor)
    assert due_tasks().count() == 4
    # Rita's review request and Owen's sign-off request were settled (by Rita's approval and
    # Owen's sign-off) before any e-mail could go out: those two are not needed any more.
    settled = Notification.objects.filter(
        kind__in=[NotificationKind.REVIEW_REQUESTED, NotificationKind.SIGN_OFF_REQUESTED]
    )
    still_open = Notification.objects.exclude(pk__in=settled)
    expected = sorted(
        [
            ("mia@example.org", subject(NotificationKind.REVIEW_DECIDED, usecase)),
            ("sam@example.org", subject(NotificationKind.OWNERSHIP_TRANSFERRED, usecase)),
        ]
    )

    run_worker()

    # Each send failed, was recorded on its notice, and a retry waits in the queue.
    for notice in still_open.all():
        assert notice.email_sent_at is None
        assert notice.email_attempts == 1
        assert notice.email_last_error.startswith("ConnectionRefusedError")
    for notice in settled.all():
        assert (notice.email_sent_at, notice.email_attempts, notice.email_last_error) == (
            None,
            0,
            "",
        )
    assert sorted(
        email_tasks()
        .filter(status=TaskResultStatus.SUCCESSFUL)
        .values_list("return_value", flat=True)
    ) == ["retry scheduled", "retry scheduled", "skipped: read", "skipped: read"]
    assert due_tasks().count() == 0
    retries = waiting_tasks()
    assert retries.count() == len(expected)
    first_delay = retry_delay(1)
    for retry in retries:
        assert retry.run_after > timezone.now() + first_delay - timedelta(seconds=10)

    # A worker running before the retry is due leaves it alone.
    run_worker()
    assert still_open.filter(email_attempts=1).count() == len(expected)

    # The server comes back; the retries fall due.
    mail_server.start()
    make_retries_due()
    run_worker()

    assert sorted(mail_server.handler.received()) == expected
    for notice in still_open.all():
        assert notice.email_sent_at is not None
        assert (notice.email_attempts, notice.email_last_error) == (2, "")
    assert email_tasks().exclude(status=TaskResultStatus.SUCCESSFUL).count() == 0

    # Exactly once: another worker run, or the task run again by hand, sends nothing more.
    run_worker()
    for notice in still_open.all():
        assert send_notification_email.call(notice.pk) == "already sent"
    for notice in settled.all():
        assert send_notification_email.call(notice.pk) == "skipped: read"
    assert len(mail_server.handler.messages) == len(expected)


@pytest.mark.usefixtures("smtp_settings")
def test_the_retry_delay_grows_with_each_failed_attempt(org, usecase_in):
    usecase_in("in_review")
    notice = Notification.objects.get()

    for attempt in (1, 2, 3):
        make_retries_due()
        before = timezone.now()
        run_worker()
        notice.refresh_from_db()
        assert notice.email_attempts == attempt
        retry = waiting_tasks().get()
        assert retry.run_after >= before + retry_delay(attempt)


def queue_page_parts(client) -> tuple[str, str]:
    """The queue page's waiting and failed sections."""
    page = client.get(reverse("administration:task_queue")).content.decode()
    waiting = page.split('id="waiting-heading"')[1].split('id="running-heading"')[0]
    return waiting, page.split('id="failed-heading"')[1]


@pytest.mark.usefixtures("smtp_settings")
def test_sending_gives_up_after_the_last_allowed_attempt_as_a_failed_task_an_admin_can_retry(
    org, usecase_in, as_role, mail_server
):
    """Nothing listens on the mail port: each send is refused."""
    usecase_in("in_review")
    notice = Notification.objects.get()
    admin = as_role("admin")

    with override_settings(EMAIL_MAX_ATTEMPTS=2):
        run_worker()
        # The retry waits, and the queue page says why.
        waiting, failed = queue_page_parts(admin)
        assert f"send_notification_email({notice.pk})" in waiting
        assert "1 e-mail attempt so far; the last: ConnectionRefusedError" in waiting
        assert "No task has failed." in failed

        make_retries_due()
        run_worker()

    notice.refresh_from_db()
    assert (notice.email_attempts, notice.email_sent_at) == (2, None)
    assert notice.email_last_error.startswith("ConnectionRefusedError")
    assert email_tasks().filter(status=TaskResultStatus.READY).count() == 0
    first, last = email_tasks().order_by("enqueued_at")
    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL, "retry scheduled")
    assert last.status == TaskResultStatus.FAILED
    # The page lists it as failed, with its last error and a retry button.
    waiting, failed = queue_page_parts(admin)
    assert "Nothing waits." in waiting
    assert f"send_notification_email({notice.pk})" in failed
    assert (
        f"usecases.tasks.EmailGaveUp: gave up on the e-mail of notice {notice.pk} after 2 "
        "attempts; the last: ConnectionRefusedError"
    ) in failed
    assert reverse("administration:task_retry", args=[last.pk]) in failed

    # The mail server is back; the admin retries, and the e-mail goes out.
    mail_server.start()
    admin.post(reverse("administration:task_retry", args=[last.pk]))
    run_worker()

    assert len(mail_server.handler.messages) == 1
    notice.refresh_from_db()
    assert notice.email_sent_at is not None
    last.refresh_from_db()
    assert (last.status, last.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")


# -- Scenario C: the database fails just as the e-mail is sent -------------------------------------
#
# The mail server takes the e-mail, and in that instant the database connection is cut (a restart,
# a failover): the sent mark cannot be written. The worker retries the task on the database error,
# and the retry records the delivery instead of sending again.


class CuttingHandler(CollectingHandler):
    """Takes each message, but first cuts every connection to the test database (the worker's)."""

    def accepting(self, message) -> None:
        cut_connections(keep_own=False)


@pytest.fixture
def cutting_mail_server(free_port):
    with running_mail_server(free_port, CuttingHandler()) as server:
        yield server


@pytest.mark.usefixtures("smtp_settings")
def test_a_database_failure_after_the_send_is_retried_and_the_delivery_recorded(
    org, usecase, cutting_mail_server
):
    services.usecase_submit(usecase=usecase, actor=org.lead)

    run_worker()

    sent = [("rita@example.org", subject(NotificationKind.REVIEW_REQUESTED, usecase))]
    assert cutting_mail_server.handler.received() == sent
    task = email_tasks().get()
    assert task.status == TaskResultStatus.READY  # retried, not failed
    assert task_queue.last_error(task).startswith("django.db.utils.OperationalError")
    assert task.run_after > timezone.now()

    make_retries_due()
    run_worker()

    assert cutting_mail_server.handler.received() == sent  # not sent again
    notice = Notification.objects.get()
    assert notice.email_sent_at is not None
    assert (notice.email_attempts, notice.email_last_error) == (1, "")
    task.refresh_from_db()
    assert (task.status, task.return_value, len(task.worker_ids)) == (
        TaskResultStatus.SUCCESSFUL,
        "sent",
        2,
    )


@pytest.mark.usefixtures("smtp_settings")
def test_on_its_last_run_it_fails_and_an_admin_retry_records_the_delivery(
    org, usecase, cutting_mail_server
):
    services.usecase_submit(usecase=usecase, actor=org.lead)
    earlier_runs = [f"worker-{n}" for n in range(task_queue.MAX_ATTEMPTS - 1)]
    email_tasks().update(worker_ids=earlier_runs)

    run_worker()

    task = email_tasks().get()
    assert task.status == TaskResultStatus.FAILED
    assert Notification.objects.get().email_sent_at is None

    task_retry(task_id=str(task.pk), actor=org.admin)
    run_worker()

    assert len(cutting_mail_server.handler.messages) == 1
    assert Notification.objects.get().email_sent_at is not None
    task.refresh_from_db()
    assert (task.status, task.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")


class OutageHandler(CollectingHandler):
    """Takes each message, but first takes the test database down: it refuses connections and
    cuts those open (the worker's)."""

    def accepting(self, message) -> None:
        allow_connections(False)
        cut_connections(keep_own=False)


class RestartWhenWaitedFor(logging.Handler):
    """Brings the database back once the worker says it is waiting for it."""

    def emit(self, record):
        if record.getMessage().startswith("Database unavailable"):
            allow_connections(True)


@pytest.fixture
def outage_mail_server(free_port):
    worker_log = logging.getLogger("core.worker")
    restart = RestartWhenWaitedFor()
    worker_log.addHandler(restart)
    try:
        with running_mail_server(free_port, OutageHandler()) as server:
            yield server
    finally:
        worker_log.removeHandler(restart)
        allow_connections(True)


@pytest.mark.usefixtures("smtp_settings")
def test_an_outage_that_cuts_a_task_short_leaves_it_to_run_again(org, usecase, outage_mail_server):
    """The database goes down as the e-mail is sent: neither the sent mark nor the task's failure
    can be written. When the database is back the worker queues the task again, and that run
    records the delivery."""
    services.usecase_submit(usecase=usecase, actor=org.lead)

    run_worker()  # waits out the outage, then finds nothing more due

    assert len(outage_mail_server.handler.messages) == 1
    task = email_tasks().get()
    assert task.status == TaskResultStatus.READY
    assert task_queue.last_error(task) == (
        "django.db.utils.DatabaseError: the database became unreachable while it ran"
    )
    assert Notification.objects.get().email_sent_at is None

    make_retries_due()
    run_worker()

    assert len(outage_mail_server.handler.messages) == 1
    notice = Notification.objects.get()
    assert notice.email_sent_at is not None
    assert (notice.email_attempts, notice.email_last_error) == (1, "")
    task.refresh_from_db()
    assert (task.status, task.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")


def test_retry_delay_doubles_from_the_first_and_is_capped(settings):
    settings.EMAIL_RETRY_FIRST_DELAY_SECONDS = 30
    settings.EMAIL_RETRY_MAX_DELAY_SECONDS = 1800

    delays = [retry_delay(attempts).total_seconds() for attempts in range(1, 9)]

    assert delays == [30, 60, 120, 240, 480, 960, 1800, 1800]
