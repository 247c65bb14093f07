"""The demo's success-metric readings: monthly, recorded by each owner through the service, in
shapes that give every evidence status on the dashboard and on "my work"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.history import history_context
from demo.backdating import rebind_sign_off, rewrite_signed_text
from demo.data import SEED_HISTORY_MARK
from usecases.choices import Source, Status
from usecases.models import UseCase
from usecases.services import measurement_record

# How the demo's active use cases have measured so far: the share of the planned progress reached
# at each reading (1.0 = exactly on the line from baseline to target), or None for "not measured
# yet". "stale" readings stop four months ago. The cycle gives every evidence status on the
# dashboard and on "my work".
MEASUREMENT_SHAPES = [
    ("on track", 1.05, False),
    ("at risk", 0.94, False),
    ("off track", 0.55, False),
    ("on track", 1.1, False),
    ("stale", 1.0, True),
    None,
]


def seed_measurements() -> None:
    """Monthly readings, recorded by each owner through the service, for active demo use cases
    with a complete metric and no readings yet (so reseeding adds nothing)."""
    today = timezone.localdate()
    candidates = (
        UseCase.objects.filter(source=Source.DEMO, status=Status.ACTIVE, measurements__isnull=True)
        .exclude(external_ref="")
        .exclude(metric_baseline=None)
        .exclude(metric_target=None)
        .exclude(metric_target_date=None)
        .select_related("owner")
        .order_by("number")
    )
    for usecase in candidates:
        # Chosen by number, not position, so a use case left unmeasured stays so on a reseed.
        shape = MEASUREMENT_SHAPES[usecase.number % len(MEASUREMENT_SHAPES)]
        if shape is None:
            continue
        _, progress, stale = shape
        start = min(today - timedelta(days=240), usecase.metric_target_date - timedelta(days=60))
        with history_context(service=SEED_HISTORY_MARK), rewrite_signed_text():
            # In the demo's story the owner signed this baseline date: the date moves back, and
            # the sign-off's digest with it, like the dates backdate_sign_off moves.
            UseCase.objects.filter(pk=usecase.pk).update(metric_baseline_date=start)
            rebind_sign_off(usecase)
        last = today - timedelta(days=120 if stale else 10)
        span = (usecase.metric_target_date - start).days or 1
        gap = usecase.metric_target - usecase.metric_baseline
        for month in range(4, -1, -1):
            measured_on = last - timedelta(days=30 * month)
            if measured_on <= start:
                continue
            planned = min((measured_on - start).days / span, 1.0)
            value = usecase.metric_baseline + gap * Decimal(str(round(planned * progress, 4)))
            measurement_record(
                usecase=usecase,
                actor=usecase.owner,
                measured_on=measured_on,
                value=value.quantize(Decimal("0.01")),
                note="Monthly reading (demo data).",
            )
