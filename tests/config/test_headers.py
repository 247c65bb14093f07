"""Security headers (issue 8, item 6): a Content-Security-Policy on every page, signed in or not,
the Django admin and the sign-in lock page included; signed-in pages are never stored by a browser
or proxy; the older headers stay. The policy holding in Chromium is tests/e2e/
test_content_security_policy.py."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.conftest import make_usecase

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return {name: value for name, value in directives}


def assert_hardened(response):
    assert policy(response) == POLICY
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_the_sign_in_page_carries_the_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.parametrize(
    "page",
    [
        lambda org, usecase: reverse("usecases:my_work"),
        lambda org, usecase: reverse("usecases:usecase_list"),
        lambda org, usecase: usecase.get_absolute_url(),
        lambda org, usecase: reverse("usecases:dashboard"),
        lambda org, usecase: reverse("portfolio:team_list"),
        lambda org, usecase: reverse("administration:team_edit", args=[org.team.slug]),
        lambda org, usecase: reverse("password_change"),
        lambda org, usecase: reverse("admin:index"),
        lambda org, usecase: reverse("admin:portfolio_team_change", args=[org.team.pk]),
    ],
    ids=[
        "my work",
        "use cases",
        "use case",
        "dashboard",
        "teams",
        "team edit",
        "password",
        "admin",
        "admin team",
    ],
)
def test_signed_in_pages_carry_the_policy_and_are_never_stored(client, org, page):
    usecase = make_usecase(org=org)
    client.force_login(org.admin)
    response = client.get(page(org, usecase))
    assert response.status_code == 200
    assert_hardened(response)
    assert {"private", "no-store"} <= cache_control(response)


def test_an_htmx_fragment_for_a_signed_in_person_is_never_stored_either(client, org):
    client.force_login(org.member)
    response = client.get(reverse("usecases:usecase_list") + "?q=claims", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)
    assert "Content-Security-Policy" in response


def test_static_files_stay_cacheable_for_a_signed_in_person(client, org):
    client.force_login(org.member)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)


def test_the_sign_in_lock_page_carries_the_policy(client, org, settings):
    settings.AXES_FAILURE_LIMIT = 1
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    response = client.post(reverse("login"), {"username": "mia", "password": "wrong"})
    assert response.status_code == 429
    assert_hardened(response)


def test_htmx_keeps_no_copy_of_signed_in_pages_in_the_browser(client, org):
    """htmx would otherwise store snapshots of pages (the dashboard's pushed filters, boosted
    forms) in sessionStorage, where Back after sign-out could show them without asking us."""
    client.force_login(org.member)
    html = client.get(reverse("usecases:dashboard")).content.decode()
    config = html.split('<meta name="htmx-config" content=\'', 1)[1].split("'>", 1)[0]
    assert json.loads(config)["historyCacheSize"] == 0
