"""Where a success metric stands: the rule, as pure functions of the numbers and dates.

Nothing here reads the database; the services feed it a use case's metric and measurements and
store the answer on the use case (``evidence_status``), so lists and dashboards filter on a column.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import DateField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone

from usecases.choices import EvidenceStatus, MetricDirection

# A measurement short of the expected line by no more than this share of |target - baseline| is
# "at risk"; further short is "off track".
AT_RISK_SHARE = Decimal("0.10")
# Measurements are stored with four decimals; the expected value is compared at that precision, so
# a reading typed from the line itself (13.3333 on a line at 13.33333...) counts as on it.
VALUE_PRECISION = Decimal("0.0001")


def expected_value(
    *, baseline: Decimal, baseline_date: date, target: Decimal, target_date: date, on: date
) -> Decimal:
    """The value the straight line from (``baseline_date``, ``baseline``) to (``target_date``,
    ``target``) expects on date ``on``: the baseline before the line starts, the target after it
    ends, in between the point on the line (to four decimals). A line that would start on or after
    its target date expects the target throughout."""
    if on >= target_date or baseline_date >= target_date:
        return target
    if on <= baseline_date:
        return baseline
    elapsed = Decimal((on - baseline_date).days)
    span = Decimal((target_date - baseline_date).days)
    return (baseline + (target - baseline) * elapsed / span).quantize(VALUE_PRECISION)


def _direction(direction: str, baseline, target) -> str:
    """The metric's direction; when it was left unset, read from baseline and target."""
    if direction in MetricDirection.values:
        return direction
    if baseline is not None and target is not None and baseline != target:
        return MetricDirection.INCREASE if target > baseline else MetricDirection.DECREASE
    return ""


def _better_or_equal(direction: str, value: Decimal, than: Decimal) -> bool:
    return value >= than if direction == MetricDirection.INCREASE else value <= than


def evaluate(
    *,
    direction: str,
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    target_date: date | None,
    measurements: Iterable[tuple[date, Decimal]],
    today: date,
) -> EvidenceStatus:
    """The metric's evidence status on ``today``.

    ``measurements`` are ``(measured_on, value)`` pairs in any order. The rule, first match wins:

    1. No measurements: **no data**.
    2. The latest measurement (the latest date; of readings on the same day, the last given) has
       reached the target: equal to it, or beyond it in the metric's direction (above when higher
       is better, below when lower is better): **on track**, whatever the dates say.
    3. ``today`` is after the target date and the target is not reached: **off track**, with or
       without a baseline: the date was the promise.
    4. Without a baseline, a target or a target date there is no line to judge against, so only
       rules 2 and 3 can decide; anything else is **at risk**. The same holds when the direction
       is unset and cannot be read from baseline and target (they are equal or missing).
    5. Otherwise the latest measurement is compared with the expected value on its date: the
       straight line from (baseline date, baseline) to (target date, target). When the baseline
       date is missing, the line starts at the first measurement's date. At or better than the
       line (direction-aware): **on track**. Short of the line by no more than 10% of
       |target - baseline|: **at risk**. Further short: **off track**.

    A direction left unset is read from baseline and target (a target above the baseline means
    higher is better).
    """
    readings = sorted(
        ((on, Decimal(value)) for on, value in measurements), key=lambda reading: reading[0]
    )
    if not readings:
        return EvidenceStatus.NO_DATA
    latest_on, latest = readings[-1]
    direction = _direction(direction, baseline, target)

    if target is not None and (
        latest == target or (direction and _better_or_equal(direction, latest, target))
    ):
        return EvidenceStatus.ON_TRACK
    if target is not None and target_date is not None and today > target_date:
        return EvidenceStatus.OFF_TRACK
    if baseline is None or target is None or target_date is None or not direction:
        return EvidenceStatus.AT_RISK

    expected = expected_value(
        baseline=baseline,
        baseline_date=baseline_date or readings[0][0],
        target=target,
        target_date=target_date,
        on=latest_on,
    )
    return _against_the_line(direction, latest, expected, span=abs(target - baseline))


def _against_the_line(direction: str, latest: Decimal, expected: Decimal, *, span) -> str:
    """Rule 5: at or better than the line is on track; short of it by no more than
    ``AT_RISK_SHARE`` of ``span`` (|target - baseline|) at risk; further short, off track."""
    if _better_or_equal(direction, latest, expected):
        return EvidenceStatus.ON_TRACK
    if abs(latest - expected) <= AT_RISK_SHARE * span:
        return EvidenceStatus.AT_RISK
    return EvidenceStatus.OFF_TRACK


def stale_days() -> int:
    return settings.EVIDENCE_STALE_DAYS


def is_stale(
    last_measured_on: date | None, today: date, *, measuring_since: date | None = None
) -> bool:
    """No measurement in the last ``EVIDENCE_STALE_DAYS`` days (90). A measurement exactly 90 days
    old still counts as recent. Never measured: stale once 90 days have passed since measuring
    became due (``measuring_since``: the day of the first sign-off), so a use case signed off
    yesterday is not stale for lack of a reading nobody could have taken; with no sign-off yet,
    never. The first sign-off, not the latest: a re-attestation or a new owner's sign-off does not
    restart the clock on a metric nobody ever measured."""
    cut = today - timedelta(days=stale_days())
    if last_measured_on is None:
        return measuring_since is not None and measuring_since < cut
    return last_measured_on < cut


def stale_q(today: date) -> Q:
    """``is_stale`` as a filter on use cases, for lists and dashboards, narrowed to use cases with a
    metric (nothing can be measured without one). It does not narrow to active use cases: combine
    it with what the page counts."""
    cut = today - timedelta(days=stale_days())
    measured_long_ago = Q(last_measured_on__lt=cut)
    # The first sign-off's day before the cut: a subquery read by key for each use case it is
    # asked of. (``EXISTS`` a sign-off before the cut, its equal, was planned as one pass over
    # every sign-off for an owner's few hundred use cases.) False, not unknown, with none.
    first_signed = TruncDate(first_signed_at(), output_field=DateField())
    signed_long_ago = Coalesce(LessThan(first_signed, cut), Value(False))
    never_since_signing = Q(last_measured_on__isnull=True) & Q(signed_long_ago)
    return ~Q(metric_name="") & (measured_long_ago | never_since_signing)


def first_signed_at():
    """An annotation: when the use case was first signed off (None if never)."""
    from usecases.models import SignOff

    return Subquery(
        SignOff.objects.filter(usecase=OuterRef("pk")).order_by("signed_at").values("signed_at")[:1]
    )


def usecase_is_stale(usecase, today: date) -> bool:
    """``is_stale`` for one use case with a metric. Never measured, it needs the first sign-off:
    from a ``first_signed_at`` annotation when the query loaded one, else one query."""
    if not usecase.metric_name:
        return False
    if usecase.last_measured_on is not None:
        return is_stale(usecase.last_measured_on, today)
    if hasattr(usecase, "first_signed_at"):
        first = usecase.first_signed_at
    else:
        first = usecase.sign_offs.order_by("signed_at").values_list("signed_at", flat=True).first()
    return is_stale(None, today, measuring_since=timezone.localdate(first) if first else None)
