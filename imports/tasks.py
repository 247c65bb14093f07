"""The import's background task: the worker runs the queued run (``imports.running.execute``).

A run is held by a PostgreSQL advisory lock while it runs, so a worker that picks the task up
again (after another was presumed lost) leaves a run still in hand alone; a run that stopped part
way (a database outage the worker retries after) resumes where it stopped.
"""

from contextlib import contextmanager

from django.db import connection
from django_tasks import task

from imports.models import ImportRun, RunStatus
from imports.running import execute

# The advisory locks' first key: the import runs' own space among the application's locks.
RUN_LOCKS = 1101


@contextmanager
def holding_run(run_id: int):
    """Yields whether this session holds ``run_id``'s lock (released at the end)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCKS, run_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCKS, run_id])


@task()
def run_import(run_id: int) -> None:
    with holding_run(run_id) as held:
        if not held:
            return  # another worker has it in hand
        unfinished = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED)
        run = ImportRun.objects.filter(pk=run_id, status__in=unfinished).first()
        if run is not None:  # gone, or finished by a worker before this one
            execute(run)
