"""Teams, products and goals: readable by everyone signed in, each listing its use cases."""

import re

import pytest

from tests.conftest import ROLES, make_usecase
from tests.factories import GoalFactory, MembershipFactory, ProductFactory, UserFactory
from usecases import services

pytestmark = pytest.mark.django_db

PAGES = ["team_list", "team_detail", "product_list", "product_detail", "goal_list", "goal_detail"]


def page_url(page, org):
    return {
        "team_list": "/teams/",
        "team_detail": f"/teams/{org.team.slug}/",
        "product_list": "/products/",
        "product_detail": f"/products/{org.product.slug}/",
        "goal_list": "/goals/",
        "goal_detail": f"/goals/{org.goal.pk}/",
    }[page]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_portfolio_pages_per_role(as_role, org, role, page):
    url = page_url(page, org)
    response = as_role(role).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url == f"/accounts/login/?next={url}"
    else:
        assert response.status_code == 200


def test_a_deactivated_account_is_signed_out_of_the_portfolio(client, org):
    client.force_login(org.member)
    org.member.is_active = False
    org.member.save()
    assert client.get("/teams/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/teams/no-such-team/", "/products/no-such-product/", "/goals/999999/"]
)
def test_unknown_team_product_or_goal_is_not_found(as_user, org, url):
    assert as_user(org.member).get(url).status_code == 404


@pytest.fixture
def listed(org):
    """One in review owned by Owen and a draft with no owner yet, both on the org's team,
    product and goal; plus one elsewhere that must not appear."""
    elsewhere = ProductFactory(name="Contact Centre", slug="contact-centre", team=org.other_team)
    owned = services.usecase_submit(
        usecase=make_usecase(org=org, title="Triage incoming benefit claims"), actor=org.lead
    )
    unowned = make_usecase(org=org, title="Detect duplicate claims", owner=None)
    make_usecase(
        org=org,
        title="Forecast call-centre demand",
        team=org.other_team,
        products=[elsewhere],
        goals=[GoalFactory(title="Answer calls within a minute")],
    )
    return owned, unowned


@pytest.mark.parametrize("page", ["team_detail", "product_detail", "goal_detail"])
def test_detail_pages_list_their_use_cases_with_status_and_owner(as_user, org, listed, page):
    owned, unowned = listed
    response = as_user(org.reviewer).get(page_url(page, org))
    html = response.content.decode()
    assert 'Use cases <span class="muted">(2)</span>' in html
    for usecase in (owned, unowned):
        assert f'<a href="/usecases/{usecase.key}/">{usecase.title}</a>' in html
    assert '<span class="badge badge-neutral">Draft</span>' in html
    assert '<span class="badge badge-info">In review</span>' in html
    assert "Owen Owner" in html
    assert "No owner yet" in html
    assert "Forecast call-centre demand" not in html


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("team_detail", "team=claims-processing"),
        ("product_detail", "product=claims-portal"),
        ("goal_detail", "goal={goal}"),
    ],
)
def test_detail_pages_link_to_the_filtered_list(as_user, org, listed, page, query):
    html = as_user(org.member).get(page_url(page, org)).content.decode()
    assert f'href="/usecases/?{query.format(goal=org.goal.pk)}"' in html


@pytest.mark.parametrize("page", ["team_detail", "product_detail", "goal_detail"])
def test_detail_pages_without_use_cases_say_so(as_user, org, page):
    assert "No use cases yet." in as_user(org.member).get(page_url(page, org)).content.decode()


def test_team_page_shows_members_leads_and_products(as_user, org):
    html = as_user(org.reviewer).get("/teams/claims-processing/").content.decode()
    assert "Mia Member" in html
    assert re.search(r'Leo Lead\s*<span class="badge badge-info">Lead</span>', html)
    assert "Nina Outsider" not in html
    assert '<a href="/products/claims-portal/">Claims Portal</a>' in html


def test_team_list_counts_members_and_products(as_user, org):
    MembershipFactory(team=org.team, user=UserFactory(username="third"))
    response = as_user(org.member).get("/teams/")
    claims = next(node.item for node in response.context["teams"] if node.item == org.team)
    assert (claims.member_count, claims.product_count) == (3, 1)
    assert "Digital Platforms" in response.content.decode()


def test_product_list_shows_team_manager_and_archived_products(as_user, org):
    org.product.manager = org.lead
    org.product.save()
    ProductFactory(name="Old Mainframe", slug="old-mainframe", team=org.team, is_archived=True)
    html = as_user(org.member).get("/products/").content.decode()
    assert "Claims Portal" in html
    assert "Leo Lead" in html
    assert 'Old Mainframe</a> <span class="badge badge-muted">Archived</span>' in html


def test_goal_list_shows_the_hierarchy(as_user, org):
    objective = GoalFactory(title="Decide within ten days", parent=org.goal, owner=org.lead)
    response = as_user(org.member).get("/goals/")
    depths = {node.item: node.depth for node in response.context["goals"]}
    assert depths == {org.goal: 0, objective: 1}
    assert "Leo Lead" in response.content.decode()


def test_goal_page_shows_parent_and_contributing_goals(as_user, org):
    objective = GoalFactory(title="Decide within ten days", parent=org.goal)
    parent_html = as_user(org.member).get(f"/goals/{org.goal.pk}/").content.decode()
    assert f'<a href="/goals/{objective.pk}/">Decide within ten days</a>' in parent_html
    child_html = as_user(org.member).get(f"/goals/{objective.pk}/").content.decode()
    assert f'<a href="/goals/{org.goal.pk}/">Decide claims faster</a>' in child_html


def test_detail_pages_show_the_newest_fifty_and_link_to_all(as_user, org):
    created = [make_usecase(org=org, title=f"Claims batch {n}") for n in range(51)]
    response = as_user(org.member).get("/teams/claims-processing/")
    assert len(response.context["usecases"]) == 50
    assert response.context["usecase_count"] == 51
    assert created[0] not in response.context["usecases"]
    assert "Showing the newest 50." in response.content.decode()
