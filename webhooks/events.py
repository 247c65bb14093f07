"""Where webhook deliveries come from: every use-case event the services record.

The services write a ``UseCaseEvent`` row in the transaction of each action; these receivers add,
in that same transaction, a delivery for each active endpoint that asked for the event and queue
its task. The action commits with its deliveries or not at all, and the request never waits for
an endpoint: the task worker POSTs. Events written many at once (an import's batch, the daily
evidence recompute: ``core.history.record_many``) get theirs at once too: one query for the
endpoints, one for the use cases' owners, one insert of the deliveries, and one task that queues a
delivery task for each.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.history import events_recorded
from core.people import person_name
from core.tasks import enqueue_with_this_transaction
from usecases.choices import EventKind
from usecases.models import UseCaseEvent, UseCaseHistory
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
    # The named owner says no: it goes back to the previous owner (or to nobody, a draft).
    EventKind.OWNERSHIP_DECLINED: WebhookEvent.TRANSFERRED,
    EventKind.RETIRED: WebhookEvent.RETIRED,
    EventKind.ATTESTATION_LAPSED: WebhookEvent.ATTESTATION_OVERDUE,
    EventKind.MEASUREMENT_RECORDED: WebhookEvent.MEASUREMENT_RECORDED,
}


# Recording or deleting a measurement can move the evidence status, and so can the daily
# recompute; the event says so in ``changes``.
EVIDENCE_KINDS = {
    EventKind.MEASUREMENT_RECORDED,
    EventKind.MEASUREMENT_DELETED,
    EventKind.EVIDENCE_CHANGED,
}


def webhook_events_of(event: UseCaseEvent) -> list[str]:
    names = [WEBHOOK_EVENT_OF_KIND[event.kind]] if event.kind in WEBHOOK_EVENT_OF_KIND else []
    if moves_owner(event):
        names.append(WebhookEvent.TRANSFERRED)
    if event.kind in EVIDENCE_KINDS and "evidence_status" in (event.changes or {}):
        names.append(WebhookEvent.EVIDENCE_CHANGED)
    return names


def person(user) -> dict | None:
    return {"username": user.username, "name": person_name(user)} if user else None


def previous_owner_of(event: UseCaseEvent):
    """Who owned the use case before its owner last changed (nobody before a first owner), from
    the database's own history of the row: whatever service moved it."""
    usecase = event.usecase
    earlier = (
        UseCaseHistory.objects.filter(pgh_obj_id=usecase.pk)
        .exclude(owner_id=usecase.owner_id)
        .select_related("owner")
        .order_by("-pgh_id")
        .first()
    )
    return earlier.owner if earlier else None


def moves_owner(event: UseCaseEvent) -> bool:
    """An edit that names another owner (an admin's reassignment, or the edit form) moves it."""
    return event.kind == EventKind.UPDATED and "owner" in (event.changes or {})


def payload_of(event: UseCaseEvent, name: str, owners: dict) -> dict:
    """The body every endpoint gets for ``event`` (its ``id`` is added per delivery); ``owners``
    holds the use cases' owners by id."""
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
            "owner": person(owners.get(usecase.owner_id)),
        },
    }
    if name == WebhookEvent.TRANSFERRED:
        body["usecase"]["previous_owner"] = person(previous_owner_of(event))
    if name == WebhookEvent.EVIDENCE_CHANGED:
        before, after = event.changes["evidence_status"]
        body["evidence_status"] = {"from": before, "to": after, "value": usecase.evidence_status}
    return body


def new_deliveries(events) -> list[Delivery]:
    """A delivery, written, for each of ``events`` and each active endpoint that asked for it:
    one query for the endpoints, one for the owners and one insert, whatever the number of events
    (and one for the previous owner of each rare ownership move); each body is built once."""
    wanted = [(event, names) for event in events if (names := webhook_events_of(event))]
    if not wanted:
        return []
    asked = sorted({name for _, names in wanted for name in names})
    endpoints = list(Endpoint.objects.filter(active=True, events__overlap=asked))
    if not endpoints:
        return []
    subscribed = {name for endpoint in endpoints for name in endpoint.events}
    wanted = [(event, [name for name in names if name in subscribed]) for event, names in wanted]
    owners = get_user_model().objects.in_bulk(
        {event.usecase.owner_id for event, _ in wanted} - {None}
    )
    bodies = [(name, payload_of(event, name, owners)) for event, names in wanted for name in names]
    return Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event=name, payload=payload)
        for name, payload in bodies
        for endpoint in endpoints
        if name in endpoint.events
    )


def queue_deliveries(event: UseCaseEvent) -> list[Delivery]:
    from webhooks.tasks import deliver_webhook  # the task module imports the models too

    deliveries = new_deliveries([event])
    for delivery in deliveries:
        enqueue_with_this_transaction(deliver_webhook, str(delivery.pk))
    return deliveries


def queue_many_deliveries(events) -> list[Delivery]:
    """``queue_deliveries`` for a batch of events: the deliveries in one insert and one task,
    queued with the transaction, that queues each delivery's own task from the worker (so a
    batch of thousands costs the writer one task row, and each delivery still retries alone)."""
    from webhooks.tasks import queue_delivery_tasks

    deliveries = new_deliveries(events)
    if deliveries:
        enqueue_with_this_transaction(
            queue_delivery_tasks, [str(delivery.pk) for delivery in deliveries]
        )
    return deliveries


@receiver(post_save, sender=UseCaseEvent, dispatch_uid="webhooks.queue_deliveries")
def on_usecase_event(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        queue_deliveries(instance)


@receiver(events_recorded, sender=UseCaseEvent, dispatch_uid="webhooks.queue_many_deliveries")
def on_usecase_events(sender, events, **kwargs):
    queue_many_deliveries(events)
