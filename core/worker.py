"""The background task worker: django-tasks-db's, made to outlast the database going away.

The library's loop ends the process on any database error (it only waits out a locked SQLite), so
a PostgreSQL restart of more than a moment stopped all e-mail in silence. This loop is the
library's (claim the next due task under a row lock, run it, sleep when idle), with three
additions:

- the database unreachable (refused, restarting, connection cut): drop the connections, wait 1 s,
  2 s, 4 s ... up to 30 s between tries, and carry on once it answers;
- a task whose run such an outage cut short is run again (``task_queue.settle_interrupted``), and
  one that failed on a database error is retried after a delay (``task_queue.retry_later``);
- every minute, tasks whose worker was killed mid-task are queued again
  (``task_queue.requeue_stalled``), and so are tasks failed on a database error whose worker
  stopped before it queued the retry (``task_queue.requeue_failed_on_database``);
- a task cut short by a second SIGINT/SIGTERM (the library raises SystemExit inside it and records
  it as failed) is queued again before the process ends (``task_queue.requeue_stopped``).

The worker is still a single process: if it dies anyway, whatever supervises it (``make run``,
systemd) starts it again, and its tasks are requeued by the next worker to look.
"""

from __future__ import annotations

import contextlib
import logging
import random
import sys
import time

from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django_tasks_db.management.commands.db_worker import Worker as LibraryWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from core import task_queue

logger = logging.getLogger(__name__)

# The database cannot be reached (down, restarting, too many clients, connection cut), as opposed
# to refusing a statement.
OUTAGE = (OperationalError, InterfaceError)
OUTAGE_FIRST_WAIT = 1.0
OUTAGE_MAX_WAIT = 30.0
STALLED_CHECK_SECONDS = 60.0


def drop_connections() -> None:
    """Close every database connection of this thread; the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            connection.close()


class Worker(LibraryWorker):
    def __init__(self, **options):
        super().__init__(**options)
        self.unsettled: set = set()  # ids of tasks an outage cut short
        self.next_stalled_check = 0.0  # time.monotonic() of the next look; 0: at once
        self.outage_since: float | None = None
        self.outage_wait = OUTAGE_FIRST_WAIT

    def run(self) -> None:
        logger.info(
            "Task worker %s started (queues: %s)", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together
        while self.running:
            try:
                ran = self.run_next()
            except OUTAGE as error:
                self.wait_for_database(error)
                continue
            self.database_answered()
            if self.batch and not ran:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and not ran:
                time.sleep(self.interval)

    def run_next(self) -> bool:
        """Run the next due task, if there is one; first settle what an outage left behind."""
        close_old_connections()
        for task_id in list(self.unsettled):
            task_queue.settle_interrupted(task_id)
            self.unsettled.discard(task_id)
        if time.monotonic() >= self.next_stalled_check:
            for task in task_queue.requeue_stalled():
                logger.warning(
                    "Task %s (%s) lost its worker: queued again", task.pk, task.task_path
                )
            for task in task_queue.requeue_failed_on_database():
                logger.warning(
                    "Task %s (%s) failed on the database and was not retried: queued again",
                    task.pk,
                    task.task_path,
                )
            self.next_stalled_check = time.monotonic() + STALLED_CHECK_SECONDS
        task = self.claim_next()
        if task is None:
            return False
        self.run_task(task)
        close_old_connections()
        return True

    def claim_next(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task = tasks.get_locked()
            if task is not None:
                task.claim(self.worker_id)
        return task

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """The library runs the task and records its outcome; a database error is retried."""
        try:
            super().run_task(db_task_result)
            if task_queue.failed_on_database_error(db_task_result):
                self.retry(db_task_result)
        except OUTAGE:
            self.unsettled.add(db_task_result.pk)
            raise
        if task_queue.stopped_mid_task(db_task_result):
            self.requeue_and_exit(db_task_result)

    def requeue_and_exit(self, task: DBTaskResult) -> None:
        """A second stop signal cut the task short (the library ends it with SystemExit, records
        it as failed and carries on): queue it again, then end the process as asked."""
        if task_queue.requeue_stopped(task):
            logger.warning(
                "Task %s (%s) cut short by a second stop signal: queued again",
                task.pk,
                task.task_path,
            )
        sys.exit(1)

    def retry(self, task: DBTaskResult) -> None:
        if task_queue.retry_later(task):
            logger.warning(
                "Task %s (%s) failed on the database; run %d of %d, next at %s",
                task.pk,
                task.task_path,
                task_queue.attempts(task),
                task_queue.MAX_ATTEMPTS,
                task.run_after,
            )
        else:
            logger.error("Task %s (%s) failed on its last run", task.pk, task.task_path)

    def wait_for_database(self, error: Exception) -> None:
        if self.outage_since is None:
            self.outage_since = time.monotonic()
        logger.warning(
            "Database unavailable (%s); trying again in %.0f s",
            str(error).strip() or type(error).__name__,
            self.outage_wait,
        )
        drop_connections()
        time.sleep(self.outage_wait)
        self.outage_wait = min(self.outage_wait * 2, OUTAGE_MAX_WAIT)

    def database_answered(self) -> None:
        if self.outage_since is not None:
            down = time.monotonic() - self.outage_since
            logger.warning("Database available again after %.0f s; carrying on", down)
        self.outage_since = None
        self.outage_wait = OUTAGE_FIRST_WAIT
