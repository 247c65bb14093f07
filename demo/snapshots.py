"""DEMO DATA ONLY: weeks of ownership snapshots before today, invented from today's counts and
marked as back-fill, so the dashboard's trend charts have a history to show on a fresh demo."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from usecases.choices import Status
from usecases.concerns import LIVE_STATUSES
from usecases.dashboard.counts import Counts
from usecases.dashboard.snapshots import ownership_snapshot_take
from usecases.dashboard.trends import BACKFILL_MARK, TREND_WEEKS
from usecases.models import OwnershipSnapshot


def _backfill(counts: Counts, *, weeks_ago: int, weeks: int, rng: random.Random) -> dict:
    """Invented counts for ``weeks_ago`` weeks before ``counts``: fewer active use cases and a
    lower signed share further back, more drafts without an owner, a little week-to-week noise.
    The invented numbers keep the real ones' relations (signed + overdue <= active, ...)."""
    back = weeks_ago / weeks  # 0 now, 1 at the oldest week

    def wobble(value: float, spread: float = 1.0) -> int:
        return max(0, round(value + rng.uniform(-spread, spread)))

    active = wobble(counts[Status.ACTIVE] * (1 - 0.35 * back), 0.6)
    share_now = counts["signed"] / counts[Status.ACTIVE] if counts[Status.ACTIVE] else 0.8
    share = min(1.0, max(0.0, share_now - 0.3 * back + rng.uniform(-0.04, 0.04)))
    signed = min(active, round(active * share))
    overdue = min(active - signed, wobble(counts["overdue"] * (1 + 0.5 * back), 0.6))
    due_soon = min(active - signed - overdue, wobble(counts["due_soon"], 0.6))
    draft = wobble(counts[Status.DRAFT] * (1 + 0.3 * back), 0.6)
    unowned = min(draft, wobble(counts["unowned_draft"] * (1 + 0.8 * back), 0.6))
    statuses = {
        Status.DRAFT.value: draft,
        Status.IN_REVIEW.value: wobble(counts[Status.IN_REVIEW], 0.8),
        Status.AWAITING_SIGN_OFF.value: wobble(counts[Status.AWAITING_SIGN_OFF], 0.8),
        Status.ACTIVE.value: active,
        Status.DECLINED.value: wobble(counts[Status.DECLINED] * (1 - 0.3 * back), 0.4),
        Status.RETIRED.value: wobble(counts[Status.RETIRED] * (1 - 0.5 * back), 0.4),
    }
    measured = active + statuses[Status.AWAITING_SIGN_OFF.value]
    live = sum(statuses[status] for status in LIVE_STATUSES)
    return {
        "total": sum(statuses.values()),
        **statuses,
        "signed": signed,
        "unowned_draft": unowned,
        "overdue": overdue,
        "due_soon": due_soon,
        "owner_gone": min(live, wobble(counts["owner_gone"], 0.5)),
        "no_goal": min(live, wobble(counts["no_goal"] * (1 + 0.5 * back), 0.5)),
        "off_track": min(measured, wobble(counts["off_track"] * (1 + 0.4 * back), 0.6)),
        BACKFILL_MARK: 1,
    }


def seed_snapshots(weeks: int = TREND_WEEKS, *, today: date | None = None) -> int:
    """DEMO DATA ONLY. Take today's real snapshot, then back-fill one per week for the ``weeks``
    weeks before it, invented from today's counts (see ``_backfill``) and marked ``demo_backfill``
    so the dashboard says so. A week that already has a snapshot keeps it, so reseeding is safe.
    Returns how many snapshots were back-filled."""
    today = today or timezone.localdate()
    current = {
        snapshot.team_id: Counts(snapshot.counts)
        for snapshot in ownership_snapshot_take(today=today)
    }
    days = [today - timedelta(weeks=k) for k in range(1, weeks + 1)]
    existing = set(
        OwnershipSnapshot.objects.filter(taken_on__in=days).values_list("taken_on", "team_id")
    )
    created = []
    for weeks_ago, day in enumerate(days, start=1):
        organisation = Counts()
        for team_id, counts in sorted(
            ((team_id, counts) for team_id, counts in current.items() if team_id is not None),
            key=lambda item: item[0],
        ):
            rng = random.Random(f"{team_id}:{day.isoformat()}")
            invented = _backfill(counts, weeks_ago=weeks_ago, weeks=weeks, rng=rng)
            organisation += Counts(invented)
            if (day, team_id) not in existing:
                created.append(OwnershipSnapshot(taken_on=day, team_id=team_id, counts=invented))
        if (day, None) not in existing:
            organisation[BACKFILL_MARK] = 1
            created.append(OwnershipSnapshot(taken_on=day, team_id=None, counts=dict(organisation)))
    OwnershipSnapshot.objects.bulk_create(created)
    return len(created)
