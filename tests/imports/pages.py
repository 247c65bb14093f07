"""What the import page tests share: a run as the upload page leaves it, the queue run as the
worker runs it, and reading what a refused form says."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from imports.models import ImportRun
from imports.runs import new_run, queue_run, read_upload
from tests.imports.registers import us_2025_csv
from tests.markup import Markup, text

START_URL = reverse("imports:import_start")


def upload_run(user, *, content: bytes | None = None, name="inventory.csv", team=None):
    """A run as the upload page leaves it: the file read, kept, its mapping suggested."""
    content = us_2025_csv() if content is None else content
    register = read_upload(content, name)
    return new_run(data=content, name=name, register=register, actor=user, team=team)


def run_queued_tasks() -> None:
    """Each task due, claimed, run and recorded, as the task worker does. The worker itself
    (``run_worker``) closes the connection between tasks, which ends this test's transaction:
    the browser flows in test_import_flow.py run it in transactional tests."""
    for result in DBTaskResult.objects.ready().order_by("enqueued_at"):
        result.claim("test-worker")
        arguments = result.args_kwargs
        result.set_successful(result.task.call(*arguments["args"], **arguments["kwargs"]))


def finished_run(user, *, team, content: bytes | None = None) -> ImportRun:
    """A run queued from the preview and run by the task worker."""
    run = upload_run(user, content=content, team=team)
    queue_run(run)
    run_queued_tasks()
    run.refresh_from_db()
    return run


def upload(client, content: bytes, name: str, team=None):
    data = {"file": SimpleUploadedFile(name, content)}
    if team is not None:
        data["team"] = team.pk
    return client.post(START_URL, data)


def url(name: str, run) -> str:
    return reverse(f"imports:{name}", args=[run.pk])


def error_summary(response) -> str:
    """The problems a refused form lists at its top, as a person reads them."""
    return text(Markup(response.content.decode()).one(class_="error-summary"))
