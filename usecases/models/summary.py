"""The dashboard's summary tables: counts of use cases kept exact by database triggers in the
same transaction as every change, whoever writes it (the services, the admin, a shell, an import's
bulk insert, a SQL console), so the dashboard reads a few thousand summary rows instead of
counting a million use cases.

Why triggers and not the services: the rule "a summary that disagrees with a fresh count is a
bug" must hold for every write path, and several write without the services (the admin's
actions, bulk imports, ``QuerySet.update``, the link tables' own triggers, deactivating a person,
a membership removed). Triggers see all of them.

How it stays exact (the functions live in migration ``0015_summary_tables``, some replaced since:
``0018_summary_slots``, ``0021_team_tally``, ``0023_goal_ancestors_uncapped``, ``0024_scope_counts``,
``0025_unit_rows``, ``0026_scope_tallies``):

- ``UseCaseFact`` holds, per use case, what it contributes: its team, status, stage, evidence
  status and area, the owner's state (none, ok, inactive, or not in the team), whether it was
  imported or changed since sign-off, its goals' closure (each goal and every goal above it, once),
  its products, its sign-off's phase, while it waits since when, and its number (the review and
  sign-off queues are read in that order from the facts' indexes). ``usecases_summary_refresh
  (ids)`` recomputes the facts of the given use cases (a chunk at a time) and moves their
  contribution in every count table by the difference, in rows of the writer's own slot
  (``CountRow``): concurrent writers never lock the same count row.
- The triggers on use cases, links (through the id arrays), people (``is_active``), memberships,
  reviews, ownership transfers and goals (their hierarchy) call it with the use cases they
  touched.
- Time: whether an attestation is current, due soon or overdue depends on the clock. The counts
  store the phase at ``SummaryClock.phased_at``; a reader at ``now`` corrects them with the few
  use cases whose expiry lies between the two (``usecases.dashboard.summary``), and
  ``advance_summary_clock`` (hourly, and the repair command) moves the clock forward so that
  window stays small. Exact at any moment; the clock only decides how much correcting is done.
- The goal, goal-evidence, product, area and profile counts keep, beside each team's rows and
  the organisation's (team 0), a row per unit holding every team beneath it (``unit_key``),
  moved by statement triggers on those tables as a session's own rows move, and counted again
  when a team moves to another unit (migration 0025).
- ``TeamTally`` sums each team's counts by the dashboard's rules, per slot: statement triggers on
  the team counts (migration 0021) keep it, so the dashboard reads a row per team and slot; a
  goal's and a product's own team counts have theirs (``GoalScopeTally``, ``ProductScopeTally``,
  migration 0026).

``manage.py repair_summaries`` rebuilds every table from the use cases and says what differed;
``--clock`` also folds the slots together (``usecases_summary_compact``, migration 0018).
"""

from datetime import UTC, datetime

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

# The ``team_id`` of the organisation-wide rows the per-goal, per-product, per-area and
# per-profile counts keep beside each team's (no team has id 0): the unfiltered dashboard reads
# those few rows instead of summing every team's.
ALL_TEAMS = 0


def unit_key(team_id: int) -> int:
    """The ``team_id`` of a unit's rows in the count tables that keep them (``UNIT_ROWS``): the
    sum of every team beneath the unit, its own rows left out (migration ``0025_unit_rows``)."""
    return -team_id


# The advisory lock counting the unit rows again takes exclusively (a team moved) and their
# writers take shared. Every statement whose SET list names a team's parent takes it first (a
# trigger): a transaction that locked team rows before such a statement (the team service, for an
# edit that may move the team) takes it before those locks.
UNIT_ROWS_LOCK = (81504, 0)


class OwnerState(models.TextChoices):
    NONE = "none", "No owner"
    OK = "ok", "Active member of the team"
    INACTIVE = "inactive", "Deactivated"
    AWAY = "away", "Not a member of the team"


class Phase(models.TextChoices):
    """An active use case's sign-off at the summary clock ('' when not active or never signed)."""

    NONE = "", "Not active or never signed"
    CURRENT = "current", "Current"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


