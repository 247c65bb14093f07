"""The deactivation page stays small for a person who holds a lot in a large organisation: one
list of everyone (the default successor), one suggestion list per team involved, and a text
field per row; never a list of everyone per row (300 use cases x 1,000 people was 17 MB)."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Membership
from tests.conftest import make_usecase
from tests.factories import MembershipFactory, UserFactory

User = get_user_model()


def page_cost(client, url):
    """Queries, ``<option>`` elements and bytes of one GET of ``url``."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    text = response.text
    return len(queries), text.count("<option"), len(text)


def _hold_use_cases(org, count, start=0):
    for n in range(start, start + count):
        team = org.team if n % 2 else org.other_team
        make_usecase(org=org, team=team, title=f"Use case {n}")  # owned by Owen


def test_the_page_grows_with_people_or_with_rows_never_with_their_product(as_user, org):
    client = as_user(org.admin)
    url = reverse("administration:person_deactivate", args=[org.owner.pk])
    _hold_use_cases(org, 3)
    client.get(url)  # warm the session
    queries_few, _, _ = page_cost(client, url)

    # Ten times the use cases, and many more people, some of them in the teams involved.
    _hold_use_cases(org, 27, start=3)
    for n in range(40):
        UserFactory(username=f"person{n}")
    for n in range(10):
        MembershipFactory(team=org.team, user=UserFactory(username=f"claims{n}"))
    queries_many, options_many, size_many = page_cost(client, url)

    assert queries_many == queries_few  # the query count is constant in what they hold
    people = User.objects.filter(is_active=True).count()
    memberships = Membership.objects.filter(user__is_active=True).count()
    # Everyone once (the default), each team's people once (their suggestions), a blank choice.
    assert options_many <= people + memberships + 1

    # More rows add a text field each, and not a single choice.
    _hold_use_cases(org, 20, start=30)
    queries_more, options_more, size_more = page_cost(client, url)
    assert (queries_more, options_more) == (queries_many, options_many)
    assert (size_more - size_many) / 20 < 1_500  # bytes per row, whatever the headcount


def test_each_row_offers_its_own_team_not_everyone(as_user, org):
    make_usecase(org=org, team=org.other_team, title="Platform work")
    UserFactory(username="outsider", first_name="Olga", last_name="Outside")
    text = (
        as_user(org.admin)
        .get(reverse("administration:person_deactivate", args=[org.owner.pk]))
        .text
    )
    lists = text.split("<datalist")[1:]
    assert len(lists) == 1  # only the team a row belongs to
    assert f'id="team-{org.other_team.pk}-people"' in lists[0]
    assert 'value="nina"' in lists[0]  # Nina is in Digital Platforms
    assert "outsider" not in lists[0]
    assert 'value="owen"' not in lists[0]  # never the person leaving
