"""Server-rendered SVG charts: functions that turn data into dataclasses of pixel positions and
labels, which ``templates/components/line_chart.html`` draws. No JavaScript, no chart library.

``line_chart`` plots series of ``(date, number)`` points: dates on x, numbers on y, "nice" ticks
on both axes, the value range padded so points never sit on the frame, and an empty chart when no
series has a point. Use it for any trend (measurements, weekly counts)::

    chart = line_chart(
        [Series("Open reviews", [(date(2025, 1, 6), 4), (date(2025, 1, 13), 7)])],
        width=640, height=240, y_label="Use cases",
    )
    {% include "components/line_chart.html" with chart=chart %}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.dateformat import format as format_date

from core.formats import day_text, month_names

Number = int | float | Decimal


@dataclass(frozen=True)
class Series:
    """One line of a chart. ``style``: "line" (a line through the points, each point marked),
    "reference" (a dashed line, no marks: an expected path or a target) or "points" (marks only).
    ``key`` names the series in CSS (``chart-series-<key>``) and in tests."""

    name: str
    points: Sequence[tuple[date, Number]]
    style: str = "line"
    key: str = ""


@dataclass(frozen=True)
class Tick:
    position: float  # pixels along the axis
    label: str


@dataclass(frozen=True)
class PlottedPoint:
    x: float
    y: float
    label: str  # what a tooltip and a screen reader say: "42 days on 3 Mar 2025"


@dataclass(frozen=True)
class PlottedSeries:
    name: str
    key: str
    style: str
    path: str  # SVG path data through the points ("" when drawn as marks only)
    points: tuple[PlottedPoint, ...]

    @property
    def show_line(self) -> bool:
        return bool(self.path)

    @property
    def show_points(self) -> bool:
        return self.style in ("line", "points")


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float  # the plot area inside the frame, in pixels
    top: float
    right: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[PlottedSeries, ...]
    title: str = ""
    description: str = ""
    x_label: str = ""
    y_label: str = ""
    empty_text: str = "No data yet."
    id: str = "chart"
    y_min: float | None = None  # the value range shown, after padding and rounding to ticks
    y_max: float | None = None
    x_min: date | None = None
    x_max: date | None = None

    @property
    def empty(self) -> bool:
        return not any(series.points for series in self.series)

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        return 14.0

    @property
    def y_label_y(self) -> float:
        return round((self.top + self.bottom) / 2, 1)

    @property
    def x_label_x(self) -> float:
        return round((self.left + self.right) / 2, 1)

    @property
    def x_label_y(self) -> float:
        return float(self.height - 6)

    @property
    def x_tick_label_y(self) -> float:
        return self.bottom + 16

    @property
    def y_tick_label_x(self) -> float:
        return self.left - 6


# --- Numbers: ticks at 1, 2, 2.5 or 5 times a power of ten ---------------------------------------


def nice_step(span: float, count: int) -> float:
    """A round step that cuts ``span`` into about ``count`` intervals."""
    if span <= 0 or count < 1:
        return 1.0
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _decimals(step: float) -> int:
    """Decimals that tell ticks ``step`` apart (0 for whole steps)."""
    for decimals in range(0, 6):
        if abs(round(step, decimals) - step) < step * 1e-9:
            return decimals
    return 6


def format_number(value: float, decimals: int = 0) -> str:
    """``1234.5`` -> ``"1,234.5"``; no "-0"."""
    text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


def value_ticks(low: float, high: float, *, count: int = 5) -> tuple[float, float, list[float]]:
    """Round the range out to a nice step and list the ticks: (low, high, ticks)."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, count)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    ticks = []
    n = 0
    while (tick := start + n * step) <= end + step * 1e-9:
        ticks.append(round(tick, 10))
        n += 1
    return start, end, ticks


# --- Dates: days, weeks, months or years, whichever gives at most ``count`` ticks ----------------

_DAY_STEPS = (1, 2, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)


def _month(index: int) -> date | None:
    """The first day of month ``index`` (year * 12 + month - 1); None beyond the calendar."""
    year = index // 12
    return date(year, index % 12 + 1, 1) if date.min.year <= year <= date.max.year else None


