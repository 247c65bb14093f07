"""The Sign-offs page's rows drawn in Python (``{% awaiting_rows %}``, ``{% attestation_rows %}``)
are the bytes the template loops they replace wrote, for every kind of row: a transfer or an
approval, no request time, overdue or due; titles, team names and a username full of markup;
another time zone; localised numbers."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from tests.conftest import make_usecase
from usecases.choices import Status

pytestmark = pytest.mark.django_db
User = get_user_model()

# The loops ``usecases/signoff_list.html`` had, as they were: the reference.
AWAITING_LOOP = (
    "{% load people %}"
    "      {% for usecase in usecases %}\n"
    "      <tr>\n"
    '        <td class="nowrap"><a href="{{ usecase.get_absolute_url }}">{{ usecase.key }}</a></td>\n'
    '        <td><a href="{{ usecase.get_absolute_url }}">{{ usecase.title }}</a></td>\n'
    '        <td data-label="Why">{% if usecase.is_transfer %}Ownership handed to you{% else %}Approved; written by {% include "components/person.html" with person=usecase.author %}{% endif %}</td>\n'
    '        <td data-label="Waiting">{% if usecase.requested_at %}<time datetime="{{ usecase.requested_at|date:\'c\' }}" title="{{ usecase.requested_at|date:\'j M Y H:i\' }}">{{ usecase.requested_at|timesince }}</time>{% else %}—{% endif %}</td>\n'
    '        <td data-label="Team">{{ usecase.team.name }}</td>\n'
    '        <td><a class="button button-primary" href="{{ usecase.get_absolute_url }}">Review and sign off<span class="visually-hidden"> {{ usecase.key }}</span></a></td>\n'
    "      </tr>\n"
    "      {% endfor %}\n"
)
ATTESTATION_LOOP = (
    "      {% for usecase in usecases %}\n"
    "      <tr>\n"
    '        <td class="nowrap"><a href="{{ usecase.get_absolute_url }}">{{ usecase.key }}</a></td>\n'
    '        <td><a href="{{ usecase.get_absolute_url }}">{{ usecase.title }}</a></td>\n'
    '        <td data-label="Team">{{ usecase.team.name }}</td>\n'
    '        <td data-label="Sign-off lapses">\n'
    '          {% if usecase.attestation_overdue %}<span class="badge badge-danger">Attestation overdue</span> since{% else %}<span class="badge badge-warning">Due</span>{% endif %}\n'
    '          <time datetime="{{ usecase.attestation_expires_at|date:\'c\' }}">{{ usecase.attestation_expires_at|date:"j M Y" }}</time>\n'
    "        </td>\n"
    "        <td>\n"
    '          <form method="post" action="{% url \'usecases:usecase_reattest\' usecase.key %}" class="action-form"\n'
    '                hx-boost="true" hx-disabled-elt="find button">\n'
    "            {% csrf_token %}\n"
    '            <input type="hidden" name="next" value="{{ request.get_full_path }}">\n'
    '            <input type="hidden" name="version" value="{{ usecase.version }}">\n'
    '            <button type="submit" class="button button-primary">Re-attest<span class="visually-hidden"> {{ usecase.key }}</span></button>\n'
    "          </form>\n"
    "        </td>\n"
    "      </tr>\n"
    "      {% endfor %}\n"
)
TAGS = {
    AWAITING_LOOP: "{% load signoff_rows %}{% awaiting_rows usecases %}",
    ATTESTATION_LOOP: "{% load signoff_rows %}{% attestation_rows usecases %}",
}


def drawn(loop: str, context: dict) -> str:
    return Template(TAGS[loop]).render(Context(context))


def looped(loop: str, context: dict) -> str:
    # The loop as it stood in the table: its indentation before, the line's end after, stay the
    # table's own around the tag.
    html = Template(loop).render(Context(context))
    return html.removeprefix("      ").removesuffix("\n")


@pytest.fixture
def page():
    """What the page's context gives the rows: its request (an address to come back to, with
    characters to escape) and its CSRF token."""
    request = RequestFactory().get("/sign-offs/", {"from": "<dashboard>", "and": "this&that"})
    return {"request": request, "csrf_token": "t0ken<&>"}


@pytest.fixture
def awaiting(org):
    """A row of each kind the first table shows."""
    now = timezone.now()
    approved = make_usecase(org=org, title="Triage <claims> & \"letters\" 'n' more")
    approved.is_transfer, approved.requested_at = False, now - timedelta(days=3, hours=4)
    # Names are text people typed: a team's, and an author's with no full name but a username.
    approved.team.name = "Claims <b>& co</b>"
    approved.author = User(username='<i>o\'neil</i>&"co"', first_name="", last_name="")
    handed = make_usecase(org=org, title="Handed over", team=org.other_team)
    handed.is_transfer, handed.requested_at = True, now - timedelta(minutes=5)
    long_ago = make_usecase(org=org, title="Long ago")
    long_ago.is_transfer, long_ago.requested_at = False, now - timedelta(days=400)
    never_asked = make_usecase(org=org, title="No request time")
    never_asked.is_transfer, never_asked.requested_at = False, None
    return [approved, handed, long_ago, never_asked]


@pytest.fixture
def due(org):
    """An attestation overdue, one due soon (in another team), one with a large version."""
    now = timezone.now()
    rows = []
    for title, expires in (("Lapsed <old>", -2), ("Due & soon", 20), ("Often edited", 3)):
        usecase = make_usecase(org=org, title=title)
        usecase.status = Status.ACTIVE
        usecase.attestation_expires_at = now + timedelta(days=expires, hours=7)
        rows.append(usecase)
    rows[1].team = org.other_team
    rows[1].team.name = "Benefits <script>alert(1)</script>"
    rows[2].version = 12345
    return rows


def test_the_awaiting_rows_are_the_template_loops_bytes(awaiting, page):
    context = {"usecases": awaiting, **page}
    html = drawn(AWAITING_LOOP, context)
    assert html == looped(AWAITING_LOOP, context)
    assert "Triage &lt;claims&gt; &amp; &quot;letters&quot; &#x27;n&#x27; more" in html
    assert html.count("Ownership handed to you") == 1
    assert html.count("Approved; written by ") == 3
    assert "Claims &lt;b&gt;&amp; co&lt;/b&gt;" in html
    assert "written by &lt;i&gt;o&#x27;neil&lt;/i&gt;&amp;&quot;co&quot;</td>" in html
    assert html.count("<time ") == 3


def test_the_attestation_rows_are_the_template_loops_bytes(due, page, settings):
    settings.USE_THOUSAND_SEPARATOR = True  # the version, localised as the template wrote it
    context = {"usecases": due, **page}
    html = drawn(ATTESTATION_LOOP, context)
    assert html == looped(ATTESTATION_LOOP, context)
    assert html.count("Attestation overdue") == 1
    assert html.count('name="csrfmiddlewaretoken" value="t0ken&lt;&amp;&gt;"') == 3
    assert "/sign-offs/?from=%3Cdashboard%3E&amp;and=this%26that" in html
    assert 'value="12,345"' in html
    assert "Benefits &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dates_are_written_in_the_current_time_zone_as_the_template_wrote_them(awaiting, due, page):
    with timezone.override("Pacific/Auckland"):
        for loop, rows in ((AWAITING_LOOP, awaiting), (ATTESTATION_LOOP, due)):
            context = {"usecases": rows, **page}
            assert drawn(loop, context) == looped(loop, context)
            assert "+13:00" in drawn(loop, context) or "+12:00" in drawn(loop, context)


def test_tables_without_rows_are_the_same_too(page):
    for loop in (AWAITING_LOOP, ATTESTATION_LOOP):
        assert drawn(loop, {"usecases": [], **page}) == looped(loop, {"usecases": [], **page}) == ""
