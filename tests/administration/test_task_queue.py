"""The task queue page: admins see what waits, runs and failed, with the last error, and retry a
failed task; nobody else sees it. The rows are real queued e-mail tasks, put in each state the way
the worker puts them (claim, a failure recorded with its exception)."""

import re
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import task_queue
from portfolio.models import AdminEvent
from portfolio.tasks import send_set_password_email
from tests.conftest import ROLES, expect_admin_only

pytestmark = pytest.mark.usefixtures("database_tasks")

QUEUE = reverse("administration:task_queue")


def queued(user) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=send_set_password_email.enqueue(user.pk).id)


def running(user) -> DBTaskResult:
    task = queued(user)
    task.claim("worker-1")
    return task


def failed(user, error=None) -> DBTaskResult:
    task = running(user)
    task.set_failed(error or OperationalError("server closed the connection unexpectedly"))
    return task


def retry_url(task) -> str:
    return reverse("administration:task_retry", args=[task.pk])


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_queue(as_role, role):
    expect_admin_only(as_role(role).get(QUEUE), role)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_retry_a_failed_task(as_role, org, role):
    task = failed(org.member)

    expect_admin_only(as_role(role).post(retry_url(task)), role, ok=(302,))

    task.refresh_from_db()
    expected = TaskResultStatus.READY if role == "admin" else TaskResultStatus.FAILED
    assert task.status == expected
    assert AdminEvent.objects.filter(action="task.retried").count() == (role == "admin")


def test_the_administration_page_links_to_the_queue(as_role):
    response = as_role("admin").get(reverse("administration:administration"))
    assert f'href="{QUEUE}"' in response.content.decode()


# --- What it shows --------------------------------------------------------------------------------


def test_the_queue_shows_waiting_running_and_failed_tasks_with_the_last_error(as_role, org):
    waiting = queued(org.member)
    busy = running(org.lead)
    broken = failed(org.owner)

    page = as_role("admin").get(QUEUE).content.decode()

    assert "1 waiting · 1 running · 1 failed" in page
    waiting_part, running_part, failed_part = (
        page.split('id="waiting-heading"')[1].split('id="running-heading"')[0],
        page.split('id="running-heading"')[1].split('id="failed-heading"')[0],
        page.split('id="failed-heading"')[1],
    )
    assert f"send_set_password_email({org.member.pk})" in waiting_part
    assert f"send_set_password_email({org.lead.pk})" in running_part
    assert f"send_set_password_email({org.owner.pk})" in failed_part
    assert (
        "django.db.utils.OperationalError: server closed the connection unexpectedly" in failed_part
    )
    # Only the failed task has a retry button, in a form that posts with a CSRF token.
    assert page.count('action="/administration/tasks/') == 1
    form = re.search(rf'<form method="post" action="{retry_url(broken)}">(.*?)</form>', page, re.S)
    assert form and 'name="csrfmiddlewaretoken"' in form.group(1)
    assert retry_url(waiting) not in page and retry_url(busy) not in page


def test_the_error_text_is_escaped(as_role, org):
    failed(org.member, error=ValueError("<script>alert(1)</script>"))
    page = as_role("admin").get(QUEUE).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_due_task_nobody_took_for_minutes_warns_that_no_worker_runs(as_role, org):
    page = as_role("admin").get(QUEUE).content.decode()
    assert "is the task worker running?" not in page

    task = queued(org.member)
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )

    page = as_role("admin").get(QUEUE).content.decode()
    assert "is the task worker running?" in page


def test_a_retry_scheduled_for_later_is_not_a_silent_worker(as_role, org):
    task = queued(org.member)
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=10),
        run_after=timezone.now() + timedelta(minutes=5),
    )
    page = as_role("admin").get(QUEUE).content.decode()
    assert "is the task worker running?" not in page
    assert f"send_set_password_email({org.member.pk})" in page


# --- Retrying ------------------------------------------------------------------------------------


def test_a_retried_task_runs_again_at_once_and_the_history_says_who_retried_it(as_role, org):
    task = failed(org.member)

    response = as_role("admin").post(retry_url(task), follow=True)

    assert shown_messages(response) == ["Task send_set_password_email queued to run again."]
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()  # due now
    event = AdminEvent.objects.get(action="task.retried")
    assert (event.actor, event.target_type, event.target_id) == (org.admin, "task", str(task.pk))
    assert event.details == {
        "last error": "django.db.utils.OperationalError: server closed the connection unexpectedly"
    }


def test_a_task_retried_days_after_it_was_queued_is_due_now_not_overdue(as_role, org):
    task = failed(org.member)
    three_days_ago = timezone.now() - timedelta(days=3)
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=three_days_ago)
    client = as_role("admin")

    client.post(retry_url(task))

    page = client.get(QUEUE).content.decode()
    assert "is the task worker running?" not in page
    task.refresh_from_db()
    assert task.run_after >= timezone.now() - timedelta(minutes=1)
    assert f'datetime="{timezone.localtime(three_days_ago):%Y-%m-%dT}' not in page


def test_a_task_requeued_days_after_it_was_queued_is_due_now_not_overdue(as_role, org):
    task = running(org.member)
    three_days_ago = timezone.now() - timedelta(days=3)
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=three_days_ago, started_at=three_days_ago
    )

    assert [stalled.pk for stalled in task_queue.requeue_stalled()] == [task.pk]

    page = as_role("admin").get(QUEUE).content.decode()
    assert "is the task worker running?" not in page
    assert f'datetime="{timezone.localtime(three_days_ago):%Y-%m-%dT}' not in page


@pytest.mark.parametrize(
    ("state", "said"),
    [(queued, "waiting to run"), (running, "running")],
)
def test_retrying_a_task_that_has_not_failed_changes_nothing(as_role, org, state, said):
    task = state(org.member)
    before = DBTaskResult.objects.values().get(pk=task.pk)

    response = as_role("admin").post(retry_url(task), follow=True)

    assert shown_messages(response) == [
        f"That task is {said}, not failed: only a failed task can be retried. Nothing was changed."
    ]
    assert DBTaskResult.objects.values().get(pk=task.pk) == before
    assert not AdminEvent.objects.exists()


@pytest.mark.parametrize("task_id", ["6f1c3a52-0d7e-4c4b-9a57-2f0c1b7e9d11", "not-a-task"])
def test_retrying_an_unknown_task_changes_nothing(as_role, org, task_id):
    task = failed(org.member)

    response = as_role("admin").post(
        reverse("administration:task_retry", args=[task_id]), follow=True
    )

    assert shown_messages(response) == [
        f"There is no task {task_id} in the queue. Nothing was changed."
    ]
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert not AdminEvent.objects.exists()


def test_retry_needs_a_post_with_the_csrf_token(org):
    task = failed(org.member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)

    assert client.get(retry_url(task)).status_code == 405
    assert client.post(retry_url(task)).status_code == 403

    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED


# --- Query budget ---------------------------------------------------------------------------------


def test_the_queue_page_runs_the_same_queries_for_3_tasks_or_90(
    as_role, org, django_assert_max_num_queries
):
    client = as_role("admin")
    people = [org.member, org.lead, org.owner]

    def measure() -> int:
        with django_assert_max_num_queries(10) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    for person in people:
        queued(person), running(person), failed(person)
    with_few = measure()
    for _ in range(9):
        for person in people:
            queued(person), running(person), failed(person)
    with_many = measure()

    assert with_few == with_many
    assert client.get(QUEUE).content.decode().count(">Retry<") == 30
