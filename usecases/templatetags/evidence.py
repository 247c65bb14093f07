"""The evidence panel's table of measurements as HTML written in Python:
``{% measurement_rows evidence %}``.

The table lists every reading, and the owner's rows each carry a delete form: from a template,
two URL lookups, four date filters, an include and a CSRF field a row made it the page's costliest
part (170 µs a row). Here the delete address is looked up once and the date formatted once a
row; every value is escaped as the template escaped it (``html.escape``, which Django's
``escape`` wraps)."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.formats import day_text, month_names
from core.people import person_name
from usecases.templatetags.links import is_web_url

register = template.Library()

# A stand-in for the measurement's id in the delete address, looked up once a table.
_PK = 2_147_483_647
_NO_NOTE = '<span class="muted">—</span>'


@register.simple_tag(takes_context=True)
def measurement_rows(context, evidence) -> str:
    """The ``<tr>`` of each measurement, newest first, as one safe string."""
    usecase = context["usecase"]
    delete_form = ""
    if evidence.can_record:
        delete_form = _delete_form(
            reverse("usecases:measurement_delete", args=[usecase.key, _PK]),
            _csrf_field(context.get("csrf_token")),
        )
    months, names = month_names(), {}
    rows = [_row(row, evidence.can_record, delete_form, months, names) for row in evidence.rows]
    return mark_safe("".join(rows))  # noqa: S308 - every part escaped


def _row(row, can_record: bool, delete_form: str, months: tuple[str, ...], names: dict) -> str:
    measurement = row.measurement
    measured_on = day_text(measurement.measured_on, months)
    who = _recorded_by(measurement.recorded_by, names)
    value = escape(row.value_text)
    cells = (
        f'<tr>\n  <td data-label="Date"><time datetime="{measurement.measured_on.isoformat()}">'
        f"{measured_on}</time></td>\n"
        f'  <td data-label="Value" class="numeric">{value}</td>\n'
        f'  <td data-label="Note">{_note(measurement, measured_on)}</td>\n'
        f'  <td data-label="Recorded by">{who}</td>\n'
    )
    if not can_record:
        return cells + "</tr>\n"
    form = ""
    if row.can_delete:
        form = delete_form.format(pk=measurement.pk, value=value, measured_on=measured_on)
    return f"{cells}  <td>\n{form}  </td>\n</tr>\n"


def _recorded_by(person, names: dict) -> str:
    """Who recorded a reading, escaped; each person once a table (``names``, by id): a hundred
    readings name a few people."""
    if not person:
        return '<span class="missing">No owner yet</span>'
    name = names.get(person.pk)
    if name is None:
        name = names[person.pk] = escape(person_name(person))
    return name


def _note(measurement, measured_on: str) -> str:
    """The note, and its source: a link when it is a web address, else plain text."""
    note, source = measurement.note, measurement.source_url
    if not note and not source:
        return _NO_NOTE
    if not source:
        return escape(note)
    if is_web_url(source):
        shown = (
            f'<a href="{escape(source)}" rel="noopener noreferrer nofollow">Source<span'
            f' class="visually-hidden"> of the measurement of {measured_on}</span></a>'
        )
    else:
        shown = f'<span class="unlinked-source">Source: {escape(source)}</span>'
    return f"{escape(note)}{' · ' if note else ''}{shown}"


def _csrf_field(token) -> str:
    """What ``{% csrf_token %}`` writes (nothing without a token)."""
    if not token or token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _delete_form(url: str, csrf_field: str) -> str:
    """A row's delete form with ``{pk}``, ``{value}`` and ``{measured_on}`` still to fill (each
    filled escaped); the address and the CSRF field are the same on every row."""
    url = escape(url).replace("{", "{{").replace("}", "}}").replace(str(_PK), "{pk}")
    csrf_field = csrf_field.replace("{", "{{").replace("}", "}}")
    return (
        f'    <form method="post" action="{url}"\n'
        f'          hx-post="{url}" hx-target="#evidence-panel" hx-swap="outerHTML"\n'
        '          hx-confirm="Delete the measurement of {value} on {measured_on}?"'
        ' hx-disabled-elt="find button">\n'
        f"      {csrf_field}\n"
        '      <button type="submit" class="button button-small">Delete<span'
        ' class="visually-hidden"> the measurement of {measured_on}</span></button>\n'
        "    </form>\n"
    )
