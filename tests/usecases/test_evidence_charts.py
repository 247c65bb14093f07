"""The server-rendered line chart: layout as dataclasses, and the SVG the component draws."""

import re
from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string

from usecases.charts import Series, date_ticks, format_number, line_chart, nice_step, value_ticks

D = date(2025, 3, 3)


def weekly(values):
    return [(D + timedelta(weeks=n), value) for n, value in enumerate(values)]


def inside(chart, point) -> bool:
    return chart.left <= point.x <= chart.right and chart.top <= point.y <= chart.bottom


def test_an_empty_chart_has_no_axes():
    chart = line_chart([Series("Measured", [])], y_label="Days")
    assert chart.empty
    assert chart.x_ticks == () and chart.y_ticks == ()
    html = render_to_string("components/line_chart.html", {"chart": chart})
    assert "<svg" not in html
    assert "No data yet." in html
    assert line_chart([]).empty


def test_points_fall_inside_the_plot_in_order():
    chart = line_chart([Series("Open", weekly([4, 7, 5, 12]), key="open")], y_label="Use cases")
    [series] = chart.series
    assert len(series.points) == 4
    assert all(inside(chart, point) for point in series.points)
    xs = [point.x for point in series.points]
    assert xs == sorted(xs)
    # Higher values are drawn higher up (smaller y).
    assert series.points[3].y < series.points[1].y < series.points[0].y
    assert series.path.startswith(f"M{series.points[0].x},{series.points[0].y} L")
    assert series.path.count("L") == 3


def test_the_value_axis_is_padded_and_rounded_to_nice_ticks():
    chart = line_chart([Series("Open", weekly([41, 58]))])
    assert chart.y_min < 41 and chart.y_max > 58
    labels = [tick.label for tick in chart.y_ticks]
    assert labels == ["35", "40", "45", "50", "55", "60"]
    # Ticks go up the axis: the first is at the bottom.
    assert chart.y_ticks[0].position == chart.bottom
    assert chart.y_ticks[-1].position == chart.top


def test_include_zero_starts_the_axis_at_zero_without_padding_below_it():
    chart = line_chart([Series("Open", weekly([41, 58]))], include_zero=True)
    assert chart.y_min == 0
    assert chart.y_ticks[0].label == "0"


def test_a_single_point_or_a_flat_series_still_has_a_range():
    chart = line_chart([Series("One", [(D, 5)])])
    assert chart.y_min < 5 < chart.y_max
    assert chart.x_min < D < chart.x_max
    [point] = chart.series[0].points
    assert inside(chart, point)
    assert chart.series[0].path == ""  # one point: a mark, no line
    flat = line_chart([Series("Flat", weekly([0, 0, 0]))])
    assert flat.y_min < 0 < flat.y_max


def test_reference_series_draw_a_line_without_marks_and_points_series_marks_only():
    chart = line_chart(
        [
            Series("Expected", [(D, 40), (D + timedelta(days=100), 10)], style="reference"),
            Series("Target", [(D + timedelta(days=100), 10)], style="points"),
        ]
    )
    expected, target = chart.series
    assert expected.show_line and not expected.show_points
    assert target.show_points and not target.show_line


def test_point_labels_say_value_unit_and_date():
    chart = line_chart(
        [Series("Measured", [(D, 12.5), (D + timedelta(days=1), 1234)])], unit="days"
    )
    labels = [point.label for point in chart.series[0].points]
    assert labels == ["Measured: 12.5 days on 3 Mar 2025", "Measured: 1,234 days on 4 Mar 2025"]


@pytest.mark.parametrize(
    ("low", "high", "labels"),
    [
        (D, D + timedelta(days=4), ["3 Mar 2025", "4 Mar", "5 Mar", "6 Mar", "7 Mar"]),
        (D, D + timedelta(days=30), ["3 Mar 2025", "10 Mar", "17 Mar", "24 Mar", "31 Mar"]),
        (date(2024, 11, 15), date(2025, 4, 15), ["Dec 2024", "Jan 2025", "Feb", "Mar", "Apr"]),
        (
            date(2024, 1, 10),
            date(2025, 12, 1),
            ["Apr 2024", "Jul", "Oct", "Jan 2025", "Apr", "Jul", "Oct"],
        ),
        (date(2019, 6, 1), date(2025, 6, 1), ["2020", "2021", "2022", "2023", "2024", "2025"]),
    ],
)
def test_date_ticks_pick_days_weeks_months_or_years(low, high, labels):
    ticks = date_ticks(low, high, count=7 if "Oct" in labels else 6)
    assert [label for _, label in ticks] == labels
    assert all(low <= day <= high for day, _ in ticks)


def test_weekly_ticks_fall_on_mondays():
    ticks = date_ticks(date(2025, 3, 5), date(2025, 4, 5))
    assert all(day.weekday() == 0 for day, _ in ticks)


def test_number_helpers():
    assert nice_step(37, 5) == 10
    assert nice_step(0.37, 5) == 0.1
    assert nice_step(12, 5) == 2.5
    assert value_ticks(0.2, 0.9, count=5)[2] == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert format_number(1234.5, 1) == "1,234.5"
    assert format_number(-0.0001, 2) == "0"


def test_the_svg_has_a_title_a_description_axes_and_marks():
    chart = line_chart(
        [
            Series(
                "Expected",
                [(D, 40), (D + timedelta(days=90), 10)],
                style="reference",
                key="expected",
            ),
            Series("Measured", weekly([40, 35, 33]), key="measured"),
        ],
        y_label="Days to decide (days)",
        x_label="Date measured",
        title="Days to decide",
        description="Three measurements against the line.",
        unit="days",
        chart_id="demo-chart",
    )
    html = render_to_string("components/line_chart.html", {"chart": chart})
    assert 'role="img"' in html
    assert 'aria-labelledby="demo-chart-title demo-chart-desc"' in html
    assert '<title id="demo-chart-title">Days to decide</title>' in html
    assert '<desc id="demo-chart-desc">Three measurements against the line.</desc>' in html
    assert ">Days to decide (days)</text>" in html and ">Date measured</text>" in html
    assert ">3 Mar 2025</text>" in html or ">Mar 2025</text>" in html
    measured = re.search(r'<g class="chart-series chart-series-measured.*?</g>', html, re.S).group(
        0
    )
    assert measured.count('<circle class="chart-point"') == 3
    assert '<path class="chart-line"' in measured
    assert "Measured: 35 days on 10 Mar 2025" in measured
    expected = re.search(r'<g class="chart-series chart-series-expected.*?</g>', html, re.S).group(
        0
    )
    assert '<path class="chart-line"' in expected and "<circle" not in expected
    # Coordinates never carry a locale's decimal comma.
    assert not re.search(r'c[xy]="\d+,\d', html)


def test_coordinates_are_not_localised(settings):
    settings.LANGUAGE_CODE = "nl"
    settings.USE_THOUSAND_SEPARATOR = True
    chart = line_chart([Series("Measured", weekly([1.5, 2.25, 3.125]), key="measured")])
    html = render_to_string("components/line_chart.html", {"chart": chart})
    circles = re.findall(r'<circle class="chart-point" cx="([^"]+)" cy="([^"]+)"', html)
    assert len(circles) == 3
    for cx, cy in circles:
        float(cx), float(cy)
