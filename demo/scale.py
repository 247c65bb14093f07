"""DEMO DATA ONLY: a registry at scale (``manage.py seed_demo --scale N``,
``benchmarks/seed_scale.py --scale``, ``benchmarks/scale_pages.py``).

``seed_scale(count=N)`` writes N use cases into the organisation of ``demo.scale_org`` (hundreds
of teams under divisions and directorates, thousands of people, hundreds of products, a goal
hierarchy), each with its products and goals, the workflow history its status implies (events,
revisions, reviews, sign-offs, measurements) and the database history rows the triggers would
have written, so My work, Reviews, Sign-offs, the dashboard and the detail timeline read
realistic data.

Why it is fast (a million use cases in minutes, memory flat): rows are made in chunks of
``CHUNK`` use cases and streamed with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy()``), each made
by a worker thread while the server writes the one before (the two cores both busy), with the row
triggers switched off for the load (``scale_load.triggers_off``): the link-set arrays
(``goal_ids``, ``product_ids``), evidence status and last measurement are written in the rows
themselves, as the generator knows the links and readings it makes; the sign-offs' material
digest is computed as they go in (``scale_rows.copy_staged``) and the history rows are written
set-based at the end, one statement a table. A large load builds the indexes of the tables it
writes after its rows (``scale_load.indexes_built_after``). ``after_bulk_load()`` is the one
place where derived data is recomputed after such a load.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from demo import data
from demo.bulk import BULK_STATUS_WEIGHTS, BULK_TITLE_VARIANTS, BULK_UNFINISHED_DRAFTS
from demo.data import SEED_HISTORY_MARK
from demo.lifecycle import lifecycle_of
from demo.scale_load import indexes_built_after, triggers_off
from demo.scale_org import SCALE_SEED, ScaleOrg, ensure_scale_org, scale_org_size
from demo.scale_rows import (
    HISTORY_TABLES,
    STAGED,
    TABLE_COLUMNS,
    WRITTEN_TABLES,
    copy_staged,
    copy_text,
    format_row,
    history_insert_sql,
)
from usecases.choices import (
    SIGN_OFF_STATEMENT,
    EventKind,
    ReviewDecision,
    RevisionReason,
    SignOffKind,
    Source,
    Status,
)
from usecases.evidence import evaluate
from usecases.models import NUMBER_SEQUENCE, SUMMARY_MODELS

# Use cases per COPY round: the memory used is two chunks' text (one written while the next is
# made), whatever the total.
CHUNK = 10_000
# A load of this many use cases, and at least as many as the registry holds already, builds the
# indexes after it (``scale_load.indexes_built_after``); a smaller one adds to them as it goes,
# cheaper than building them again over the whole table.
INDEXES_REBUILT_FROM = 50_000
# One use case in this many has a long timeline (dozens of edits): the detail page's worst case.
LONG_TIMELINE_EVERY = 5_000
LONG_TIMELINE_EDITS = 60
# Share of active use cases whose attestation has run out.
OVERDUE_SHARE = 0.1


@dataclass
class ScaleReport:
    """Rows written per table, and the first and last use-case id of the run."""

    rows: Counter = field(default_factory=Counter)
    first_id: int = 0
    last_id: int = 0


def seed_scale(*, count: int) -> ScaleReport:
    """Add ``count`` use cases, with links and history, to the scale organisation (created on
    the first run). One transaction: a failed run leaves nothing behind."""
    org = ensure_scale_org(scale_org_size(count))
    report = ScaleReport()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        context_id = _history_context(raw)
        generator = _Generator(org=org)
        raw.execute("SELECT count(*) FROM usecases_usecase")
        large = count >= max(INDEXES_REBUILT_FROM, raw.fetchone()[0])
        with indexes_built_after(raw, (*WRITTEN_TABLES, *HISTORY_TABLES), large=large):
            with triggers_off(raw), ThreadPoolExecutor(max_workers=1) as making:
                # The next chunk is made (Python) while this one is written (the server): one
                # worker makes them in order, the rows the loop made itself before.
                pending = None
                for start in range(0, count, CHUNK):
                    size = min(CHUNK, count - start)
                    ids, numbers = _reserve(raw, "usecases_usecase", size), _numbers(raw, size)
                    revision_ids = _reserve(raw, "usecases_revision", 2 * size)
                    made = making.submit(
                        generator.chunk, ids=ids, numbers=numbers, revision_ids=revision_ids
                    )
                    if pending is not None:
                        _write(raw, pending.result(), report)
                    pending = made
                    report.first_id = report.first_id or ids[0]
                    report.last_id = ids[-1]
                if pending is not None:
                    _write(raw, pending.result(), report)
            if count:
                _derived(raw, report, context_id)
        # In the load's transaction (nobody reads a summary without the load), once the load's
        # indexes are built again. The rebuild writes the whole summary again, whatever the load's
        # size: its facts' GIN indexes are built after it.
        with indexes_built_after(raw, SUMMARY_TABLES, large=True, gin_only=True):
            rebuild_summary()
    after_bulk_load()
    return report


def _write(cursor, tables: dict[str, list[str]], report: ScaleReport) -> None:
    """A chunk's lines into their tables, one COPY each."""
    for table in WRITTEN_TABLES:
        copy = copy_staged if table in STAGED else copy_text
        copy(cursor, table, TABLE_COLUMNS[table], tables[table])
        report.rows[table] += len(tables[table])


