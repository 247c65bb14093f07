"""The dashboard's counts by name (``Counts``): ``total``, each status, each concern and each
lifecycle stage, the conditions that count them (``count_conditions``) and the aggregates that fill
them from the use cases (``count_columns``); and evidence tallies by status
(``by_evidence_status``, ``by_product``)."""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter

from django.db.models import Count, Q

from usecases.choices import EvidenceStatus, LifecycleStage, Status
from usecases.concerns import CONCERNS


def stage_key(stage: LifecycleStage) -> str:
    """The count's name for a lifecycle stage (a stage may share a status's value: retired)."""
    return f"stage_{stage.value}"


_COUNT_NAMES = ("total", *Status.values, *CONCERNS, *map(stage_key, LifecycleStage))
_ZERO = dict.fromkeys(_COUNT_NAMES, 0)
_ACTIVE = Status.ACTIVE.value
# Every count of a full ``Counts`` in ``_COUNT_NAMES`` order, in one call (a C function).
_EVERY_COUNT = itemgetter(*_COUNT_NAMES)


class Counts(dict):
    """Use-case counts by name: ``total``, each status value, each concern key and each
    lifecycle stage (``stage_key``)."""

    @classmethod
    def zero(cls) -> Counts:
        return cls(_ZERO)

    @classmethod
    def of(cls, counts: dict) -> Counts:
        """``counts``, with a 0 for each name it lacks (``zero() + counts``, without adding)."""
        return cls({**_ZERO, **counts})

    def __add__(self, other: Counts) -> Counts:
        return Counts(self).add(other)

    def add(self, other: dict) -> Counts:
        """``other``'s counts added to these, in place (thousands of groups add up without a
        copy each); these counts."""
        for name, value in other.items():
            self[name] = self.get(name, 0) + value
        return self

    @property
    def signed_share(self) -> int | None:
        """Owned and signed, in percent of the active use cases (None when none is active)."""
        active = self.get(_ACTIVE, 0)
        return round(100 * self.get("signed", 0) / active) if active else None


def total_of(many) -> Counts:
    """The sum of ``many`` counts, a new ``Counts``. Where each names every count and no other
    (the summary's rows, and the sums of them), they are added column by column, in C
    (``sum_rows``): a large organisation's team tree adds hundreds of them on every dashboard.
    Otherwise each is added in place to a running total (``sum`` with ``+`` would copy it at each
    step), a name that is not a count kept."""
    many = [counts for counts in many if counts]
    rows = [_full_row(counts) for counts in many]
    if None not in rows:
        return counts_of_row(sum_rows(rows))
    total = Counts.zero()
    for counts in many:
        total.add(counts)
    return total


def _full_row(counts: dict) -> tuple[int, ...] | None:
    """Every count of ``counts`` in ``Counts`` order, where it names exactly the counts (the
    summary's rows, and the sums of them); else None."""
    if len(counts) != len(_COUNT_NAMES):
        return None
    try:
        return _EVERY_COUNT(counts)
    except KeyError:  # as many names as there are counts, not all of them the counts'
        return None


def count_row(counts: dict) -> tuple[int, ...]:
    """Every count of ``counts`` in ``Counts`` order, as a tuple (0 for a name it lacks; a name
    that is not a count is left out): rows of a tree add up without a dict each."""
    row = _full_row(counts)
    return _EVERY_COUNT({**_ZERO, **counts}) if row is None else row


def sum_rows(rows: list[tuple[int, ...]]) -> tuple[int, ...]:
    """``count_row`` tuples added column by column (in C)."""
    if not rows:
        return ZERO_ROW
    return rows[0] if len(rows) == 1 else tuple(map(sum, zip(*rows, strict=True)))


def counts_of_row(row: tuple[int, ...]) -> Counts:
    """The ``Counts`` of a ``count_row`` tuple."""
    return Counts(zip(_COUNT_NAMES, row, strict=True))


ZERO_ROW = tuple(_ZERO.values())
TOTAL = _COUNT_NAMES.index("total")  # the total's place in a ``count_row``


def by_evidence_status(rows, key: str) -> dict:
    """``{row[key]: {evidence status: total}}`` from rows with ``key``, ``evidence_status`` and
    ``total``; a row counting none is left out."""
    tally: dict = {}
    for row in rows:
        if row["total"]:
            tally.setdefault(row[key], {})[row["evidence_status"]] = row["total"]
    return tally


def by_product(rows) -> tuple[dict[int, dict[str, int]], set[int]]:
    """From rows with ``product_id``, ``open_use_cases`` (not 0: an open use case runs on it)
    and a count per evidence status: each product's measured use cases per evidence status (a
    status or product counting none left out, as ``by_evidence_status`` leaves them), and the
    products an open use case runs on."""
    evidence: dict[int, dict[str, int]] = {}
    used: set[int] = set()
    statuses = EvidenceStatus.values  # a list built at each read: once, not once a product
    for row in rows:
        if row["open_use_cases"]:
            used.add(row["product_id"])
        tally = {status: row[status] for status in statuses if row[status]}
        if tally:
            evidence[row["product_id"]] = tally
    return evidence, used


def count_conditions(now: datetime) -> dict[str, Q | None]:
    """The condition of each count of a ``Counts`` over the use cases (None: all of them): one
    per status, one per concern, one per lifecycle stage."""
    conditions: dict[str, Q | None] = {"total": None}
    for status in Status:
        conditions[status.value] = Q(status=status)
    for key, concern in CONCERNS.items():
        conditions[key] = concern.condition(now)
    for stage in LifecycleStage:
        conditions[stage_key(stage)] = Q(lifecycle_stage=stage)
    return conditions


def count_columns(now: datetime) -> dict:
    """The aggregates that fill a ``Counts``: the total, one per status, one per concern, one per
    lifecycle stage."""
    return {
        name: Count("pk", filter=condition) for name, condition in count_conditions(now).items()
    }
