"""Each page runs the same number of queries whether the registry holds 5 use cases or 200."""

import pytest

from tests.conftest import make_usecase
from tests.factories import GoalFactory, ProductFactory, UserFactory
from usecases import services
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

BUDGET = 15


def add_usecases(org, count):
    """``count`` use cases straight into the tables, spread over owners, linked to the org's
    product and goal; varied owners and teams would expose a query per row."""
    owners = [org.owner, org.lead, org.member, UserFactory(), None]
    usecases = UseCase.objects.bulk_create(
        UseCase(
            title=f"Triage claims batch {n}",
            who="Claims officers",
            problem="Claims wait weeks.",
            team=org.team,
            owner=owners[n % len(owners)],
            author=org.member,
        )
        for n in range(count)
    )
    products = UseCase.products.through
    products.objects.bulk_create(products(usecase=uc, product=org.product) for uc in usecases)
    goals = UseCase.goals.through
    goals.objects.bulk_create(goals(usecase=uc, strategicgoal=org.goal) for uc in usecases)
    return usecases


@pytest.mark.parametrize(
    "query",
    ["", "?q=triag", "?q=triage+claims&status=draft", "?team=claims-processing&owner=owen"],
)
def test_list_page_queries_do_not_grow_with_the_registry(as_user, org, page_queries, query):
    client = as_user(org.member)
    add_usecases(org, 5)
    with_five = page_queries(client, f"/usecases/{query}", budget=BUDGET)
    add_usecases(org, 195)
    with_two_hundred = page_queries(client, f"/usecases/{query}", budget=BUDGET)
    assert with_five == with_two_hundred
    # The page really listed rows (a filter that matched nothing would prove nothing).
    assert client.get(f"/usecases/{query}").context["page"].object_list


def test_list_page_second_page_costs_the_same(as_user, org, page_queries):
    client = as_user(org.member)
    add_usecases(org, 200)
    assert page_queries(client, "/usecases/", budget=BUDGET) == page_queries(
        client, "/usecases/?page=5", budget=BUDGET
    )


def test_detail_page_queries_do_not_grow_with_the_registry(as_user, org, page_queries):
    client = as_user(org.member)
    usecase = make_usecase(org=org)
    add_usecases(org, 4)
    with_five = page_queries(client, usecase.get_absolute_url(), budget=BUDGET)
    add_usecases(org, 195)
    assert page_queries(client, usecase.get_absolute_url(), budget=BUDGET) == with_five


def test_detail_page_queries_do_not_grow_with_links_and_history(as_user, org, page_queries):
    client = as_user(org.member)
    usecase = make_usecase(org=org)
    bare = page_queries(client, usecase.get_absolute_url(), budget=BUDGET)

    products = [org.product, *(ProductFactory(team=org.team) for _ in range(15))]
    goals = [org.goal, *(GoalFactory(parent=org.goal) for _ in range(15))]
    usecase = services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"products": products, "goals": goals},
        expected_version=usecase.version,
    )
    for n in range(25):
        usecase = services.usecase_update(
            usecase=usecase,
            actor=[org.member, org.lead, org.admin][n % 3],
            data={"title": f"Triage claims, take {n}"},
            expected_version=usecase.version,
        )
    assert page_queries(client, usecase.get_absolute_url(), budget=BUDGET) == bare


@pytest.mark.parametrize(
    "url",
    ["/teams/claims-processing/", "/products/claims-portal/", "/goals/{goal}/"],
)
def test_portfolio_detail_page_queries_do_not_grow_with_use_cases(as_user, org, page_queries, url):
    client = as_user(org.reviewer)
    url = url.format(goal=org.goal.pk)
    add_usecases(org, 5)
    with_five = page_queries(client, url, budget=BUDGET)
    add_usecases(org, 195)
    assert page_queries(client, url, budget=BUDGET) == with_five


@pytest.mark.parametrize("url", ["/teams/", "/products/", "/goals/"])
def test_portfolio_list_page_queries_do_not_grow_with_the_portfolio(
    as_user, org, page_queries, url
):
    client = as_user(org.member)
    small = page_queries(client, url, budget=BUDGET)
    for n in range(20):
        ProductFactory(team=org.team if n % 2 else org.other_team, manager=org.lead)
        GoalFactory(parent=org.goal, owner=org.owner)
    assert page_queries(client, url, budget=BUDGET) == small
