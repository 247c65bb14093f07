"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per session; a fresh context (cookies, storage) and page per test. The live server
serves static files through Django's StaticFilesHandler (finders), so the stylesheet and the
vendored htmx script load without ``collectstatic``.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls
# from the test body; the documented way out for browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.db import connections  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 5_000

# Runs in every page before its own scripts: reports each Content-Security-Policy violation, and
# each time htmx wanted eval (refused under the CSP, so the feature silently did nothing), as a
# console message BrowserSession collects.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.effectiveDirective + " blocked "
    + (event.blockedURI || "inline") + " in " + event.sourceFile + ":" + event.lineNumber
    + " (" + (event.sample || "") + ") on "
    + (event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 200) : "the page"));
}, true);
document.addEventListener("htmx:evalDisallowedError", function (event) {
  console.error("CSP violation: htmx needed eval on " + (event.target.outerHTML || "").slice(0, 200));
}, true);
"""
CSP_MARK = "CSP violation: "

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # Fail, never skip: a missing browser is a broken setup, not an optional test.
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install it with "
            "`apt-get install -y chromium` (or set E2E_CHROMIUM to its path).",
            pytrace=False,
        )
    # Django keeps database connections in an asgiref Local that is thread-local while no event
    # loop runs, and context-local while one does. Playwright's sync API leaves its loop "running"
    # in this thread, so from here on the test body would get fresh connection objects: without
    # the serialized data that ``serialized_rollback`` restores, and left open at the end. Point
    # the context-local slots at the thread's own connections so both see the same ones.
    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


class BrowserSession:
    """One person's browser: a context with its own cookies, and its page.

    Records stylesheets, scripts, images and fonts that failed to load (4xx/5xx), JavaScript
    errors and Content-Security-Policy violations; the test fails on any of them instead of
    passing with a broken page.
    """

    def __init__(self, browser: Browser, base_url: str, **context_options):
        self.context = browser.new_context(base_url=base_url, **context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(CSP_WATCH)
        self.page = self.context.new_page()
        self.failed_assets: list[str] = []
        self.js_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.page.on("response", self._record_response)
        self.page.on("pageerror", lambda error: self.js_errors.append(str(error)))
        self.page.on("console", self._record_console)

    def _record_console(self, message):
        if message.text.startswith(CSP_MARK):
            self.csp_violations.append(f"{self.page.url}: {message.text[len(CSP_MARK) :]}")

    def _record_response(self, response):
        if response.request.resource_type in {"stylesheet", "script", "image", "font"} and (
            response.status >= 400
        ):
            self.failed_assets.append(f"{response.status} {response.url}")

    def sign_in(self, user) -> Page:
        page = self.page
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # My work, the home page
        return page

    def check_clean(self):
        assert not self.failed_assets, f"static assets failed to load: {self.failed_assets}"
        assert not self.js_errors, f"JavaScript errors on the page: {self.js_errors}"
        assert not self.csp_violations, f"Content-Security-Policy violations: {self.csp_violations}"

    def close(self):
        self.context.close()


@pytest.fixture
def open_browser(browser, live_server):
    """Factory: ``open_browser(**context_options)`` -> a new person's BrowserSession."""
    sessions: list[BrowserSession] = []

    def open_(**context_options) -> BrowserSession:
        session = BrowserSession(browser, live_server.url, **context_options)
        sessions.append(session)
        return session

    yield open_
    for session in sessions:
        session.close()
    for session in sessions:
        session.check_clean()


@pytest.fixture
def person(open_browser) -> BrowserSession:
    """The usual single person with JavaScript on."""
    return open_browser()
