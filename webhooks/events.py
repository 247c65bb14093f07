"""Where webhook deliveries come from: every use-case event the services record.

The services write a ``UseCaseEvent`` row in the transaction of each action; this receiver adds,
in that same transaction, a delivery for each active endpoint that asked for the event and queues
its task. The action commits with its deliveries or not at all, and the request never waits for
an endpoint: the task worker POSTs.
"""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.tasks import enqueue_with_this_transaction
from usecases.choices import EventKind
from usecases.models import UseCaseEvent
from webhooks.models import Delivery, Endpoint, WebhookEvent

WEBHOOK_EVENT_OF_KIND = {
    EventKind.CREATED: WebhookEvent.CREATED,
    EventKind.SUBMITTED: WebhookEvent.SUBMITTED,
    EventKind.RESUBMITTED: WebhookEvent.SUBMITTED,
    EventKind.APPROVED: WebhookEvent.APPROVED,
    EventKind.CHANGES_REQUESTED: WebhookEvent.CHANGES_REQUESTED,
    EventKind.REJECTED: WebhookEvent.REJECTED,
    EventKind.SIGNED_OFF: WebhookEvent.SIGNED_OFF,
    EventKind.REATTESTED: WebhookEvent.SIGNED_OFF,
    EventKind.TRANSFER_REQUESTED: WebhookEvent.TRANSFERRED,  # the new owner is named at once
    EventKind.OWNERSHIP_CLAIMED: WebhookEvent.TRANSFERRED,
    EventKind.RETIRED: WebhookEvent.RETIRED,
    EventKind.ATTESTATION_LAPSED: WebhookEvent.ATTESTATION_OVERDUE,
    EventKind.MEASUREMENT_RECORDED: WebhookEvent.MEASUREMENT_RECORDED,
}


# Recording or deleting a measurement can move the evidence status; the event says so in
# ``changes`` (the daily recompute records no event, so its moves send nothing).
EVIDENCE_KINDS = {EventKind.MEASUREMENT_RECORDED, EventKind.MEASUREMENT_DELETED}


def webhook_events_of(event: UseCaseEvent) -> list[str]:
    names = [WEBHOOK_EVENT_OF_KIND[event.kind]] if event.kind in WEBHOOK_EVENT_OF_KIND else []
    if event.kind in EVIDENCE_KINDS and "evidence_status" in (event.changes or {}):
        names.append(WebhookEvent.EVIDENCE_CHANGED)
    return names


def payload_of(event: UseCaseEvent, name: str) -> dict:
    """The body every endpoint gets for ``event`` (its ``id`` is added per delivery)."""
    usecase = event.usecase
    body = {
        "event": name,
        "kind": event.kind,
        "occurred_at": event.created_at.isoformat(),
        "actor": event.actor.username if event.actor_id else None,
        "from_status": event.from_status or None,
        "to_status": event.to_status or None,
        "usecase": {
            "key": usecase.key,
            "title": usecase.title,
            "status": usecase.status,
            "url": settings.SITE_URL.rstrip("/") + usecase.get_absolute_url(),
            "version": event.version,
        },
    }
    if name == WebhookEvent.EVIDENCE_CHANGED:
        before, after = event.changes["evidence_status"]
        body["evidence_status"] = {"from": before, "to": after, "value": usecase.evidence_status}
    return body


def queue_deliveries(event: UseCaseEvent) -> list[Delivery]:
    from webhooks.tasks import deliver_webhook  # the task module imports the models too

    names = webhook_events_of(event)
    if not names:
        return []
    endpoints = list(Endpoint.objects.filter(active=True, events__overlap=names))
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event=name, payload=payload_of(event, name))
        for name in names
        for endpoint in endpoints
        if name in endpoint.events
    )
    for delivery in deliveries:
        enqueue_with_this_transaction(deliver_webhook, str(delivery.pk))
    return deliveries


@receiver(post_save, sender=UseCaseEvent, dispatch_uid="webhooks.queue_deliveries")
def on_usecase_event(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        queue_deliveries(instance)
