"""Delivering a webhook: the task worker POSTs the event's JSON, signed, to the endpoint.

Headers: X-Registry-Event (the event name), X-Registry-Delivery (the delivery id, the same on a
retry or a redelivery, so a receiver can drop repeats), X-Registry-Timestamp (Unix seconds) and
X-Registry-Signature: ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with the
endpoint's secret. A 2xx answer delivers it; anything else (another code, a redirect, a timeout,
a refused connection) is recorded and retried after a growing delay, up to
``WEBHOOK_MAX_ATTEMPTS``. No database lock is held while the endpoint answers.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core.tasks import enqueue_with_this_transaction
from webhooks.models import Attempt, Delivery, DeliveryState

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new target: it counts as a failed attempt."""

    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirects)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def retry_delay(tries: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling up to an hour."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(tries - 1, 0), MAX_RETRY_SECONDS))


def post(delivery: Delivery) -> tuple[int | None, str, int]:
    """POST ``delivery`` once: (status code or None, error or "", milliseconds taken)."""
    body = json.dumps({"id": str(delivery.pk), **delivery.payload}).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "use-case-registry-webhooks",
            "X-Registry-Event": delivery.event,
            "X-Registry-Delivery": str(delivery.pk),
            "X-Registry-Timestamp": timestamp,
            "X-Registry-Signature": signature(delivery.endpoint.secret, timestamp, body),
        },
    )
    started = time.monotonic()
    code, error = None, ""
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as answer:
        code = answer.code
    except (OSError, ValueError) as failure:  # URLError, timeouts, refused connections
        error = f"{type(failure).__name__}: {failure}"[:300]
    return code, error, int((time.monotonic() - started) * 1000)


def record_attempt(delivery_id, code: int | None, error: str, duration_ms: int) -> str:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        Attempt.objects.create(
            delivery=delivery, status_code=code, error=error, duration_ms=duration_ms
        )
        delivery.tries += 1
        delivery.attempt_count += 1
        delivery.last_status_code = code
        delivery.last_error = error
        if code is not None and 200 <= code < 300:
            delivery.state = DeliveryState.DELIVERED
        elif delivery.tries >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
        else:
            enqueue_with_this_transaction(
                deliver_webhook.using(run_after=timezone.now() + retry_delay(delivery.tries)),
                str(delivery.pk),
            )
        delivery.save()
    return delivery.state


@task()
def deliver_webhook(delivery_id: str) -> str:
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "skipped: endpoint deleted"
    if delivery.state != DeliveryState.PENDING:
        return f"already {delivery.state}"
    if not delivery.endpoint.active:
        return "skipped: endpoint disabled"  # stays waiting; a redelivery sends it
    return record_attempt(delivery.pk, *post(delivery))


@task()
def queue_delivery_tasks(delivery_ids: list[str]) -> str:
    """Queue the task of each delivery of a batch of events (``events.queue_many_deliveries``),
    all or none."""
    with transaction.atomic():
        for delivery_id in delivery_ids:
            enqueue_with_this_transaction(deliver_webhook, delivery_id)
    return f"queued {len(delivery_ids)}"
