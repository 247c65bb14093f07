"""Writes to webhooks: registering an endpoint, switching it on or off, redelivering."""

from django.db import transaction

from core.tasks import enqueue_with_this_transaction
from webhooks.models import Delivery, DeliveryState, Endpoint


class StaleEndpoint(Exception):
    """Someone changed the endpoint since the page was loaded."""


@transaction.atomic
def endpoint_create(*, actor, url: str, events: list[str], description: str = "") -> Endpoint:
    return Endpoint.objects.create(
        url=url, events=sorted(events), description=description, created_by=actor
    )


@transaction.atomic
def endpoint_update(
    *, endpoint_id: int, version: int, url: str, events: list[str], description: str = ""
) -> Endpoint:
    """Change where an endpoint is and what it asks for; deliveries already made keep theirs."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    if endpoint.version != version:
        raise StaleEndpoint
    endpoint.url, endpoint.events, endpoint.description = url, sorted(events), description
    endpoint.version += 1
    endpoint.save(update_fields=["url", "events", "description", "version"])
    return endpoint


@transaction.atomic
def endpoint_set_active(*, endpoint_id: int, active: bool, version: int) -> Endpoint:
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    if endpoint.version != version:
        raise StaleEndpoint
    endpoint.active = active
    endpoint.version += 1
    endpoint.save(update_fields=["active", "version"])
    return endpoint


@transaction.atomic
def delivery_redeliver(*, delivery_id) -> Delivery:
    """Send a delivery again, with the same id and body, and a fresh count of attempts."""
    from webhooks.tasks import deliver_webhook

    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    delivery.state = DeliveryState.PENDING
    delivery.tries = 0
    delivery.save(update_fields=["state", "tries"])
    enqueue_with_this_transaction(deliver_webhook, str(delivery.pk))
    return delivery
