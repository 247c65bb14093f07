"""The dashboard's big tables as HTML, written in Python: ``{% rollup_rows teams.rows %}``,
``{% rollup_row teams.total %}``, ``{% evidence_rows evidence.products %}`` and
``{% count_cells stages %}``.

With hundreds of teams, products and goals the team table, goal tree and evidence tables hold
thousands of counts; from template partials each cost an include and a dozen lookups, most of the
page's time. The markup is the partials' (classes, ``data-label`` and ``scope`` as they were), the
whitespace between cells aside; every value is escaped as the template escaped it
(``conditional_escape``; ``html.escape``, which it wraps, for the URLs the tables build; a
cell's count, written as digits and commas, has nothing to escape)."""

from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

_ZERO = '<span class="muted">0</span>'
_ROW = '<tr>\n  <th scope="row">'
_MUTED_ROW = '<tr class="archived">\n  <th scope="row">'


@register.simple_tag
def rollup_rows(rows) -> str:
    """The ``<tr>`` of each row of the team table or the goal tree, as one safe string."""
    labels: dict = {}
    return mark_safe("".join([_rollup_row(row, labels) for row in rows]))  # noqa: S308 - escaped


@register.simple_tag
def rollup_row(row) -> str:
    """One row of the team table (its total)."""
    return mark_safe(_rollup_row(row, {}))  # noqa: S308 - every part escaped


@register.simple_tag
def evidence_rows(rows) -> str:
    """The ``<tr>`` of each row of an evidence table, as one safe string."""
    labels: dict = {}
    return mark_safe("".join([_evidence_row(row, labels) for row in rows]))  # noqa: S308 - escaped


@register.simple_tag
def count_cells(cells) -> str:
    """A ``<td>`` for each count (the lifecycle stages' row)."""
    labels: dict = {}
    return mark_safe("\n".join([_cell(cell, labels) for cell in cells]))  # noqa: S308 - escaped


def _cell(cell, labels: dict) -> str:
    """A count linking to the list it counts; a muted 0 without a link. ``labels`` holds the
    escaped column headings of this table by the label's identity: the rows share their
    columns' (translatable) labels, each made text once a table."""
    label = labels.get(id(cell.label))
    if label is None:
        label = labels[id(cell.label)] = conditional_escape(cell.label)
    if cell.count:
        return (
            f'<td class="num" data-label="{label}">'
            f'<a href="{escape(cell.url)}">{cell.shown}</a></td>'
        )
    return f'<td class="num" data-label="{label}">{_ZERO}</td>'


def _name(row, depth: int = 0) -> str:
    """The row's heading: indented to its depth, a link to its own page, its note, and where its
    children are not shown, a link to the dashboard narrowed to it."""
    name = conditional_escape(row.name)
    parts = [_MUTED_ROW if row.muted else _ROW]
    if depth:
        parts.append(f'<span class="indent indent-{depth}"></span>')
    parts.append(f'<a href="{conditional_escape(row.url)}">{name}</a>' if row.url else name)
    if row.note:
        parts.append(f' <span class="muted">({conditional_escape(str(row.note).lower())})</span>')
    if getattr(row, "drill_url", ""):  # its children are not shown: the dashboard of the row
        parts.append(
            f' <a class="drill-down" href="{escape(row.drill_url)}">'
            f"{conditional_escape(row.drill_label)}"
            f'<span class="visually-hidden"> of {name}</span> ›</a>'
        )
    parts.append("</th>\n  ")
    return "".join(parts)


def _rollup_row(row, labels: dict) -> str:
    share = row.counts.signed_share
    if share is None:
        signed = "—"
    elif row.signed.count:
        signed = (
            f'{share}% <a href="{escape(row.signed.url)}" class="muted">'
            f"({escape(row.signed.shown)})</a>"
        )
    else:
        signed = f"{share}%"
    cells = "\n  ".join(
        [
            _cell(row.total, labels),
            *[_cell(cell, labels) for cell in row.cells],
            f'<td class="num" data-label="Owned and signed">{signed}</td>',
            _cell(row.overdue, labels),
        ]
    )
    return f"{_name(row, row.depth)}{cells}\n</tr>\n"


def _evidence_row(row, labels: dict) -> str:
    cells = "\n  ".join([_cell(cell, labels) for cell in row.cells])
    return f"{_name(row)}{cells}\n</tr>\n"
