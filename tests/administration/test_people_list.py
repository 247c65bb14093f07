"""The people page: search by name, username and e-mail address, 50 people a page, and what each
person holds counted for the people on the page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse

from administration.views.people import PEOPLE_PAGE_SIZE
from tests.conftest import ROLES, expect_admin_only
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from usecases.choices import Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = reverse("administration:person_list")


def listed(response) -> list[str]:
    """The usernames in the people table, in order."""
    return [person.username for person in response.context["people"]]


@pytest.fixture
def people(org):
    """A few people whose names, usernames and addresses differ in one place each."""
    return {
        "zoe": UserFactory(
            username="zoe", first_name="Zoe", last_name="Quinn", email="zq@example.org"
        ),
        "zack": UserFactory(
            username="zquinn", first_name="Zack", last_name="Quinn", email="zack@corp.test"
        ),
        "amir": UserFactory(
            username="amir", first_name="Amir", last_name="Haddad", email="amir@quinnlaw.test"
        ),
        "gone": UserFactory(
            username="gus", first_name="Gus", last_name="Quinn", email="g@x.test", is_active=False
        ),
    }


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("quinn", ["amir", "zack", "zoe"]),  # an e-mail address (Haddad), last names
        ("QUINN", ["amir", "zack", "zoe"]),  # whatever the case
        ("zoe quinn", ["zoe"]),  # every word must match somewhere
        ("zqu", ["zack"]),  # part of a username
        ("corp.test", ["zack"]),  # part of an e-mail address
        ("  amir  ", ["amir"]),
        ("nobody", []),
    ],
)
def test_an_admin_searches_people_by_name_username_and_e_mail(
    as_user, org, people, words, expected
):
    response = as_user(org.admin).get(URL, {"q": words})
    assert response.status_code == 200
    assert listed(response) == [people[key].username for key in expected]


def test_a_search_says_how_many_match_and_offers_to_clear_it(as_user, org, people):
    page = as_user(org.admin).get(URL, {"q": "quinn"}).text
    assert "3 people match “quinn”." in page
    assert f'href="{URL}" class="button button-quiet">Clear<' in page
    assert 'value="quinn"' in page  # the box keeps what was searched
    empty = as_user(org.admin).get(URL, {"q": "nobody"}).text
    assert "Nobody matches this search." in empty
    assert "Clear" in empty


def test_deactivated_people_are_searched_on_their_own_list(as_user, org, people):
    client = as_user(org.admin)
    response = client.get(URL, {"q": "quinn", "show": "deactivated"})
    assert listed(response) == ["gus"]
    assert '<input type="hidden" name="show" value="deactivated">' in response.text


def test_the_search_is_escaped(as_user, org, people):
    page = as_user(org.admin).get(URL, {"q": "<b>quinn</b>"}).text
    assert "<b>quinn</b>" not in page
    assert "&lt;b&gt;quinn&lt;/b&gt;" in page


def test_too_long_a_search_is_refused_with_a_message_and_everyone_listed(as_user, org, people):
    response = as_user(org.admin).get(URL, {"q": "q" * 101})
    assert response.status_code == 200
    assert "Search for at most 100 characters (this has 101); everyone is listed meanwhile." in (
        response.text
    )
    assert set(listed(response)) >= {"zoe", "zquinn", "amir"}


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_search_people(as_role, role):
    expect_admin_only(as_role(role).get(URL, {"q": "quinn"}), role)


def test_fifty_a_page_in_name_order_and_the_search_kept_across_pages(as_user, org):
    for n in range(PEOPLE_PAGE_SIZE + 12):
        UserFactory(username=f"p{n:03}", first_name="Pat", last_name=f"Smith {n % 7}")
    client = as_user(org.admin)
    expected = list(
        User.objects.filter(is_active=True, last_name__startswith="Smith")
        .order_by("last_name", "first_name", "username")
        .values_list("username", flat=True)
    )
    first = client.get(URL, {"q": "smith"})
    assert listed(first) == expected[:PEOPLE_PAGE_SIZE]
    assert 'href="?q=smith&amp;page=2"' in first.text
    second = client.get(URL, {"q": "smith", "page": 2})
    assert listed(second) == expected[PEOPLE_PAGE_SIZE:]
    deactivated = client.get(URL, {"q": "x", "show": "deactivated"}).context["querystring"]
    assert deactivated == "show=deactivated&q=x"


def test_each_person_s_counts_are_the_ones_a_grouped_count_gives(as_user, org, usecase_in):
    usecase_in("active")
    usecase_in("active")
    usecase_in("draft")
    usecase_in("awaiting_sign_off")
    MembershipFactory(team=org.other_team, user=org.member)
    expected = {
        person.username: (person.owned, person.active, person.team_total)
        for person in User.objects.filter(is_active=True).annotate(
            owned=Count("owned_usecases", distinct=True),
            active=Count(
                "owned_usecases", filter=Q(owned_usecases__status=Status.ACTIVE), distinct=True
            ),
            team_total=Count("memberships", distinct=True),
        )
    }
    response = as_user(org.admin).get(URL)
    shown = {
        person.username: (person.owned_count, person.active_owned_count, person.team_count)
        for person in response.context["people"]
    }
    assert shown == expected
    assert expected["owen"][0] == UseCase.objects.filter(owner=org.owner).count() >= 3
    assert expected["mia"][2] == 2
    owen_row = re.search(r"<tr>\s*<td>[^<]*<a [^>]*>Owen Owner</a>.*?</tr>", response.text, re.S)
    assert "(2 active)" in owen_row.group(0)


def _crowd(org, count: int, *, start: int = 0):
    """``count`` more people, each in a team and owning an active use case."""
    team = TeamFactory()
    for n in range(start, start + count):
        person = UserFactory(username=f"crowd{n:03}", first_name="Casey", last_name=f"Crowd {n:03}")
        MembershipFactory(team=team, user=person)
        UseCase.objects.create(
            title=f"Owned by {n}",
            team=org.team,
            author=org.member,
            owner=person,
            status=Status.ACTIVE,
        )


@pytest.mark.parametrize("query", ["", "?q=crowd", "?q=crowd&page=2"])
def test_the_people_page_costs_the_same_with_5_and_60_people(as_user, org, page_queries, query):
    client = as_user(org.admin)
    _crowd(org, 55 if "page" in query else 5)
    few = page_queries(client, URL + query, budget=15)
    _crowd(org, 60, start=100)
    assert page_queries(client, URL + query, budget=15) == few
