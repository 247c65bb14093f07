"""Search finds words inside tokens ("settlor" in "grantor/settlor", which PostgreSQL's parser
keeps as one file-path token), ranks what it finds when no sort is chosen, and can be answered
from its indexes."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_usecase
from tests.plans import plan_avoiding_table_reads
from usecases.filters import UseCaseFilter
from usecases.models import UseCase
from usecases.selectors import list_pages, search_usecases

pytestmark = pytest.mark.django_db

LIST_URL = "/usecases/"


def titles(response) -> list[str]:
    return [usecase.title for usecase in response.context["page"].object_list]


@pytest.fixture
def trust(org):
    return make_usecase(
        org=org,
        title="Trust document extraction",
        who="Trust officers",
        problem="Reviewers copy the grantor/settlor and beneficiary by hand.",
    )


def test_a_word_inside_a_path_like_token_is_found(as_user, org, trust):
    make_usecase(org=org, title="Forecast call-centre demand")

    assert set(search_usecases(UseCase.objects.all(), "settlor")) == {trust}
    assert set(search_usecases(UseCase.objects.all(), "Settl")) == {trust}
    assert titles(as_user(org.member).get(LIST_URL, {"q": "settlor"})) == [trust.title]


def test_every_word_must_still_be_found_somewhere(org, trust):
    found = set(search_usecases(UseCase.objects.all(), "settlor beneficiary"))
    assert found == {trust}
    assert set(search_usecases(UseCase.objects.all(), "settlor rosters")) == set()
    # A short word narrows a search by a longer one, inside tokens too.
    assert set(search_usecases(UseCase.objects.all(), "grantor by")) == {trust}
    assert set(search_usecases(UseCase.objects.all(), "grantor zq")) == set()


def test_search_ranks_title_words_over_other_words_over_words_inside_tokens(as_user, org):
    inside = make_usecase(org=org, title="Scan deeds", problem="Read the grantor/settlor field.")
    in_problem = make_usecase(org=org, title="Read deeds", problem="Who is the settlor?")
    in_title = make_usecase(org=org, title="Settlor register", problem="Kept on paper.")
    make_usecase(org=org, title="Forecast demand")
    client = as_user(org.member)

    ranked = titles(client.get(LIST_URL, {"q": "settlor"}))
    assert ranked == [in_title.title, in_problem.title, inside.title]

    # A sort chosen wins over relevance.
    oldest = titles(client.get(LIST_URL, {"q": "settlor", "sort": "number"}))
    assert oldest == [inside.title, in_problem.title, in_title.title]


def test_a_ranked_search_pages_through_every_match_once_in_rank_order(
    as_user, org, settings, monkeypatch
):
    settings.USECASE_PAGE_SIZE = 3
    monkeypatch.setattr(list_pages, "NUMBERED_PAGES", 1)
    chance = random.Random(21)
    phrases = ["claims", "claims claims", "claim forms", "reclaims/claims", "benefit"]
    for n in range(20):
        make_usecase(
            org=org,
            title=f"{chance.choice(phrases)} {n}",
            problem=" ".join(chance.choice(phrases) for _ in range(chance.randint(1, 4))),
        )
    client = as_user(org.member)
    expected = [uc.key for uc in UseCaseFilter({"q": "claim"}, queryset=UseCase.objects.all()).qs]
    assert len(expected) >= 10

    seen, response = [], client.get(LIST_URL, {"q": "claim"})
    while True:
        page = response.context["page"]
        assert not page.notice
        seen += [usecase.key for usecase in page.object_list]
        if not page.has_next():
            break
        response = client.get(f"{LIST_URL}?q=claim&{page.next}")
    assert seen == expected


def test_more_matches_than_can_be_ranked_are_listed_newest_first_and_the_page_says_why(
    as_user, org, settings
):
    settings.USECASE_RANK_LIMIT = 2
    for title in ["Settlor A", "B", "C settlor"]:
        make_usecase(org=org, title=title)
    make_usecase(org=org, title="Deeds", problem="grantor/settlor")
    client = as_user(org.member)
    response = client.get(LIST_URL, {"q": "settlor"})

    assert titles(response) == ["Deeds", "C settlor", "Settlor A"]
    html = response.content.decode()
    assert "3 use cases" in html
    assert "Over 2 matches: shown newest first, not by relevance" in html
    # The export and the API list them in the same order.
    api = client.get("/api/v1/usecases", {"q": "settlor"}).json()["items"]
    assert [item["title"] for item in api] == ["Deeds", "C settlor", "Settlor A"]

    settings.USECASE_RANK_LIMIT = 3
    assert titles(client.get(LIST_URL, {"q": "settlor"})) == ["C settlor", "Settlor A", "Deeds"]


def counted(response) -> str:
    """The list's count, as the page says it."""
    return re.search(r'class="result-count"[^>]*>([^<]*)<', response.content.decode())[1]


