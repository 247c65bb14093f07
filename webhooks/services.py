"""Writes to webhooks: registering an endpoint, switching it on or off, redelivering."""

from urllib.parse import urlsplit

from django.db import transaction

from core import history
from core.tasks import enqueue_with_this_transaction
from portfolio.choices import AdminAction
from webhooks.models import Delivery, DeliveryState, Endpoint


class StaleEndpoint(Exception):
    """Someone changed the endpoint since the page was loaded."""


class AlreadyWaiting(Exception):
    """The delivery is still being tried (its next attempt is queued): another would send it
    twice."""


def _log(action, actor, endpoint: Endpoint, **details) -> None:
    """The administration history's row: who registered, changed, switched or resent what. An
    endpoint's address decides where the registry's data goes, so every change of it is kept."""
    history.record(
        action,
        actor=actor,
        target_type="endpoint",
        target_id=str(endpoint.pk),
        target_label=shown_address(endpoint.url),
        details={"events": endpoint.events, **details},
    )


def shown_address(url: str) -> str:
    """Where an endpoint is, for the history kept for good: scheme, host and port only. A path
    or query often carries a receiver's own secret (chat services' hook addresses do), which the
    history must not keep after the address is changed to rotate it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"[:200]


@transaction.atomic
def endpoint_create(*, actor, url: str, events: list[str], description: str = "") -> Endpoint:
    endpoint = Endpoint.objects.create(
        url=url, events=sorted(events), description=description, created_by=actor
    )
    _log(AdminAction.WEBHOOK_CREATED, actor, endpoint)
    return endpoint


@transaction.atomic
def endpoint_update(
    *, actor, endpoint_id: int, version: int, url: str, events: list[str], description: str = ""
) -> Endpoint:
    """Change where an endpoint is and what it asks for; deliveries already made keep theirs."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    if endpoint.version != version:
        raise StaleEndpoint
    before = endpoint.url
    endpoint.url, endpoint.events, endpoint.description = url, sorted(events), description
    endpoint.version += 1
    endpoint.save(update_fields=["url", "events", "description", "version"])
    _log(AdminAction.WEBHOOK_UPDATED, actor, endpoint, previous_address=shown_address(before))
    return endpoint


@transaction.atomic
def endpoint_set_active(*, actor, endpoint_id: int, active: bool, version: int) -> Endpoint:
    """Switch an endpoint on or off. Off, its waiting deliveries stay waiting (their tasks skip
    them); switched on again, each waiting delivery with no task queued is queued again."""
    from webhooks.tasks import deliver_webhook, deliveries_waiting_to_be_sent

    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    if endpoint.version != version:
        raise StaleEndpoint
    if endpoint.active == active:
        return endpoint  # already so (a second click): nothing changes, nothing to record
    switched_on = active and not endpoint.active
    endpoint.active = active
    endpoint.version += 1
    endpoint.save(update_fields=["active", "version"])
    switched = AdminAction.WEBHOOK_SWITCHED_ON if active else AdminAction.WEBHOOK_SWITCHED_OFF
    _log(switched, actor, endpoint)
    if switched_on:
        pending = [
            str(pk)
            for pk in endpoint.deliveries.filter(state=DeliveryState.PENDING)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        ]
        queued = deliveries_waiting_to_be_sent(pending)
        for delivery_id in pending:
            if delivery_id not in queued:
                enqueue_with_this_transaction(deliver_webhook, delivery_id)
    return endpoint


@transaction.atomic
def delivery_redeliver(*, actor, delivery_id) -> Delivery:
    """Send a delivery again, with the same id and body, and a fresh count of attempts. Refused
    (``AlreadyWaiting``) while its next attempt is queued: that would start a second chain of
    retries and send it twice each time."""
    from webhooks.tasks import deliver_webhook, deliveries_waiting_to_be_sent

    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.state == DeliveryState.PENDING and deliveries_waiting_to_be_sent([delivery_id]):
        raise AlreadyWaiting
    delivery.state = DeliveryState.PENDING
    delivery.tries = 0
    delivery.save(update_fields=["state", "tries"])
    enqueue_with_this_transaction(deliver_webhook, str(delivery.pk))
    _log(AdminAction.WEBHOOK_REDELIVERED, actor, delivery.endpoint, delivery=str(delivery.pk))
    return delivery
