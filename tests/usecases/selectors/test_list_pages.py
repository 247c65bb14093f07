"""The use-case list's pages: Next, Previous, First and Last walk every row exactly once in the
list's order under every sort, whatever the depth (keyset, never a deep OFFSET); the count is
exact up to a cap and then says "more than"; a link that no longer fits says so and shows the
first page; each page costs the same queries at any size."""

import random
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import make_usecase
from usecases.filters import UseCaseFilter
from usecases.models import UseCase
from usecases.selectors import list_pages

pytestmark = pytest.mark.django_db

LIST_URL = "/usecases/"
SORTS = ["", "number", "-number", "title", "-title", "updated", "-updated"]
WORDS = ["Triage", "Forecast", "Archive", "Translate", "Route"]


@pytest.fixture
def small_pages(settings, monkeypatch):
    """Four rows a page, the first two pages by number and the rest by cursor."""
    settings.USECASE_PAGE_SIZE = 4
    monkeypatch.setattr(list_pages, "NUMBERED_PAGES", 2)


def add_random_usecases(org, count: int, *, seed: int) -> list[UseCase]:
    """``count`` use cases with few distinct titles and edit times, so every sort has ties that
    only the number breaks."""
    chance = random.Random(seed)
    made = UseCase.objects.bulk_create(
        UseCase(
            title=f"{chance.choice(WORDS)} claims",
            who="Claims officers",
            problem="Claims wait weeks.",
            team=org.team,
            owner=org.owner,
            author=org.member,
        )
        for _ in range(count)
    )
    now = timezone.now()
    for usecase in made:
        stamp = now - timedelta(days=chance.randint(0, 3))
        UseCase.objects.filter(pk=usecase.pk).update(updated_at=stamp)
    return made


def expected_keys(query: dict) -> list[str]:
    filterset = UseCaseFilter(query, queryset=UseCase.objects.all())
    return [usecase.key for usecase in filterset.qs]


def keys_of(response) -> list[str]:
    return [usecase.key for usecase in response.context["page"].object_list]


def follow(client, base: str, link: str):
    response = client.get(f"{LIST_URL}?{base}&{link}" if base else f"{LIST_URL}?{link}")
    assert response.status_code == 200
    assert not response.context["page"].notice
    return response


def walk_forward(client, base: str) -> list[str]:
    response = client.get(f"{LIST_URL}?{base}")
    seen = keys_of(response)
    while (page := response.context["page"]).has_next():
        response = follow(client, base, page.next)
        seen += keys_of(response)
    return seen


def walk_back_from_last(client, base: str) -> list[str]:
    response = follow(client, base, "page=last")
    pages = [keys_of(response)]
    while (page := response.context["page"]).has_previous():
        response = follow(client, base, page.previous)
        pages.insert(0, keys_of(response))
    return [key for keys in pages for key in keys]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("sort", SORTS)
def test_next_and_previous_walk_every_row_once_in_order_under_every_sort(
    as_user, org, small_pages, sort, seed
):
    add_random_usecases(org, 23 + seed * 4, seed=seed)
    client = as_user(org.member)
    base = f"sort={sort}" if sort else ""
    expected = expected_keys({"sort": sort} if sort else {})

    assert walk_forward(client, base) == expected
    assert walk_back_from_last(client, base) == expected


@pytest.mark.parametrize("sort", ["", "title"])
def test_the_walk_holds_with_filters_and_past_the_count_cap(
    as_user, org, small_pages, settings, sort
):
    """Past the cap the last page's number is unknown: it is a full page and Previous goes back
    by cursor all the same."""
    settings.USECASE_COUNT_CAP = 9
    add_random_usecases(org, 30, seed=7)
    make_usecase(org=org, title="Other team's claims", team=org.other_team)
    client = as_user(org.member)
    base = f"team={org.team.slug}&subunits=none" + (f"&sort={sort}" if sort else "")
    expected = expected_keys({"team": org.team.slug, "subunits": "none", "sort": sort})
    assert len(expected) == 30

    assert walk_forward(client, base) == expected
    assert walk_back_from_last(client, base) == expected


def test_the_last_page_lines_up_with_the_numbered_pages(as_user, org, small_pages):
    add_random_usecases(org, 18, seed=3)
    client = as_user(org.member)
    expected = expected_keys({})

    last = client.get(f"{LIST_URL}?page=last")

    assert keys_of(last) == expected[16:]  # 18 rows, 4 a page: the fifth page holds two
    assert "Page 5 of 5" in last.content.decode()
    assert not last.context["page"].has_next()


def test_links_say_where_they_lead_and_keep_the_filters(as_user, org, small_pages):
    add_random_usecases(org, 30, seed=4)
    client = as_user(org.member)
    first = client.get(f"{LIST_URL}?q=claims&sort=title")
    html = first.content.decode()

    assert 'href="?q=claims&amp;sort=title&amp;page=2" rel="next"' in html
    assert 'href="?q=claims&amp;sort=title&amp;page=last" rel="last"' in html
    assert 'rel="prev"' not in html and 'rel="first"' not in html
    third = follow(client, "q=claims&sort=title", first.context["page"].next)
    third = follow(client, "q=claims&sort=title", third.context["page"].next)
    html = third.content.decode()
    assert "Page 3 of 8" in html
    assert re.search(r'href="\?q=claims&amp;sort=title&amp;cursor=[^"&]+" rel="next"', html)
    assert 'href="?q=claims&amp;sort=title&amp;page=2" rel="prev"' in html
    assert 'href="?q=claims&amp;sort=title" rel="first"' in html


