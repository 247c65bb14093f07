"""The task queue page's one write: an admin retries a failed task."""

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from administration.services.errors import AdminError
from core import history, task_queue
from portfolio.choices import AdminAction


def task_retry(*, task_id: str, actor) -> DBTaskResult:
    """Queue a failed task to run again at once; recorded in the administration history."""
    with transaction.atomic():
        try:
            task, error = task_queue.requeue_failed(task_id)
        except task_queue.NotRetriable as refusal:
            raise AdminError(str(refusal)) from None
        history.record(
            AdminAction.TASK_RETRIED,
            actor=actor,
            target_type="task",
            target_id=str(task.pk),
            target_label=f"{task.task_name} ({task.pk})"[:200],
            details={"last error": error[:200]},
        )
    return task
