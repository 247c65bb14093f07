"""The background task queue (django-tasks-db's table, in our database): its rules.

Tasks must be safe to run twice (the e-mail task checks its notice first), because a task is run
again whenever its outcome is in doubt:

- a task that raised a database error (the database was briefly unreachable, a connection was
  cut) is retried after a growing delay, as a mail server that is down is;
- a task still marked running after ``TASK_RUNNING_TIMEOUT_SECONDS`` lost its worker (killed,
  machine gone) and is queued again.

Either stops after ``MAX_ATTEMPTS`` runs: the task is then failed, and an admin can retry it from
the queue page. Each run's worker id is appended to the row, so the runs are counted there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Case, Count, F, Q, When
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

MAX_ATTEMPTS = 10
RETRY_FIRST_DELAY = timedelta(seconds=10)
RETRY_MAX_DELAY = timedelta(minutes=10)
# Rows of each kind the queue page lists (the counts cover all of them).
PAGE_ROWS = 50
# A due task waiting longer than this means no worker is taking tasks.
WORKER_SILENT_AFTER = timedelta(minutes=5)
# What an app knows of its waiting tasks' earlier tries (a task's retry is a new row with no error
# of its own): ``{task path: function(first arguments) -> {first argument: note}}``, registered in
# the app's ``ready()``; one query per kind of task, whatever the number of rows.
WAITING_NOTES: dict[str, Callable[[list], dict]] = {}


STATE_WORDS = {
    TaskResultStatus.READY: "waiting to run",
    TaskResultStatus.RUNNING: "running",
    TaskResultStatus.SUCCESSFUL: "done",
    TaskResultStatus.FAILED: "failed",
}


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped in the middle of running it."""


def attempts(task: DBTaskResult) -> int:
    return len(task.worker_ids)


