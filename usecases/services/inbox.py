"""The inbox: marking notices read; and comments on a use case."""

from __future__ import annotations

from django.utils import timezone

from core.history import history_context
from usecases.choices import EventKind
from usecases.models import Comment, Notification, UseCase
from usecases.services.errors import NotAllowed
from usecases.services.steps import _required


@history_context(service=EventKind.COMMENTED)
def comment_post(*, usecase: UseCase, actor, body: str) -> Comment:
    body = _required(body, "Write something before posting.")
    return Comment.objects.create(usecase=usecase, author=actor, body=body)


def notification_mark_read(*, notification: Notification, actor) -> Notification:
    """Mark one of ``actor``'s notices read. The first reading time is kept: a second click, or
    two tabs, change nothing."""
    if notification.recipient_id != actor.pk:
        raise NotAllowed("Only the person a notice was sent to can mark it read.")
    now = timezone.now()
    marked = Notification.objects.filter(
        pk=notification.pk, recipient=actor, read_at__isnull=True
    ).update(read_at=now)
    if marked:
        notification.read_at = now
    else:
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor, up_to_id: int | None = None) -> int:
    """Mark ``actor``'s unread notices read and return how many. ``up_to_id`` (the newest notice
    the person saw) leaves alone a notice that arrived after the page was drawn."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    return unread.update(read_at=timezone.now())
