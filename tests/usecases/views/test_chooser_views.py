"""The choosers' searches: a few people, teams, products or goals matching what was typed, for
everyone signed in, at the same cost with ten people or three hundred."""

import re

import pytest
from django.contrib.auth import get_user_model

from portfolio.models import Product, StrategicGoal, Team
from tests.conftest import ROLES
from tests.factories import TeamFactory, UserFactory
from usecases.choosers.kinds import FOUND

pytestmark = pytest.mark.django_db

User = get_user_model()

SEARCHES = {
    "people": "/choose/people/?scope=active&name=owner&id=id_owner&key=pk&empty=Not+decided+yet",
    "teams": "/choose/teams/?scope=all&name=team&id=id_team&key=slug&empty=Any+team",
    "products": "/choose/products/?scope=active&name=products&id=id_products&key=pk&multiple=1",
    "goals": "/choose/goals/?scope=active&name=goals&id=id_goals&key=pk&multiple=1",
}
# What the org fixture holds that each search finds, and a word that finds it.
FINDS = {
    "people": ("owen", "Owen Owner (owen)"),
    "teams": ("claims", "Claims Processing"),
    "products": ("portal", "Claims Portal"),
    "goals": ("faster", "Decide claims faster"),
}


def options(html: str) -> list[str]:
    """The labels of the options or tick boxes, in order."""
    found = re.findall(r"<option value=\"[^\"]*\"(?: selected)?>([^<]*)</option>", html)
    return found or [label.strip() for label in re.findall(r"> ([^<]+)</label>", html)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", SEARCHES)
def test_every_signed_in_person_searches_each_chooser(as_role, org, role, kind):
    word, label = FINDS[kind]
    url = f"{SEARCHES[kind]}&q={word}"
    response = as_role(role).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 200
        assert label in options(response.text)


def test_a_deactivated_account_searches_nothing(client, org):
    client.force_login(org.member)
    User.objects.filter(pk=org.member.pk).update(is_active=False)
    assert client.get(f"{SEARCHES['people']}&q=owen").status_code == 302


def test_the_select_answer_keeps_the_empty_choice_and_the_chosen_person_first(as_user, org):
    html = as_user(org.member).get(f"{SEARCHES['people']}&q=rita&owner={org.owner.pk}").text
    assert html.startswith('<option value="">Not decided yet</option>')
    assert options(html) == ["Not decided yet", "Owen Owner (owen)", "Rita Reviewer (rita)"]
    assert f'<option value="{org.owner.pk}" selected>' in html


def test_tick_boxes_keep_the_ticked_ones_and_add_the_matches(as_user, org):
    other = Product.objects.create(name="Contact Centre", slug="contact-centre", team=org.team)
    html = as_user(org.member).get(f"{SEARCHES['products']}&q=contact&products={org.product.pk}")
    html = html.text
    assert options(html) == ["Claims Portal", "Contact Centre"]
    assert (
        f'<input type="checkbox" name="products" value="{org.product.pk}" id="id_products_0" '
        "checked>" in html
    )
    assert f'value="{other.pk}" id="id_products_1">' in html


def test_the_best_match_comes_first_and_at_most_a_page_of_them(as_user, org):
    User.objects.bulk_create(
        User(username=f"owens{n:02d}", first_name="Aaron", last_name=f"Owens{n:02d}")
        for n in range(40)
    )
    found = options(as_user(org.member).get(f"{SEARCHES['people']}&q=owen").text)
    assert found[1] == "Owen Owner (owen)"  # the username typed exactly, before "Aaron Owens00"
    assert len(found) == 1 + FOUND


def test_every_word_must_match_and_the_values_are_the_chooser_keys(as_user, org):
    html = as_user(org.member).get(f"{SEARCHES['teams']}&q=claims+proc").text
    assert options(html) == ["Any team", "Claims Processing"]
    assert '<option value="claims-processing">' in html


def test_nothing_found_says_so(as_user, org):
    html = as_user(org.member).get(f"{SEARCHES['people']}&q=zz-nobody").text
    assert "No person matches “zz-nobody”" in html


def test_deactivated_people_are_not_offered(as_user, org):
    UserFactory(username="owena", first_name="Owena", last_name="Gone", is_active=False)
    assert "Owena Gone (owena)" not in options(
        as_user(org.member).get(f"{SEARCHES['people']}&q=owen").text
    )


def test_the_new_use_case_form_offers_a_member_only_their_own_teams(as_user, org):
    url = "/choose/teams/?scope=creatable&name=team&id=id_team&key=pk&q="
    assert options(as_user(org.member).get(url).text) == ["Claims Processing"]
    assert options(as_user(org.admin).get(url).text) == ["Claims Processing", "Digital Platforms"]


def test_names_are_escaped(as_user, org):
    UserFactory(username="eve", first_name="<script>alert(1)</script>", last_name="Eve")
    html = as_user(org.member).get(f"{SEARCHES['people']}&q=eve").text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Eve (eve)" in html
    html = as_user(org.member).get(f"{SEARCHES['people']}&q=%3Cb%3E").text
    assert "“&lt;b&gt;”" in html


@pytest.mark.parametrize(
    "url",
    [
        "/choose/people/?scope=everyone&name=owner",
        "/choose/people/?scope=active&name=owner&key=password",
        "/choose/goals/?scope=active&name=goals&key=slug",
    ],
)
def test_an_unknown_scope_or_value_is_not_found(as_user, org, url):
    assert as_user(org.member).get(url).status_code == 404


def _grow(org, count: int) -> None:
    """``count`` more people, teams, products and goals, straight into the tables."""
    start = User.objects.count()
    User.objects.bulk_create(
        User(username=f"p{start + n}", first_name="Owen", last_name=f"Number {start + n}")
        for n in range(count)
    )
    start = Team.objects.count()
    teams = Team.objects.bulk_create(
        Team(name=f"Claims unit {start + n}", slug=f"claims-unit-{start + n}") for n in range(count)
    )
    Product.objects.bulk_create(
        Product(name=f"Claims tool {team.pk}", slug=f"claims-tool-{team.pk}", team=team)
        for team in teams
    )
    StrategicGoal.objects.bulk_create(
        StrategicGoal(title=f"Decide claims faster {start + n}") for n in range(count)
    )


@pytest.mark.parametrize("kind", SEARCHES)
def test_a_search_costs_the_same_with_ten_or_three_hundred(as_user, org, page_queries, kind):
    client = as_user(org.member)
    TeamFactory.create_batch(2)
    chosen = {"people": org.owner.pk, "teams": "claims-processing"}.get(kind, org.product.pk)
    name = re.search(r"name=(\w+)", SEARCHES[kind]).group(1)
    url = f"{SEARCHES[kind]}&q={FINDS[kind][0]}&{name}={chosen}"
    _grow(org, 4)
    small = page_queries(client, url, budget=5)
    _grow(org, 300)
    assert page_queries(client, url, budget=5) == small
    assert len(options(client.get(url).text)) <= 1 + 1 + FOUND