def _month_start(day: date, step: int) -> date:
    """The first day of the month on or before ``day`` whose month index is a multiple of ``step``
    (the month of ``day`` itself when that would fall before the calendar starts)."""
    index = day.year * 12 + day.month - 1
    return _month(index - index % step) or _month(index)


def _add_months(day: date, months: int) -> date | None:
    return _month(day.year * 12 + day.month - 1 + months)


def date_ticks(low: date, high: date, *, count: int = 6) -> list[tuple[date, str]]:
    """Ticks between ``low`` and ``high`` (inclusive), labelled for people: "3 Mar 2025", then
    "10 Mar"; "Jan 2025", then "Apr"; "2025". The year is written on the first tick and wherever
    it changes."""
    span = (high - low).days
    for step in _DAY_STEPS:
        if span // step + 1 <= count:
            first = low
            if step >= 7:  # weeks start on Monday
                first = low + timedelta(days=(7 - low.weekday()) % 7)
            days = [first + timedelta(days=n * step) for n in range(span // step + 2)]
            return _labelled([d for d in days if low <= d <= high], kind="day")
    for step in _MONTH_STEPS:
        months = []
        current = _month_start(low, step)
        if current < low:
            current = _add_months(current, step)
        while current is not None and current <= high:
            months.append(current)
            current = _add_months(current, step)
        if len(months) <= count:
            return _labelled(months, kind="year" if step >= 12 else "month")
    return []


def _labelled(days: list[date], *, kind: str) -> list[tuple[date, str]]:
    labelled = []
    previous_year = None
    for day in days:
        with_year = day.year != previous_year
        if kind == "year":
            label = str(day.year)
        elif kind == "month":
            label = format_date(day, "M Y" if with_year else "M")
        else:
            label = format_date(day, "j M Y" if with_year else "j M")
        labelled.append((day, label))
        previous_year = day.year
    return labelled


# --- The chart ------------------------------------------------------------------------------------


def exact_number(value: float) -> str:
    """A measured value as entered: grouped digits, up to four decimals, no trailing zeros."""
    text = format_number(value, 4)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _point_label(value: float, on: date, name: str, unit: str, months: tuple[str, ...]) -> str:
    shown = exact_number(value) + (f" {unit}" if unit else "")
    return f"{name}: {shown} on {day_text(on, months)}"  # a label a point: the fast formatter


def line_chart(
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 240,
    y_label: str = "",
    x_label: str = "",
    title: str = "",
    description: str = "",
    value_format: Callable[[float], str] | None = None,
    unit: str = "",
    include_zero: bool = False,
    x_ticks: int = 6,
    y_ticks: int = 5,
    empty_text: str = "No data yet.",
    chart_id: str = "chart",
) -> LineChart:
    """Lay out ``series`` of ``(date, number)`` points in a ``width`` x ``height`` SVG.

    The value axis spans every point (and zero, with ``include_zero``), padded by a tenth of the
    range on each side and rounded out to the ticks; the date axis spans every date, padded by
    3% (at least a day) so the first and last marks stay inside. ``value_format`` writes the tick
    labels (default: grouped digits, as many decimals as the ticks need); each point's label says
    its exact value, ``unit`` and date. With no point at all the chart is empty: the template
    shows ``empty_text`` instead of axes.
    """
    points = [(on, float(value)) for one in series for on, value in one.points]
    base = {
        "width": width,
        "height": height,
        "title": title,
        "description": description,
        "x_label": x_label,
        "y_label": y_label,
        "empty_text": empty_text,
        "id": chart_id,
    }
    if not points:
        return _empty_chart(series, base)
    return _drawn_chart(
        series,
        points,
        base,
        value_format=value_format,
        unit=unit,
        include_zero=include_zero,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )


def _drawn_chart(
    series: Sequence[Series],
    points: list[tuple[date, float]],
    base: dict,
    *,
    value_format: Callable[[float], str] | None,
    unit: str,
    include_zero: bool,
    x_ticks: int,
    y_ticks: int,
) -> LineChart:
    """The axes, ticks and plotted series of a chart with at least one point."""
    y_low, y_high, y_tick_values = _value_range(
        [value for _, value in points], include_zero=include_zero, count=y_ticks
    )
    value_format = value_format or _tick_format(y_tick_values)
    x_low, x_high = _date_range([on for on, _ in points])
    # Room for the y tick labels and the rotated y label on the left, the dates below.
    widest = max(len(value_format(tick)) for tick in y_tick_values)
    scale = _Scale(
        left=float(round(widest * 7 + 14 + (22 if base["y_label"] else 0))),
        top=12.0,
        right=float(base["width"] - 16),
        bottom=float(base["height"] - (44 if base["x_label"] else 28)),
        x_low=x_low,
        x_high=x_high,
        y_low=y_low,
        y_high=y_high,
    )
    return LineChart(
        left=scale.left,
        top=scale.top,
        right=scale.right,
        bottom=scale.bottom,
        x_ticks=tuple(
            Tick(scale.x(on), label) for on, label in date_ticks(x_low, x_high, count=x_ticks)
        ),
        y_ticks=tuple(Tick(scale.y(value), value_format(value)) for value in y_tick_values),
        series=tuple(_plotted(one, scale, unit=unit) for one in series),
        y_min=y_low,
        y_max=y_high,
        x_min=x_low,
        x_max=x_high,
        **base,
    )


def _empty_chart(series: Sequence[Series], base: dict) -> LineChart:
    """No point at all: the template shows the empty text instead of axes."""
    return LineChart(
        left=0,
        top=0,
        right=base["width"],
        bottom=base["height"],
        x_ticks=(),
        y_ticks=(),
        series=tuple(PlottedSeries(one.name, one.key, one.style, "", ()) for one in series),
        **base,
    )


def _value_range(
    values: list[float], *, include_zero: bool, count: int
) -> tuple[float, float, list[float]]:
    """The value axis: every value (and zero, with ``include_zero``), padded by a tenth of the
    range on each side and rounded out to the ticks: (low, high, ticks)."""
    low, high = min(values), max(values)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    pad = (high - low) * 0.1
    padded_low, padded_high = low - pad, high + pad
    if include_zero:  # padding never pushes the axis across zero
        padded_low = max(padded_low, 0.0) if low >= 0 else padded_low
        padded_high = min(padded_high, 0.0) if high <= 0 else padded_high
    return value_ticks(padded_low, padded_high, count=count)


def _tick_format(ticks: list[float]) -> Callable[[float], str]:
    """Grouped digits, as many decimals as the ticks need to differ."""
    decimals = _decimals(ticks[1] - ticks[0]) if len(ticks) > 1 else 0

    def value_format(value: float) -> str:
        return format_number(value, decimals)

    return value_format


def _date_range(dates: list[date]) -> tuple[date, date]:
    """The date axis: every date, padded by 3% (at least a day) so the first and last marks stay
    inside; clamped at the calendar's ends, so even an absurd stored date draws rather than fails."""
    first, last = min(dates), max(dates)
    x_pad = timedelta(days=max(1, round((last - first).days * 0.03)))
    return first - min(x_pad, first - date.min), last + min(x_pad, date.max - last)


@dataclass(frozen=True)
class _Scale:
    """The plot area in pixels and the ranges it shows: where a date and a value are drawn."""

    left: float
    top: float
    right: float
    bottom: float
    x_low: date
    x_high: date
    y_low: float
    y_high: float

    def x(self, on: date) -> float:
        span = (self.x_high - self.x_low).days
        return round(self.left + (on - self.x_low).days / span * (self.right - self.left), 1)

    def y(self, value: float) -> float:
        span = self.y_high - self.y_low
        return round(self.bottom - (value - self.y_low) / span * (self.bottom - self.top), 1)


def _plotted(one: Series, scale: _Scale, *, unit: str) -> PlottedSeries:
    """A series' points in date order, each marked and labelled, and the path through them."""
    ordered = sorted(((on, float(value)) for on, value in one.points), key=lambda p: p[0])
    months = month_names()
    marks = tuple(
        PlottedPoint(scale.x(on), scale.y(value), _point_label(value, on, one.name, unit, months))
        for on, value in ordered
    )
    path = ""
    if one.style in ("line", "reference") and len(marks) > 1:
        path = "M" + " L".join(f"{mark.x},{mark.y}" for mark in marks)
    return PlottedSeries(one.name, one.key, one.style, path, marks)