def _use_case_counts(captured) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT COUNT(*)") and '"usecases_usecase"' in query["sql"]
    )


def test_a_search_counts_exactly_up_to_its_own_cap_and_once(as_user, org, settings):
    settings.USECASE_SEARCH_COUNT_CAP = 3
    settings.USECASE_RANK_LIMIT = 2
    for n in range(5):
        make_usecase(org=org, title=f"Claims triage {n}")
    make_usecase(org=org, title="Forecast demand", who="Planners", problem="Queues surprise us.")
    client = as_user(org.member)
    listed = UseCase.objects.count()

    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_URL, {"q": "claims"})
    assert counted(response) == "More than 3 use cases"
    assert "Over 2 matches: shown newest first" in response.content.decode()
    assert _use_case_counts(captured) == 1  # ranking's count is the page's count
    # Another sort reads the matches in its order, and counts them to the same cap.
    response = client.get(LIST_URL, {"q": "claims", "sort": "title"})
    assert counted(response) == "More than 3 use cases"
    assert titles(response)[0] == "Claims triage 0"
    # The list without a search counts to the list's own cap.
    assert counted(client.get(LIST_URL)) == f"{listed} use cases"

    settings.USECASE_SEARCH_COUNT_CAP = 5
    response = client.get(LIST_URL, {"q": "claims"})
    assert counted(response) == "5 use cases"
    assert len(titles(response)) == 5
    # Ranked, and past the search's cap: the count says so, the rows are still the best first.
    settings.USECASE_SEARCH_COUNT_CAP, settings.USECASE_RANK_LIMIT = 3, 10
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_URL, {"q": "claims"})
    assert counted(response) == "More than 3 use cases"
    assert "shown newest first" not in response.content.decode()
    assert _use_case_counts(captured) == 1
    # Nothing to search by (punctuation alone): the list's own count.
    assert counted(client.get(LIST_URL, {"q": "!!!"})) == f"{listed} use cases"


def _plan(queryset) -> str:
    """The plan of ``queryset`` for the use cases this test made: the table's statistics are
    read from them first (``ANALYZE``), not left from whatever earlier tests committed, which
    could make a tie between two indexes fall either way."""
    return plan_avoiding_table_reads(*queryset.query.sql_with_params(), analyze="usecases_usecase")


def test_the_trigram_index_answers_a_search_inside_tokens(org, trust):
    found = search_usecases(UseCase.objects.order_by(), "settlor")
    assert "usecase_search_trgm" in _plan(found)


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("title", "usecase_title_number"),
        ("-title", "usecase_title_desc_number"),
        ("updated", "usecase_updated_number"),
        ("-updated", "usecase_updated_desc_number"),
    ],
)
def test_each_sort_of_the_list_reads_its_index(org, trust, sort, index):
    ordered = UseCaseFilter({"sort": sort}, queryset=UseCase.objects.all()).qs[:25]
    assert index in _plan(ordered)