# Where a use case waiting since no known moment (in review without an open round: bulk-loaded
# rows skip the workflow) sorts in the queues: after every other. A value rather than NULL, so a
# queue's order is one plain range of an index and a deep page starts reading where it begins.
WAITING_SINCE_UNKNOWN = datetime(9999, 12, 31, tzinfo=UTC)


def waiting_order() -> Coalesce:
    """A fact's place in a queue, the longest-waiting first: ``waiting_since``, unknown last."""
    return Coalesce(F("waiting_since"), Value(WAITING_SINCE_UNKNOWN))


class SummaryRow(models.Model):
    """A row the triggers write: shown by its fields, for the shell and error messages."""

    class Meta:
        abstract = True

    def __str__(self):
        fields = (field.attname for field in self._meta.concrete_fields)
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in fields)


class SummaryClock(SummaryRow):
    """One row: the moment the stored phases refer to, and the due-soon window they used."""

    phased_at = models.DateTimeField()
    due_within_days = models.PositiveIntegerField()


# The statuses whose waits the dashboard reads (the workflow's "in_review" and
# "awaiting_sign_off"), and the arrays a goal or product filter searches; each by a short name.
WAITING_STATUSES = {"in_review": "review", "awaiting_sign_off": "signoff"}
WAITING_ARRAYS = {"goal_closure": "goals", "product_ids": "products"}


def waiting_in_arrays() -> list[GinIndex]:
    """A GIN index per array and status, on the facts waiting in that status."""
    return [
        GinIndex(
            fields=[array],
            condition=models.Q(status=status, waiting_since__isnull=False),
            name=f"usecasefact_{short_status}_{short_array}",
        )
        for array, short_array in WAITING_ARRAYS.items()
        for status, short_status in WAITING_STATUSES.items()
    ]


class UseCaseFact(SummaryRow):
    """What one use case contributes to the count tables (no foreign keys: a deleted use case's
    fact must still be there when the statement trigger subtracts it)."""

    usecase_id = models.BigIntegerField(primary_key=True)
    team_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    lifecycle_stage = models.CharField(max_length=30)
    evidence_status = models.CharField(max_length=20)
    evidence_area = models.CharField(max_length=30)
    owner_id = models.BigIntegerField(null=True)
    owner_state = models.CharField(max_length=8, choices=OwnerState.choices)
    imported = models.BooleanField()
    changed = models.BooleanField()
    no_goal = models.BooleanField()
    goal_ids = ArrayField(models.BigIntegerField())
    goal_closure = ArrayField(models.BigIntegerField())
    product_ids = ArrayField(models.BigIntegerField())
    expires_at = models.DateTimeField(null=True)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)
    waiting_since = models.DateTimeField(null=True)
    # The standards' profiles it is not reportable under (``usecases_unreportable``).
    unreportable = ArrayField(models.CharField(max_length=40))
    # The use case's number: the queues' order ends with it (the reviews and sign-offs pages).
    number = models.BigIntegerField()

    class Meta(SummaryRow.Meta):
        indexes = [
            models.Index(
                fields=["expires_at", "team_id"],
                condition=models.Q(status="active"),
                name="usecasefact_active_expiry",
            ),
            models.Index(
                fields=["status", "team_id", "waiting_since"],
                condition=models.Q(waiting_since__isnull=False),
                name="usecasefact_waiting",
            ),
            models.Index(
                fields=["status", "waiting_since"],
                condition=models.Q(waiting_since__isnull=False),
                name="usecasefact_waiting_all",
            ),
            # The review queue in its order (``usecases.selectors.my_work``), read a page at a
            # time from any point.
            models.Index(
                waiting_order(),
                F("number"),
                include=["usecase_id"],
                condition=models.Q(status="in_review"),
                name="usecasefact_review_queue",
            ),
            # Each owner's use cases awaiting sign-off in the same order (the sign-offs page).
            models.Index(
                F("owner_id"),
                waiting_order(),
                F("number"),
                include=["usecase_id"],
                condition=models.Q(status="awaiting_sign_off"),
                name="usecasefact_sign_off_queue",
            ),
            # A dashboard filtered by a goal (with its sub-goals, through the closure: every
            # goal at or above one served) or by a product counts the facts these find
            # (``usecases.dashboard.live.count_facts``).
            GinIndex(fields=["goal_closure"], name="usecasefact_goal_closure"),
            GinIndex(fields=["goal_ids"], name="usecasefact_goals"),
            GinIndex(fields=["product_ids"], name="usecasefact_products"),
            # The longest wait within a goal or product whose waiting use cases the walk down
            # the waiting index does not reach (``usecases.dashboard.summary.oldest_waiting``):
            # those of one status in it, not the whole goal's or product's.
            *waiting_in_arrays(),
        ]


