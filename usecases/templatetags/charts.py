"""A chart series' points as SVG, written in Python: ``{% chart_points series %}`` inside
``components/line_chart.html``.

A point a measurement, so the evidence chart's points grow with the timeline; from the template
each cost three lookups and a localisation switch. The numbers are written as the template wrote
them with ``{% localize off %}`` (``formats.localize`` without localisation), the label escaped."""

from html import escape

from django import template
from django.utils.formats import localize
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def chart_points(series) -> str:
    """A ``<circle>`` with its ``<title>`` for each of ``series.points``, as one safe string."""
    return mark_safe(  # noqa: S308 - numbers, and the label escaped
        "".join(
            [
                f'<circle class="chart-point" cx="{localize(point.x, use_l10n=False)}" '
                f'cy="{localize(point.y, use_l10n=False)}" r="4">'
                f"<title>{escape(str(point.label))}</title></circle>"
                for point in series.points
            ]
        )
    )
