"""Production is the default: it refuses to start without a secret and passes Django's deploy
checklist. Each case runs in a fresh interpreter, since settings are read once per process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
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