# The dashboard's summary tables (``usecases.models.summary``), rebuilt after a load.
SUMMARY_TABLES = tuple(model._meta.db_table for model in SUMMARY_MODELS)


def rebuild_summary() -> None:
    """The dashboard's summary tables rebuilt from the use cases, as ``manage.py
    repair_summaries`` does: the load's triggers were off. Without comparing the rebuilt rows
    with those before (the load's are not there to compare: two passes over millions of rows
    saved). With memory for its sorts and groupings for the rest of the load's transaction (a
    throwaway database's): 188 s at a million use cases with PostgreSQL's default 4 MB, 163 s."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT usecases_summary_rebuild(compare => false)")


def after_bulk_load() -> None:
    """After a bulk load that bypassed the row triggers and services (whose summary
    ``rebuild_summary`` rebuilt in its transaction): the planner's statistics, which a load of
    this size leaves stale (the first pages would otherwise be planned for an empty table)."""
    with connection.cursor() as cursor:
        for table in (*WRITTEN_TABLES, *HISTORY_TABLES, *SUMMARY_TABLES):
            cursor.execute(f"ANALYZE {table}")


def _reserve(cursor, table: str, size: int) -> list[int]:
    """``size`` ids taken from ``table``'s id sequence in one step."""
    cursor.execute(
        "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS s",
        [size, table],
    )
    last = cursor.fetchone()[0]
    return list(range(last - size + 1, last + 1))


def _numbers(cursor, size: int) -> list[int]:
    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [NUMBER_SEQUENCE] * 2 + [size])
    last = cursor.fetchone()[0]
    return list(range(last - size + 1, last + 1))


def _history_context(cursor) -> uuid.UUID:
    """One history context for every history row of the run, marked as the seed's own writes:
    the timeline shows the workflow events, not the load as "changed outside the registry"."""
    context_id = uuid.uuid4()
    cursor.execute(
        "INSERT INTO pghistory_context (id, created_at, updated_at, metadata) "
        "VALUES (%s, now(), now(), %s)",
        [context_id, json.dumps({"service": SEED_HISTORY_MARK})],
    )
    return context_id


def _derived(cursor, report: ScaleReport, context_id: uuid.UUID) -> None:
    """The history rows the disabled triggers would have written, one statement a table."""
    bounds = [report.first_id, report.last_id]
    for table in HISTORY_TABLES:
        cursor.execute(history_insert_sql(cursor, table), [str(context_id), *bounds])
        report.rows[table] += cursor.rowcount


