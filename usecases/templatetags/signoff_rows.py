"""The Sign-offs page's rows as HTML, written in Python: ``{% awaiting_rows work.awaiting %}`` and
``{% attestation_rows work.attestations_due %}``.

An owner of many use cases sees fifty rows in each table; from the template each row cost an
include, a form with its token, three date filters and some thirty lookups: most of the page's
time. The markup, whitespace included, is what the template loops wrote
(``tests/usecases/views/test_signoff_rows.py`` holds the two to the same bytes); every value is
escaped as the template escaped it (``core.html.as_text``), dates and the version as its filters
and variables wrote them (``date``, ``timesince``, localised numbers)."""

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import date, timesince_filter
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from core.html import as_text
from core.people import person_name

register = template.Library()


def _when(value, context, format_: str) -> str:
    """``{{ value|date:format_ }}``: in the current time zone, as the template converted it."""
    return as_text(date(template_localtime(value, context.use_tz), format_))


@register.simple_tag(takes_context=True)
def awaiting_rows(context, usecases) -> str:
    """The ``<tr>`` of each use case waiting for the owner's sign-off."""
    return mark_safe("".join([_awaiting(context, usecase) for usecase in usecases]))  # noqa: S308


def _opened(usecase) -> tuple[str, str, str]:
    """Both tables' row start: its key and title, each a link to the use case; with the key and
    the link, escaped, for the row's other cells."""
    key, url = as_text(usecase.key), as_text(usecase.get_absolute_url())
    start = (
        "\n      <tr>\n"
        f'        <td class="nowrap"><a href="{url}">{key}</a></td>\n'
        f'        <td><a href="{url}">{as_text(usecase.title)}</a></td>\n'
    )
    return start, key, url


def _awaiting(context, usecase) -> str:
    start, key, url = _opened(usecase)
    if usecase.is_transfer:
        why = "Ownership handed to you"
    else:
        # Every use case has an author (the column is required).
        why = f"Approved; written by {as_text(person_name(usecase.author))}"
    requested = usecase.requested_at
    if requested:
        waiting = (
            f'<time datetime="{_when(requested, context, "c")}" '
            f'title="{_when(requested, context, "j M Y H:i")}">'
            f"{as_text(timesince_filter(requested))}</time>"
        )
    else:
        waiting = "—"
    return (
        f"{start}"
        f'        <td data-label="Why">{why}</td>\n'
        f'        <td data-label="Waiting">{waiting}</td>\n'
        f'        <td data-label="Team">{as_text(usecase.team.name)}</td>\n'
        f'        <td><a class="button button-primary" href="{url}">Review and sign off'
        f'<span class="visually-hidden"> {key}</span></a></td>\n'
        "      </tr>\n      "
    )


@register.simple_tag(takes_context=True)
def attestation_rows(context, usecases) -> str:
    """The ``<tr>`` of each attestation due or overdue, with its Re-attest form (the page's CSRF
    token and address, as the form's ``next``)."""
    token = CsrfTokenNode().render(context)
    request = context.get("request")
    next_url = as_text(request.get_full_path()) if request is not None else ""
    rows = [_attestation(context, usecase, token, next_url) for usecase in usecases]
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped


def _attestation(context, usecase, token: str, next_url: str) -> str:
    start, key, _ = _opened(usecase)
    if usecase.attestation_overdue:
        state = '<span class="badge badge-danger">Attestation overdue</span> since'
    else:
        state = '<span class="badge badge-warning">Due</span>'
    expires = usecase.attestation_expires_at
    action = as_text(reverse("usecases:usecase_reattest", args=[usecase.key]))
    return (
        f"{start}"
        f'        <td data-label="Team">{as_text(usecase.team.name)}</td>\n'
        '        <td data-label="Sign-off lapses">\n'
        f"          {state}\n"
        f'          <time datetime="{_when(expires, context, "c")}">'
        f"{_when(expires, context, 'j M Y')}</time>\n"
        "        </td>\n"
        "        <td>\n"
        f'          <form method="post" action="{action}" class="action-form"\n'
        '                hx-boost="true" hx-disabled-elt="find button">\n'
        f"            {token}\n"
        f'            <input type="hidden" name="next" value="{next_url}">\n'
        '            <input type="hidden" name="version" '
        f'value="{render_value_in_context(usecase.version, context)}">\n'
        '            <button type="submit" class="button button-primary">Re-attest'
        f'<span class="visually-hidden"> {key}</span></button>\n'
        "          </form>\n"
        "        </td>\n"
        "      </tr>\n      "
    )
