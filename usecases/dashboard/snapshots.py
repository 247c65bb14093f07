"""The weekly ownership snapshot: the dashboard's key counts as they stand now, org-wide and per
team, recorded once a day (a weekly cron runs ``manage.py take_ownership_snapshot``) for the trend
charts (``usecases.dashboard.trends``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portfolio.models import Team
from usecases.dashboard.counts import Counts, count_columns, total_of
from usecases.models import OwnershipSnapshot, UseCase


def counts_by_team(usecases: QuerySet, *, now: datetime) -> dict[int, Counts]:
    """Every count for ``usecases``, per team: one grouped query."""
    rows = usecases.order_by().values("team_id").annotate(**count_columns(now))
    return {row.pop("team_id"): Counts(row) for row in rows}


def _snapshot_counts(*, now: datetime) -> dict[int | None, Counts]:
    """Today's counts per team (every team that is not archived, and any with use cases) and for
    the whole organisation (key None)."""
    by_team = counts_by_team(UseCase.objects.all(), now=now)
    team_ids = set(Team.objects.active().values_list("pk", flat=True)) | set(by_team)
    counts: dict[int | None, Counts] = {
        team_id: by_team.get(team_id, Counts.zero()) for team_id in team_ids
    }
    counts[None] = total_of(by_team.values())
    return counts


def ownership_snapshot_take(*, today: date | None = None) -> list[OwnershipSnapshot]:
    """Record the dashboard's key counts as they stand now, org-wide and per team, under
    ``today``. Idempotent per day: taken again the same day, the day's snapshots are updated, never
    duplicated."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    taken = []
    with transaction.atomic():
        for team_id, counts in _snapshot_counts(now=now).items():
            snapshot, _ = OwnershipSnapshot.objects.update_or_create(
                taken_on=today, team_id=team_id, defaults={"counts": dict(counts)}
            )
            taken.append(snapshot)
    return taken
