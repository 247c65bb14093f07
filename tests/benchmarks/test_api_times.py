"""The arithmetic behind benchmarks/api_times.py's table (the timings themselves are not tested)."""

import pytest

from benchmarks.api_times import percentile, ratio


def test_percentile_is_the_nearest_rank():
    times = [float(n) for n in range(20, 0, -1)]  # 20 ... 1, unsorted on purpose
    assert percentile(times, 50) == 10
    assert percentile(times, 95) == 19
    assert percentile(times, 100) == 20
    assert percentile([7.0], 95) == 7
    assert percentile([3.0, 1.0], 0) == 1


def test_percentile_of_nothing_is_refused():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_ratio_cell():
    assert ratio(30.0, 60.0) == "0.50x"
    assert ratio(77.7, 28.9) == "2.69x"
    assert ratio(5.0, 0) == "-"
