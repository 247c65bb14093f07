from functools import cached_property

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from core import history
from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import (
    EDITABLE_FIELDS,
    EVIDENCE_TONES,
    STATUS_TONES,
    EventKind,
    EvidenceArea,
    EvidenceStatus,
    MetricDirection,
    NotificationKind,
    ReviewDecision,
    RevisionReason,
    SignOffKind,
    Source,
    Status,
)
from usecases.readiness import missing_needs
from usecases.search import SEARCH_CONFIG, prefix_query

KEY_PREFIX = "UC-"
NUMBER_SEQUENCE = "usecases_usecase_number_seq"


class NextVal(Func):
    """``nextval('<sequence>')``: use-case numbers come from a sequence, so none is ever reused."""

    function = "nextval"
    template = f"%(function)s('{NUMBER_SEQUENCE}')"
    output_field = models.BigIntegerField()


class UseCaseQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related("team", "owner")

    def overdue(self, *, now=None):
        """Active use cases whose owner's attestation has expired."""
        return self.filter(status=Status.ACTIVE, attestation_expires_at__lt=now or timezone.now())

    def reviewable_by(self, user):
        """In review, neither authored by ``user`` nor sent to this review by them: separation of
        duties as a query (``UseCase.is_review_party`` is the same rule for one use case)."""
        sent_by_them = Review.objects.filter(
            usecase=models.OuterRef("pk"), decided_at__isnull=True, submitted_by=user
        )
        return (
            self.filter(status=Status.IN_REVIEW)
            .exclude(author=user)
            .exclude(models.Exists(sent_by_them))
        )

    def awaiting_sign_off_by(self, user):
        return self.filter(status=Status.AWAITING_SIGN_OFF, owner=user)

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
    metric_baseline_date = models.DateField(
        "baseline date",
        null=True,
        blank=True,
        help_text="When the baseline was measured; the line to the target starts here.",
    )
    # Kept by the measurement services (and a daily recompute) so dashboards filter on columns.
    evidence_status = models.CharField(
        max_length=20,
        choices=EvidenceStatus.choices,
        default=EvidenceStatus.NO_DATA,
        editable=False,
    )
    last_measured_on = models.DateField(null=True, blank=True, editable=False)
    measurement_recorders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Team members the owner allows to record measurements.",
    )

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
    # The linked goals' and products' ids, sorted: kept by database triggers (``Meta.triggers`` and
    # ``_touch_linked_usecases`` below) whoever changes the links, so the dashboard groups use cases by
    # the goals they serve with one scan instead of a subquery per use case. Read them in queries
    # only: an instance's copy is stale once its links change, and what it saves is overwritten.
    goal_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)
    product_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Priority inputs, 1 (low) to 5 (high).
    business_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    effort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    # Ownership state, kept here so lists and dashboards filter on columns, not on joins.
    signed_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    attestation_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    changed_since_sign_off = models.BooleanField(
        default=False,
        editable=False,
        help_text="What was signed (who, problem, success signal, owner) changed; awaiting re-review.",
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
            models.Index(
                fields=["attestation_expires_at"],
                condition=Q(status="active"),
                name="usecase_active_expiry",
            ),
            # Everything the dashboard counts, so its grouped counts read this index alone.
            models.Index(
                fields=["team", "status"],
                include=[
                    "id",
                    "owner",
                    "attestation_expires_at",
                    "changed_since_sign_off",
                    "evidence_status",
                    "evidence_area",
                    "goal_ids",
                    "product_ids",
                ],
                name="usecase_dashboard_cover",
            ),
        ]
        triggers = [
            # Decisions and sign-offs are bound to the text however it changes (shell, SQL, a
            # script): a change to any field of the form moves the version on, so nobody decides
            # on a text they did not see; an active use case whose material fields no longer match
            # its sign-off's digest is flagged "changed since sign-off" (needs re-review).
            pgtrigger.Trigger(
                name="usecase_material_change",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(*EDITABLE_FIELDS),
                func="""
                IF NEW.version = OLD.version THEN
                    NEW.version := OLD.version + 1;
                END IF;
                IF NEW.status = 'active' AND NOT NEW.changed_since_sign_off AND EXISTS (
                    SELECT 1 FROM usecases_signoff
                    WHERE usecase_id = NEW.id AND superseded_at IS NULL
                      AND material_digest <> '' AND material_digest <> usecase_material_digest(NEW)
                ) THEN
                    NEW.changed_since_sign_off := true;
                END IF;
                RETURN NEW;
                """,
            ),
            # ``goal_ids`` and ``product_ids`` always hold the links, whatever a write says.
            pgtrigger.Trigger(
                name="usecase_link_sets",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                NEW.goal_ids := ARRAY(
                    SELECT strategicgoal_id FROM usecases_usecase_goals
                    WHERE usecase_id = NEW.id ORDER BY 1
                );
                NEW.product_ids := ARRAY(
                    SELECT product_id FROM usecases_usecase_products
                    WHERE usecase_id = NEW.id ORDER BY 1
                );
                RETURN NEW;
                """,
            ),
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
            # The owner may be empty only while drafting.
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(owner__isnull=False),
                name="usecase_owner_unless_draft",
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

    @cached_property
    def evidence_keeper_id(self) -> int | None:
        """Who keeps the success signal's measurements: the owner; while ownership is being handed
        over, the person whose sign-off still holds (the outgoing owner), until the new owner
        signs, unless that person has been deactivated. Read from the sign-off, not from the
        transfer: a deactivation may name someone else for a declined handover to fall back to,
        and that person signed nothing. One query, only while awaiting sign-off."""
        if self.status == Status.AWAITING_SIGN_OFF and not self.changed_since_sign_off:
            signer = (
                self.sign_offs.filter(
                    superseded_at__isnull=True,
                    owner__is_active=True,
                    usecase__transfers__resolved_at__isnull=True,
                )
                .values_list("owner_id", flat=True)
                .first()
            )
            if signer is not None:
                return signer
        return self.owner_id

    @cached_property
    def review_gaps(self) -> list:
        """What submitting still lacks (``readiness``), from the prefetched links where loaded."""
        return missing_needs(self)

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "neutral")

    def review_submitter_id(self) -> int | None:
        """Who sent the open review's version to review; fetched once per instance."""
        if not hasattr(self, "_review_submitter_id"):
            self._review_submitter_id = (
                self.reviews.filter(decided_at__isnull=True)
                .values_list("submitted_by_id", flat=True)
                .first()
            )
        return self._review_submitter_id

    def is_review_party(self, user) -> bool:
        """Separation of duties: whoever wrote the use case, or sent its open review's version to
        review, does not decide on it (``UseCaseQuerySet.reviewable_by`` is the query form)."""
        return user.pk in {self.author_id, self.review_submitter_id()}

    @property
    def evidence_tone(self) -> str:
        return EVIDENCE_TONES.get(self.evidence_status, "neutral")

    @property
    def attestation_overdue(self) -> bool:
        return (
            self.status == Status.ACTIVE
            and self.attestation_expires_at is not None
            and self.attestation_expires_at < timezone.now()
        )


class UseCaseEvent(models.Model):
    """What happened to a use case, by whom and when; written by the services
    (``core.history.record``)."""

    event_field = "kind"

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(help_text="The use case's version after the event.")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True, help_text="Comment, rationale or reason given.")
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


history.register_events(UseCaseEvent, EventKind)


class Revision(models.Model):
    """A snapshot of the use case's text, taken on every submit and sign-off."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=RevisionReason.choices)
    data = models.JSONField(help_text="{field: value as people read it}")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["usecase", "number"], name="revision_unique_number"),
        ]

    def __str__(self):
        return f"{self.usecase_id} revision {self.number}"


class Review(models.Model):
    """One review round: opened on submit, closed by a reviewer's decision."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_decided",
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices, blank=True)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(decided_at__isnull=True),
                name="review_one_open_per_usecase",
            ),
            models.CheckConstraint(
                condition=(
                    Q(decided_at__isnull=True, reviewer__isnull=True, decision="")
                    | (Q(decided_at__isnull=False, reviewer__isnull=False) & ~Q(decision=""))
                ),
                name="review_decided_completely_or_not_at_all",
            ),
        ]

    def __str__(self):
        return f"Review of {self.usecase_id} ({self.decision or 'open'})"


