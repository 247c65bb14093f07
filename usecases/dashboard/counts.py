"""The dashboard's counts by name (``Counts``): ``total``, each status, each concern and each
lifecycle stage, the conditions that count them (``count_conditions``) and the aggregates that fill
them from the use cases (``count_columns``); and evidence tallies by status
(``by_evidence_status``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from usecases.choices import LifecycleStage, Status
from usecases.concerns import CONCERNS


def stage_key(stage: LifecycleStage) -> str:
    """The count's name for a lifecycle stage (a stage may share a status's value: retired)."""
    return f"stage_{stage.value}"


class Counts(dict):
    """Use-case counts by name: ``total``, each status value, each concern key and each
    lifecycle stage (``stage_key``)."""

    @classmethod
    def zero(cls) -> Counts:
        return cls(dict.fromkeys(_COUNT_NAMES, 0))

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
        active = self.get(Status.ACTIVE.value, 0)
        return round(100 * self.get("signed", 0) / active) if active else None


def total_of(many) -> Counts:
    """The sum of ``many`` counts, a new ``Counts`` added to in place (``sum`` with ``+`` copies
    the running total at each step: thousands of groups on a filtered dashboard)."""
    total = Counts.zero()
    for counts in many:
        total.add(counts)
    return total


def by_evidence_status(rows, key: str) -> dict:
    """``{row[key]: {evidence status: total}}`` from rows with ``key``, ``evidence_status`` and
    ``total``; a row counting none is left out."""
    tally: dict = {}
    for row in rows:
        if row["total"]:
            tally.setdefault(row[key], {})[row["evidence_status"]] = row["total"]
    return tally


_COUNT_NAMES = ("total", *Status.values, *CONCERNS, *map(stage_key, LifecycleStage))


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
