"""The task worker keeps e-mail going: it waits out a database outage, queues again a task whose
worker was killed in the middle of it, and ``bin/keep-running`` (what ``make run`` runs it under)
starts it again when it dies anyway.

Real parts throughout: worker processes started as ``make run`` and a service start them, the
PostgreSQL server refusing connections and cutting them, SIGKILL, an SMTP server on a local port.
Transactional: the worker processes read what the test committed. Serialized rollback restores the
role groups the flush between transactional tests would delete.
"""

import os
import re
import signal
import socket
import subprocess
import tomllib
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import task_queue
from portfolio.tasks import send_set_password_email
from tests.smtp import smtp_settings_for
from tests.task_worker import (
    BASE_DIR,
    WorkerProcess,
    database_outage,
    run_worker,
    wait_until,
    worker_environment,
)
from usecases import services
from usecases.models import Notification

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEEP_RUNNING = str(BASE_DIR / "bin" / "keep-running")


def email_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="send_notification_email")


@pytest.fixture
def worker_process(free_port):
    """Start ``manage.py task_worker`` as its own process (``command`` before it: a supervisor)."""
    started = []

    def start(command=(), **env) -> WorkerProcess:
        process = WorkerProcess(worker_environment(smtp_port=free_port, **env), command=command)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


# --- A database outage ----------------------------------------------------------------------------


def test_the_worker_waits_out_a_database_outage_and_then_sends_what_was_queued(
    org, usecase, mail_server, worker_process
):
    mail_server.start()
    worker = worker_process()
    services.usecase_submit(usecase=usecase, actor=org.lead)  # asks Rita for a review
    unsent = Notification.objects.filter(email_sent_at__isnull=True)
    wait_until(lambda: not unsent.exists(), what="the first e-mail", process=worker)

    with database_outage():
        # Refused again and again, for longer than the second that used to end it.
        worker.wait_for_output("Database unavailable", times=3)
        assert worker.alive()

    services.usecase_approve(usecase=usecase, actor=org.reviewer)  # tells Mia, asks Owen
    wait_until(
        lambda: len(mail_server.handler.messages) == 3, what="the e-mails queued after the outage"
    )
    assert sorted(mail_server.handler.received()) == [
        ("mia@example.org", f"[Use-case registry] Review decided: {usecase.key}"),
        ("owen@example.org", f"[Use-case registry] Sign-off requested: {usecase.key}"),
        ("rita@example.org", f"[Use-case registry] Review requested: {usecase.key}"),
    ]
    worker.wait_for_output("Database available again")
    wait_until(lambda: not unsent.exists(), what="the sent marks", process=worker)

    worker.signal_group(signal.SIGTERM)
    assert worker.wait() == 0


# --- A worker killed in the middle of a task ------------------------------------------------------


