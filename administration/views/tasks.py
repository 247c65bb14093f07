"""The task queue page (admins): what waits, runs and failed, and a retry for a failed task."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from administration.services import tasks as task_queue_admin
from administration.services.errors import AdminError
from core import task_queue
from portfolio.permissions import can_manage_task_queue


def _require_queue_manager(request):
    if not can_manage_task_queue(request.user):
        raise PermissionDenied


@require_GET
def task_queue_view(request):
    _require_queue_manager(request)
    context = {
        "queue": task_queue.queue_overview(),
        "page_rows": task_queue.PAGE_ROWS,
        "max_attempts": task_queue.MAX_ATTEMPTS,
    }
    return render(request, "administration/task_queue.html", context)


@require_POST
def task_retry(request, task_id):
    _require_queue_manager(request)
    try:
        task = task_queue_admin.task_retry(task_id=task_id, actor=request.user)
    except AdminError as error:
        messages.error(request, f"{error} Nothing was changed.")
    else:
        messages.success(request, f"Task {task.task_name} queued to run again.")
    return redirect("administration:task_queue")
