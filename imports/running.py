"""An import's pass over its file: what each row will become (the plan, for the preview and a dry
run) and, when it runs, writing it through the use-case services.

Rows go in batches. A batch is one transaction: its use cases, the outcome of each of its rows and
the run's counts commit together, so an import stopped halfway (a crash, a lost database) has
reported exactly the rows it wrote. A row that cannot be written fails alone (a savepoint), and the
run goes on with the next.

Re-importing: a row's key (``Mapping.key``) is its use case's external reference, unique per
source. A row whose use case exists is compared with what the same key's row gave the last time
(``ImportRow.imported``): only the fields the file changed are written, through
``usecase_update`` (history, versions, "changed since sign-off" as for any edit), so an edit made
in the registry since is not undone by a row that did not change.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from imports.converting import Converted, Converter, Issue
from imports.mapping import CUSTOM_PREFIX, Mapping, fold, target_kind
from imports.matching import Names, NotFound
from imports.models import OUTCOME_COUNTS, ImportRow, ImportRun, Outcome, RunStatus
from imports.permissions import import_scope
from imports.reading import RegisterFile, open_register
from usecases import services
from usecases.custom_fields.values import active_fields
from usecases.models import UseCase

BATCH_SIZE = 200
# What a field the last release filled and this one leaves empty is set to, by its kind.
_EMPTY = {
    "choices": [],
    "urls": [],
    "assessments": [],
    "boolean": None,
    "date": None,
    "number": None,
}
_NEVER_EMPTIED = {"lifecycle_stage", "custom_values", "unit", "team", "products", "goals"}


def chunks(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class Planned:
    """What one row will become."""

    row: Converted
    outcome: str
    usecase: UseCase | None = None
    data: dict = field(default_factory=dict)  # what is written (an update: the changed fields)
    stored: dict | None = None  # the row's values as JSON, kept for the next release
    why: str = ""
    source: str = ""  # the source and external reference it is kept under
    ref: str = ""

    @property
    def issues(self) -> list[Issue]:
        return self.row.issues


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def _fingerprint(record) -> bytes:
    """A row's content in 16 bytes: the planner keeps one a row to find copies, so it stays small
    (a row's memory is its key and this, however wide the row)."""
    return hashlib.blake2b(json.dumps(sorted(record.items())).encode(), digest_size=16).digest()


class Planner:
    """Plans the rows of one file, batch by batch. ``writing``: teams and products the mapping
    may create are created as they are met (inside the caller's transaction)."""

    def __init__(self, mapping: Mapping, *, team=None, writing: bool, scope=None):
        """``scope``: the teams whose use cases the import may change (None: any)."""
        self.mapping, self.team, self.scope = mapping, team, scope
        self.adopted: set[tuple[str, str]] = set()
        self.custom = active_fields()
        self.converter = Converter(mapping, self.custom, team_fixed=team is not None)
        self.names = Names(create=mapping.create_missing, writing=writing)
        self.rows_seen: dict[bytes, int] = {}
        self.keys_seen: dict[str, int] = {}
        self.shared: frozenset[str] = frozenset()
        self.places: dict[str, int] = {}

    def prescan(self, records) -> int:
        """Read the file once before planning: the keys rows of different content share, and the
        number of rows (the progress bar's whole)."""
        contents: dict[str, set[bytes]] = {}
        count = 0
        for record in records:
            count += 1
            contents.setdefault(self.converter.key(record), set()).add(_fingerprint(record))
        self.shared = frozenset(key for key, seen in contents.items() if key and len(seen) > 1)
        return count

    def plan(self, records: list) -> list[Planned]:
        planned = [self._first_look(record) for record in records]
        open_rows = [p for p in planned if p.outcome == ""]
        existing, previous = self._looked_up(open_rows)
        for item in open_rows:
            item.source, item.ref = self._kept_under(item.row)
            where = (item.source, item.ref)
            self._settle(item, existing.get(where), previous.get(where))
        return planned

    def _kept_under(self, row: Converted, key: str | None = None) -> tuple[str, str]:
        """The source and external reference a row's use case is kept under."""
        if row.source:
            return row.source, row.key
        return self.mapping.source, self.mapping.external_ref(key or row.key)

    def _looked_up(self, items: list[Planned]) -> tuple[dict, dict]:
        """The batch's use cases and what the same keys gave last time, by (source, reference):
        two queries a source the batch names. Then each row's key is settled between its plain
        key (the key columns) and its whole key (made whole with the fallback columns, as when
        rows share the plain key; see ``_settle_key``)."""
        wanted: dict[str, set[str]] = {}
        for item in items:
            row = item.row
            for key in {row.key, row.plain_key, row.whole_key} - {""}:
                source, ref = self._kept_under(row, key)
                wanted.setdefault(source, set()).add(ref)
        existing, previous = {}, {}
        for source, refs in wanted.items():
            found = UseCase.objects.filter(source=source, external_ref__in=refs)
            for usecase in found.select_related("team"):
                existing[(source, usecase.external_ref)] = usecase
            earlier = (
                ImportRow.objects.filter(source=source, key__in=refs)
                .exclude(imported=None)
                .order_by("key", "-id")
                .distinct("key")
                .values_list("key", "imported")
            )
            previous.update(((source, key), imported) for key, imported in earlier)
        # Rows the last release gave exactly as they are now settle first, so a changed copy of a
        # row never takes the use case its unchanged original holds.
        ordered = sorted(items, key=lambda item: not self._as_last_time(item.row, previous))
        for item in ordered:
            self._settle_key(item.row, existing)
        return existing, previous

    def _as_last_time(self, row: Converted, previous: dict) -> bool:
        stored = _jsonable({**row.data, **row.names})
        return any(
            previous.get(self._kept_under(row, key)) == stored
            for key in {row.plain_key, row.whole_key} - {""}
        )

    def _settle_key(self, row: Converted, existing: dict) -> None:
        """Between a row's plain and whole key. A row keeps the key its use case is under, and
        takes the other key's use case where the titles agree and its own does not (an agency
        starts or stops reusing an id between releases: each use case stays with its row). A row
        keyed by the source it names keeps that key. Each use case goes to one row of the file."""
        whole = row.whole_key
        placed = row.key.startswith(f"{whole} #")  # a copy of a shared key, told by its place
        if (
            row.source
            or row.plain_key == whole
            or not (row.key in (row.plain_key, whole) or placed)
        ):
            return
        other = row.plain_key if row.key != row.plain_key else whole
        own_at, other_at = self._kept_under(row), self._kept_under(row, other)
        own = None if own_at in self.adopted else existing.get(own_at)
        theirs = None if other_at in self.adopted else existing.get(other_at)
        title = fold(row.title)
        agrees = theirs is not None and fold(theirs.title) == title
        if agrees and (own is None or fold(own.title) != title):
            row.key = other
            self.adopted.add(other_at)
        elif own is not None:
            self.adopted.add(own_at)

    def _first_look(self, record) -> Planned:
        row = self.converter.convert(record, self.shared)
        if row.source and self.scope is not None:
            why = (
                f"It names the source “{row.source}”; only an admin's import keeps another "
                "register's keys, so it is keyed by its key in this file."
            )
            row.issues.append(Issue("source", row.source, why, True))
            row.source = ""
            row.key = row.plain_key = row.whole_key = row.local_key
        fingerprint = _fingerprint(record)
        if fingerprint in self.rows_seen:
            return Planned(
                row, Outcome.SKIPPED, why=f"An exact copy of row {self.rows_seen[fingerprint]}."
            )
        self.rows_seen[fingerprint] = row.number
        if row.failed:
            return Planned(row, Outcome.FAILED)
        if row.key in self.keys_seen:
            # Rows of different content the key columns cannot tell apart: each is keyed by its
            # place among them, the same in every release that keeps the file's order.
            first, place = self.keys_seen[row.key], self.places.get(row.key, 1) + 1
            self.places[row.key] = place
            row.issues.append(
                Issue(
                    " + ".join(self.mapping.key),
                    row.key,
                    f"Row {first} has the same key; this row is keyed “{row.key} #{place}”.",
                    True,
                )
            )
            row.key = f"{row.key} #{place}"
        self.keys_seen[row.key] = row.number
        return Planned(row, "")

    def _settle(self, item: Planned, usecase: UseCase | None, previous: dict | None) -> None:
        row = item.row
        if usecase is not None and self.scope is not None and usecase.team_id not in self.scope:
            item.why = (
                f"It is {usecase.key} in {usecase.team}, a team you do not lead: not changed."
            )
            item.outcome = Outcome.SKIPPED
            return
        data = self._linked(row)
        if row.failed:
            item.outcome = Outcome.FAILED
            return
        stored = _jsonable({**row.data, **row.names})
        refusals = services.usecase_refusals(data)
        if refusals:
            for name, why in refusals.items():
                column = self._column_of(name)
                row.issues.append(Issue(column, str(row.data.get(name, "")), why))
            item.outcome = Outcome.FAILED
            return
        item.stored, item.usecase = stored, usecase
        if usecase is None:
            item.outcome, item.data = Outcome.CREATED, data
            return
        changed = {
            name: value
            for name, value in data.items()
            if previous is None or stored.get(name) != previous.get(name)
        }
        # A field the last release filled and this one leaves empty is emptied.
        for name in (previous or {}).keys() - stored.keys() - _NEVER_EMPTIED:
            changed[name] = _EMPTY.get(target_kind(name), "")
        item.outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
        item.data = changed

    def _linked(self, row: Converted) -> dict:
        data = dict(row.data)
        unit_name, team_name = row.names.get("unit", ""), row.names.get("team", "")
        if not (self.team or unit_name or team_name) and self.mapping.fallback_team:
            team_name = self.mapping.fallback_team
            row.names["team"] = team_name
            why = f"It names no team; it goes into “{team_name}” until a team lead assigns one."
            row.issues.append(Issue(self._column_of("team"), "", why, True))
        try:
            team = self.team or self.names.team(unit_name, team_name)
        except NotFound as missing:
            row.issues.append(
                Issue(self._column_of("team"), row.names.get("team", ""), str(missing))
            )
            return data
        to_be_created = not self.names.writing and (unit_name or team_name)
        if team is None and not to_be_created:
            row.issues.append(
                Issue("team", "", "It names no team: map a team or unit column, or choose a team.")
            )
            return data
        if team is not None:
            data["team"] = team
        for name, find in (
            ("products", lambda names: self.names.products_named(names, team)),
            ("goals", self.names.goals_named),
        ):
            if row.names.get(name):
                try:
                    data[name] = find(row.names[name])
                except NotFound as missing:
                    row.issues.append(
                        Issue(
                            self._column_of(name),
                            "; ".join(row.names[name]),
                            f"{missing} Not linked.",
                            True,
                        )
                    )
        return data

    def _column_of(self, name: str) -> str:
        columns = self.converter.targets.get(name) or self.converter.targets.get(
            CUSTOM_PREFIX + name
        )
        return ", ".join(columns or [name])


def open_run_file(run: ImportRun) -> RegisterFile:
    return open_register(io.BytesIO(bytes(run.file_data)), run.file_name)


def planner_for(run: ImportRun, mapping: Mapping, *, writing: bool) -> Planner:
    return Planner(mapping, team=run.team, writing=writing, scope=import_scope(run.created_by))


def plan_batches(planner: Planner, run: ImportRun) -> Iterator[list[Planned]]:
    """The plan of every row of ``run``'s file, batch by batch."""
    planner.prescan(open_run_file(run).records())
    for records in chunks(open_run_file(run).records(), BATCH_SIZE):
        yield planner.plan(records)


def plan_file(run: ImportRun, mapping: Mapping) -> Iterator[list[Planned]]:
    """The plan of every row, writing nothing (the preview, a dry run)."""
    yield from plan_batches(planner_for(run, mapping, writing=False), run)


def _write(item: Planned, actor, mapping: Mapping) -> None:
    """Write one planned row (in a savepoint: a failure undoes this row only)."""
    ref = item.ref
    try:
        with transaction.atomic():
            if item.outcome == Outcome.CREATED:
                item.usecase = services.usecase_create(
                    actor=actor, data=item.data, source=item.source, external_ref=ref
                )
            elif item.outcome == Outcome.UPDATED:
                before = item.usecase.version
                item.usecase = services.usecase_update(
                    usecase=item.usecase, actor=actor, data=item.data, expected_version=before
                )
                if item.usecase.version == before:
                    item.outcome = Outcome.UNCHANGED
    except services.NotEditable as refused:
        item.outcome, item.why = Outcome.SKIPPED, f"{refused} The file's changes were not written."
    except services.EditConflict:
        item.outcome = Outcome.FAILED
        item.row.issues.append(
            Issue("", ref, "Someone changed it during the import; import again.")
        )
    except services.UseCaseError as refused:
        item.outcome = Outcome.FAILED
        item.row.issues.append(Issue("", ref, str(refused)))
    except IntegrityError as error:
        item.outcome = Outcome.FAILED
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
        why = (
            "Another import wrote this key at the same time."
            if constraint == "usecase_unique_external_ref"
            else f"The database refused it: {error}"
        )
        item.row.issues.append(Issue("", ref, why))
    except DataError as error:  # a value out of the column's range that no check caught
        item.outcome = Outcome.FAILED
        item.row.issues.append(Issue("", ref, f"The database refused a value: {error}"))


def _create_together(planned: list[Planned], actor, mapping: Mapping) -> None:
    """The batch's new use cases in one go (``usecases_create_many``); when that is refused, they
    are left for ``_write`` to create one by one, so each failure is the row's own."""
    new = [item for item in planned if item.outcome == Outcome.CREATED]
    if not new:
        return
    items = [(item.data, item.source, item.ref) for item in new]
    try:
        with transaction.atomic():
            created = services.usecases_create_many(actor=actor, items=items)
    except (services.UseCaseError, IntegrityError, DataError):
        return
    for item, usecase in zip(new, created, strict=True):
        item.usecase = usecase


def _row_of(run: ImportRun, item: Planned, mapping: Mapping) -> ImportRow:
    issues = [issue.to_json() for issue in item.issues]
    if item.why:
        issues.append({"column": "", "value": "", "why": item.why, "kept_empty": False})
    written = item.outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED)
    return ImportRow(
        run=run,
        number=item.row.number,
        outcome=item.outcome,
        usecase=item.usecase if item.usecase and item.usecase.pk else None,
        source=item.source or item.row.source or mapping.source,
        key=item.ref or (mapping.external_ref(item.row.key) if item.row.key else ""),
        title=item.row.title,
        issues=issues,
        imported=item.stored if written else None,
    )