class CountRow(SummaryRow):
    """A count table's row. ``slot`` lets writers never wait on one another: a transaction adds
    to the rows of its own slot (its database session's process id, ``pg_backend_pid()``), so
    two writers never lock the same row, whatever order they touch keys in, and an import that
    holds its rows until it commits holds nobody up. A count is the sum over its slots; the
    rebuild writes slot 0 and ``usecases_summary_compact`` (the repair command, hourly) folds the
    slots of sessions that have ended into it; a live session's rows are left alone until it
    ends (a long-lived one, such as the task worker's, keeps a row per count it has touched)."""

    slot = models.IntegerField(db_default=0)
    n = models.BigIntegerField()

    class Meta(SummaryRow.Meta):
        abstract = True


def keyed(name: str, *columns: str) -> list[models.UniqueConstraint]:
    """A count table's key: ``columns`` and the writer's slot, one row each."""
    return [models.UniqueConstraint(fields=[*columns, "slot"], name=f"{name}_key")]


class TeamColumns(CountRow):
    """Per team, every dimension a dashboard count filters on (``KEY``)."""

    KEY = ("team_id", "status", "lifecycle_stage", "evidence_status", "owner_state", "imported",
           "changed", "no_goal", "phase")  # fmt: skip

    team_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    lifecycle_stage = models.CharField(max_length=30)
    evidence_status = models.CharField(max_length=20)
    owner_state = models.CharField(max_length=8)
    imported = models.BooleanField()
    changed = models.BooleanField()
    no_goal = models.BooleanField()
    phase = models.CharField(max_length=10, blank=True)

    class Meta(CountRow.Meta):
        abstract = True


class TeamCount(TeamColumns):
    """Use cases per team and every dimension a dashboard count filters on."""

    class Meta(TeamColumns.Meta):
        constraints = keyed("teamcount", *TeamColumns.KEY)


class TallyColumns(SummaryRow):
    """Per team and writer slot, every count a dashboard ``Counts`` shows (``TeamTally``)."""

    team_id = models.BigIntegerField()
    slot = models.IntegerField(db_default=0)
    total = models.BigIntegerField(db_default=0)
    draft = models.BigIntegerField(db_default=0)
    in_review = models.BigIntegerField(db_default=0)
    awaiting_sign_off = models.BigIntegerField(db_default=0)
    active = models.BigIntegerField(db_default=0)
    declined = models.BigIntegerField(db_default=0)
    retired = models.BigIntegerField(db_default=0)
    signed = models.BigIntegerField(db_default=0)
    unowned_draft = models.BigIntegerField(db_default=0)
    imported_unowned = models.BigIntegerField(db_default=0)
    in_production_unsigned = models.BigIntegerField(db_default=0)
    overdue = models.BigIntegerField(db_default=0)
    due_soon = models.BigIntegerField(db_default=0)
    owner_gone = models.BigIntegerField(db_default=0)
    changed = models.BigIntegerField(db_default=0)
    no_goal = models.BigIntegerField(db_default=0)
    off_track = models.BigIntegerField(db_default=0)
    stage_idea = models.BigIntegerField(db_default=0)
    stage_in_development = models.BigIntegerField(db_default=0)
    stage_pilot = models.BigIntegerField(db_default=0)
    stage_in_production = models.BigIntegerField(db_default=0)
    stage_retired = models.BigIntegerField(db_default=0)

    class Meta(SummaryRow.Meta):
        abstract = True


