"""Personal access tokens on the API: a live token acts as its person; every other is a 401
problem; a read token may not write; each token has its own rate."""

import json
import types
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError

from api import tokens
from api.auth import RateLimited, TokenAuth
from api.models import AccessToken, RateWindow
from tests.concurrency import at_once

URL = "/api/v1/usecases"


def bearer(text):
    return {"HTTP_AUTHORIZATION": f"Bearer {text}"}


def refused(response, status=401):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)


def test_a_live_token_reads_as_its_person(client, org, django_assert_max_num_queries):
    token, text = tokens.create(org.member, name="Nightly report", scope="read")
    with django_assert_max_num_queries(8):
        response = client.get(URL, **bearer(text))
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": timezone.now()},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["revoked", "expired"],
)
def test_a_revoked_or_expired_token_is_refused(client, org, change):
    token, text = tokens.create(org.member, name="Old script", scope="write")
    AccessToken.objects.filter(pk=token.pk).update(**change)
    body = refused(client.get(URL, **bearer(text)))
    assert body["title"] == "Unauthorized"


@pytest.mark.parametrize(
    "text",
    ["ucr_abcdefghijkl_" + "x" * 43, "not-a-token", "ucr_", "", "ucr_a_b_c"],
    ids=["unknown", "malformed", "bare-prefix", "empty", "wrong-shape"],
)
def test_an_unknown_or_malformed_token_is_refused(client, org, text):
    tokens.create(org.member, name="Real one", scope="read")
    refused(client.get(URL, **bearer(text)))


def test_a_wrong_secret_with_a_real_prefix_is_refused(client, org):
    token, text = tokens.create(org.member, name="Real one", scope="read")
    refused(client.get(URL, **bearer(text[:-4] + "AAAA")))


def test_a_deactivated_persons_token_is_refused(client, org):
    token, text = tokens.create(org.member, name="Left behind", scope="read")
    org.member.is_active = False
    org.member.save(update_fields=["is_active"])
    refused(client.get(URL, **bearer(text)))


def test_a_bad_token_is_refused_even_beside_a_session(client, org):
    client.force_login(org.member)
    refused(client.get(URL, **bearer("ucr_nope")))
    assert client.get(URL).status_code == 200


def test_the_secret_is_never_stored_in_clear(org):
    token, text = tokens.create(org.member, name="Hashed", scope="read")
    secret = text.split("_", 2)[2]
    row = AccessToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    assert text.startswith(f"ucr_{row['prefix']}_")


def test_use_marks_the_token_at_most_once_a_minute(client, org):
    token, text = tokens.create(org.member, name="Counter", scope="read")
    assert token.last_used_at is None
    client.get(URL, **bearer(text))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(URL, **bearer(text))
    token.refresh_from_db()
    assert token.last_used_at == first
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(URL, **bearer(text))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def _request(method, text):
    request = getattr(RequestFactory(), method.lower())(URL, **bearer(text))
    return request


def test_a_read_token_may_not_write(org):
    token, text = tokens.create(org.member, name="Reader", scope="read")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with pytest.raises(HttpError) as refusal:
            TokenAuth()(_request(method, text))
        assert refusal.value.status_code == 403
        assert str(refusal.value) == "This token may only read"
    request = _request("GET", text)
    assert TokenAuth()(request) == org.member
    assert request.api_token == token and request.user == org.member


def test_a_write_token_may_write_as_its_person(org):
    token, text = tokens.create(org.member, name="Writer", scope="write")
    request = _request("POST", text)
    assert TokenAuth()(request) == org.member
    assert request.api_token.can_write


def test_a_read_token_posting_gets_a_403_problem(org):
    """The refusal goes through the API's own error handling, as an operation's authentication
    sends it: the status's title and the reason as the detail."""
    from api.main import api

    token, text = tokens.create(org.member, name="Reader", scope="read")
    request = _request("POST", text)
    with pytest.raises(HttpError) as refusal:
        TokenAuth()(request)
    response = api.on_exception(request, refusal.value)
    body = refused(response, 403)
    assert (body["title"], body["detail"]) == ("Forbidden", "This token may only read")


def test_an_unknown_token_raises_authentication_error(org):
    with pytest.raises(AuthenticationError):
        TokenAuth()(_request("GET", "ucr_abcdefghijkl_" + "y" * 43))


def test_past_the_rate_a_token_gets_429_with_retry_after(client, org, settings):
    settings.API_RATE_PER_MINUTE = 2
    token, text = tokens.create(org.member, name="Busy", scope="read")
    other, other_text = tokens.create(org.member, name="Calm", scope="read")
    assert client.get(URL, **bearer(text)).status_code == 200
    assert client.get(URL, **bearer(text)).status_code == 200
    response = client.get(URL, **bearer(text))
    body = refused(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert body["title"] == "Too many requests"
    assert client.get(URL, **bearer(other_text)).status_code == 200


@pytest.fixture
def clock(monkeypatch):
    """The rate's clock, held in the middle of a minute (so no test straddles two windows)."""
    now = types.SimpleNamespace(seconds=1_800_000_030.0)
    monkeypatch.setattr("api.auth.time", types.SimpleNamespace(time=lambda: now.seconds))
    return now


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rate_holds_across_worker_processes(org, settings, clock):
    """Two clients on two database connections (as two gunicorn workers would be) share the
    token's count: together they get the rate, not twice it."""
    settings.API_RATE_PER_MINUTE = 5
    token, text = tokens.create(org.member, name="Busy", scope="read")

    def burst():
        client = Client()
        return [client.get(URL, **bearer(text)) for _ in range(4)]

    first, second = at_once(burst, burst)
    codes = [response.status_code for response in first + second]
    assert sorted(codes) == [200] * 5 + [429] * 3
    refusal = next(response for response in first + second if response.status_code == 429)
    assert refusal["Retry-After"] == "30"

    clock.seconds += 60  # the next minute: a fresh count, and the past one is gone
    assert Client().get(URL, **bearer(text)).status_code == 200
    assert list(RateWindow.objects.values_list("minute", "count")) == [(30_000_001, 1)]


def test_requests_another_worker_counted_use_up_the_rate_here(client, org, settings, clock):
    """The count lives in the database, not in this process: what another worker process
    counted this minute is refused here."""
    settings.API_RATE_PER_MINUTE = 3
    token, text = tokens.create(org.member, name="Busy", scope="read")
    RateWindow.objects.create(token=token, minute=30_000_000, count=2)
    assert client.get(URL, **bearer(text)).status_code == 200
    refused(client.get(URL, **bearer(text)), 429)
    assert RateWindow.objects.get(token=token).count == 4


def test_rate_limited_carries_seconds():
    assert RateLimited(5).retry_after == 5


@pytest.mark.parametrize("path", ["/api/", "/api/v1/", "/api/v1/no-such-thing", "/api/v2/usecases"])
def test_a_path_no_operation_has_answers_as_the_api_does(path, client, org):
    """401 problem+json without credentials, 404 problem+json with them: never the pages' HTML
    404 or a redirect to the sign-in page."""
    anonymous = client.get(path)
    assert (anonymous.status_code, anonymous["Content-Type"]) == (401, "application/problem+json")
    _, text = tokens.create(org.member, name="script", scope="read")
    known = client.get(path, headers={"Authorization": f"Bearer {text}"})
    assert (known.status_code, known["Content-Type"]) == (404, "application/problem+json")
    assert "openapi.json" in known.json()["detail"]
    client.force_login(org.member)
    assert client.get(path).status_code == 404
