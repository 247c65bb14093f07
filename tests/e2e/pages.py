"""What several browser tests do on a page: sign in as a demo person, and tell an htmx swap from a
full page load."""

import re

from playwright.sync_api import Page, expect

from demo.organisation import DEMO_PASSWORD


def sign_in_as_demo(page: Page, username: str) -> None:
    """Sign in with the sign-in form as one of the demo organisation's people (``seed_demo``)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def mark_page(page: Page) -> None:
    """Put a marker on ``window``; it survives htmx swaps and disappears on a full page load."""
    page.evaluate("window.e2eNoReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.e2eNoReload === true"), "the page was reloaded"
