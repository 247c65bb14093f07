"""The API tokens pages: each person makes, sees and revokes their own tokens; admins see and
revoke everyone's; nobody else touches a token."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import tokens
from api.models import AccessToken
from tests.conftest import ROLES, expect_admin_only

PAGE = reverse("api_pages:token_list")
ALL = reverse("api_pages:token_list_all")


def revoke_url(token):
    return reverse("api_pages:token_revoke", args=[token.pk])


def make(client, **fields):
    data = {
        "name": "Nightly report",
        "scope": "read",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **fields,
    }
    return client.post(PAGE, data)


def test_anonymous_is_sent_to_sign_in(client, org):
    for url in (PAGE, ALL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_person_makes_a_token_and_sees_it_once(as_user, org):
    client = as_user(org.member)
    response = make(client)
    assert response.status_code == 302 and response["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    token = AccessToken.objects.get()
    assert token.user == org.member and token.scope == "read"
    assert "it is shown only this once" in page
    text = page.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert tokens.authenticate(text) == token
    again = client.get(PAGE).content.decode()
    assert text not in again and "Nightly report" in again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the token a name, so you know later what uses it."),
        ({"expires_on": "2000-01-01"}, "The expiry date must be in the future."),
        (
            {"expires_on": (timezone.localdate() + timedelta(days=400)).isoformat()},
            "A token lasts at most a year",
        ),
        ({"expires_on": ""}, "Choose the day the token stops working."),
        ({"scope": "admin"}, "Select a valid choice."),
    ],
    ids=["empty-name", "past", "beyond-a-year", "no-expiry", "bad-scope"],
)
def test_bad_input_says_why_and_makes_nothing(as_user, org, fields, message):
    response = make(as_user(org.member), **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "No token was made." in page and message in page
    assert not AccessToken.objects.exists()


def test_a_person_sees_only_their_own_tokens(as_user, org):
    tokens.create(org.member, name="Mia script", scope="read")
    tokens.create(org.lead, name="Leo script", scope="write")
    page = as_user(org.member).get(PAGE).content.decode()
    assert "Mia script" in page and "Leo script" not in page
    assert ALL not in page


def test_a_person_revokes_their_own_not_anothers(as_user, org):
    mine, _ = tokens.create(org.member, name="Mine", scope="read")
    theirs, _ = tokens.create(org.lead, name="Theirs", scope="read")
    client = as_user(org.member)
    assert client.post(revoke_url(theirs)).status_code == 404
    response = client.post(revoke_url(mine), follow=True)
    assert "Token “Mine” revoked" in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == "revoked" and theirs.state == "active"


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_everyones_tokens(client, org, role):
    if role != "anonymous":
        client.force_login(getattr(org, role))
    expect_admin_only(client.get(ALL), role)


def test_an_admin_sees_and_revokes_anyones_token(as_user, org):
    theirs, _ = tokens.create(org.lead, name="Leo script", scope="write")
    client = as_user(org.admin)
    page = client.get(ALL).content.decode()
    assert "Leo script" in page
    response = client.post(revoke_url(theirs))
    assert response["Location"] == ALL
    theirs.refresh_from_db()
    assert theirs.state == "revoked"


def test_making_and_revoking_need_csrf_and_post(org, as_user):
    token, _ = tokens.create(org.member, name="Kept", scope="read")
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    assert make(client).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert as_user(org.member).get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert AccessToken.objects.count() == 1 and token.state == "active"


def test_the_pages_take_a_fixed_number_of_queries(as_user, org, page_queries):
    client = as_user(org.admin)
    tokens.create(org.admin, name="One", scope="read")
    tokens.create(org.lead, name="Two", scope="read")
    few = page_queries(client, PAGE, budget=10), page_queries(client, ALL, budget=10)
    for number in range(5):
        tokens.create(org.admin, name=f"Mine {number}", scope="read")
        tokens.create(org.member, name=f"Hers {number}", scope="write")
    assert (page_queries(client, PAGE, budget=10), page_queries(client, ALL, budget=10)) == few


def test_the_user_menu_links_to_the_tokens_page(as_user, org):
    page = as_user(org.member).get(reverse("usecases:my_work")).content.decode()
    assert f'href="{PAGE}"' in page


def test_the_administration_history_shows_tokens_made_and_revoked(as_user, org):
    token, _ = tokens.create(org.lead, name="Deploy bot", scope="write")
    tokens.revoke(org.admin, token.pk)
    history = reverse("administration:adminevent_list")
    page = as_user(org.admin).get(history, {"kind": "accesstoken"}).content.decode()
    assert "accesstoken.created" in page and "accesstoken.revoked" in page
    assert "Deploy bot" in page and "API tokens" in page