def execute(run: ImportRun, *, progress: Callable[[ImportRun], None] | None = None) -> ImportRun:
    """Write the run's rows, batch by batch, and mark it done (or failed, with the error, keeping
    what the committed batches wrote). A run that stopped part way (the worker lost, the database
    gone) resumes: the rows it already reported are planned again, so duplicates and keys read as
    before, but not written or counted twice."""
    mapping = Mapping.from_json(run.mapping)
    actor = run.created_by
    done = set(run.rows.values_list("number", flat=True))
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), finished_at=None, error=""
    )
    try:
        planner = planner_for(run, mapping, writing=True)
        total = planner.prescan(open_run_file(run).records())
        ImportRun.objects.filter(pk=run.pk).update(rows_total=total, rows_done=len(done))
        for records in chunks(open_run_file(run).records(), BATCH_SIZE):
            with transaction.atomic():
                planned = [p for p in planner.plan(records) if p.row.number not in done]
                _write_batch(run, planned, actor, mapping)
            if progress:
                run.refresh_from_db()
                progress(run)
    except DatabaseError as error:
        _stopped(run, f"The database failed: {error}")
        raise
    except Exception as error:
        _stopped(run, f"The import stopped on an error: {error}")
        raise
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _write_batch(run: ImportRun, planned: list[Planned], actor, mapping: Mapping) -> None:
    """Write a batch's rows, record their outcomes and move the run's counts, in the caller's
    transaction."""
    _create_together(planned, actor, mapping)
    for item in planned:
        if item.outcome == Outcome.UPDATED or (
            item.outcome == Outcome.CREATED and item.usecase is None
        ):
            _write(item, actor, mapping)
    ImportRow.objects.bulk_create([_row_of(run, item, mapping) for item in planned])
    counts = {}
    for item in planned:
        name = OUTCOME_COUNTS[Outcome(item.outcome)]
        counts[name] = counts.get(name, F(name)) + 1
    ImportRun.objects.filter(pk=run.pk).update(rows_done=F("rows_done") + len(planned), **counts)


def _stopped(run: ImportRun, error: str) -> None:
    """Mark ``run`` failed, in a connection that may have just come back."""
    # The database may still be gone: the task's retry then finds the run unfinished and resumes.
    with contextlib.suppress(DatabaseError):
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:2000]
        )
