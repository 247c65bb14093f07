"""What the API refuses, and how: a method a path does not have (405 problem+json, after the
credentials), If-Match as RFC 9110 reads it, an action the state does not start from (409, as the
page answers), a field the form does not have, a token past the ceiling of live tokens. Each
refusal changes nothing."""

import pytest
from django.test import Client

from api import tokens
from tests.conftest import advance_usecase, make_usecase
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def bearer(user, scope="write") -> dict:
    _, text = tokens.create(user, name="script", scope=scope)
    return {"Authorization": f"Bearer {text}"}


@pytest.mark.parametrize("method", ["put", "delete", "options"])
def test_a_method_the_path_lacks_is_401_without_credentials_and_405_with(method, org):
    usecase = make_usecase(org=org)
    path = f"/api/v1/usecases/{usecase.key}"

    anonymous = getattr(Client(), method)(path)
    known = getattr(Client(), method)(path, headers=bearer(org.admin))

    assert (anonymous.status_code, anonymous["Content-Type"]) == (401, "application/problem+json")
    assert (known.status_code, known["Content-Type"]) == (405, "application/problem+json")
    assert set(known["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}
    assert UseCase.objects.filter(pk=usecase.pk, version=usecase.version).exists()


@pytest.mark.parametrize(
    ("if_match", "status"),
    [("", 428), ('W/"{v}"', 412), ('"{v}x"', 412), ('"{stale}"', 412), ("*", 200), ('"{v}"', 200)],
)
def test_if_match_is_read_as_http_reads_it(if_match, status, org):
    usecase = make_usecase(org=org)
    value = if_match.format(v=usecase.version, stale=usecase.version - 1)
    headers = {**bearer(org.member), **({"If-Match": value} if value else {})}

    response = Client().patch(
        f"/api/v1/usecases/{usecase.key}",
        {"title": "Sort incoming post"},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == status, response.content
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert (fresh.title == "Sort incoming post") == (status == 200)


def test_an_action_the_state_does_not_start_from_is_a_conflict_as_on_the_page(org):
    usecase = advance_usecase(make_usecase(org=org, owner=org.owner), org=org, to="active")

    response = Client().post(
        f"/api/v1/usecases/{usecase.key}/actions/approve",
        {},
        content_type="application/json",
        headers={**bearer(org.lead), "If-Match": f'"{usecase.version}"'},
    )

    assert response.status_code == 409
    assert "nothing was changed" in response.json()["detail"]
    assert UseCase.objects.get(pk=usecase.pk).version == usecase.version


@pytest.mark.parametrize("name", ["nope", "version", "original"])
def test_a_field_the_form_lacks_or_keeps_for_itself_is_refused_naming_it(name, org):
    usecase = make_usecase(org=org)

    response = Client().patch(
        f"/api/v1/usecases/{usecase.key}",
        {"title": "Sort incoming post", "fields": {name: "7"}},
        content_type="application/json",
        headers={**bearer(org.member), "If-Match": f'"{usecase.version}"'},
    )

    assert response.status_code == 400
    assert f"fields.{name}" in response.json()["errors"]
    assert UseCase.objects.get(pk=usecase.pk).title == usecase.title


def test_a_body_that_is_no_object_is_refused(org):
    usecase = make_usecase(org=org)

    response = Client().patch(
        f"/api/v1/usecases/{usecase.key}",
        [1, 2],
        content_type="application/json",
        headers={**bearer(org.member), "If-Match": f'"{usecase.version}"'},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert UseCase.objects.get(pk=usecase.pk).version == usecase.version


def test_a_person_holds_at_most_the_ceiling_of_live_tokens(org):
    """Each token has its own rate; more tokens must not mean more rate."""
    for number in range(tokens.MAX_LIVE_TOKENS):
        tokens.create(org.member, name=f"script {number}", scope="read")

    with pytest.raises(tokens.TokenError, match="revoke one first"):
        tokens.create(org.member, name="one more", scope="read")
    tokens.revoke(org.member, org.member.access_tokens.first().pk)
    tokens.create(org.member, name="after revoking", scope="read")
    assert org.member.access_tokens.filter(revoked_at=None).count() == tokens.MAX_LIVE_TOKENS


def test_a_read_tokens_write_is_refused_with_a_detail(org):
    usecase = make_usecase(org=org)

    response = Client().patch(
        f"/api/v1/usecases/{usecase.key}",
        {"title": "Sort incoming post"},
        content_type="application/json",
        headers={**bearer(org.member, scope="read"), "If-Match": f'"{usecase.version}"'},
    )

    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"
    assert response.json()["detail"] == "This token may only read"
