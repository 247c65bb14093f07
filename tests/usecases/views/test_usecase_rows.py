"""The use-case table's rows drawn in Python (``{% usecase_rows %}``) are the bytes the
template loop they replace wrote, for every kind of row: tick box or not, badges, no owner,
custom columns of every type, text full of markup."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from tests.conftest import make_usecase
from usecases.choices import Status

pytestmark = pytest.mark.django_db

# The loop ``components/usecase_table.html`` had, as it was: the reference.
TEMPLATE_LOOP = (
    "{% load people %}"
    "    {% for usecase in usecases %}\n"
    "    <tr>\n"
    '      {% if bulk_form %}<td class="select-cell">{% if usecase.status == "draft" %}{% if bulk_all_teams or usecase.team_id in bulk_team_ids %}<input type="checkbox" name="row" value="{{ usecase.key }}:{{ usecase.version }}" form="bulk-assign" id="select-{{ usecase.key }}" aria-label="Select {{ usecase.key }} {{ usecase.title }}">{% endif %}{% endif %}</td>{% endif %}\n'
    '      <td class="nowrap"><a href="{{ usecase.get_absolute_url }}">{{ usecase.key }}</a></td>\n'
    '      <td><a href="{{ usecase.get_absolute_url }}">{{ usecase.title }}</a></td>\n'
    '      <td data-label="Status">{% include "components/status_badge.html" %}{% if usecase.attestation_overdue %} <span class="badge badge-danger">Attestation overdue</span>{% endif %}{% if usecase.changed_since_sign_off %} <span class="badge badge-warning">Changed since sign-off</span>{% endif %}</td>\n'
    '      <td data-label="Stage">{{ usecase.get_lifecycle_stage_display }}</td>\n'
    '      <td data-label="Team">{{ usecase.team.name }}</td>\n'
    '      <td data-label="Owner">{% include "components/person.html" with person=usecase.owner %}</td>\n'
    '      {% for label, value in usecase.custom_cells %}<td data-label="{{ label }}">{{ value|default:"—" }}</td>{% endfor %}\n'
    "    </tr>\n"
    "    {% endfor %}\n"
)


def drawn(context: dict) -> str:
    return Template("{% load usecase_rows %}{% usecase_rows usecases %}").render(Context(context))


def looped(context: dict) -> str:
    # The loop as it stood in the table: its indentation before, the line's end after, stay the
    # table's own around the tag.
    return Template(TEMPLATE_LOOP).render(Context(context)).removeprefix("    ").removesuffix("\n")


@pytest.fixture
def rows(org):
    """A row of each kind the table shows."""
    now = timezone.now()
    plain = make_usecase(org=org, title="Triage <claims> & \"letters\" 'n' more")
    other_team = make_usecase(org=org, title="Elsewhere", team=org.other_team)
    ownerless = make_usecase(org=org, title="Nobody's")
    ownerless.owner = None
    overdue = make_usecase(org=org, title="Lapsed")
    overdue.status = Status.ACTIVE
    overdue.attestation_expires_at = now - timedelta(days=1)
    overdue.changed_since_sign_off = True
    changed = make_usecase(org=org, title="Changed")
    changed.status = Status.IN_REVIEW
    changed.changed_since_sign_off = True
    cells = [
        ("Cost <centre>", "CC-200 & co"),
        ("Budget", Decimal("12.50")),
        ("Review on", (now + timedelta(days=3)).date()),
        ("Audited", True),
        ("Empty", None),
        ("Zero", 0),
        ("Blank", ""),
    ]
    for usecase in (plain, overdue):
        usecase.custom_cells = cells
    return [plain, other_team, ownerless, overdue, changed]


@pytest.mark.parametrize(
    ("bulk", "ticked"),
    [
        ({}, 0),
        ({"bulk_form": object(), "bulk_all_teams": True}, 3),  # the three drafts
        ({"bulk_form": object(), "bulk_all_teams": False, "bulk_team_ids": "own"}, 2),
        ({"bulk_form": object(), "bulk_all_teams": False, "bulk_team_ids": None}, 0),
    ],
    ids=["no bulk form", "every team", "their teams", "no teams"],
)
def test_the_rows_are_the_template_loops_bytes(org, rows, bulk, ticked):
    if bulk.get("bulk_team_ids") == "own":
        bulk = {**bulk, "bulk_team_ids": {org.team.pk}}
    context = {"usecases": rows, **bulk}
    html = drawn(context)
    assert html == looped(context)
    assert "Triage &lt;claims&gt; &amp; &quot;letters&quot; &#x27;n&#x27; more" in html
    assert html.count('type="checkbox"') == ticked


def test_a_table_without_rows_is_the_same_too():
    assert drawn({"usecases": []}) == looped({"usecases": []}) == ""


def test_nobody_is_named_as_the_page_names_nobody(rows):
    context = {"usecases": rows, "empty": "Unowned <yet>"}
    html = drawn(context)
    assert html == looped(context)
    assert '<span class="missing">Unowned &lt;yet&gt;</span>' in html


def test_the_tick_box_writes_the_version_as_a_plain_number(org, rows, settings):
    """On purpose unlike the template: a thousands separator would make ``key:version``
    unreadable to the bulk assignment, which reads the version back as a number."""
    settings.USE_THOUSAND_SEPARATOR = True
    draft = rows[0]
    draft.version = 12345
    context = {"usecases": [draft], "bulk_form": object(), "bulk_all_teams": True}
    assert f'value="{draft.key}:12345"' in drawn(context)
    assert f'value="{draft.key}:12,345"' in looped(context)
