"""The evidence rule on its edges: pure functions, no database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from usecases.choices import EvidenceStatus, MetricDirection
from usecases.evidence import evaluate, expected_value, is_stale

ON_TRACK = EvidenceStatus.ON_TRACK
AT_RISK = EvidenceStatus.AT_RISK
OFF_TRACK = EvidenceStatus.OFF_TRACK
NO_DATA = EvidenceStatus.NO_DATA

START = date(2025, 1, 1)
END = START + timedelta(days=100)  # 11 Apr 2025
TODAY = START + timedelta(days=60)


def day(n: int) -> date:
    return START + timedelta(days=n)


def judge(*readings, direction=MetricDirection.INCREASE, today=TODAY, **metric):
    """Baseline 0 on START, target 100 on END (rising one a day) unless ``metric`` says otherwise;
    ``readings`` are (day number, value)."""
    args = {
        "direction": direction,
        "baseline": Decimal(0),
        "baseline_date": START,
        "target": Decimal(100),
        "target_date": END,
    }
    args.update(metric)
    return evaluate(
        measurements=[(day(n), Decimal(str(value))) for n, value in readings],
        today=today,
        **args,
    )


# -- The line ---------------------------------------------------------------------------------------


def test_expected_value_is_the_straight_line_clamped_at_both_ends():
    line = {
        "baseline": Decimal(0),
        "baseline_date": START,
        "target": Decimal(100),
        "target_date": END,
    }
    assert expected_value(on=day(0), **line) == 0
    assert expected_value(on=day(25), **line) == 25
    assert expected_value(on=day(100), **line) == 100
    assert expected_value(on=day(-10), **line) == 0  # before the line starts: the baseline
    assert expected_value(on=day(150), **line) == 100  # after it ends: the target


def test_expected_value_is_compared_at_the_stored_precision():
    line = {
        "baseline": Decimal(10),
        "baseline_date": START,
        "target": Decimal(20),
        "target_date": day(3),
    }
    assert expected_value(on=day(1), **line) == Decimal("13.3333")
    # A reading typed from the line, to the four decimals a measurement keeps, is on it.
    assert judge((1, "13.3333"), today=day(1), **line) == ON_TRACK


# -- No data, single measurements -----------------------------------------------------------------


def test_no_measurements_is_no_data_whatever_the_metric():
    assert judge() == NO_DATA
    assert judge(baseline=None, target=None, target_date=None) == NO_DATA
    assert judge(today=day(500)) == NO_DATA  # even past the target date


def test_a_single_measurement_is_judged_against_the_line():
    assert judge((50, 50)) == ON_TRACK
    assert judge((50, 45)) == AT_RISK
    assert judge((50, 30)) == OFF_TRACK


def test_without_a_baseline_date_the_line_starts_at_the_first_measurement():
    # The line runs from (day 50, 0) to (day 100, 100): 2 a day, so 50 is expected on day 75.
    assert judge((50, 0), (75, 50), baseline_date=None, today=day(75)) == ON_TRACK
    assert judge((50, 0), (75, 41), baseline_date=None, today=day(75)) == AT_RISK
    # A single measurement sits at the line's start: the baseline is expected.
    assert judge((50, 0), baseline_date=None) == ON_TRACK
    assert judge((50, -11), baseline_date=None) == OFF_TRACK


def test_only_the_latest_measurement_counts():
    assert judge((10, 0), (20, 5), (50, 50)) == ON_TRACK  # recovered
    assert judge((10, 10), (50, 50), (55, 20)) == OFF_TRACK  # fell behind
    # Given in any order; of two on the same day, the last given.
    assert judge((50, 50), (10, 0)) == ON_TRACK
    assert judge((50, 50), (50, 0)) == OFF_TRACK


# -- On the line, and the 10% boundary ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("50", ON_TRACK),  # exactly on the line
        ("50.0001", ON_TRACK),  # above it
        ("49.9999", AT_RISK),  # a hair short
        ("40", AT_RISK),  # short by exactly 10% of |target - baseline|
        ("39.9999", OFF_TRACK),  # just beyond
        ("-5", OFF_TRACK),
    ],
)
def test_increase_against_the_line(value, status):
    assert judge((50, value)) == status


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("50", ON_TRACK),  # exactly on the line
        ("49.9999", ON_TRACK),  # lower is better: below the line is ahead
        ("50.0001", AT_RISK),
        ("60", AT_RISK),  # 10% of |target - baseline| above the line
        ("60.0001", OFF_TRACK),
    ],
)
def test_decrease_against_the_line(value, status):
    # From 100 down to 0 over 100 days: 50 expected on day 50.
    assert (
        judge(
            (50, value),
            direction=MetricDirection.DECREASE,
            baseline=Decimal(100),
            target=Decimal(0),
        )
        == status
    )


def test_the_tolerance_is_a_share_of_the_whole_distance_not_of_the_value():
    # Baseline 1000, target 1010: the tolerance is 1, however large the numbers.
    metric = {"baseline": Decimal(1000), "target": Decimal(1010)}
    assert judge((50, 1005), **metric) == ON_TRACK
    assert judge((50, 1004), **metric) == AT_RISK
    assert judge((50, "1003.9999"), **metric) == OFF_TRACK


# -- Target reached, target date passed -------------------------------------------------------------


def test_target_reached_is_on_track_at_any_time():
    assert judge((10, 100)) == ON_TRACK  # early
    assert judge((10, 120)) == ON_TRACK  # beyond the target
    assert judge((90, 100), today=day(400)) == ON_TRACK  # long past the target date
    assert judge((0, 100), baseline=None) == ON_TRACK  # no baseline needed


def test_target_reached_in_the_decrease_direction():
    metric = {
        "direction": MetricDirection.DECREASE,
        "baseline": Decimal(40),
        "target": Decimal(10),
    }
    assert judge((10, 10), **metric) == ON_TRACK
    assert judge((10, 5), **metric) == ON_TRACK
    assert judge((101, 9), today=day(200), **metric) == ON_TRACK
    assert judge((101, "10.5"), today=day(200), **metric) == OFF_TRACK


def test_past_the_target_date_and_not_reached_is_off_track():
    # On the line when measured, but the date has passed since.
    assert judge((99, 99), today=day(101)) == OFF_TRACK
    assert judge((100, "99.9999"), today=day(101)) == OFF_TRACK


def test_on_the_target_date_itself_the_line_still_applies():
    assert judge((100, 95), today=END) == AT_RISK
    assert judge((100, 100), today=END) == ON_TRACK


# -- Incomplete metrics: judge only "target reached" ---------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [
        {"baseline": None},
        {"target_date": None},
        {"baseline": None, "baseline_date": None, "target_date": None},
    ],
)
def test_without_a_line_only_reaching_the_target_is_on_track(missing):
    assert judge((50, 100), **missing) == ON_TRACK
    assert judge((50, 99), **missing) == AT_RISK
    assert judge((50, 0), **missing) == AT_RISK  # no line to be off before the target date


def test_without_a_baseline_a_missed_target_date_is_still_off_track():
    assert judge((50, 0), today=day(500), baseline=None) == OFF_TRACK
    assert judge((50, 0), today=day(500), baseline=None, baseline_date=None) == OFF_TRACK
    assert judge((50, 100), today=day(500), baseline=None) == ON_TRACK  # reached in time
    # Without a target date there is no promise to miss.
    assert judge((50, 0), today=day(500), baseline=None, target_date=None) == AT_RISK


def test_without_a_target_nothing_is_reached():
    assert judge((50, 1000), target=None) == AT_RISK


def test_an_unset_direction_is_read_from_baseline_and_target():
    assert judge((50, 50), direction="") == ON_TRACK
    assert judge((50, 30), direction="") == OFF_TRACK
    falling = {"direction": "", "baseline": Decimal(100), "target": Decimal(0)}
    assert judge((50, 45), **falling) == ON_TRACK
    assert judge((50, 100), **falling) == OFF_TRACK
    # Neither direction nor a baseline to read it from: only the target value itself is reached.
    assert judge((50, 100), direction="", baseline=None) == ON_TRACK
    assert judge((50, 101), direction="", baseline=None) == AT_RISK


def test_a_flat_line_has_no_tolerance():
    metric = {"baseline": Decimal(50), "target": Decimal(50)}
    assert judge((50, 50), **metric) == ON_TRACK  # at the target
    assert judge((50, "49.9999"), **metric) == OFF_TRACK
    # With the direction unset it can't be read from equal numbers: only "reached" is judged.
    assert judge((50, "49.9999"), direction="", **metric) == AT_RISK
    assert judge((50, 50), direction="", **metric) == ON_TRACK


def test_a_line_that_starts_after_its_target_date_expects_the_target():
    metric = {"baseline_date": day(200)}  # baseline date after the target date
    assert judge((50, 100), **metric) == ON_TRACK
    assert judge((50, 95), **metric) == AT_RISK


# -- Staleness ----------------------------------------------------------------------------------


def test_stale_after_ninety_days_without_a_measurement(settings):
    settings.EVIDENCE_STALE_DAYS = 90
    today = date(2025, 6, 30)
    assert not is_stale(today, today)
    assert not is_stale(today - timedelta(days=90), today)  # exactly 90 days: still recent
    assert is_stale(today - timedelta(days=91), today)


def test_never_measured_is_stale_ninety_days_after_the_sign_off(settings):
    settings.EVIDENCE_STALE_DAYS = 90
    today = date(2025, 6, 30)
    assert is_stale(None, today, measuring_since=today - timedelta(days=91))
    assert not is_stale(None, today, measuring_since=today - timedelta(days=90))
    assert not is_stale(None, today, measuring_since=today)  # signed off today
    assert not is_stale(None, today)  # not signed off yet: nothing is due


def test_stale_follows_the_setting(settings):
    settings.EVIDENCE_STALE_DAYS = 30
    today = date(2025, 6, 30)
    assert is_stale(today - timedelta(days=31), today)
    assert not is_stale(today - timedelta(days=30), today)
