"""A token through the write endpoints: a write token changes what its person may change (no CSRF:
a token is no cookie); a read token changes nothing, anywhere."""

import pytest
from django.test import Client

from api import tokens
from tests.conftest import make_usecase
from usecases.choices import Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def _bearer(user, scope):
    _, text = tokens.create(user, name=f"{scope} script", scope=scope)
    return {"Authorization": f"Bearer {text}"}


def test_a_write_token_submits_and_a_read_token_is_refused_everywhere(org):
    usecase = make_usecase(org=org, owner=org.owner)
    client = Client(enforce_csrf_checks=True)
    reader, writer = _bearer(org.lead, "read"), _bearer(org.lead, "write")
    version = {"If-Match": f'"{usecase.version}"'}
    base = f"/api/v1/usecases/{usecase.key}"

    refused = [
        client.post(
            f"{base}/actions/submit",
            {},
            content_type="application/json",
            headers={**reader, **version},
        ),
        client.patch(
            base, {"title": "X"}, content_type="application/json", headers={**reader, **version}
        ),
        client.post(
            "/api/v1/usecases",
            {"title": "Y", "team": org.team.slug},
            content_type="application/json",
            headers=reader,
        ),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert UseCase.objects.count() == 1 and UseCase.objects.get().status == Status.DRAFT

    done = client.post(
        f"{base}/actions/submit", {}, content_type="application/json", headers={**writer, **version}
    )
    assert done.status_code == 200 and done.json()["status"] == Status.IN_REVIEW
