"""Delivering a webhook: the task worker POSTs the event's JSON, signed, to the endpoint.

Headers: X-Registry-Event (the event name), X-Registry-Delivery (the delivery id, the same on a
retry or a redelivery, so a receiver can drop repeats), X-Registry-Timestamp (Unix seconds) and
X-Registry-Signature: ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with the
endpoint's secret. A 2xx status line and headers within ``WEBHOOK_DEADLINE_SECONDS`` deliver it
(the answer's body is not read); anything else (another code, a redirect, a timeout, a refused
connection, a malformed answer) is recorded and retried after a growing delay (30 s doubling, at
most an hour), ``WEBHOOK_MAX_ATTEMPTS`` attempts in all. No database lock is held while the
endpoint answers.
"""

import contextlib
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from core.tasks import enqueue_with_this_transaction
from webhooks.addresses import destination
from webhooks.models import Attempt, Delivery, DeliveryState

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def retry_delay(tries: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling up to an hour."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(tries - 1, 0), MAX_RETRY_SECONDS))


class Deadline:
    """Cuts a connection that has not finished by a total deadline: the socket timeout only
    bounds each read, so an endpoint dripping a byte at a time would otherwise hold the worker.
    A timer thread shuts the socket down, which ends the blocked read at once."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.connection, self.seconds, self.expired = connection, seconds, False
        self.timer = threading.Timer(seconds, self.cut)
        self.timer.daemon = True

    def cut(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            # the plain socket's shutdown, also under TLS: it unblocks the other thread's read
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()
        self.connection.close()

    def check(self) -> None:
        if self.expired:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the host's name for SNI and the certificate."""

    def __init__(self, address: str, hostname: str, port, **kwargs):
        super().__init__(hostname, port, **kwargs)
        self.address = address

    def connect(self):
        plain = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(plain, server_hostname=self.host)


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to an address already checked; the Host header keeps the name."""

    def __init__(self, address: str, hostname: str, port, **kwargs):
        super().__init__(hostname, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


def connection_to(url: str) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the address ``webhooks.addresses.destination`` checked for ``url``, and
    the request's target."""
    parts = urlsplit(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"unsupported address {url!r}")
    address = destination(url)  # never to this machine or its network (webhooks.addresses)
    if parts.scheme == "https":
        connection = PinnedHTTPSConnection(
            address,
            parts.hostname,
            parts.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = PinnedHTTPConnection(address, parts.hostname, parts.port, timeout=timeout)
    return connection, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def send(url: str, body: bytes, headers: dict) -> int:
    """POST ``body`` and return the answer's status code, within the deadline or raising."""
    connection, target = connection_to(url)
    with Deadline(connection, settings.WEBHOOK_DEADLINE_SECONDS) as deadline:
        try:
            connection.request("POST", target, body=body, headers=headers)
            status = connection.getresponse().status  # a redirect is an answer, not followed
        except Exception:
            deadline.check()  # the cut is what made it fail: say so
            raise
        deadline.check()  # the cut may end the headers early, which parses as complete
        return status


def post(delivery: Delivery) -> tuple[int | None, str, int]:
    """POST ``delivery`` once: (status code or None, error or "", milliseconds taken). Whatever
    goes wrong in the send is an error of this attempt, never of the task."""
    body = json.dumps({"id": str(delivery.pk), **delivery.payload}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "use-case-registry-webhooks",
        "X-Registry-Event": delivery.event,
        "X-Registry-Delivery": str(delivery.pk),
        "X-Registry-Timestamp": timestamp,
        "X-Registry-Signature": signature(delivery.endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    code, error = None, ""
    try:
        code = send(delivery.endpoint.url, body, headers)
    except Exception as failure:  # refused, timed out, cut at the deadline, malformed answer
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
        elif delivery.tries >= settings.WEBHOOK_MAX_ATTEMPTS:
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
        return "skipped: endpoint disabled"  # stays waiting; switching it on queues it again
    return record_attempt(delivery.pk, *post(delivery))


@task()
def queue_delivery_tasks(delivery_ids: list[str]) -> str:
    """Queue the task of each delivery of a batch of events (``events.queue_many_deliveries``),
    all or none."""
    with transaction.atomic():
        for delivery_id in delivery_ids:
            enqueue_with_this_transaction(deliver_webhook, delivery_id)
    return f"queued {len(delivery_ids)}"


def deliveries_waiting_to_be_sent(delivery_ids: list[str]) -> set[str]:
    """Those of ``delivery_ids`` whose task is queued or running (or whose batch's task, which
    queues them, is): queuing another would send them twice. Two queries."""
    waiting = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    wanted = {str(delivery_id) for delivery_id in delivery_ids}
    single = waiting.filter(
        task_path=deliver_webhook.module_path, args_kwargs__args__0__in=list(wanted)
    ).values_list("args_kwargs__args__0", flat=True)
    batches = waiting.filter(task_path=queue_delivery_tasks.module_path).values_list(
        "args_kwargs__args__0", flat=True
    )
    in_batches = {delivery_id for batch in batches for delivery_id in batch}
    return wanted & (set(single) | in_batches)