class _Generator:
    """Makes the rows of each chunk as COPY text lines, table by table."""

    def __init__(self, *, org: ScaleOrg):
        self.rng = random.Random(SCALE_SEED)
        self.org = org
        self.sources = data.load("usecases.json")["usecases"]
        self.measures = [data.measures(row) for row in self.sources]
        self.whos = [row["who"] for row in self.sources if row["who"]]
        self.signals = [row["success_signal"] for row in self.sources if row["success_signal"]]
        self.now = timezone.now()
        self.today = self.now.date()
        self.valid = timedelta(days=settings.SIGN_OFF_VALID_DAYS)
        # Teams differ in size: a few write most use cases (weights falling as 1 / rank^0.8).
        self.team_weights = list(
            _cumulative([1 / (rank + 1) ** 0.8 for rank in range(len(org.teams))])
        )
        self.statuses = list(BULK_STATUS_WEIGHTS)
        self.status_weights = list(_cumulative(BULK_STATUS_WEIGHTS.values()))
        self.serial = 0

    def chunk(self, *, ids, numbers, revision_ids) -> dict[str, list[str]]:
        tables: dict[str, list[str]] = {table: [] for table in WRITTEN_TABLES}
        statuses = self.rng.choices(self.statuses, cum_weights=self.status_weights, k=len(ids))
        teams = self.rng.choices(self.org.teams, cum_weights=self.team_weights, k=len(ids))
        for i, (pk, number, status, team) in enumerate(
            zip(ids, numbers, statuses, teams, strict=True)
        ):
            self.serial += 1
            row = _Row(pk=pk, number=number, status=status, team=team)
            row.revision_ids = revision_ids[2 * i : 2 * i + 2]
            self._fill(row)
            _Writer(self, row, tables).write()
        return tables

    def _fill(self, row: _Row) -> None:
        """The row's people, texts, links and dates."""
        rng = self.rng
        team_id, members, lead = row.team
        index = rng.randrange(len(self.sources))
        row.source_index = index
        source, other = self.sources[index], rng.choice(self.sources)
        row.unfinished = row.status == Status.DRAFT and rng.random() < BULK_UNFINISHED_DRAFTS
        row.author = rng.choice(members)
        row.owner = (
            None if row.unfinished else (lead if rng.random() < 0.3 else rng.choice(members))
        )
        row.texts = {
            "title": f"{source['title']} ({rng.choice(BULK_TITLE_VARIANTS)})"[:200],
            "who": rng.choice(self.whos),
            "problem": f"{source['problem']} {other['problem']}",
            "success_signal": "" if row.unfinished else rng.choice(self.signals),
            "business_intent": other["business_intent"],
        }
        own = self.org.products_by_team.get(team_id) or self.org.product_ids
        products = set(rng.sample(own, min(len(own), rng.randint(1, 2))))
        if rng.random() < 0.2:
            products.add(rng.choice(self.org.product_ids))
        goals = set(rng.sample(self.org.objective_ids, rng.randint(1, 2)))
        if rng.random() < 0.1 and self.org.goal_ids:
            goals.add(rng.choice(self.org.goal_ids))
        row.product_ids, row.goal_ids = sorted(products), sorted(goals)
        row.created = self.now - timedelta(days=rng.uniform(20, 1100))
        row.lifecycle = lifecycle_of(row.status, index=row.number, today=self.today)
        row.long = self.serial % LONG_TIMELINE_EVERY == 1


@dataclass
class _Row:
    pk: int
    number: int
    status: str
    team: tuple
    revision_ids: list[int] = field(default_factory=list)
    source_index: int = 0
    unfinished: bool = False
    author: int = 0
    owner: int | None = None
    texts: dict = field(default_factory=dict)
    product_ids: list[int] = field(default_factory=list)
    goal_ids: list[int] = field(default_factory=list)
    created: datetime | None = None
    lifecycle: dict = field(default_factory=dict)
    long: bool = False


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


