"""The use case: its fields, the rules the database keeps on them (constraints, the material-change
and link-set triggers), and its queryset; keys such as ``UC-1042``."""

from functools import cached_property
from itertools import combinations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone

from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import (
    EDITABLE_FIELDS,
    EVIDENCE_TONES,
    LIFECYCLE_DATES,
    STATUS_TONES,
    EvidenceArea,
    EvidenceStatus,
    ImpactLevel,
    LifecycleStage,
    MetricDirection,
    Source,
    Sourcing,
    Status,
    Technique,
)
from usecases.models.register import RegisterFields
from usecases.readiness import missing_needs
from usecases.search import SEARCH_CONFIG, SearchedText, search_condition

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

    @staticmethod
    def overdue_condition(now) -> Q:
        """The overdue rule, written once: active, and the owner's attestation ran out before
        ``now``. ``overdue()`` filters by it, the dashboard counts with it, and
        ``UseCase.attestation_overdue`` checks it on a loaded row."""
        return Q(status=Status.ACTIVE, attestation_expires_at__lt=now)

    @staticmethod
    def imported_condition() -> Q:
        """Read from an existing register (an import), not entered here nor demo data: written
        once, for ``imported()``, the list's filter and the dashboard's count."""
        return ~Q(source__in=[Source.MANUAL, Source.DEMO])

    def imported(self):
        """Use cases an import brought in from an existing register."""
        return self.filter(self.imported_condition())

    def overdue(self, *, now=None):
        """Active use cases whose owner's attestation has expired."""
        return self.filter(self.overdue_condition(now or timezone.now()))

    def reviewable_by(self, user):
        """In review, neither authored by ``user`` nor sent to this review by them: separation of
        duties as a query (``UseCase.is_review_party`` is the same rule for one use case)."""
        sent_by_them = _open_rounds_sent_by(user).filter(usecase=models.OuterRef("pk"))
        return (
            self.filter(status=Status.IN_REVIEW)
            .exclude(author=user)
            .exclude(models.Exists(sent_by_them))
        )

    def review_parties(self, user) -> tuple:
        """What ``reviewable_by`` leaves out, as two small sets of use-case ids: those in review
        ``user`` wrote, and those whose open round they sent. For a query reading the use cases
        in review in another table's order (the review queue's facts)."""
        return (
            self.filter(status=Status.IN_REVIEW, author=user).values("pk"),
            _open_rounds_sent_by(user).values("usecase_id"),
        )

    def awaiting_sign_off_by(self, user):
        return self.filter(status=Status.AWAITING_SIGN_OFF, owner=user)

    def search(self, text: str):
        """Rows found by ``text`` (``usecases.search``); all of them when it holds no word."""
        condition = search_condition(text)
        return self if condition is None else self.filter(condition)

    def by_key(self, key: str):
        number = parse_key(key)
        return self.filter(number=number) if number is not None else self.none()


def _open_rounds_sent_by(user):
    """The open review rounds ``user`` sent: they are a party to those reviews."""
    # Imported here: reviews point at use cases, so their module imports this one.
    from usecases.models.workflow import Review

    return Review.objects.filter(decided_at__isnull=True, submitted_by=user)


def _dates_in_order(earlier: str, later: str) -> models.CheckConstraint:
    """``earlier`` does not come after ``later`` where both are given."""
    return models.CheckConstraint(
        condition=Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__lte": F(later)}),
        name=f"usecase_{earlier}_not_after_{later}",
    )


# The largest number a use case can have: ``number`` is a BigIntegerField.
BIGINT_MAX = 2**63 - 1


def parse_key(key: str) -> int | None:
    key = key.strip().upper()
    if key.startswith(KEY_PREFIX):
        key = key[len(KEY_PREFIX) :]
    # ASCII digits only: "²".isdigit() is True, yet int("²") raises.
    if not (key.isascii() and key.isdigit()):
        return None
    number = int(key)
    # Past the column's range no use case has it: found as none without a query (a query given
    # it would compare every row as a decimal).
    return number if number <= BIGINT_MAX else None


