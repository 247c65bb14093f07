"""An import: the uploaded file, the mapping it is read with, its progress and what became of each
row; and the mappings people saved for the next release of the same register."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from core import history
from imports.formats import KNOWN_FORMATS
from portfolio.models import Team

# The mark on history rows an import writes without an event of its own (a team, a product).
CREATED_BY_IMPORT = "import.created"
history.register_marks([(CREATED_BY_IMPORT, "Created by a register import")])


class RunStatus(models.TextChoices):
    MAPPING = "mapping", "Being mapped"
    QUEUED = "queued", "Waiting to run"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Stopped by an error"


class Outcome(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


OUTCOME_COUNTS = {outcome: f"{outcome.value}_count" for outcome in Outcome}


class SavedMapping(models.Model):
    """A mapping kept under a name, for the next release of the same register."""

    name = models.CharField(max_length=120, unique=True)
    format = models.CharField("recognised format", max_length=30, blank=True)
    mapping = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImportRun(models.Model):
    """One upload, from mapping to result. The file is kept in the database so the task worker
    reads it wherever it runs; the counts move as each batch of rows commits, together with the
    rows' outcomes, so what the run reports written is exactly what was written."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField()
    file_data = models.BinaryField()
    format = models.CharField("recognised format", max_length=30, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Every row goes into this team; empty: the teams the file names.",
    )
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.MAPPING)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("imports:run_detail", args=[self.pk])

    @property
    def format_label(self) -> str:
        return next((known.label for known in KNOWN_FORMATS if known.slug == self.format), "")

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.finished else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    def counts(self) -> dict[str, int]:
        return {outcome.value: getattr(self, field) for outcome, field in OUTCOME_COUNTS.items()}


class ImportRow(models.Model):
    """What became of one row of the file (blank rows are not kept)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The row as the file shows it.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    usecase = models.ForeignKey(
        "usecases.UseCase", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=30, blank=True)
    key = models.CharField("external reference", max_length=300, blank=True)
    title = models.CharField(max_length=200, blank=True)
    issues = models.JSONField(default=list, help_text="[{column, value, why, kept_empty}]")
    # The values the row gave, as JSON: the next release changes only what its own rows changed,
    # so an edit made in the registry since is not undone by a row that did not change.
    imported = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        indexes = [
            models.Index(fields=["run", "outcome", "number"], name="importrow_run_outcome"),
            models.Index(fields=["source", "key", "-id"], name="importrow_source_key"),
        ]

    def __str__(self):
        return f"row {self.number}: {self.get_outcome_display()}"
