"""The use-case list filters and sorts by custom fields and shows them as columns on request; the
list, detail and form pages cost the same queries with no custom field and with thirty."""

import pytest

from tests.conftest import make_usecase
from tests.usecases.views.test_query_budget import BUDGET, add_usecases
from usecases.models import CustomField, CustomFieldType, UseCase

pytestmark = pytest.mark.django_db
T = CustomFieldType


def define(name, type_, label=None, **fields):
    return CustomField.objects.create(
        name=name, label=label or name.replace("_", " ").capitalize(), type=type_, **fields
    )


def keys(response) -> list[str]:
    return [usecase.key for usecase in response.context["page"].object_list]


@pytest.fixture
def three(org):
    define("cost_centre", T.TEXT, "Cost centre")
    define("budget", T.DECIMAL)
    define("tier", T.CHOICE, choices=["Gold", "Silver"])
    define("regions", T.MULTIPLE_CHOICE, choices=["North", "South"])
    define("audited", T.BOOLEAN)
    define("steward", T.PERSON)
    define("review_on", T.DATE)
    values = [
        {
            "cost_centre": "CC-200",
            "budget": "9.5",
            "tier": "Gold",
            "regions": ["North"],
            "audited": True,
            "steward": "owen",
            "review_on": "2025-01-31",
        },
        {
            "cost_centre": "cc-100",
            "budget": "10",
            "tier": "Silver",
            "regions": ["North", "South"],
            "audited": False,
            "steward": "mia",
            "review_on": "2025-02-28",
        },
        {},
    ]
    return [make_usecase(org=org, title=f"Case {n}", custom_values=v) for n, v in enumerate(values)]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("cf_cost_centre=cc-", [1, 0]),
        ("cf_budget=9,5", [0]),
        ("cf_tier=Silver", [1]),
        ("cf_regions=North", [1, 0]),
        ("cf_regions=South", [1]),
        ("cf_audited=no", [1]),
        ("cf_steward=owen", [0]),
        ("cf_review_on=2025-02-28", [1]),
        ("cf_steward=nobody", []),
    ],
)
def test_the_list_filters_by_each_type(as_user, org, three, query, expected):
    response = as_user(org.member).get(f"/usecases/?{query}")
    assert not response.context["filter"].errors
    assert keys(response) == [three[n].key for n in expected]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("cf_cost_centre", [1, 0, 2]),
        ("-cf_cost_centre", [0, 1, 2]),
        ("cf_budget", [0, 1, 2]),  # 9.5 before 10: numbers, not text
        ("-cf_budget", [1, 0, 2]),  # empty last either way
        ("cf_steward", [1, 0, 2]),  # Member before Owner
    ],
)
def test_the_list_sorts_by_a_custom_field(as_user, org, three, sort, expected):
    response = as_user(org.member).get(f"/usecases/?sort={sort}")
    assert keys(response) == [three[n].key for n in expected]


def test_columns_show_on_request(as_user, org, three):
    client = as_user(org.member)
    assert "CC-200" not in client.get("/usecases/").content.decode()
    page = client.get("/usecases/?columns=cf_cost_centre&columns=cf_steward").content.decode()
    assert '<th scope="col">Cost centre</th>' in page
    assert "CC-200" in page and "Owen Owner" in page


def test_an_unknown_filter_value_is_named_and_ignored(as_user, org, three):
    response = as_user(org.member).get("/usecases/?cf_tier=Platinum&sort=cf_nothing")
    assert set(response.context["filter"].errors) == {"cf_tier", "sort"}
    assert len(keys(response)) == 3


def thirty_fields():
    kinds = list(CustomFieldType)
    for n in range(30):
        kind = kinds[n % len(kinds)]
        choices = ["A", "B"] if kind in (T.CHOICE, T.MULTIPLE_CHOICE) else []
        define(f"field_{n}", kind, f"Field {n}", choices=choices, required_for_review=n % 2 == 0)


def fill(usecases, org):
    for usecase in usecases:
        usecase.custom_values = {
            "field_0": "x",
            "field_1": "long",
            "field_9": org.owner.pk,
            "field_19": org.lead.pk,
        }
    UseCase.objects.bulk_update(usecases, ["custom_values"])


def test_list_detail_and_form_cost_the_same_with_no_custom_field_and_thirty(
    as_user, org, page_queries
):
    client = as_user(org.member)
    add_usecases(org, 30)
    usecase = make_usecase(org=org)
    fill(UseCase.objects.all(), org)  # values in place (and in the history) before any field
    columns = "&".join(f"columns=cf_field_{n}" for n in range(30))
    urls = [
        "/usecases/",
        f"/usecases/?sort=cf_field_0&{columns}&cf_field_0=x",
        usecase.get_absolute_url(),
        f"/usecases/{usecase.key}/edit/",
    ]
    without = [page_queries(client, url, budget=BUDGET) for url in urls]
    thirty_fields()
    with_thirty = [page_queries(client, url, budget=BUDGET) for url in urls]
    # Whatever their number, the definitions are one query (in both counts); the pages that
    # show people from person fields add one query for all their names.
    assert [b - a for a, b in zip(without, with_thirty, strict=True)] == [0, 1, 1, 1]


def test_the_list_filters_and_sorts_by_a_whole_number(as_user, org):
    define("headcount", T.INTEGER)
    small = make_usecase(org=org, title="Small", custom_values={"headcount": 5})
    big = make_usecase(org=org, title="Big", custom_values={"headcount": 3_000_000_000})
    client = as_user(org.member)
    assert keys(client.get("/usecases/?cf_headcount=5")) == [small.key]
    assert keys(client.get("/usecases/?sort=-cf_headcount"))[:2] == [big.key, small.key]


@pytest.mark.parametrize("typed", ["5.5", "five"])
def test_a_whole_number_filter_names_what_is_no_whole_number(as_user, org, typed):
    define("headcount", T.INTEGER)
    make_usecase(org=org, custom_values={"headcount": 5})
    response = as_user(org.member).get(f"/usecases/?cf_headcount={typed}")
    assert response.status_code == 200
    assert "cf_headcount" in response.context["filter"].errors


@pytest.mark.parametrize("typed", ["1,250", "twelve"])
def test_a_decimal_filter_names_an_ambiguous_or_garbage_number(as_user, org, typed):
    define("budget", T.DECIMAL)
    make_usecase(org=org, custom_values={"budget": "1250"})
    response = as_user(org.member).get(f"/usecases/?cf_budget={typed}")
    assert response.status_code == 200
    assert "cf_budget" in response.context["filter"].errors
