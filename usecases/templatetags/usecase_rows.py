"""The use-case table's rows as HTML, written in Python: ``{% usecase_rows usecases %}``.

The list draws fifty rows on every page, and from the template each row cost two includes and
some thirty lookups, a good part of the list's time. The markup, whitespace included, is what the
template loop wrote (``tests/usecases/views/test_usecase_rows.py`` holds the two to the same
bytes); every value is escaped as the template escaped it (``core.html.as_text``), and a custom
field's value is written as ``{{ value|default:"—" }}`` writes it (localised). One difference,
on purpose: the tick box's ``key:version`` value writes the version as a plain number, where the
template would have localised it (``12,345`` with a thousands separator switched on), which the
bulk assignment could not read back."""

from django import template
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe

from core.html import as_text
from core.people import person_name
from usecases.choices import Status

register = template.Library()

_OVERDUE = ' <span class="badge badge-danger">Attestation overdue</span>'
_CHANGED = ' <span class="badge badge-warning">Changed since sign-off</span>'


@register.simple_tag(takes_context=True)
def usecase_rows(context, usecases) -> str:
    """The ``<tr>`` of each use case, as the table's loop wrote them, as one safe string. The
    bulk assignment's tick box (``bulk_form``, ``bulk_all_teams``, ``bulk_team_ids``) comes from
    the page's context."""
    bulk = bool(context.get("bulk_form"))
    # What ``components/person.html`` wrote for nobody: the page's ``empty``, or "No owner yet".
    no_owner = f'<span class="missing">{as_text(context.get("empty") or "No owner yet")}</span>'
    every_team = bool(context.get("bulk_all_teams"))
    team_ids = context.get("bulk_team_ids")
    rows = [
        _row(context, usecase, bulk, every_team, team_ids, no_owner) for usecase in usecases or ()
    ]
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped


def _tick_box(usecase, key: str, title: str, every_team: bool, team_ids) -> str:
    if usecase.status != Status.DRAFT or not (every_team or _in(usecase.team_id, team_ids)):
        return '<td class="select-cell"></td>'
    return (
        '<td class="select-cell"><input type="checkbox" name="row" '
        f'value="{key}:{as_text(usecase.version)}" form="bulk-assign" id="select-{key}" '
        f'aria-label="Select {key} {title}"></td>'
    )


def _in(value, container) -> bool:
    """``{% if value in container %}``: false where the test cannot be made."""
    try:
        return value in container
    except TypeError:
        return False


def _row(context, usecase, bulk: bool, every_team: bool, team_ids, no_owner: str) -> str:
    key, title = as_text(usecase.key), as_text(usecase.title)
    url = as_text(usecase.get_absolute_url())
    tick = _tick_box(usecase, key, title, every_team, team_ids) if bulk else ""
    badges = (_OVERDUE if usecase.attestation_overdue else "") + (
        _CHANGED if usecase.changed_since_sign_off else ""
    )
    owner = as_text(person_name(usecase.owner)) if usecase.owner else no_owner
    custom = "".join(
        f'<td data-label="{as_text(label)}">{render_value_in_context(value or "—", context)}</td>'
        for label, value in getattr(usecase, "custom_cells", ())
    )
    return (
        "\n    <tr>\n"
        f"      {tick}\n"
        f'      <td class="nowrap"><a href="{url}">{key}</a></td>\n'
        f'      <td><a href="{url}">{title}</a></td>\n'
        f'      <td data-label="Status"><span class="badge badge-{as_text(usecase.status_tone)}">'
        f"{as_text(usecase.get_status_display())}</span>\n{badges}</td>\n"
        f'      <td data-label="Stage">{as_text(usecase.get_lifecycle_stage_display())}</td>\n'
        f'      <td data-label="Team">{as_text(usecase.team.name)}</td>\n'
        f'      <td data-label="Owner">{owner}</td>\n'
        f"      {custom}\n"
        "    </tr>\n    "
    )
