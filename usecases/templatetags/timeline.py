"""The detail page's timeline entries as HTML, written in Python: ``{% timeline_entries timeline %}``.

A long history is the page's longest loop; the same markup from a template costs an include, two
date filters and a dozen lookups an entry, several times the page's own frame at fifty entries.
Every value is escaped here as the template escaped it (``html.escape``, which
Django's ``escape`` wraps, and ``linebreaksbr``)."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeData, mark_safe

from core.formats import clock_text, local_moment, month_names
from core.html import as_formatted
from core.people import person_name

register = template.Library()

# Who did it, when nobody is known: a change made outside the pages had no one signed in.
NOBODY_OUTSIDE = "someone not signed in (a script or the shell)"
NOBODY = "the system"
_EMPTY = '<span class="missing">empty</span>'


@register.simple_tag
def timeline_entries(entries) -> str:
    """The ``<li>`` of each entry, in order, as one safe string."""
    months, zone, names = month_names(), timezone.get_current_timezone(), {}
    return mark_safe(  # noqa: S308 - every part escaped
        "".join([_entry(entry, months, zone, names) for entry in entries])
    )


def _entry(entry, months: tuple[str, ...], zone, names: dict) -> str:
    actor = entry.actor
    if actor:
        # A long history names a few people many times: each named once (``names``, by id).
        who = names.get(actor.pk)
        if who is None:
            who = names[actor.pk] = as_formatted(person_name(actor))
    else:
        nobody = NOBODY_OUTSIDE if entry.source == "outside" else NOBODY
        who = f'<span class="missing">{nobody}</span>'
    at = local_moment(entry.at, zone)
    parts = [
        f'<li class="timeline-entry timeline-{as_formatted(entry.source)}">\n'
        f"  <p><strong>{as_formatted(entry.title)}</strong> by {who}\n"
        f'    <time datetime="{at.isoformat()}">{clock_text(at, months)}</time>'
    ]
    if entry.version:
        parts.append(f' <span class="muted">(version {entry.version})</span>')
    parts.append("</p>\n")
    if entry.from_status:
        parts.append(
            f'  <p class="muted">{as_formatted(entry.from_status)} → {as_formatted(entry.to_status)}</p>\n'
        )
    if entry.changed_labels:
        labels = ", ".join([as_formatted(label) for label in entry.changed_labels])
        parts.append(f'  <p class="muted">Changed: {labels}</p>\n')
    if entry.text:
        parts.append(f'  <p class="timeline-text">{linebreaksbr(entry.text)}</p>\n')
    if entry.changes:
        parts.append(_changes(entry))
    parts.append("</li>\n")
    return "".join(parts)


def _changes(entry) -> str:
    """Old -> new of each field an outside change touched, and the address it came through."""
    rows = "".join(
        [
            f"    <dt>{as_formatted(change.label)}</dt>\n"
            f"    <dd>{_side('del', 'diff-old', change.old)} → "
            f"{_side('ins', 'diff-new', change.new)}</dd>\n"
            for change in entry.changes
        ]
    )
    via = f'  <p class="muted">Through {as_formatted(entry.via)}</p>\n' if entry.via else ""
    return f'  <dl class="timeline-changes">\n{rows}  </dl>\n{via}'


def linebreaksbr(value) -> str:
    """As Django's ``linebreaksbr`` filter writes ``value`` (newlines normalised, escaped unless
    safe, each newline a ``<br>``), without its checks for lazy text an entry at a time."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if not isinstance(value, SafeData):
        text = escape(text)
    return text.replace("\n", "<br>")


def _side(tag: str, css: str, value: str) -> str:
    return f'<{tag} class="{css}">{linebreaksbr(value)}</{tag}>' if value else _EMPTY