class _Writer:
    """One use case's lines: the workflow its status implies, step by step, each a few days
    after the one before (created, submitted, decided, signed, retired)."""

    def __init__(self, generator: _Generator, row: _Row, tables: dict[str, list[str]]):
        self.g, self.row, self.tables = generator, row, tables
        self.rng = generator.rng
        self.at = row.created
        self.updated = row.created
        self.signed_off_at = None
        self.last_measured_on = None
        self.evidence = "no_data"

    def later(self, low: float = 1, high: float = 30) -> datetime:
        self.at = min(self.at + timedelta(days=self.rng.uniform(low, high)), self.g.now)
        self.updated = self.at
        return self.at

    def add(self, table: str, *values) -> None:
        self.tables[table].append(format_row(values))

    def event(self, kind: str, actor, from_status="", to_status="", note="", changes="{}"):
        self.add(
            "usecases_usecaseevent",
            kind, 1, changes, self.at, actor, self.row.pk, from_status, note, to_status,
        )  # fmt: skip

    def write(self) -> None:
        row, status = self.row, self.row.status
        self.event(EventKind.CREATED, row.author, "", Status.DRAFT)
        for table, column in (("usecases_usecase_products", row.product_ids),
                              ("usecases_usecase_goals", row.goal_ids)):  # fmt: skip
            for pk in column:
                self.add(table, row.pk, pk)
        if row.long:
            self._edits()
        if status != Status.DRAFT:
            self._review()
        if status in (Status.ACTIVE, Status.RETIRED):
            self._sign_off()
            self._measurements()
        if status == Status.RETIRED:
            self.later(60, 400)
            self.event(EventKind.RETIRED, row.owner, Status.ACTIVE, Status.RETIRED, "Replaced.")
        self._use_case()

    def _edits(self) -> None:
        for n in range(LONG_TIMELINE_EDITS):
            self.later(0.2, 3)
            changes = json.dumps({"problem": [f"Version {n}", f"Version {n + 1}"]})
            self.event(EventKind.UPDATED, self.row.author, changes=changes)

    def _revision(self, number: int, reason: str, actor) -> int:
        pk = self.row.revision_ids[number - 1]
        snapshot = json.dumps(self.row.texts, ensure_ascii=False)
        self.add("usecases_revision", pk, number, 1, reason, snapshot, self.at, actor, self.row.pk)
        return pk

    def _review(self) -> None:
        row, status = self.row, self.row.status
        self.later()
        self.event(EventKind.SUBMITTED, row.author, Status.DRAFT, Status.IN_REVIEW)
        revision = self._revision(1, RevisionReason.SUBMITTED, row.author)
        submitted = self.at
        if status == Status.IN_REVIEW:
            self.add("usecases_review", submitted, "", "", None, None, row.author, row.pk, revision)
            return
        reviewer = self._reviewer()
        self.later(1, 20)
        if status == Status.DECLINED:
            decision, kind, target = ReviewDecision.REJECTED, EventKind.REJECTED, Status.DECLINED
        else:
            decision, kind = ReviewDecision.APPROVED, EventKind.APPROVED
            target = Status.AWAITING_SIGN_OFF
        note = "Clear problem and signal." if target != Status.DECLINED else "Out of scope."
        self.add(
            "usecases_review",
            submitted, decision, note, self.at, reviewer, row.author, row.pk, revision,
        )  # fmt: skip
        self.event(kind, reviewer, Status.IN_REVIEW, target, note)

    def _reviewer(self) -> int:
        reviewers = [pk for pk in self.g.org.reviewer_ids if pk != self.row.author]
        return self.rng.choice(reviewers)

    def _sign_off(self) -> None:
        row = self.row
        # Signed at a moment within a span before now whose oldest tenth has expired.
        span = self.g.valid / (1 - OVERDUE_SHARE)
        self.at = max(self.at, self.g.now - span * self.rng.random())
        self.updated = self.at
        self.signed_off_at = self.at
        revision = self._revision(2, RevisionReason.SIGNED, row.owner)
        self.add(
            "usecases_signoff",
            SignOffKind.SIGN_OFF, SIGN_OFF_STATEMENT, self.at, self.at + self.g.valid, None,
            None, row.owner, revision, None, row.pk, "", None,
        )  # fmt: skip
        self.event(
            EventKind.SIGNED_OFF, row.owner, Status.AWAITING_SIGN_OFF, Status.ACTIVE,
            SIGN_OFF_STATEMENT,
        )  # fmt: skip

    def _measurements(self) -> None:
        """A few readings of the success metric, quarterly from when it went live."""
        measures = self.g.measures[self.row.source_index]
        if self.row.unfinished or measures["metric_baseline"] is None:
            return
        baseline, target = Decimal(str(measures["metric_baseline"])), measures["metric_target"]
        target = Decimal(str(target)) if target is not None else baseline
        start = self.row.lifecycle.get("in_production_on") or self.at.date()
        readings = []
        for n in range(self.rng.choice((0, 1, 2, 3, 4, 6))):
            on = start + timedelta(days=91 * n + 30)
            if on > self.g.today:
                break
            share = Decimal(str(round(min(1.0, (n + 1) / 6) * self.rng.uniform(0.7, 1.2), 3)))
            value = (baseline + (target - baseline) * share).quantize(Decimal("0.0001"))
            readings.append((on, value))
            self.add("usecases_measurement", on, value, "", "", on, self.row.owner, self.row.pk)
        if readings:
            self.last_measured_on = readings[-1][0]
            self.evidence = evaluate(
                direction=measures["metric_direction"],
                baseline=baseline,
                baseline_date=None,
                target=target,
                target_date=measures["metric_target_date"],
                measurements=readings,
                today=self.g.today,
            ).value

    def _use_case(self) -> None:
        row, g = self.row, self.g
        measures = {} if row.unfinished else g.measures[row.source_index]
        lifecycle = row.lifecycle
        signed = self.signed_off_at
        self.add(
            "usecases_usecase",
            row.pk, row.number, row.texts["title"], row.texts["who"], row.texts["problem"],
            row.texts["success_signal"], row.texts["business_intent"],
            measures.get("metric_name", ""), measures.get("metric_unit", ""),
            measures.get("metric_direction", ""), measures.get("metric_baseline"),
            measures.get("metric_target"), measures.get("metric_target_date"),
            measures.get("evidence_area", ""), row.status, measures.get("business_value"),
            measures.get("effort"), Source.DEMO, row.created, self.updated, row.author,
            row.owner, row.team[0], signed + g.valid if signed else None, signed,
            self.evidence, self.last_measured_on, row.goal_ids, row.product_ids,
            lifecycle["lifecycle_stage"], lifecycle.get("started_on"),
            lifecycle.get("in_production_on"), lifecycle.get("ended_on"),
        )  # fmt: skip
