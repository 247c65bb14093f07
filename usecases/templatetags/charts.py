"""A line chart's SVG, written in Python: ``{% chart_svg chart %}`` inside
``components/line_chart.html``, and a series' points: ``{% chart_points series %}``.

A point a measurement, so the evidence chart's points grow with the timeline; from the template
each cost three lookups and a localisation switch, and the axes, ticks and series some sixty
lookups a chart. The numbers are written as the template wrote them with ``{% localize off %}``
(``formats.localize`` without localisation), every text escaped as the template escaped it."""

from html import escape

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def _n(value) -> str:
    """A number as ``{% localize off %}{{ value }}`` writes it."""
    return localize(value, use_l10n=False)


def _t(value) -> str:
    """A text as ``{{ value }}`` writes it."""
    return conditional_escape(value)


@register.simple_tag
def chart_points(series) -> str:
    """A ``<circle>`` with its ``<title>`` for each of ``series.points``, as one safe string."""
    return mark_safe(  # noqa: S308 - numbers, and the label escaped
        "".join(
            [
                f'<circle class="chart-point" cx="{_n(point.x)}" cy="{_n(point.y)}" r="4">'
                f"<title>{escape(str(point.label))}</title></circle>"
                for point in series.points
            ]
        )
    )


@register.simple_tag
def chart_svg(chart) -> str:
    """The chart's ``<svg>``: title and description, grid, axes with their ticks and labels, and
    each series, as the template drew them (the same markup and whitespace)."""
    chart_id = _t(chart.id)
    left, right, top, bottom = _n(chart.left), _n(chart.right), _n(chart.top), _n(chart.bottom)
    parts = [
        f'<svg class="chart-svg" viewBox="0 0 {_n(chart.width)} {_n(chart.height)}" role="img"\n'
        f'       aria-labelledby="{chart_id}-title {chart_id}-desc"'
        ' preserveAspectRatio="xMidYMid meet">\n'
        f'    <title id="{chart_id}-title">{_t(chart.title)}</title>\n'
        f'    <desc id="{chart_id}-desc">{_t(chart.description)}</desc>\n'
        '    <g class="chart-grid" aria-hidden="true">\n      ',
        *(
            f'<line x1="{left}" x2="{right}" y1="{_n(tick.position)}" y2="{_n(tick.position)}">'
            "</line>"
            for tick in chart.y_ticks
        ),
        "\n      ",
        *(
            f'<line class="chart-grid-x" x1="{_n(tick.position)}" x2="{_n(tick.position)}"'
            f' y1="{top}" y2="{bottom}"></line>'
            for tick in chart.x_ticks
        ),
        "\n    </g>\n",
        _y_axis(chart, left, top, bottom),
        _x_axis(chart, left, right, bottom),
        "    ",
        *(_series(series, number) for number, series in enumerate(chart.series, start=1)),
        "\n  </svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - numbers, and every text escaped


def _y_axis(chart, left: str, top: str, bottom: str) -> str:
    tick_x = _n(chart.y_tick_label_x)
    label = ""
    if chart.y_label:
        x, y = _n(chart.y_label_x), _n(chart.y_label_y)
        label = (
            f'<text class="chart-axis-label" x="{x}" y="{y}" text-anchor="middle"'
            f' transform="rotate(-90 {x} {y})">{_t(chart.y_label)}</text>'
        )
    return _axis(
        "y",
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"></line>',
        (
            f'<text x="{tick_x}" y="{_n(tick.position)}" dy="0.32em" text-anchor="end">'
            f"{_t(tick.label)}</text>"
            for tick in chart.y_ticks
        ),
        label,
    )


def _x_axis(chart, left: str, right: str, bottom: str) -> str:
    tick_y = _n(chart.x_tick_label_y)
    label = ""
    if chart.x_label:
        label = (
            f'<text class="chart-axis-label" x="{_n(chart.x_label_x)}" y="{_n(chart.x_label_y)}"'
            f' text-anchor="middle">{_t(chart.x_label)}</text>'
        )
    return _axis(
        "x",
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"></line>',
        (
            f'<text x="{_n(tick.position)}" y="{tick_y}" text-anchor="middle">{_t(tick.label)}</text>'
            for tick in chart.x_ticks
        ),
        label,
    )


def _axis(name: str, line: str, ticks, label: str) -> str:
    """An axis's group: its line, its ticks' labels, its label."""
    return (
        f'    <g class="chart-axis chart-axis-{name}" aria-hidden="true">\n'
        f"      {line}\n      {''.join(ticks)}\n      {label}\n    </g>\n"
    )


def _series(series, number: int) -> str:
    key = _t(series.key or number)
    line = ""
    if series.show_line:
        line = (
            f'<path class="chart-line" d="{_t(series.path)}" fill="none">'
            f"<title>{_t(series.name)}</title></path>"
        )
    points = chart_points(series) if series.show_points else ""
    return (
        f'\n    <g class="chart-series chart-series-{key} chart-style-{_t(series.style)}">\n'
        f"      {line}\n      {points}\n    </g>\n    "
    )