def test_a_cursor_page_reads_by_key_never_by_offset(as_user, org, small_pages):
    add_random_usecases(org, 30, seed=5)
    client = as_user(org.member)
    second = client.get(f"{LIST_URL}?sort=-updated&page=2")

    with CaptureQueriesContext(connection) as queries:
        follow(client, "sort=-updated", second.context["page"].next)
        follow(client, "sort=-updated", "page=last")

    listed = [query["sql"] for query in queries if 'FROM "usecases_usecase"' in query["sql"]]
    assert listed and not any("OFFSET" in sql for sql in listed)


@pytest.mark.parametrize("cursor", ["garbage", "eyJzb3J0IjoiIn0:1tZ:bad", "a" * 500, "%00", "[]"])
def test_a_damaged_cursor_gets_a_clear_message_and_the_first_page(
    as_user, org, small_pages, cursor
):
    add_random_usecases(org, 10, seed=6)
    response = as_user(org.member).get(LIST_URL, {"cursor": cursor})

    assert response.status_code == 200
    assert "That page link no longer fits this list" in response.content.decode()
    assert keys_of(response) == expected_keys({})[:4]


def test_a_cursor_of_another_sort_gets_the_message_and_that_sort_s_first_page(
    as_user, org, small_pages
):
    add_random_usecases(org, 20, seed=8)
    client = as_user(org.member)
    third = follow(client, "sort=title", "page=2")
    cursor_pair = follow(client, "sort=title", third.context["page"].next).context["page"].next

    response = client.get(f"{LIST_URL}?sort=-updated&{cursor_pair}")

    assert "That page link no longer fits this list" in response.content.decode()
    assert keys_of(response) == expected_keys({"sort": "-updated"})[:4]


@pytest.mark.parametrize("page", ["abc", "-1", "999999", "²"])
def test_a_page_that_is_none_gets_a_message_and_the_first_page(as_user, org, small_pages, page):
    add_random_usecases(org, 20, seed=9)
    response = as_user(org.member).get(LIST_URL, {"page": page})

    assert response.status_code == 200
    assert "is not a page of this list" in response.content.decode()
    assert keys_of(response) == expected_keys({})[:4]


def test_a_numbered_page_past_the_end_shows_the_last_page(as_user, org, small_pages):
    add_random_usecases(org, 6, seed=10)
    response = as_user(org.member).get(LIST_URL, {"page": "2"})
    assert keys_of(response) == expected_keys({})[4:]
    response = as_user(org.member).get(LIST_URL, {"page": "1"})
    assert keys_of(response) == expected_keys({})[:4]


def test_the_count_is_exact_up_to_the_cap_then_says_more_than(as_user, org, settings, small_pages):
    settings.USECASE_COUNT_CAP = 5
    add_random_usecases(org, 5, seed=11)
    client = as_user(org.member)

    at_cap = client.get(LIST_URL)
    assert at_cap.context["page"].paginator.count == 5
    assert "5 use cases" in at_cap.content.decode()
    assert "More than" not in at_cap.content.decode()

    add_random_usecases(org, 1, seed=12)
    past = client.get(LIST_URL)
    assert past.context["page"].paginator.more
    assert "More than 5 use cases" in past.content.decode()
    assert "Page 1</span>" in past.content.decode()  # no "of N": the number of pages is unknown


def test_the_capped_count_reads_at_most_the_cap_and_one_row():
    with CaptureQueriesContext(connection) as queries:
        counted = list_pages.count_capped(UseCase.objects.all(), 10)
    assert counted == (0, False)
    assert "LIMIT 11" in queries[-1]["sql"]


@pytest.mark.parametrize("query", ["", "?page=last", "?sort=title&page=last", "?q=claims"])
def test_every_kind_of_page_costs_the_same_queries_at_10_and_at_300_rows(
    as_user, org, page_queries, small_pages, query
):
    client = as_user(org.member)
    add_random_usecases(org, 10, seed=13)
    small = page_queries(client, f"{LIST_URL}{query}", budget=15)
    deep = client.get(f"{LIST_URL}{query}").context["page"]
    assert deep.has_next() or query.endswith("last")
    add_random_usecases(org, 290, seed=14)
    assert page_queries(client, f"{LIST_URL}{query}", budget=15) == small

    page = client.get(f"{LIST_URL}{query}").context["page"]
    link = page.next or page.previous
    base = query.lstrip("?").replace("page=last", "").strip("&")
    url = f"{LIST_URL}?{base}&{link}" if base else f"{LIST_URL}?{link}"
    assert page_queries(client, url, budget=15) == small


def test_bulk_assign_ticks_and_export_links_stay_on_a_cursor_page(as_user, org, small_pages):
    add_random_usecases(org, 20, seed=15)
    client = as_user(org.lead)
    second = follow(client, "status=draft", "page=2")
    third = follow(client, "status=draft", second.context["page"].next)
    html = third.content.decode()

    assert 'name="query" value="status=draft"' in html
    assert 'href="/exports/usecases/csv/?status=draft"' in html
    assert html.count('name="row"') == 4
