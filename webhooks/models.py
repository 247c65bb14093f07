import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class WebhookEvent(models.TextChoices):
    """What an endpoint can ask for; the names a receiver sees in X-Registry-Event."""

    CREATED = "usecase.created", "Use case created"
    SUBMITTED = "usecase.submitted", "Submitted for review"
    APPROVED = "usecase.approved", "Approved"
    CHANGES_REQUESTED = "usecase.changes_requested", "Changes requested"
    REJECTED = "usecase.rejected", "Rejected"
    SIGNED_OFF = "usecase.signed_off", "Signed off (or re-attested)"
    TRANSFERRED = "usecase.transferred", "Ownership transferred"
    RETIRED = "usecase.retired", "Retired"
    ATTESTATION_OVERDUE = "usecase.attestation_overdue", "Attestation overdue"
    MEASUREMENT_RECORDED = "measurement.recorded", "Measurement recorded"
    EVIDENCE_CHANGED = "evidence.status_changed", "Evidence status changed"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Endpoint(models.Model):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices))
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["url", "pk"]

    def __str__(self):
        return self.url

    @property
    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [labels.get(name, name) for name in self.events]


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class Delivery(models.Model):
    """One event for one endpoint: its body is fixed when the event happens; the task POSTs it,
    retrying with a growing delay until a 2xx answer or the last attempt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    tries = models.PositiveIntegerField(
        default=0, help_text="Attempts since queued or redelivered."
    )
    attempt_count = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_created")
        ]

    def __str__(self):
        return f"{self.event} {self.pk}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.status_code or self.error} at {self.at}"
