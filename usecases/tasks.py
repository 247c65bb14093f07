"""Background tasks (Django's tasks API; the database backend's worker runs them).

E-mail is sent here, never in a request: a mail server that is down delays the e-mail, it never
fails a workflow action. A failed send is retried with a growing delay until it goes through.

An e-mail is a nudge to look at the inbox. A notice that is read by the time its e-mail would go
out needs none: its reader has seen it, or the request it carried was settled by someone else and
closed (``notifications.close_requests`` marks closed notices read). Such an e-mail is skipped, on
the first try or on a retry, and that ends its retries.

Safe to run twice: the task checks its notice, under a row lock, before sending. The sent mark is
written after the mail server accepted the e-mail; if the database fails right then, the task
fails on a database error, which the worker retries (``core/task_queue.py``), and the retry
records the delivery it remembers instead of sending again. (A worker killed between the two, or a
retry taken by another worker process, sends the e-mail a second time: rather twice than never.)
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from core.tasks import enqueue_with_this_transaction
from usecases.models import Notification

logger = logging.getLogger(__name__)

# Notices whose e-mail the mail server accepted but whose sent mark the database did not take
# (``{notification_id: sent at}``), kept for the retry in this worker process.
delivered_unrecorded: dict[int, datetime] = {}


class EmailGaveUp(Exception):
    """Recorded on an e-mail task that stopped trying: the queue page lists it as failed, with a
    retry button (a retry tries once more)."""


def retry_delay(attempts: int) -> timedelta:
    """30 s, 60 s, 2 min, ... doubling up to 30 minutes between tries."""
    seconds = settings.EMAIL_RETRY_FIRST_DELAY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_DELAY_SECONDS))


def record_delivery(notification_id: int) -> str:
    """Write the sent mark an earlier run could not, for the e-mail it did deliver."""
    Notification.objects.filter(pk=notification_id, email_sent_at__isnull=True).update(
        email_sent_at=delivered_unrecorded[notification_id],
        email_attempts=F("email_attempts") + 1,
        email_last_error="",
    )
    del delivered_unrecorded[notification_id]
    return "sent"


def record_failed_send(notice: Notification, error: Exception) -> str:
    """Record a failed send on its notice and queue the next try after a growing delay, or give
    up after ``EMAIL_MAX_ATTEMPTS``: "retry scheduled" or "gave up"."""
    notice.email_last_error = f"{type(error).__name__}: {error}"[:300]
    notice.save(update_fields=["email_attempts", "email_last_error"])
    if notice.email_attempts >= settings.EMAIL_MAX_ATTEMPTS:
        logger.error("Giving up on e-mail for notification %s: %s", notice.pk, error)
        return "gave up"
    delay = retry_delay(notice.email_attempts)
    # Queued with the failed attempt's record: both commit, or neither.
    enqueue_with_this_transaction(
        send_notification_email.using(run_after=timezone.now() + delay), notice.pk
    )
    logger.warning(
        "E-mail for notification %s failed (%s); retrying in %s", notice.pk, error, delay
    )
    return "retry scheduled"


def email_attempts_of(notification_ids: list) -> dict:
    """For the queue page: each notice's e-mail attempts so far and its last error, one query."""
    rows = Notification.objects.filter(pk__in=notification_ids).values_list(
        "pk", "email_attempts", "email_last_error"
    )
    return {
        pk: f"{attempts} e-mail attempt{'s' if attempts != 1 else ''} so far; the last: {error}"
        for pk, attempts, error in rows
        if error
    }


@task()
def send_notification_email(notification_id: int) -> str:
    if notification_id in delivered_unrecorded:
        return record_delivery(notification_id)
    with transaction.atomic():
        notice = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "usecase")
            .get(pk=notification_id)
        )
        if notice.email_sent_at is not None:
            return "already sent"
        if notice.read_at is not None:
            if notice.email_last_error:
                # An earlier attempt failed; nothing is pending any more, so no failure either.
                notice.email_last_error = ""
                notice.save(update_fields=["email_last_error"])
            return "skipped: read"
        if not notice.recipient.email:
            return "no address"
        subject = f"[Use-case registry] {notice.get_kind_display()}"
        if notice.usecase:
            subject += f": {notice.usecase.key}"
        body = render_to_string(
            "usecases/email/notification.txt", {"notice": notice, "site_url": settings.SITE_URL}
        )
        notice.email_attempts += 1
        try:
            send_mail(subject, body, None, [notice.recipient.email])
        except (OSError, smtplib.SMTPException) as error:
            outcome = record_failed_send(notice, error)
        else:
            notice.email_sent_at = delivered_unrecorded[notification_id] = timezone.now()
            notice.email_last_error = ""
            notice.save(update_fields=["email_attempts", "email_sent_at", "email_last_error"])
            outcome = "sent"
    if outcome == "gave up":  # raised after the commit: the notice keeps the failed attempt
        raise EmailGaveUp(
            f"gave up on the e-mail of notice {notification_id} after "
            f"{notice.email_attempts} attempts; the last: {notice.email_last_error}"
        )
    if outcome == "sent":
        del delivered_unrecorded[notification_id]  # committed
    return outcome