def retry_delay(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s, ... doubling up to 10 minutes between runs."""
    return min(RETRY_FIRST_DELAY * 2 ** max(attempts - 1, 0), RETRY_MAX_DELAY)


def failed_on_database_error(task: DBTaskResult) -> bool:
    if task.status != TaskResultStatus.FAILED:
        return False
    try:
        raised = import_string(task.exception_class_path)
    except ImportError:
        return False
    return isinstance(raised, type) and issubclass(raised, DatabaseError)


def last_error(task: DBTaskResult) -> str:
    """The last line of the recorded traceback: the exception and its message."""
    lines = [line for line in task.traceback.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _note(error: type[Exception], message: str) -> dict:
    """Fields recording ``message`` as the task's last error, as a raised exception would be."""
    path = f"{error.__module__}.{error.__qualname__}"
    return {"exception_class_path": path, "traceback": f"{path}: {message}\n"}


def _set(task: DBTaskResult, **fields) -> None:
    for name, value in fields.items():
        setattr(task, name, value)
    task.save(update_fields=list(fields))


def retry_later(task: DBTaskResult, **fields) -> bool:
    """Queue a task whose run the database cut short to run again after a growing delay, its
    error kept as the last one (``fields`` may record another); False when it has had its
    ``MAX_ATTEMPTS`` runs, and nothing is changed."""
    if attempts(task) >= MAX_ATTEMPTS:
        return False
    _set(
        task,
        status=TaskResultStatus.READY,
        run_after=timezone.now() + retry_delay(attempts(task)),
        finished_at=None,
        **fields,
    )
    return True


def stopped_mid_task(task: DBTaskResult) -> bool:
    """Failed because its worker was told a second time to stop (the library then raises
    SystemExit in the task): the task did not fail, its worker went away."""
    return task.status == TaskResultStatus.FAILED and task.exception_class_path in (
        "builtins.SystemExit",
        "builtins.KeyboardInterrupt",
    )


def requeue_stopped(task: DBTaskResult) -> bool:
    """Queue again a task whose worker was stopped mid-task; False (and failed, with that note)
    after its ``MAX_ATTEMPTS`` runs."""
    fields = _note(WorkerLost, "its worker was told twice to stop, and stopped while running it")
    if retry_later(task, **fields):
        return True
    _set(task, **fields)
    return False


def settle_interrupted(task_id) -> None:
    """A task whose run the database cut short before its outcome was recorded: still marked
    running, or failed on the database error. Run it again, or fail it after its last run."""
    with transaction.atomic():
        task = DBTaskResult.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            return
        if task.status == TaskResultStatus.RUNNING:
            fields = _note(DatabaseError, "the database became unreachable while it ran")
        elif failed_on_database_error(task):
            fields = {}
        else:
            return
        if not retry_later(task, **fields):
            _set(task, status=TaskResultStatus.FAILED, finished_at=timezone.now(), **fields)


def requeue_stalled() -> list[DBTaskResult]:
    """Queue again every task running for longer than ``TASK_RUNNING_TIMEOUT_SECONDS``: its worker
    was killed mid-task. One that has had its ``MAX_ATTEMPTS`` runs is failed instead."""
    timeout = timedelta(seconds=settings.TASK_RUNNING_TIMEOUT_SECONDS)
    now = timezone.now()
    with transaction.atomic():
        stalled = list(
            DBTaskResult.objects.running()
            .filter(started_at__lt=now - timeout)
            .select_for_update(skip_locked=True)
        )
        for task in stalled:
            message = (
                f"its worker stopped while running it (running since "
                f"{timezone.localtime(task.started_at):%Y-%m-%d %H:%M:%S}, longer than {timeout})"
            )
            if attempts(task) >= MAX_ATTEMPTS:
                status = {"status": TaskResultStatus.FAILED, "finished_at": now}
            else:
                # Due now, not when first queued: the page would take that for a silent worker.
                status = {"status": TaskResultStatus.READY, "run_after": now}
            _set(task, **status, **_note(WorkerLost, message))
    return stalled


def requeue_failed_on_database() -> list[DBTaskResult]:
    """Queue again every task failed on a database error with runs left: its worker stopped
    between recording the failure and queueing the retry (``retry_later``)."""
    with transaction.atomic():
        failed = [
            task
            for task in DBTaskResult.objects.failed()
            .filter(exception_class_path__startswith="django.db.")
            .select_for_update(skip_locked=True)
            if failed_on_database_error(task) and attempts(task) < MAX_ATTEMPTS
        ]
        for task in failed:
            retry_later(task)
    return failed


# --- The queue page -----------------------------------------------------------------------------


@dataclass
class QueueOverview:
    waiting: list
    running: list
    failed: list
    counts: dict
    silent_since: object = None  # when the oldest due task fell due, if no worker took it since


def _with_display(tasks) -> list[DBTaskResult]:
    rows = list(tasks)
    for task in rows:
        task.attempts = attempts(task)
        task.last_error = last_error(task)
        task.call = f"{task.task_name}({', '.join(map(repr, task.args_kwargs['args']))})"
    return rows


def _add_waiting_notes(rows: list[DBTaskResult]) -> None:
    """Show, for a waiting task without an error of its own, what its app noted of earlier tries."""
    by_path: dict[str, list] = {}
    for task in rows:
        if task.task_path in WAITING_NOTES and task.args_kwargs["args"]:
            by_path.setdefault(task.task_path, []).append(task)
    for path, tasks in by_path.items():
        notes = WAITING_NOTES[path]([task.args_kwargs["args"][0] for task in tasks])
        for task in tasks:
            task.last_error = task.last_error or notes.get(task.args_kwargs["args"][0], "")


def queue_overview() -> QueueOverview:
    """Waiting, running and failed tasks, the first ``PAGE_ROWS`` of each; four queries, and one
    for each kind of waiting task with notes (``WAITING_NOTES``)."""
    tasks = DBTaskResult.objects.defer("return_value")
    counts = DBTaskResult.objects.aggregate(
        waiting=Count("pk", filter=Q(status=TaskResultStatus.READY)),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)),
    )
    # A task queued to run at once has no run_after (the far-future date): it is due when queued.
    due = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    waiting = _with_display(
        tasks.filter(status=TaskResultStatus.READY)
        .annotate(due=due)
        .order_by("due", "enqueued_at")[:PAGE_ROWS]
    )
    _add_waiting_notes(waiting)
    now = timezone.now()
    overdue = [task.due for task in waiting[:1] if task.due < now - WORKER_SILENT_AFTER]
    return QueueOverview(
        waiting=waiting,
        running=_with_display(tasks.running().order_by("started_at")[:PAGE_ROWS]),
        failed=_with_display(tasks.failed().order_by("-finished_at")[:PAGE_ROWS]),
        counts=counts,
        silent_since=overdue[0] if overdue else None,
    )


class NotRetriable(Exception):
    """The task cannot be queued again; the message says why."""


def requeue_failed(task_id: str) -> tuple[DBTaskResult, str]:
    """Queue the failed task ``task_id`` to run again at once, in the caller's transaction;
    return it and the error of its last run."""
    try:
        task = DBTaskResult.objects.select_for_update().get(pk=task_id)
    except (DBTaskResult.DoesNotExist, ValidationError):
        raise NotRetriable(f"There is no task {task_id} in the queue.") from None
    if task.status != TaskResultStatus.FAILED:
        raise NotRetriable(
            f"That task is {STATE_WORDS[task.status]}, not failed: only a failed task can be "
            "retried."
        )
    error = last_error(task)
    # Due now, not when first queued: the page would take that for a silent worker.
    _set(task, status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None)
    return task, error
