"""Each person's notices: the inbox, its unread count and the navigation badge."""

from dataclasses import dataclass

from django.db.models import Count, Max

from usecases.models import Notification


def inbox_notifications(user):
    """``user``'s notices, newest first, each with the key and title of its use case."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("usecase")
        .only(
            "kind",
            "message",
            "created_at",
            "read_at",
            "recipient",
            "usecase",
            "usecase__number",
            "usecase__title",
        )
        .order_by("-created_at", "-pk")
    )


def unread_notification_count(user) -> int:
    """One indexed count (the partial index on unread notices)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user).unread().count()


@dataclass(frozen=True)
class UnreadSummary:
    count: int
    newest_id: int | None


def inbox_unread_summary(user) -> UnreadSummary:
    """How many notices ``user`` has not read, and the newest of them: one query."""
    row = (
        Notification.objects.filter(recipient=user)
        .unread()
        .aggregate(count=Count("pk"), newest_id=Max("pk"))
    )
    return UnreadSummary(count=row["count"], newest_id=row["newest_id"])
