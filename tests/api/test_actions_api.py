"""Workflow actions through the API: the pages' rules (who may, from which state), HTTP's
optimistic locking (If-Match: 428 without, 412 with another version and what changed), every
refusal as problem+json with nothing changed."""

import pytest

from tests.conftest import advance_usecase, make_usecase
from usecases.choices import Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def act(client, usecase, action, version=None, **body):
    headers = {} if version is None else {"If-Match": f'"{version}"'}
    return client.post(
        f"/api/v1/usecases/{usecase.key}/actions/{action}",
        body,
        content_type="application/json",
        headers=headers,
    )


def test_a_lead_submits_with_the_version_read_and_gets_the_next(as_user, org):
    usecase = make_usecase(org=org, owner=org.owner)
    response = act(as_user(org.lead), usecase, "submit", usecase.version)

    assert response.status_code == 200
    assert response.json()["status"] == Status.IN_REVIEW
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert response["ETag"] == f'"{fresh.version}"' and fresh.version > usecase.version


def test_without_if_match_428_and_with_an_old_version_412_saying_what_changed(as_user, org):
    usecase = make_usecase(org=org, owner=org.owner)
    client = as_user(org.lead)

    missing = act(client, usecase, "submit")
    assert missing.status_code == 428 and missing["Content-Type"] == "application/problem+json"

    assert act(client, usecase, "submit", usecase.version).status_code == 200
    again = act(client, usecase, "submit", usecase.version)  # a second client, same ETag
    assert again.status_code == 412
    body = again.json()
    assert body["version"] == UseCase.objects.get(pk=usecase.pk).version
    assert [change["by"] for change in body["changes"]] == ["Leo Lead"]
    assert UseCase.objects.get(pk=usecase.pk).status == Status.IN_REVIEW


def test_the_pages_rules_hold_a_member_may_not_submit_nor_an_author_approve(as_user, org):
    usecase = make_usecase(org=org, owner=org.owner, author=org.lead)
    refused = act(as_user(org.member), usecase, "submit", usecase.version)
    assert refused.status_code == 403 and UseCase.objects.get(pk=usecase.pk).status == Status.DRAFT

    in_review = advance_usecase(usecase, org=org, to="in_review")
    own = act(as_user(org.lead), in_review, "approve", in_review.version)
    assert own.status_code == 403
    assert UseCase.objects.get(pk=usecase.pk).status == Status.IN_REVIEW


def test_a_rejection_without_its_rationale_is_refused_naming_the_field(as_user, org):
    usecase = advance_usecase(make_usecase(org=org, owner=org.owner), org=org, to="in_review")
    response = act(as_user(org.reviewer), usecase, "reject", usecase.version)

    assert response.status_code in (400, 409)
    assert response["Content-Type"] == "application/problem+json"
    assert UseCase.objects.get(pk=usecase.pk).status == Status.IN_REVIEW


def test_the_owner_signs_off_through_the_api(as_user, org):
    usecase = advance_usecase(
        make_usecase(org=org, owner=org.owner), org=org, to="awaiting_sign_off"
    )
    client = as_user(org.owner)

    unaccepted = act(client, usecase, "sign_off", usecase.version)
    assert unaccepted.status_code in (400, 409)
    signed = act(client, usecase, "sign_off", usecase.version, accepted=True)

    assert signed.status_code == 200 and signed.json()["status"] == Status.ACTIVE


def test_an_unknown_action_or_use_case_is_404_and_anonymous_401(client, as_user, org):
    usecase = make_usecase(org=org)
    assert act(client, usecase, "submit", usecase.version).status_code == 401
    signed_in = as_user(org.lead)
    assert act(signed_in, usecase, "launch", usecase.version).status_code == 404
    usecase.number = 99999999
    assert act(signed_in, usecase, "submit", 1).status_code == 404


def test_a_session_s_write_needs_its_csrf_token(org):
    from django.test import Client

    usecase = make_usecase(org=org, owner=org.owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.lead)

    response = act(client, usecase, "submit", usecase.version)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert UseCase.objects.get(pk=usecase.pk).status == Status.DRAFT
