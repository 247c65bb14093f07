"""In-app notices, each also sent by e-mail from a background task once the transaction commits."""

from django.db import transaction
from django.utils.text import Truncator

from usecases.models import Notification


def notify(*, recipients, kind: str, usecase, message: str) -> list[Notification]:
    """Create one notice per active recipient; their e-mails are queued only if this commits."""
    people = {person.pk: person for person in recipients if person is not None and person.is_active}
    message = Truncator(message).chars(Notification._meta.get_field("message").max_length)
    notices = Notification.objects.bulk_create(
        Notification(recipient=person, usecase=usecase, kind=kind, message=message)
        for person in people.values()
    )
    ids = [notice.pk for notice in notices]
    if ids:
        transaction.on_commit(lambda: queue_emails(ids))
    return notices


def queue_emails(notification_ids: list[int]) -> None:
    from usecases.tasks import send_notification_email

    for notification_id in notification_ids:
        send_notification_email.enqueue(notification_id)
