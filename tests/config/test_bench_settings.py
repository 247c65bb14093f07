"""The benchmark's settings (``config.settings_bench``: a bare page and a query-count header) stay
out of production: the production settings, URLs and WSGI entry point never reach them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, resolve

import config.settings as production

ROOT = Path(__file__).resolve().parents[2]
BENCH_MODULES = ("config.settings_bench", "config.bench")


def test_production_settings_use_the_registry_urls_without_the_counter():
    assert production.ROOT_URLCONF == "config.urls"
    assert not any("bench" in name.lower() for name in production.MIDDLEWARE)
    assert settings.ROOT_URLCONF == "config.urls"


def test_the_bare_page_is_not_a_production_url():
    with pytest.raises(Resolver404):
        resolve("/_bench/bare/", urlconf="config.urls")


def test_only_the_benchmarks_name_the_bench_modules():
    """The WSGI and ASGI entry points default to the production settings, and no module of the
    registry imports the benchmark's settings or URLs."""
    for entry in ("wsgi.py", "asgi.py"):
        assert '"config.settings")' in (ROOT / "config" / entry).read_text()
    naming = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if not {".venv", "node_modules", "benchmarks", "tests"} & set(path.parts)
        and path.name not in {"settings_bench.py", "bench.py"}
        and any(module in path.read_text() for module in BENCH_MODULES)
    ]
    assert naming == []


def test_the_bench_settings_add_the_bare_page_and_count_queries(client, django_user_model):
    from config import settings_bench

    assert settings_bench.ROOT_URLCONF == "config.bench"
    assert settings_bench.MIDDLEWARE[0] == "config.bench.QueryCountMiddleware"
    client.force_login(django_user_model.objects.create_user("reader"))
    with override_settings(ROOT_URLCONF="config.bench", MIDDLEWARE=settings_bench.MIDDLEWARE):
        response = client.get("/_bench/bare/")
    assert response.status_code == 200
    assert int(response["X-Bench-Queries"]) >= 1  # at least the session's read
    name, _, duration = response["Server-Timing"].partition(";dur=")
    assert name == "app" and float(duration) > 0  # the server's own time, in milliseconds
    assert b"<main" in response.content
