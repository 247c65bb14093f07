"""Sign-in throttling (issue 8, item 5): wrong passwords for one username from one address lock
that pair for a while, on the registry's sign-in page and the Django admin's; the lockout page says
which account and how long; an admin lifts a lock in the Django admin."""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.config.test_settings import BASE_DIR, TIMEOUT
from tests.factories import PASSWORD, UserFactory, admin_user

pytestmark = pytest.mark.django_db

LIMIT = 3
SIGN_IN = "/accounts/login/"
ADMIN_SIGN_IN = "/admin/login/"


@pytest.fixture(autouse=True)
def throttling(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def olivia(db):
    return UserFactory(username="olivia")


def sign_in(client, username, password, *, path=SIGN_IN, address="10.0.0.1", **headers):
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(client, username, times, **kwargs):
    return [sign_in(client, username, "not-the-password", **kwargs) for _ in range(times)]


def signed_in_as(client):
    response = client.get(reverse("usecases:my_work"))
    return response.context["user"].username if response.status_code == 200 else None


def test_wrong_passwords_lock_the_account_and_then_the_right_password_is_refused(client, olivia):
    *before, last = fail(client, "olivia", LIMIT)
    assert [response.status_code for response in before] == [200] * (LIMIT - 1)
    assert "Please enter a correct username and password" in before[-1].text

    assert last.status_code == 429
    assert "Sign-in locked" in last.text
    assert "The account “olivia” is locked" in last.text
    assert f"after {LIMIT} wrong passwords in a row" in last.text
    assert "Wait 15 minutes" in last.text

    refused = sign_in(client, "olivia", PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in locked" in refused.text
    assert "the right password is refused too" in refused.text
    assert signed_in_as(client) is None


def test_the_wait_shown_counts_down_from_the_lock_and_tries_while_locked_do_not_extend_it(
    client, olivia
):
    fail(client, "olivia", LIMIT)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10)
    )
    response = sign_in(client, "olivia", "still-wrong")
    assert "Wait 5 minutes" in response.text
    assert AccessAttempt.objects.get().failures_since_start == LIMIT


def test_the_lock_ends_after_the_cool_off(client, olivia):
    fail(client, "olivia", LIMIT)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert sign_in(client, "olivia", PASSWORD).status_code == 302
    assert signed_in_as(client) == "olivia"


def test_a_right_password_before_the_limit_starts_the_count_again(client, olivia):
    fail(client, "olivia", LIMIT - 1)
    assert sign_in(client, "olivia", PASSWORD).status_code == 302
    client.logout()
    responses = fail(client, "olivia", LIMIT - 1)
    assert [response.status_code for response in responses] == [200] * (LIMIT - 1)
    assert sign_in(client, "olivia", PASSWORD).status_code == 302


def test_another_person_at_the_same_address_and_the_same_person_elsewhere_still_sign_in(
    client, olivia
):
    UserFactory(username="paul")
    fail(client, "olivia", LIMIT, address="10.0.0.1")

    assert sign_in(client, "paul", PASSWORD, address="10.0.0.1").status_code == 302
    assert signed_in_as(client) == "paul"
    client.logout()
    assert sign_in(client, "olivia", PASSWORD, address="10.0.0.2").status_code == 302
    assert signed_in_as(client) == "olivia"


def test_the_django_admin_sign_in_is_throttled_too_and_shares_the_count(client):
    admin_user(username="adam")
    *_, last = fail(client, "adam", LIMIT, path=ADMIN_SIGN_IN)
    assert last.status_code == 429
    assert "The account “adam” is locked" in last.text
    assert f'href="{ADMIN_SIGN_IN}"' in last.text  # back to the page they came from

    assert sign_in(client, "adam", PASSWORD, path=ADMIN_SIGN_IN).status_code == 429
    assert sign_in(client, "adam", PASSWORD, path=SIGN_IN).status_code == 429
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_behind_the_tls_proxy_the_address_the_proxy_saw_counts(client, olivia, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = {"address": "192.168.0.2", "HTTP_X_FORWARDED_PROTO": "https"}
    fail(client, "olivia", LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"

    # Claiming another address in front of the real one does not escape the lock...
    spoofed = sign_in(
        client, "olivia", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy
    )
    assert spoofed.status_code == 429
    # ...and someone else behind the same proxy is not locked with them.
    elsewhere = sign_in(client, "olivia", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert elsewhere.status_code == 302


def test_a_last_hop_that_is_no_address_counts_against_the_connection(client, olivia, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = {"address": "192.168.0.2", "HTTP_X_FORWARDED_PROTO": "https"}
    responses = fail(client, "olivia", LIMIT, HTTP_X_FORWARDED_FOR="not-an-ip", **proxy)
    assert [response.status_code for response in responses] == [200] * (LIMIT - 1) + [429]
    assert AccessAttempt.objects.get().ip_address == "192.168.0.2"


def test_in_development_the_demo_accounts_always_sign_in_with_their_published_password(
    client, settings, db
):
    """``make run`` prints the demo logins; a newcomer who mistypes five times still gets in."""
    settings.DEBUG = True
    UserFactory(username="olivia")  # a demo account (demo/demo_data)
    responses = fail(client, "olivia", LIMIT + 2)
    assert [response.status_code for response in responses] == [200] * (LIMIT + 2)
    assert sign_in(client, "olivia", PASSWORD).status_code == 302
    assert signed_in_as(client) == "olivia"


def test_in_development_everyone_else_is_still_throttled(client, settings, db):
    settings.DEBUG = True
    UserFactory(username="mallory")
    assert fail(client, "mallory", LIMIT)[-1].status_code == 429


def test_an_admin_lifts_a_lock_in_the_django_admin(client, olivia, org):
    other = UserFactory(username="paul")
    fail(client, "olivia", LIMIT)
    fail(client, "paul", LIMIT)

    client.force_login(org.admin)  # the Admins group, not a superuser
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert "olivia" in page.text and "Locked Out" in page.text
    assert "lift_locks" in page.text

    lock = AccessAttempt.objects.get(username="olivia")
    response = client.post(
        changelist, {"action": "lift_locks", "_selected_action": [lock.pk]}, follow=True
    )
    assert "Lifted: olivia from 10.0.0.1. They can sign in again." in response.text
    client.logout()

    assert sign_in(client, "olivia", PASSWORD).status_code == 302
    assert signed_in_as(client) == "olivia"
    client.logout()
    assert sign_in(client, other.username, PASSWORD).status_code == 429  # not lifted


def test_someone_outside_the_admins_group_cannot_reach_the_locks(client, olivia, org):
    fail(client, "olivia", LIMIT)
    client.force_login(org.lead)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert AccessAttempt.objects.filter(username="olivia").exists()


def test_the_limit_and_the_wait_are_set_by_environment_variables():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "REGISTRY_LOGIN_FAILURE_LIMIT": "7",
        "REGISTRY_LOGIN_LOCKOUT_MINUTES": "30",
    }
    env.setdefault("DATABASE_URL", "postgres://unused@127.0.0.1:1/unused")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; "
            "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"7 1800\.0\s*", result.stdout)
