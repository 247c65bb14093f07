"""Production is the default: it refuses to start without a secret and passes Django's deploy
checklist. Each case runs in a fresh interpreter, since settings are read once per process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.database import PREPARE_ON_REQUEST_ONLY

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 120
# Only parsed by these commands, never connected to; a real URL is passed through when there is one
# so that importing the settings never starts the embedded server.
UNUSED_DATABASE_URL = "postgres://unused@127.0.0.1:1/unused"


def production_environment(**overrides) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") or name == "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DATABASE_URL=os.environ.get("DATABASE_URL") or UNUSED_DATABASE_URL,
    )
    env.update(overrides)
    return env


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run(["-c", "import django; django.setup()"], production_environment())
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_an_empty_secret_key_counts_as_missing():
    env = production_environment(DJANGO_SECRET_KEY="")
    result = run(["-c", "import django; django.setup()"], env)
    assert "ImproperlyConfigured" in result.stderr


def test_development_mode_starts_without_a_secret_key():
    env = production_environment(DJANGO_DEBUG="1")
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    )
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_settings_pass_the_deployment_checklist():
    env = production_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="registry.example.org",
    )
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_hardened():
    env = production_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="registry.example.org",
    )
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['registry.example.org'] True True True True"


def test_production_settings_refuse_the_embedded_database():
    env = production_environment(DJANGO_SECRET_KEY="x" * 60)
    env.pop("DATABASE_URL")
    result = run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set DATABASE_URL" in result.stderr


PREPARE_THRESHOLD = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
)


@pytest.mark.parametrize(("switch", "prepared"), [(None, True), ("1", True), ("0", False)])
def test_prepared_statements_are_on_unless_switched_off_for_a_pool(switch, prepared):
    """On, the connection lets ``core.compiled`` prepare its statements; off (a pool that
    cannot keep them), psycopg prepares nothing, as Django leaves it."""
    env = production_environment(DJANGO_SECRET_KEY="x" * 60)
    env.pop("REGISTRY_PREPARED_STATEMENTS", None)
    if switch is not None:
        env["REGISTRY_PREPARED_STATEMENTS"] = switch
    result = run(["-c", PREPARE_THRESHOLD], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (str(PREPARE_ON_REQUEST_ONLY) if prepared else "None")


# --- DJANGO_INSECURE_HTTP: production mode tried on http://127.0.0.1 -----------------------------

SECURITY_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
)
# What a browser gets for http(s)://127.0.0.1:8000/accounts/login/ (the argument is the scheme):
# the security middleware's redirect to HTTPS, or the page with its CSRF cookie, Secure or not.
HTTP_REQUEST = """
import sys
import django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

def login_page(request):
    get_token(request)  # as every page with a form does
    return HttpResponse()

site = SecurityMiddleware(CsrfViewMiddleware(login_page))
secure = sys.argv[1] == "https"
response = site(RequestFactory().get("/accounts/login/", HTTP_HOST="127.0.0.1:8000", secure=secure))
cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
print(response.status_code, response.get("Location"), cookie and ("secure" if cookie["secure"] else "plain"))
"""


def insecure_http_environment(**overrides) -> dict[str, str]:
    return production_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_INSECURE_HTTP="1", **overrides
    )


def test_insecure_http_turns_off_secure_cookies_the_https_redirect_and_hsts_on_local_hosts():
    env = insecure_http_environment(DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,[::1]")
    result = run(["-c", SECURITY_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]'] False False False 0"

    result = run(["-c", HTTP_REQUEST, "http"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 None plain"


def test_without_it_production_redirects_plain_http_and_marks_cookies_secure():
    env = production_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="127.0.0.1"
    )
    result = run(["-c", HTTP_REQUEST, "http"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "301 https://127.0.0.1:8000/accounts/login/ None"

    result = run(["-c", HTTP_REQUEST, "https"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 None secure"


def test_insecure_http_serves_the_local_hosts_when_none_are_given():
    result = run(["-c", SECURITY_SETTINGS], insecure_http_environment())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]'] False False False 0"


@pytest.mark.parametrize(
    "hosts", ["registry.example.org", "127.0.0.1,registry.example.org", "*", ".localhost"]
)
def test_insecure_http_is_refused_unless_every_allowed_host_is_local(hosts):
    result = run(["-c", SECURITY_SETTINGS], insecure_http_environment(DJANGO_ALLOWED_HOSTS=hosts))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_INSECURE_HTTP=1 serves without TLS" in result.stderr
    remote = [host for host in hosts.split(",") if host != "127.0.0.1"]
    assert f"not {', '.join(remote)}." in result.stderr


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (
            {"DJANGO_CSRF_TRUSTED_ORIGINS": "http://registry.example.org"},
            "http://registry.example.org",
        ),
        ({"DJANGO_BEHIND_TLS_PROXY": "1"}, "DJANGO_BEHIND_TLS_PROXY=1"),
    ],
)
def test_insecure_http_is_refused_behind_a_proxy_or_with_a_remote_origin(extra, named):
    """A proxy may rewrite Host to 127.0.0.1; the cookies would still travel off this machine."""
    result = run(
        ["-c", SECURITY_SETTINGS],
        insecure_http_environment(DJANGO_ALLOWED_HOSTS="127.0.0.1", **extra),
    )
    assert result.returncode != 0
    assert "DJANGO_INSECURE_HTTP=1 serves without TLS" in result.stderr
    assert f"not {named}." in result.stderr


def test_insecure_http_accepts_a_local_trusted_origin():
    result = run(
        ["-c", SECURITY_SETTINGS],
        insecure_http_environment(
            DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_CSRF_TRUSTED_ORIGINS="http://127.0.0.1:8000"
        ),
    )
    assert result.returncode == 0, result.stderr
