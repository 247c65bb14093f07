"""The API's use cases: read by whoever may read the list, in the list's filters and cursor pages,
one use case with its version as ETag; every refusal as problem+json; without a session (or, later,
a token) 401, never the sign-in page; the OpenAPI document and the docs open to all, served from
the registry's own files."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import ROLES, make_usecase
from usecases.choices import REGISTER_FIELDS, Status
from usecases.filters import UseCaseFilter
from usecases.models import CustomField, CustomFieldType, UseCase

pytestmark = pytest.mark.django_db

LIST = "/api/v1/usecases"


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def test_without_a_session_the_api_answers_401_never_the_sign_in_page(client, org):
    usecase = make_usecase(org=org)
    for url in (LIST, f"{LIST}/{usecase.key}"):
        body = _problem(client.get(url), 401)
        assert body["detail"] == "Sign in, or send an access token."


def test_a_deactivated_person_s_session_is_refused(as_user, org):
    client = as_user(org.member)
    org.member.is_active = False
    org.member.save()
    _problem(client.get(LIST), 401)


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_everyone_signed_in_reads_the_list_and_a_use_case(as_user, org, role):
    usecase = make_usecase(org=org)
    client = as_user(getattr(org, role))

    listed = client.get(LIST)
    one = client.get(f"{LIST}/{usecase.key}")

    assert listed.status_code == 200 and [i["key"] for i in listed.json()["items"]] == [usecase.key]
    assert one.status_code == 200 and one.json()["title"] == usecase.title
    assert one["ETag"] == f'"{usecase.version}"'
    assert one.json()["team"] == {"slug": org.team.slug, "name": org.team.name}


def test_the_list_takes_the_list_page_s_filters_and_pages_by_cursor(as_user, org):
    drafts = [make_usecase(org=org, title=f"Draft {n}") for n in range(5)]
    client = as_user(org.member)

    seen, cursor = [], ""
    while True:
        page = client.get(LIST, {"status": Status.DRAFT, "limit": 2, "cursor": cursor}).json()
        seen += [item["key"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break

    assert seen == [usecase.key for usecase in reversed(drafts)]
    assert client.get(LIST, {"status": Status.ACTIVE}).json()["items"] == []
    assert [i["title"] for i in client.get(LIST, {"q": "Draft 3"}).json()["items"]] == ["Draft 3"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "!!"}, "cursor"),
        ({"sort": "popularity"}, "sort"),
        ({"sort": "-cf_nothing"}, "sort"),
    ],
)
def test_bad_input_is_refused_naming_the_field(as_user, org, query, field):
    body = _problem(as_user(org.member).get(LIST, query), 400)
    assert field in body["errors"]


def test_an_unknown_use_case_is_404_problem(as_user, org):
    body = _problem(as_user(org.member).get(f"{LIST}/UC-99999999"), 404)
    assert body["detail"] == "No use case has the key UC-99999999."


def test_the_list_and_a_use_case_take_fixed_queries_whatever_the_data(
    as_user, org, django_assert_max_num_queries
):
    client = as_user(org.member)
    CustomField.objects.create(name="steward", label="Steward", type=CustomFieldType.PERSON)
    CustomField.objects.create(name="code", label="Code", type=CustomFieldType.TEXT)
    make_usecase(org=org, custom_values={"steward": "owen"})
    # The session, the person, the use cases, the custom fields' definitions, the people named.
    with django_assert_max_num_queries(11) as few:
        assert client.get(LIST).status_code == 200
    people = [org.owner, org.lead, org.member, org.reviewer]
    for number in range(30):
        steward = people[number % len(people)].username
        values = {"steward": steward, "code": f"C-{number}"}
        make_usecase(org=org, title=f"More {number}", owner=org.owner, custom_values=values)
    with django_assert_max_num_queries(len(few)):
        assert client.get(LIST, {"limit": 50}).status_code == 200
    usecase = make_usecase(org=org)
    with django_assert_max_num_queries(len(few)):
        assert client.get(f"{LIST}/{usecase.key}").status_code == 200


def test_the_openapi_document_and_the_docs_are_open_and_served_from_the_registry(client):
    document = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert document.status_code == 200
    assert {"/api/v1/usecases", "/api/v1/usecases/{key}"} <= set(document.json()["paths"])
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    # Nothing loaded from another site (a CDN). Not "cdn" anywhere in the page: a random token on
    # it once held those letters.
    assert re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', page) == []


def test_a_use_case_shows_every_register_field_typed(as_user, org):
    usecase = make_usecase(
        org=org,
        impact_level="high",
        personal_data=True,
        impact_assessments=[
            {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
            {"kind": "iama", "date": "", "link": ""},
        ],
        techniques=["nlp"],
        documentation_urls=["https://docs.example.org/a"],
        started_on=timezone.localdate().replace(year=2024, month=5, day=1),
    )

    shown = as_user(org.member).get(f"{LIST}/{usecase.key}").json()

    assert set(REGISTER_FIELDS) <= set(shown)
    assert (shown["impact_level"], shown["personal_data"], shown["sourcing"]) == ("high", True, "")
    assert shown["impact_assessments"] == [
        {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
        {"kind": "iama", "date": None, "link": ""},
    ]
    assert (shown["techniques"], shown["documentation_urls"]) == (
        ["nlp"],
        ["https://docs.example.org/a"],
    )
    assert (shown["started_on"], shown["ended_on"], shown["lifecycle_stage"]) == (
        "2024-05-01",
        None,
        "idea",
    )


def test_the_openapi_document_types_every_register_field_both_ways(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    shown, sent = schemas["UseCaseOut"]["properties"], schemas["UseCaseIn"]["properties"]

    assert set(REGISTER_FIELDS) <= set(shown) and set(REGISTER_FIELDS) <= set(sent)
    assert shown["impact_level"]["enum"] == ["", "high", "not_high", "presumed_not_high"]
    assert shown["started_on"]["anyOf"][0] == {"format": "date", "type": "string"}
    assert "Could its output significantly affect" in sent["impact_level"]["description"]
    assert {"text", "person"} <= set(shown["custom_fields"]["items"]["discriminator"]["mapping"])


# --- Sorting: the list page's sorts, a keyset cursor under each ---------------------------------

T = CustomFieldType


@pytest.fixture
def sortable(org):
    """Use cases with equal titles, equal edit times and custom values left empty, by which
    every sort has ties and NULLs to keep straight across pages."""
    for name, type_ in [
        ("rank", T.INTEGER),
        ("score", T.DECIMAL),
        ("due", T.DATE),
        ("flag", T.BOOLEAN),
        ("tier", T.CHOICE),
        ("steward", T.PERSON),
        ("code", T.TEXT),
    ]:
        choices = ["Gold", "Silver"] if type_ == T.CHOICE else []
        CustomField.objects.create(name=name, label=name.title(), type=type_, choices=choices)
    rows = [
        ("Alpha", {"rank": 2, "score": "1.5", "flag": "yes", "tier": "Gold", "steward": "owen"}),
        ("alpha", {"rank": 2, "due": "2025-01-01", "flag": "no", "code": "b"}),
        ("Beta", {"score": "1.5", "steward": "leo", "code": "B"}),
        ("Beta", {"rank": -7, "due": "2025-01-01", "tier": "Silver"}),
        ("Beta", {}),
        ("Gamma", {"rank": 2, "score": "10", "flag": "yes", "steward": "owen", "code": "a"}),
        ("Delta", {"due": "2024-12-31", "flag": "no", "tier": "Gold"}),
        ("Alpha", {"rank": 900, "score": "-3", "steward": "mia"}),
    ]
    made = [make_usecase(org=org, title=title, custom_values=values) for title, values in rows]
    same_time = timezone.now() - timedelta(days=3)
    UseCase.objects.filter(pk__in=[usecase.pk for usecase in made[2:6]]).update(
        updated_at=same_time
    )
    return made


def _walk(client, sort: str, limit: int) -> list[str]:
    seen, cursor = [], ""
    while True:
        response = client.get(LIST, {"sort": sort, "limit": limit, "cursor": cursor})
        assert response.status_code == 200, (sort, response.content)
        page = response.json()
        seen += [item["key"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            return seen


def test_every_sort_of_the_list_page_pages_through_each_use_case_once_in_its_order(
    as_user, org, sortable
):
    client = as_user(org.member)
    sorts = [
        value
        for value, _ in UseCaseFilter({}, queryset=UseCase.objects.all())
        .filters["sort"]
        .extra["choices"]
        if value
    ]
    assert {"title", "-updated", "cf_rank", "-cf_steward"} <= set(sorts)

    for sort in ["", *sorts]:
        ordered = UseCaseFilter({"sort": sort}, queryset=UseCase.objects.all()).qs
        expected = [usecase.key for usecase in ordered]
        assert len(expected) == len(sortable)
        for limit in (1, 3):
            assert _walk(client, sort, limit) == expected, (sort, limit)


def test_a_cursor_page_reads_after_the_last_row_never_by_offset(as_user, org, sortable):
    client = as_user(org.member)
    first = client.get(LIST, {"sort": "title", "limit": 3}).json()

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, {"sort": "title", "limit": 3, "cursor": first["next_cursor"]})

    listed = [query["sql"] for query in queries if 'FROM "usecases_usecase"' in query["sql"]]
    assert listed and not any("OFFSET" in sql for sql in listed)


def test_a_cursor_of_another_sort_is_refused_naming_the_cursor(as_user, org, sortable):
    client = as_user(org.member)
    cursor = client.get(LIST, {"sort": "title", "limit": 2}).json()["next_cursor"]

    response = client.get(LIST, {"sort": "-cf_rank", "cursor": cursor})

    assert "another sort" in _problem(response, 400)["errors"]["cursor"]


def test_with_a_token_the_list_and_a_use_case_cost_the_same_queries_at_any_size(org):
    """What README promises a script: the same number of queries for 1 use case or 31, with the
    token's check and rate count included."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api import tokens

    _, text = tokens.create(org.member, name="script", scope="read")
    client = Client(headers={"Authorization": f"Bearer {text}"})
    CustomField.objects.create(name="steward", label="Steward", type=CustomFieldType.PERSON)
    first = make_usecase(org=org, custom_values={"steward": "owen"})
    client.get(LIST)  # the token's last use is recorded once a minute: not in what is counted

    def counted(path, **params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, params).status_code == 200
        return len(queries)

    small = counted(LIST), counted(f"{LIST}/{first.key}")
    for number in range(30):
        make_usecase(org=org, title=f"More {number}", custom_values={"steward": org.lead.username})
    assert (counted(LIST, limit=50), counted(f"{LIST}/{first.key}")) == small == (6, 5)
