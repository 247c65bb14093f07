"""The import's background task: the worker runs the queued run (``imports.running.execute``)."""

from django_tasks import task

from imports.models import ImportRun, RunStatus
from imports.running import execute


@task()
def run_import(run_id: int) -> None:
    run = ImportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).first()
    if run is not None:  # gone, or already run by a worker before this one
        execute(run)