class UseCase(RegisterFields):
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
    # ``link_sets._touch_linked_usecases``) whoever changes the links, so the dashboard groups use cases by
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

    # Where the use case stands in practice (``usecases.lifecycle``): no part of the approval
    # status, and never moves the workflow.
    lifecycle_stage = models.CharField(
        "lifecycle stage",
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.IDEA,
        help_text="Where it stands in practice, whatever its approval status.",
    )
    started_on = models.DateField("started", null=True, blank=True)
    in_production_on = models.DateField("in production since", null=True, blank=True)
    ended_on = models.DateField("ended", null=True, blank=True)
    # The admins' custom fields ({name: value}): checked by type on every write
    # (``usecases.custom_fields.values``); never material to a sign-off.
    custom_values = models.JSONField("custom fields", default=dict, blank=True)

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
            # Words inside tokens ("settlor" in "grantor/settlor"): ILIKE through trigrams.
            GinIndex(OpClass(SearchedText(), name="gin_trgm_ops"), name="usecase_search_trgm"),
            # The list's sorts, each ended by the number in the direction the list adds it, both
            # ways round (a title A-Z ends newest first; Z-A is read as this index backwards).
            models.Index(fields=["title", "-number"], name="usecase_title_number"),
            models.Index(fields=["-title", "-number"], name="usecase_title_desc_number"),
            models.Index(fields=["updated_at", "-number"], name="usecase_updated_number"),
            models.Index(fields=["-updated_at", "-number"], name="usecase_updated_desc_number"),
            GinIndex(fields=["custom_values"], name="usecase_custom_values_gin"),
            models.Index(fields=["status", "-number"], name="usecase_status_number"),
            models.Index(fields=["team", "-number"], name="usecase_team_number"),
            models.Index(fields=["owner", "-number"], name="usecase_owner_number"),
            # Each person's own pages read a person's rows from these alone, whatever the table's
            # size: their newest drafts and draft count (My work), and their owned use cases by
            # status with what "needs attention" and "attestation due" test (My work, Sign-offs).
            models.Index(
                fields=["author", "status", "-updated_at", "-number"],
                include=["id"],
                name="usecase_author_status_updated",
            ),
            models.Index(
                fields=["owner", "status", "attestation_expires_at"],
                include=["id", "number", "last_measured_on", "metric_name"],
                name="usecase_owner_status_cover",
            ),
            # The review queue's count: in review, not written by the reader.
            models.Index(fields=["status", "author"], include=["id"], name="usecase_status_author"),
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
                    "lifecycle_stage",
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
            models.CheckConstraint(
                condition=Q(lifecycle_stage__in=LifecycleStage.values),
                name="usecase_lifecycle_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(impact_level__in=["", *ImpactLevel.values]),
                name="usecase_impact_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(sourcing__in=["", *Sourcing.values]), name="usecase_sourcing_valid"
            ),
            models.CheckConstraint(
                condition=Q(techniques__contained_by=Technique.values),
                name="usecase_techniques_valid",
            ),
            # Started, in production, ended: in that order where given.
            *(
                _dates_in_order(earlier, later)
                for earlier, later in combinations(LIFECYCLE_DATES, 2)
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
        # A list names each row's address several times: reversed once per instance (a saved
        # use case's number, and so its key, never changes).
        url = self.__dict__.get("_absolute_url")
        if url is None:
            url = reverse("usecases:usecase_detail", args=[self.key])
            if isinstance(self.number, int):
                self.__dict__["_absolute_url"] = url
        return url

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

    @property
    def is_imported(self) -> bool:
        """Read from an existing register (``UseCaseQuerySet.imported_condition`` on a row)."""
        return self.source not in (Source.MANUAL, Source.DEMO)

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

    def review_party_ids(self, *, submitted_by_id: int | None = None) -> set[int]:
        """Separation of duties: whoever wrote the use case, and whoever sent its open review's
        version to review (``submitted_by_id`` when the caller holds that review), do not decide
        on it (``UseCaseQuerySet.reviewable_by`` is the same rule as a query)."""
        submitter = submitted_by_id if submitted_by_id is not None else self.review_submitter_id()
        return {self.author_id, submitter} - {None}

    def is_review_party(self, user) -> bool:
        return user.pk in self.review_party_ids()

    @property
    def evidence_tone(self) -> str:
        return EVIDENCE_TONES.get(self.evidence_status, "neutral")

    @property
    def attestation_overdue(self) -> bool:
        """``UseCaseQuerySet.overdue_condition`` for a row already loaded, without a query; a test
        holds the two to the same answer (``test_the_overdue_rule_reads_the_same_on_a_row``)."""
        expires = self.attestation_expires_at
        return self.status == Status.ACTIVE and expires is not None and expires < timezone.now()
