"""An admin finds the e-mail that failed on the task queue page and has it sent again."""

import pytest
from django.db import OperationalError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from portfolio.tasks import send_set_password_email
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_tasks"),
]

# As long as a real one: a connection error names the server, the port and the reason.
ERROR = (
    'connection failed: connection to server at "db-primary.internal.example.org" '
    "(10.20.30.40), port 5432 failed: FATAL: the database system is shutting down"
)


def failed_task(user) -> DBTaskResult:
    task = DBTaskResult.objects.get(pk=send_set_password_email.enqueue(user.pk).id)
    task.claim("worker-1")
    task.set_failed(OperationalError(ERROR))
    return task


@pytest.mark.parametrize("width", [1280, 360])
def test_an_admin_retries_a_failed_e_mail_from_the_task_queue(org, open_browser, width):
    zoe = UserFactory(username="zoe", email="zoe@example.org")
    task = failed_task(zoe)
    person = open_browser(viewport={"width": width, "height": 800})
    page = person.sign_in(org.admin)

    page.goto("/administration/")
    page.get_by_role("link", name="Task queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Task queue")
    failed = page.get_by_role("region", name="Failed (1)")
    expect(failed).to_contain_text(f"send_set_password_email({zoe.pk})")
    expect(failed).to_contain_text(f"django.db.utils.OperationalError: {ERROR}")
    # However long the error, the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    failed.get_by_role("button", name=f"Retry send_set_password_email({zoe.pk})").click()

    expect(page.get_by_role("status")).to_have_text(
        "Task send_set_password_email queued to run again."
    )
    expect(page.get_by_role("region", name="Failed (0)")).to_contain_text("No task has failed.")
    expect(page.get_by_role("region", name="Waiting (1)")).to_contain_text(
        f"send_set_password_email({zoe.pk})"
    )
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
