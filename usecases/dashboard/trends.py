"""The dashboard's trend charts: the key counts week by week, from the ownership snapshots
(``usecases.dashboard.snapshots``), org-wide or for the filtered team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from core.formats import day_text
from portfolio.models import Team
from usecases import charts
from usecases.dashboard.counts import Counts
from usecases.dashboard.scope import DashboardScope
from usecases.models import OwnershipSnapshot

# The trend charts show this many weeks before the current one.
TREND_WEEKS = 12
# DEMO DATA ONLY: the marker on back-filled snapshots (the charts say which weeks are invented).
BACKFILL_MARK = "demo_backfill"

# The weekly series, as (count name, label); the signed share has a chart of its own.
TREND_SERIES = [
    ("active", "Active"),
    ("overdue", "Attestation overdue"),
    ("unowned_draft", "Drafts without an owner"),
    ("off_track", "Off track"),
]
SHARE_LABEL = "Owned and signed (% of active)"


@dataclass(frozen=True)
class TrendPoint:
    taken_on: date
    counts: dict

    @property
    def signed_share(self) -> int | None:
        return Counts(self.counts).signed_share

    def get(self, name: str):
        return self.counts.get(name, 0)


@dataclass(frozen=True)
class Trends:
    points: list[TrendPoint]
    counts_chart: charts.LineChart
    share_chart: charts.LineChart
    team: Team | None
    backfilled_until: date | None  # the last week that is demo back-fill, if any
    series: list[tuple[str, str]]

    @property
    def rows(self) -> list[tuple[date, list, int | None]]:
        """The data table: per week, the counts in series order and the signed share."""
        return [
            (point.taken_on, [point.get(name) for name, _ in self.series], point.signed_share)
            for point in self.points
        ]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trends_panel(scope: DashboardScope, *, today: date | None = None) -> Trends:
    """The key counts week by week (the latest snapshot in each week) for the last
    ``TREND_WEEKS`` weeks and this one, org-wide or for the filtered team (with its sub-units,
    unless left out): one query. Snapshots are taken per team, so the product and goal filters do
    not apply here."""
    points = _weekly_points(scope, today=today or timezone.localdate(scope.now))
    backfilled = [point.taken_on for point in points if point.counts.get(BACKFILL_MARK)]
    where = "the whole organisation"
    if scope.team:
        beneath = len(scope.team_ids) > 1
        where = f"{scope.team.name} and its sub-units" if beneath else scope.team.name
    return Trends(
        points=points,
        counts_chart=_counts_chart(points, where=where),
        share_chart=_share_chart(points, where=where),
        team=scope.team,
        backfilled_until=max(backfilled) if backfilled else None,
        series=TREND_SERIES,
    )


def _weekly_points(scope: DashboardScope, *, today: date) -> list[TrendPoint]:
    """The latest snapshot of each week since ``TREND_WEEKS`` weeks before this one."""
    since = _monday(today) - timedelta(weeks=TREND_WEEKS)
    snapshots = OwnershipSnapshot.objects.filter(taken_on__gte=since, taken_on__lte=today)
    if scope.team:
        # A unit's trend adds up the snapshots of the units it counts (its sub-units with it).
        snapshots = snapshots.filter(team_id__in=scope.team_ids)
    else:
        snapshots = snapshots.filter(team=None)
    by_day: dict[date, Counts] = {}
    for snapshot in snapshots.order_by("taken_on"):
        by_day[snapshot.taken_on] = by_day.get(snapshot.taken_on, Counts()) + Counts(
            snapshot.counts
        )
    weekly: dict[date, TrendPoint] = {}
    for taken_on, counts in by_day.items():
        weekly[_monday(taken_on)] = TrendPoint(taken_on, dict(counts))  # the latest one wins
    return list(weekly.values())


def _first_last(points: list[TrendPoint]) -> str:
    if not points:
        return "none recorded yet"
    return f"from {day_text(points[0].taken_on)} to {day_text(points[-1].taken_on)}"


def _counts_chart(points: list[TrendPoint], *, where: str) -> charts.LineChart:
    return charts.line_chart(
        [
            charts.Series(label, [(point.taken_on, point.get(name)) for point in points], key=name)
            for name, label in TREND_SERIES
        ],
        width=720,
        height=280,
        y_label="Use cases",
        x_label="Week",
        title=f"Key counts per week, {where}",
        description=f"Weekly counts {_first_last(points)}: "
        + "; ".join(
            f"{label} {points[0].get(name)} to {points[-1].get(name)}"
            for name, label in TREND_SERIES
            if points
        ),
        include_zero=True,
        x_ticks=7,
        empty_text="No weekly snapshots yet: they are taken by manage.py take_ownership_snapshot.",
        chart_id="trend-counts",
    )


def _share_chart(points: list[TrendPoint], *, where: str) -> charts.LineChart:
    shares = [(point.taken_on, point.signed_share) for point in points]
    return charts.line_chart(
        [
            charts.Series(
                SHARE_LABEL,
                [(on, share) for on, share in shares if share is not None],
                key="signed_share",
            )
        ],
        width=720,
        height=220,
        y_label="Percent",
        x_label="Week",
        title=f"Share of active use cases owned and signed, per week, {where}",
        description=(
            f"Weekly share {_first_last(points)}: from {shares[0][1] if shares[0][1] is not None else 'none'}%"
            f" to {shares[-1][1] if shares[-1][1] is not None else 'none'}%."
            if shares
            else "No weekly snapshots yet."
        ),
        value_format=lambda value: f"{value:.0f}%",
        include_zero=True,
        x_ticks=7,
        empty_text="No weekly snapshots yet.",
        chart_id="trend-share",
    )
