"""In-app notices, each also sent by e-mail from a background task.

The e-mail task is queued in the same transaction as the notice: the task backend keeps its queue
in our database, so the task row commits with the change that caused it or not at all. Queuing
after the commit instead (``transaction.on_commit``) would lose the e-mail to a crash in the
instant between the commit and the queuing.
"""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat, Left, Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.text import Truncator

from core.tasks import enqueue_with_this_transaction
from usecases.models import Notification
from usecases.tasks import send_notification_email

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length
# What a closed request's message gains, before the reason: "… — Closed: Rob Reviewer approved it."
CLOSED_MARK = " — Closed: "


def notify(*, recipients, kind: str, usecase, message: str) -> list[Notification]:
    """Create one notice per active recipient and queue its e-mail with it."""
    people = {person.pk: person for person in recipients if person is not None and person.is_active}
    message = Truncator(message).chars(MESSAGE_LENGTH)
    notices = Notification.objects.bulk_create(
        Notification(recipient=person, usecase=usecase, kind=kind, message=message)
        for person in people.values()
    )
    queue_emails([notice.pk for notice in notices])
    return notices


def queue_emails(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        enqueue_with_this_transaction(send_notification_email, notification_id)


def close_requests(*, usecase, kinds, reason: str, keep_recipient=None) -> int:
    """Mark the unread notices of ``kinds`` about ``usecase`` read: what they asked for was done,
    or is no longer asked (someone else decided the review, the sign-off request went to another
    person). Each message gains why, so its reader sees that someone else acted. ``keep_recipient``
    still has the request before them. Returns how many notices were closed.

    One statement, in the caller's transaction.
    """
    suffix = Truncator(f"{CLOSED_MARK}{reason}").chars(MESSAGE_LENGTH // 2)
    room = MESSAGE_LENGTH - len(suffix)
    unread = Notification.objects.filter(usecase=usecase, kind__in=kinds, read_at__isnull=True)
    if keep_recipient is not None:
        unread = unread.exclude(recipient=keep_recipient)
    too_long = GreaterThan(Length("message"), room)
    return unread.update(
        read_at=timezone.now(),
        message=Case(
            # A message too long for both keeps its start and shows that it was cut.
            When(too_long, then=Concat(Left("message", room - 1), Value("…"), Value(suffix))),
            default=Concat(F("message"), Value(suffix)),
            output_field=CharField(),
        ),
    )
