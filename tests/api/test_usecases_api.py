"""The API's use cases: read by whoever may read the list, in the list's filters and cursor pages,
one use case with its version as ETag; every refusal as problem+json; without a session (or, later,
a token) 401, never the sign-in page; the OpenAPI document and the docs open to all, served from
the registry's own files."""

import pytest

from tests.conftest import ROLES, make_usecase
from usecases.choices import Status

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
    make_usecase(org=org)
    with django_assert_max_num_queries(10) as few:
        assert client.get(LIST).status_code == 200
    for number in range(30):
        make_usecase(org=org, title=f"More {number}", owner=org.owner)
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
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
