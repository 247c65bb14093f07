"""The Content-Security-Policy in a real Chromium (issue 8, item 6): the registry's pages, its htmx
swaps, the sign-in lock page and the Django admin all run under it without one violation, and
htmx still works. Every browser test fails on a violation (conftest.CSP_WATCH); these visit the
pages and interactions the policy could break."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CSP_MARK, CSP_WATCH, TIMEOUT_MS
from tests.e2e.pages import assert_not_reloaded, mark_page
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]


def test_the_watch_reports_a_violation(browser, live_server):
    """The check every browser test relies on: an inline style the policy refuses is reported."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.goto("/accounts/login/")
    with page.expect_console_message(lambda message: message.text.startswith(CSP_MARK)) as seen:
        page.evaluate("document.body.setAttribute('style', 'color: red')")
    assert "style-src-attr" in seen.value.text
    context.close()


def test_pages_and_htmx_work_under_the_policy(org, usecase_in, person):
    usecase = usecase_in("in_review", title="Route benefit claims to the right office")
    page = person.sign_in(org.reviewer)
    for path, heading in [
        ("/", "My work"),
        ("/usecases/", "Use cases"),
        ("/dashboard/", "Ownership dashboard"),
        ("/teams/", "Teams"),
        ("/products/", "Products"),
        ("/goals/", "Strategic goals"),
        ("/reviews/", "Reviews"),
        ("/inbox/", "Inbox"),
        ("/accounts/password_change/", "Change"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)

    # htmx's search: the results swap in place.
    page.goto("/usecases/")
    mark_page(page)
    page.get_by_role("searchbox").fill("no such use case anywhere")
    expect(page.locator("#results")).not_to_contain_text(usecase.title)
    page.get_by_role("searchbox").fill("benefit claims")
    expect(page.locator("#results")).to_contain_text(usecase.title)
    assert_not_reloaded(page)

    # An action swaps the status panel in place; the panel keeps its answer (it does not refetch
    # itself on the event it sent), while the timeline refreshes on that event.
    page.goto(usecase.get_absolute_url())
    mark_page(page)
    # A style set from script (as a resized textarea gets one) is allowed; htmx must not copy it
    # onto the swapped-in panel as an attribute, which the policy refuses.
    page.evaluate("document.getElementById('status-panel').style.outlineOffset = '1px'")
    page.locator("summary", has_text="Approve").click()
    page.locator("#status-panel form[action$='/approve/']").get_by_role(
        "button", name="Approve"
    ).click()
    panel = page.locator("#status-panel")
    expect(panel.locator(".badge").first).to_have_text("Awaiting sign-off")
    expect(page.locator("#timeline")).to_contain_text("Approved")
    expect(panel.get_by_role("status")).to_contain_text(f"{usecase.key} approved")
    assert_not_reloaded(page)

    # The dashboard's filters swap its body, with htmx's request indicator (styles in app.css).
    page.goto("/dashboard/")
    mark_page(page)
    page.get_by_label("Team", exact=True).select_option(label=org.team.name)
    expect(page).to_have_url(re.compile(r"team="))
    assert_not_reloaded(page)


def test_the_django_admin_works_under_the_policy(org, person):
    root = UserFactory(username="root", is_superuser=True, first_name="Root", last_name="User")
    page = person.page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(root.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Registry data")).to_be_visible()

    # The team page: the inline's "Add another" row and the person autocomplete are the admin's
    # own scripts (jQuery, select2), which must still run.
    page.goto(f"/admin/portfolio/team/{org.team.pk}/change/")
    rows = page.locator("tr.dynamic-memberships")
    expect(rows.first).to_be_attached()
    before = rows.count()
    page.locator(".add-row a").click()
    expect(rows).to_have_count(before + 1)
    expect(page.locator(".select2-container").first).to_be_visible()
    # The person page: the two-list group chooser is built by the admin's SelectFilter2.js.
    page.goto(f"/admin/auth/user/{org.member.pk}/change/")
    expect(page.locator(".selector").first).to_be_visible()
    page.goto("/admin/axes/accessattempt/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_sign_in_lock_page_in_a_browser(org, person, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    page = person.page
    page.goto("/accounts/login/")
    for _ in range(2):
        page.get_by_label("Username").fill(org.member.username)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
    expect(page.get_by_role("alert")).to_contain_text(
        f"The account “{org.member.username}” is locked"
    )
    expect(page.get_by_text("Wait 15 minutes")).to_be_visible()
    page.get_by_role("link", name="Back to sign in").click()
    page.get_by_label("Username").fill(org.member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