class TeamTally(TallyColumns):
    """Per team and writer slot, every count a dashboard ``Counts`` shows (one column per name of
    ``usecases.dashboard.summary.count_rules()``): the sum of ``n`` over the team's
    ``TeamCount`` rows of that slot meeting the rule. The dashboard reads a row per team and slot
    instead of filtering every team count 22 times.

    Kept by statement triggers on the team counts (migration ``0021_team_tally``), whose rules'
    SQL was frozen there: the dashboard trusts the tally only while ``usecases_teamtally_rules()``
    equals the rules compiled now (``summary.tally_flags``), else it counts the team counts.
    A missing row counts nothing; folding the slots deletes rows that count nothing."""

    class Meta(TallyColumns.Meta):
        constraints = keyed("teamtally", "team_id")


class GoalCount(CountRow):
    """Use cases serving a goal or any goal beneath it (each counted once per goal), per team."""

    goal_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    signable = models.BooleanField()  # an active owner, nothing changed since sign-off
    phase = models.CharField(max_length=10, blank=True)

    class Meta(CountRow.Meta):
        constraints = keyed("goalcount", "team_id", "goal_id", "status", "signable", "phase")


class GoalEvidenceCount(CountRow):
    """Measured use cases (awaiting sign-off or active) naming a goal directly, per team and
    evidence status."""

    goal_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    evidence_status = models.CharField(max_length=20)

    class Meta(CountRow.Meta):
        constraints = keyed("goalevidencecount", "team_id", "goal_id", "evidence_status")


class ProductColumns(CountRow):
    KEY = ("team_id", "product_id", "live", "measured", "evidence_status")

    product_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    live = models.BooleanField()
    measured = models.BooleanField()
    evidence_status = models.CharField(max_length=20)

    class Meta(CountRow.Meta):
        abstract = True


class ProductCount(ProductColumns):
    """Use cases running on a product, per team, open or not, measured or not, evidence status."""

    class Meta(ProductColumns.Meta):
        constraints = keyed("productcount", *ProductColumns.KEY)


class AreaColumns(CountRow):
    KEY = ("team_id", "evidence_area", "evidence_status")

    team_id = models.BigIntegerField()
    evidence_area = models.CharField(max_length=30)
    evidence_status = models.CharField(max_length=20)

    class Meta(CountRow.Meta):
        abstract = True


class AreaCount(AreaColumns):
    """Measured use cases per team, evidence area ('' for none) and evidence status."""

    class Meta(AreaColumns.Meta):
        constraints = keyed("areacount", *AreaColumns.KEY)


class ProfileColumns(CountRow):
    KEY = ("team_id", "profile")

    team_id = models.BigIntegerField()
    profile = models.CharField(max_length=40)

    class Meta(CountRow.Meta):
        abstract = True


class ProfileCount(ProfileColumns):
    """Use cases per team not yet reportable under a standard's profile."""

    class Meta(ProfileColumns.Meta):
        constraints = keyed("profilecount", *ProfileColumns.KEY)


# The count tables keeping, beside each team's rows and the organisation's, a row per unit
# (``unit_key``): a dashboard filtered by a unit with its sub-units reads two keys of each.
UNIT_ROWS = (GoalCount, GoalEvidenceCount, ProductCount, AreaCount, ProfileCount)


class SummaryProfile(SummaryRow):
    """A profile's condition as ``usecases_unreportable`` evaluates it: the dashboard reads a
    profile's count from the summary only while its condition is the one installed."""

    key = models.CharField(max_length=40, primary_key=True)
    condition = models.TextField()


class GoalAncestor(SummaryRow):
    """Each goal and every goal above it (itself included): the closure the goal counts use.
    Rebuilt by the goals' trigger whenever a goal is added, moved or removed."""

    goal_id = models.BigIntegerField()
    ancestor_id = models.BigIntegerField()

    class Meta(SummaryRow.Meta):
        constraints = [
            models.UniqueConstraint(fields=["goal_id", "ancestor_id"], name="goalancestor_key")
        ]
