"""Success-signal readings, and the dashboard's weekly snapshots of its key counts."""

from django.conf import settings
from django.db import models

from portfolio.models import Team
from usecases.models.usecase import UseCase


class Measurement(models.Model):
    """One reading of a use case's success metric."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    note = models.CharField(max_length=500, blank=True)
    source_url = models.URLField("source link", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_on", "-pk"]
        indexes = [models.Index(fields=["usecase", "-measured_on"], name="measurement_latest")]

    def __str__(self):
        return f"{self.usecase_id} {self.measured_on}: {self.value}"


class OwnershipSnapshot(models.Model):
    """The dashboard's key counts on one day (weekly), for the trend charts; ``team`` empty means
    the whole organisation."""

    taken_on = models.DateField()
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    counts = models.JSONField(help_text="{count name: number}")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["taken_on", "team"],
                nulls_distinct=False,
                name="snapshot_one_per_day_and_team",
            ),
        ]

    def __str__(self):
        return f"Snapshot {self.taken_on} ({self.team_id or 'all'})"
