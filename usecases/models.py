from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils.text import capfirst

from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import STATUS_TONES, EventKind, EvidenceArea, MetricDirection, Source, Status
from usecases.search import SEARCH_CONFIG, prefix_query

KEY_PREFIX = "UC-"
NUMBER_SEQUENCE = "usecases_usecase_number_seq"


class NextVal(Func):
    """``nextval('<sequence>')``: use-case numbers come from a sequence, so none is ever reused."""

    function = "nextval"
    template = f"%(function)s('{NUMBER_SEQUENCE}')"
    output_field = models.BigIntegerField()

    def __init__(self):
        super().__init__()


class UseCaseQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related("team", "owner")

    def search(self, text: str):
        query = prefix_query(text)
        if query is None:
            return self
        return self.filter(search_vector=query)

    def by_key(self, key: str):
        number = parse_key(key)
        return self.filter(number=number) if number is not None else self.none()


def parse_key(key: str) -> int | None:
    key = key.strip().upper()
    if key.startswith(KEY_PREFIX):
        key = key[len(KEY_PREFIX) :]
    # ASCII digits only: "²".isdigit() is True, yet int("²") raises.
    return int(key) if key.isascii() and key.isdigit() else None


class UseCase(models.Model):
    number = models.BigIntegerField(unique=True, editable=False, db_default=NextVal())
    title = models.CharField(max_length=200)

    # The four things the registry makes explicit (owner below).
    who = models.TextField(
        "who", blank=True, help_text="The people this use case is for: an actor or persona."
    )
    problem = models.TextField(blank=True, help_text="The business problem it addresses.")
    success_signal = models.TextField(
        blank=True, help_text="How success will be recognised in practice."
    )
    business_intent = models.TextField(blank=True, help_text="The benefit the business expects.")

    # How the change lands.
    people_change = models.TextField("people change", blank=True)
    process_change = models.TextField("process change", blank=True)
    technology_change = models.TextField("technology change", blank=True)

    # The success signal's metric.
    metric_name = models.CharField("metric", max_length=200, blank=True)
    metric_unit = models.CharField("unit", max_length=40, blank=True)
    metric_direction = models.CharField(
        "direction", max_length=10, choices=MetricDirection.choices, blank=True
    )
    metric_baseline = models.DecimalField(
        "baseline", max_digits=16, decimal_places=4, null=True, blank=True
    )
    metric_target = models.DecimalField(
        "target", max_digits=16, decimal_places=4, null=True, blank=True
    )
    metric_target_date = models.DateField("target date", null=True, blank=True)
    evidence_area = models.CharField(max_length=30, choices=EvidenceArea.choices, blank=True)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="usecases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_usecases",
        help_text="The person who will own this use case. Empty only while drafting.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_usecases"
    )
    products = models.ManyToManyField(Product, blank=True, related_name="usecases")
    goals = models.ManyToManyField(StrategicGoal, blank=True, related_name="usecases")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Priority inputs, 1 (low) to 5 (high).
    business_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    effort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    source = models.CharField(max_length=30, choices=Source.choices, default=Source.MANUAL)
    external_ref = models.CharField("external reference", max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("who", "problem", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = UseCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        indexes = [
            GinIndex(fields=["search_vector"], name="usecase_search_gin"),
            models.Index(fields=["status", "-number"], name="usecase_status_number"),
            models.Index(fields=["team", "-number"], name="usecase_team_number"),
            models.Index(fields=["owner", "-number"], name="usecase_owner_number"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(business_value__isnull=True) | Q(business_value__range=(1, 5)),
                name="usecase_business_value_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__range=(1, 5)),
                name="usecase_effort_1_to_5",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="usecase_version_positive"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="usecase_status_valid"
            ),
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(external_ref=""),
                name="usecase_unique_external_ref",
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.title}"

    def get_absolute_url(self):
        return reverse("usecases:usecase_detail", args=[self.key])

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.number}"

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "neutral")


class UseCaseEvent(models.Model):
    """What happened to a use case, by whom and when; written by the services."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(help_text="The use case's version after the event.")
    changes = models.JSONField(
        default=dict, blank=True, help_text="{field: [old, new]} in display form."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["usecase", "-version"], name="event_usecase_version")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.usecase_id} v{self.version}"

    @property
    def changed_labels(self) -> list[str]:
        """The changed fields as people name them."""
        labels = []
        for name in self.changes:
            try:
                labels.append(capfirst(UseCase._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                labels.append(name)
        return labels
