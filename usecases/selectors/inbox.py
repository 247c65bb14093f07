"""Each person's notices: the inbox, its unread count and the navigation badge."""

from dataclasses import dataclass

from django.db.models import Count, Max

from core.compiled import compiled_values, statement
from core.queries import count_all
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
    """One indexed count (the partial index on unread notices). Every page's navigation asks:
    the query is compiled once per process (``core.compiled``; building and compiling it took
    three times as long as running it)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    ((count,),) = compiled_values(_unread_query, user.pk)
    return count


def unread_count_statements(user) -> list:
    """The statement ``unread_notification_count`` runs for ``user`` (none for nobody signed in),
    for ``core.compiled.read_ahead``."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [statement(_unread_query, user.pk)]


def _unread_query(user_pk: int, limit: None):
    """The count as one row (``count_all``, not Django's ``Count``: an aggregate would make this a
    dictionary, not a query to compile); without a GROUP BY the server returns one row, 0 when
    there is nothing unread. ``*``, not a column: the partial index on unread notices holds the
    recipient and the time, not the id, so the index answers the count by itself on the pages a
    vacuum has marked all-visible (a count of the id read every unread row from the table: 5.3
    ms against 0.54 for 4,000 unread)."""
    return (
        Notification.objects.filter(recipient=user_pk)
        .unread()
        .order_by()
        .annotate(unread=count_all())
        .values_list("unread")
    )


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