@pytest.fixture
def silent_mail_server():
    """A port that takes connections and never answers: a send waits there until its timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_task_whose_worker_was_killed_is_queued_again_after_the_timeout(
    org, usecase, mail_server, free_port, silent_mail_server, worker_process
):
    # The worker sends to a mail server that never answers, and is killed while it waits.
    worker = worker_process(
        DJANGO_EMAIL_PORT=str(silent_mail_server), DJANGO_EMAIL_TIMEOUT=str(3600)
    )
    services.usecase_submit(usecase=usecase, actor=org.lead)
    task = email_tasks().get()
    wait_until(
        lambda: email_tasks().filter(status=TaskResultStatus.RUNNING).exists(),
        what="the worker to take the task",
        process=worker,
    )
    worker.signal_group(signal.SIGKILL)
    worker.wait()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING  # and nobody left to run it
    notice = Notification.objects.get()
    assert notice.email_sent_at is None

    mail_server.start()
    with override_settings(**smtp_settings_for(free_port)):
        # A task running for less than the timeout may still be running: it is left alone.
        run_worker()
        task.refresh_from_db()
        assert task.status == TaskResultStatus.RUNNING
        assert mail_server.handler.messages == []

        # Past the timeout, the next worker to look queues it again, and the e-mail goes out once.
        timeout = timedelta(seconds=settings.TASK_RUNNING_TIMEOUT_SECONDS)
        email_tasks().update(started_at=F("started_at") - timeout - timedelta(seconds=1))
        run_worker()
        run_worker()

    assert mail_server.handler.received() == [
        ("rita@example.org", f"[Use-case registry] Review requested: {usecase.key}")
    ]
    task.refresh_from_db()
    assert (task.status, task.return_value, len(task.worker_ids)) == (
        TaskResultStatus.SUCCESSFUL,
        "sent",
        2,
    )
    notice.refresh_from_db()
    assert notice.email_sent_at is not None
    assert (notice.email_attempts, notice.email_last_error) == (1, "")


def test_a_task_whose_workers_keep_dying_fails_after_its_last_run(org, usecase):
    services.usecase_submit(usecase=usecase, actor=org.lead)
    long_ago = timezone.now() - timedelta(seconds=settings.TASK_RUNNING_TIMEOUT_SECONDS + 1)
    email_tasks().update(
        status=TaskResultStatus.RUNNING,
        started_at=long_ago,
        worker_ids=[f"killed-{n}" for n in range(task_queue.MAX_ATTEMPTS)],
    )

    run_worker()

    task = email_tasks().get()
    assert task.status == TaskResultStatus.FAILED
    assert task_queue.last_error(task).startswith(
        "core.task_queue.WorkerLost: its worker stopped while running it"
    )
    assert Notification.objects.get().email_sent_at is None


def test_a_task_cut_short_by_a_second_stop_signal_is_queued_again(
    org, usecase, mail_server, free_port, silent_mail_server, worker_process
):
    worker = worker_process(
        DJANGO_EMAIL_PORT=str(silent_mail_server), DJANGO_EMAIL_TIMEOUT=str(3600)
    )
    services.usecase_submit(usecase=usecase, actor=org.lead)
    wait_until(
        lambda: email_tasks().filter(status=TaskResultStatus.RUNNING).exists(),
        what="the worker to take the task",
        process=worker,
    )

    # Ctrl-C while it waits on the mail server, and Ctrl-C again ("press Ctrl+C again to force").
    worker.signal_group(signal.SIGINT)
    worker.wait_for_output("shutting down gracefully")
    worker.signal_group(signal.SIGINT)
    worker.wait()

    task = email_tasks().get()
    assert task.status == TaskResultStatus.READY
    assert task_queue.last_error(task) == (
        "core.task_queue.WorkerLost: its worker was told twice to stop, and stopped while "
        "running it"
    )
    assert Notification.objects.get().email_sent_at is None

    # The next worker sends it.
    mail_server.start()
    email_tasks().update(run_after=timezone.now())
    with override_settings(**smtp_settings_for(free_port)):
        run_worker()
    assert len(mail_server.handler.messages) == 1
    assert Notification.objects.get().email_sent_at is not None


def test_a_task_failed_on_the_database_and_left_so_by_its_worker_is_queued_again(
    org, usecase, mail_server, free_port
):
    """The worker recorded the failure, then stopped before it queued the retry."""
    services.usecase_submit(usecase=usecase, actor=org.lead)
    task = email_tasks().get()
    task.claim("stopped-worker")
    task.set_failed(OperationalError("server closed the connection unexpectedly"))
    for_good = DBTaskResult.objects.get(pk=send_set_password_email.enqueue(org.member.pk).id)
    for_good.claim("worker-1")
    for_good.set_failed(ValueError("not a database error"))

    mail_server.start()
    with override_settings(**smtp_settings_for(free_port)):
        run_worker()
        email_tasks().update(run_after=timezone.now())  # the retry's delay has passed
        run_worker()

    task.refresh_from_db()
    assert (task.status, task.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")
    assert len(mail_server.handler.messages) == 1
    assert Notification.objects.get().email_sent_at is not None
    for_good.refresh_from_db()
    assert for_good.status == TaskResultStatus.FAILED


# --- The worker dies anyway: bin/keep-running (make run) starts it again -------------------------


def test_keep_running_starts_a_killed_worker_again_and_stops_with_its_process_group(
    org, usecase, mail_server, worker_process
):
    mail_server.start()
    supervised = worker_process(command=[KEEP_RUNNING], KEEP_RUNNING_PAUSE="0.1")
    supervised.wait_for_output("Task worker")
    first = supervised.children()
    assert len(first) == 1

    first[0].kill()  # SIGKILL, as the kernel's out-of-memory killer would

    supervised.wait_for_output("starting it again")
    supervised.wait_for_output("Task worker", times=2)
    again = supervised.children()
    assert len(again) == 1 and again[0].pid != first[0].pid
    services.usecase_submit(usecase=usecase, actor=org.lead)
    wait_until(
        lambda: len(mail_server.handler.messages) == 1,
        what="the restarted worker to send",
        process=supervised,
    )

    # A SIGTERM to the group (Ctrl-C, `make run` stopped, CI) stops the worker and keep-running.
    supervised.signal_group(signal.SIGTERM)
    assert supervised.wait() == 0
    assert supervised.count("starting it again") == 1


def test_keep_running_told_to_stop_stops_its_worker(worker_process):
    """What ``make run`` does when the web server ends on its own: USR1 to keep-running only."""
    supervised = worker_process(command=[KEEP_RUNNING], KEEP_RUNNING_PAUSE="0.1")
    supervised.wait_for_output("Task worker")
    worker = supervised.children()[0]

    supervised.process.send_signal(signal.SIGUSR1)

    assert supervised.wait() == 0
    assert not worker.is_running()
    assert supervised.count("starting it again") == 0


def run_keep_running(command: list[str], **env) -> subprocess.Popen:
    return subprocess.Popen(
        [KEEP_RUNNING, *command],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_keep_running_waits_longer_each_time_a_command_fails_at_once():
    failing = run_keep_running(
        ["sh", "-c", "exit 3"], KEEP_RUNNING_PAUSE="0.05", KEEP_RUNNING_MAX_PAUSE="0.3"
    )
    try:
        announced = [failing.stderr.readline() for _ in range(5)]
    finally:
        os.killpg(failing.pid, signal.SIGKILL)
        failing.wait()
        failing.stderr.close()

    pauses = [re.search(r"starting it again in ([\d.]+) s", line).group(1) for line in announced]
    assert pauses == ["0.05", "0.1", "0.2", "0.3", "0.3"]


def test_keep_running_says_so_when_its_command_stopped_as_asked():
    stopped = run_keep_running(["true"])
    assert stopped.wait(timeout=60) == 0
    assert stopped.stderr.read() == (
        "keep-running: true stopped as asked (status 0); not restarting it\n"
    )
    stopped.stderr.close()


# --- The library versions the worker runs on ----------------------------------------------------


def test_every_django_tasks_db_the_project_allows_has_what_the_worker_uses():
    """``task_worker`` passes ``excluded_queue_names`` (``--exclude-queues``), which
    django-tasks-db 0.12 and older lack: there the worker fails at start, again and again."""
    dependencies = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    declared = next(d for d in dependencies if d.startswith("django-tasks-db"))
    lowest = re.search(r">=\s*([\d.]+)", declared).group(1)
    assert tuple(int(part) for part in lowest.split(".")) >= (0, 13), declared
