"""Creating and changing a use case through the API: the pages' form and services (its checks and
messages), the fields sent changed and the rest kept; two clients with one ETag: one wins, the
other gets 412 and nothing of theirs is written."""

import pytest
from django.test import Client

from tests.conftest import advance_usecase, make_usecase
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


def patch(client, usecase, body):
    """``body`` sent as a change of ``usecase`` at the version it has."""
    return client.patch(
        f"/api/v1/usecases/{usecase.key}",
        body,
        content_type="application/json",
        headers={"If-Match": f'"{usecase.version}"'},
    )


def test_register_fields_are_sent_typed_and_stored_as_the_page_stores_them(as_user, org):
    usecase = make_usecase(org=org, vendor="Kept Ltd")
    sent = {
        "contact_email": "ai-office@example.org",
        "sourcing": "vendor",
        "impact_level": "high",
        "personal_data": False,
        "impact_assessments": [
            {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
            {"kind": "iama"},
        ],
        "techniques": ["nlp", "classical_ml"],
        "documentation_urls": ["https://docs.example.org/a", "https://docs.example.org/b"],
        "started_on": "2024-05-01",
        "lifecycle_stage": "pilot",
        "metric_name": "Days to decide",
        "metric_baseline": 12.5,
        "business_value": 4,
    }

    response = patch(as_user(org.member), usecase, sent)

    assert response.status_code == 200, response.content
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert (fresh.vendor, fresh.contact_email, fresh.impact_level) == (
        "Kept Ltd",
        "ai-office@example.org",
        "high",
    )
    assert fresh.personal_data is False
    assert fresh.impact_assessments == [
        {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
        {"kind": "iama", "date": "", "link": ""},
    ]
    assert sorted(fresh.techniques) == ["classical_ml", "nlp"]
    assert fresh.documentation_urls == sent["documentation_urls"]
    assert (str(fresh.started_on), fresh.lifecycle_stage, str(fresh.metric_baseline)) == (
        "2024-05-01",
        "pilot",
        "12.5000",
    )
    shown = response.json()
    assert (shown["personal_data"], shown["business_value"]) == (False, 4)


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"impact_level": "extreme"}, "impact_level"),
        ({"personal_data": "perhaps"}, "personal_data"),
        ({"techniques": ["quantum"]}, "techniques"),
        ({"started_on": "2024-13-01"}, "started_on"),
        ({"business_value": 9}, "business_value"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"documentation_urls": ["docs.example.org"]}, "documentation_urls"),
        ({"impact_assessments": [{"kind": "dpia", "link": "ftp://x.org"}]}, "impact_assessments"),
        ({"ended_on": "2020-01-01", "started_on": "2024-01-01"}, "ended_on"),
    ],
)
def test_a_register_value_of_the_wrong_type_or_choice_is_refused_naming_it(
    as_user, org, sent, field
):
    usecase = make_usecase(org=org)

    response = patch(as_user(org.member), usecase, {"title": "Changed too", **sent})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    # Named as the form names it, or (refused by its type before the form) within the body.
    named = response.json()["errors"]
    assert any(field in name.split(".") for name in named), named
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert (fresh.title, fresh.version) == (usecase.title, usecase.version)


def test_a_reviewed_use_cases_owner_sent_new_is_refused_naming_the_transfer(as_user, org):
    """The page locks the owner of a use case past its draft (ownership moves by a transfer the
    new owner signs); the API refuses a new one instead of answering 200 and keeping the old."""
    usecase = advance_usecase(make_usecase(org=org, owner=org.owner), org=org, to="active")
    client = as_user(org.admin)
    headers = {"If-Match": f'"{usecase.version}"'}
    path = f"/api/v1/usecases/{usecase.key}"

    moved = client.patch(
        path, {"owner": org.member.username}, content_type="application/json", headers=headers
    )
    same = client.patch(
        path, {"owner": org.owner.username}, content_type="application/json", headers=headers
    )

    assert moved.status_code == 400
    assert "Transfer ownership" in moved.json()["errors"]["owner"]
    assert same.status_code == 200  # the owner it has: nothing to refuse
    assert UseCase.objects.get(pk=usecase.pk).owner == org.owner