class SignOff(models.Model):
    """The owner's explicit, dated acceptance of a revision; it expires and must be renewed."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="sign_offs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=SignOffKind.choices)
    statement = models.TextField()
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # A digest of the material fields as signed (the SQL function usecase_material_digest), set
    # by the database when the sign-off is written; a re-attestation keeps the digest it renews.
    material_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-signed_at"]
        triggers = [
            pgtrigger.Trigger(
                name="signoff_material_digest",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                IF NEW.material_digest = '' THEN
                    SELECT usecase_material_digest(u) INTO NEW.material_digest
                    FROM usecases_usecase u WHERE u.id = NEW.usecase_id;
                END IF;
                RETURN NEW;
                """,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("signed_at")),
                name="signoff_expires_after_signing",
            ),
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(superseded_at__isnull=True),
                name="signoff_one_current_per_usecase",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.usecase_id} by {self.owner_id}"


class OwnershipTransfer(models.Model):
    """A request to hand an active use case to a new owner, open until they sign or decline."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="transfers")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(resolved_at__isnull=True),
                name="transfer_one_open_per_usecase",
            ),
        ]

    def __str__(self):
        return f"Transfer of {self.usecase_id} to {self.to_owner_id}"


class Comment(models.Model):
    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Comment on {self.usecase_id} by {self.author_id}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notice; the same notice goes out by e-mail through a background task."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    usecase = models.ForeignKey(
        UseCase, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_last_error = models.CharField(max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient_id}"


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


# History: every row change, whoever makes it (services, the admin, the shell, an importer), is
# recorded by database triggers with the request's user and URL as context.
pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_vector", "goal_ids", "product_ids"],  # the links have their own history
    model_name="UseCaseHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)(UseCase)
pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="ReviewHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)(Review)
pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="MeasurementHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)(Measurement)
pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="SignOffHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)(SignOff)
pghistory.track(
    pghistory.InsertEvent("product.linked"),
    pghistory.DeleteEvent("product.unlinked"),
    obj_field=None,
    model_name="UseCaseProductHistory",
    app_label="usecases",
)(UseCase.products.through)
pghistory.track(
    pghistory.InsertEvent("goal.linked"),
    pghistory.DeleteEvent("goal.unlinked"),
    obj_field=None,
    model_name="UseCaseGoalHistory",
    app_label="usecases",
)(UseCase.goals.through)


def _touch_linked_usecases(name: str, operation) -> pgtrigger.Trigger:
    """A statement trigger on a link table that touches the use cases whose links a statement
    added, removed or changed, so their ``usecase_link_sets`` trigger recomputes the id arrays:
    one update per statement, however many links it wrote. A TRUNCATE has no rows to name, so it
    touches every use case whose arrays are not already empty."""
    if operation == pgtrigger.Truncate:
        referencing, touched = (
            None,
            "SELECT id FROM usecases_usecase WHERE goal_ids <> '{}' OR product_ids <> '{}'",
        )
    elif operation == pgtrigger.Insert:
        referencing, touched = (
            pgtrigger.Referencing(new="new_links"),
            "SELECT usecase_id FROM new_links",
        )
    elif operation == pgtrigger.Delete:
        referencing, touched = (
            pgtrigger.Referencing(old="old_links"),
            "SELECT usecase_id FROM old_links",
        )
    else:  # an UPDATE may move a link from one use case to another: both are touched
        referencing = pgtrigger.Referencing(old="old_links", new="new_links")
        touched = "SELECT usecase_id FROM old_links UNION SELECT usecase_id FROM new_links"
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=referencing,
        func=f"""
        UPDATE usecases_usecase SET goal_ids = goal_ids WHERE id IN ({touched});
        RETURN NULL;
        """,
    )


LINK_SET_OPERATIONS = {
    "link_set_added": pgtrigger.Insert,
    "link_set_removed": pgtrigger.Delete,
    "link_set_changed": pgtrigger.Update,
    "link_set_truncated": pgtrigger.Truncate,
}


def repair_link_sets(*, using: str = "default") -> int:
    """Bring every use case's id arrays in line with its links; the number of use cases fixed.
    The triggers keep them so; this catches links written while the link tables' triggers were
    not yet installed (they are installed after ``migrate``, so a data migration writing links
    would leave the arrays behind). Runs after every ``migrate``; one scan."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            UPDATE usecases_usecase u SET goal_ids = goal_ids
            WHERE u.goal_ids IS DISTINCT FROM ARRAY(
                SELECT strategicgoal_id FROM usecases_usecase_goals
                WHERE usecase_id = u.id ORDER BY 1)
            OR u.product_ids IS DISTINCT FROM ARRAY(
                SELECT product_id FROM usecases_usecase_products
                WHERE usecase_id = u.id ORDER BY 1)
            """
        )
        return cursor.rowcount


# Installed on migrate (``PGTRIGGER_INSTALL_ON_MIGRATE``): the link tables are Django's own.
LINK_SET_TRIGGERS = []
for _through in (UseCase.goals.through, UseCase.products.through):
    pgtrigger.register(
        *(
            _touch_linked_usecases(name, operation)
            for name, operation in LINK_SET_OPERATIONS.items()
        )
    )(_through)
    LINK_SET_TRIGGERS += [f"{_through._meta.label}:{name}" for name in LINK_SET_OPERATIONS]
