"""Creating and changing a use case through the API: the pages' form and services (its checks and
messages), the fields sent changed and the rest kept; two clients with one ETag: one wins, the
other gets 412 and nothing of theirs is written."""

import pytest
from django.test import Client

from tests.conftest import make_usecase
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_draft_in_their_team(as_user, org):
    response = as_user(org.member).post(
        "/api/v1/usecases",
        {"title": "Route appeals", "team": org.team.slug, "products": [org.product.slug]},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    created = UseCase.objects.get(title="Route appeals")
    assert response["Location"] == f"/api/v1/usecases/{created.key}"
    assert (created.team, created.author, list(created.products.all())) == (
        org.team,
        org.member,
        [org.product],
    )


def test_a_draft_in_a_team_of_others_or_without_a_title_is_refused(as_user, org):
    client = as_user(org.member)
    other = client.post(
        "/api/v1/usecases",
        {"title": "Elsewhere", "team": org.other_team.slug},
        content_type="application/json",
    )
    untitled = client.post(
        "/api/v1/usecases", {"team": org.team.slug}, content_type="application/json"
    )

    assert other.status_code == 400 and "team" in other.json()["errors"]
    assert untitled.status_code == 400 and "title" in untitled.json()["errors"]
    assert not UseCase.objects.exists()


def test_a_change_writes_what_was_sent_and_keeps_the_rest(as_user, org):
    usecase = make_usecase(org=org, owner=org.owner)
    response = as_user(org.member).patch(
        f"/api/v1/usecases/{usecase.key}",
        {"title": "Triage benefit claims on arrival"},
        content_type="application/json",
        headers={"If-Match": f'"{usecase.version}"'},
    )

    assert response.status_code == 200
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert fresh.title == "Triage benefit claims on arrival"
    assert (fresh.who, fresh.problem, fresh.owner) == (usecase.who, usecase.problem, org.owner)
    assert response["ETag"] == f'"{fresh.version}"'


def test_two_clients_with_one_etag_one_wins_the_other_gets_412(org):
    usecase = make_usecase(org=org)
    first, second = Client(), Client()
    first.force_login(org.member)
    second.force_login(org.lead)
    headers = {"If-Match": f'"{usecase.version}"'}

    won = first.patch(
        f"/api/v1/usecases/{usecase.key}",
        {"title": "First"},
        content_type="application/json",
        headers=headers,
    )
    lost = second.patch(
        f"/api/v1/usecases/{usecase.key}",
        {"title": "Second"},
        content_type="application/json",
        headers=headers,
    )

    assert (won.status_code, lost.status_code) == (200, 412)
    assert UseCase.objects.get(pk=usecase.pk).title == "First"


def test_a_change_without_if_match_or_by_someone_outside_the_team_changes_nothing(as_user, org):
    usecase = make_usecase(org=org)
    url = f"/api/v1/usecases/{usecase.key}"
    missing = as_user(org.member).patch(url, {"title": "X"}, content_type="application/json")
    outsider = as_user(org.non_member).patch(
        url,
        {"title": "X"},
        content_type="application/json",
        headers={"If-Match": f'"{usecase.version}"'},
    )

    assert (missing.status_code, outsider.status_code) == (428, 403)
    assert UseCase.objects.get(pk=usecase.pk).title == usecase.title
