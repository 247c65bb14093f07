"""A product owner drafts a use case, edits it and finds it again: with htmx, and without JavaScript."""

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.conftest import make_usecase
from tests.e2e.pages import assert_not_reloaded, mark_page
from usecases.models import UseCase

# Transactional, because the live server reads what the test writes; serialized rollback, because
# the flush between transactional tests would otherwise also delete the role groups the
# migrations create.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Route overflow parcels to lockers"
WHO = "Depot planners on the night shift"
PROBLEM = "Parcels that miss the van wait a full day on the depot floor."
SUCCESS = "Fewer than 2% of parcels wait overnight."
NEW_PROBLEM = "Missed parcels wait a day, and customers phone the depot to ask where they are."

DETAIL_URL = re.compile(r"/usecases/UC-\d+/$")


@pytest.mark.e2e
def test_product_owner_drafts_edits_and_finds_a_use_case(org, person):
    make_usecase(org=org)  # "Triage incoming benefit claims", same team
    elsewhere = make_usecase(
        org=org,
        author=org.non_member,
        team=org.other_team,
        title="Archive scanned parcel receipts",
        products=[],
        goals=[],
    )

    page = person.sign_in(org.member)
    page.get_by_role("link", name="New use case").click()
    expect(page).to_have_url(re.compile(r"/usecases/new/$"))
    expect(page.get_by_role("heading", name="New use case", level=1)).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    topbar = page.get_by_role("banner")
    expect(topbar).to_have_css("background-color", "rgb(20, 33, 61)")  # the stylesheet loaded

    # Inline validation: emptying Title and leaving it shows the error in place, without a reload.
    mark_page(page)
    page.get_by_label("Title").fill("R")
    page.keyboard.press("Tab")
    page.get_by_label("Title").fill("")
    page.keyboard.press("Tab")
    expect(page.get_by_text("Give the use case a title.")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/usecases/new/$"))
    assert_not_reloaded(page)

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Who").fill(WHO)
    expect(page.get_by_text("Give the use case a title.")).to_be_hidden()
    page.get_by_label("Problem").fill(PROBLEM)
    page.get_by_label("Success signal").fill(SUCCESS)
    page.get_by_label("Team").select_option(label="Claims Processing")
    page.get_by_label("Owner").select_option(label="Owen Owner (owen)")
    page.get_by_role("checkbox", name="Claims Portal").check()
    page.get_by_role("checkbox", name="Decide claims faster").check()
    page.screenshot(path="/tmp/e2e-filled-form.png", full_page=True)

    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Draft UC-\d+ saved\."))
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    for text in (WHO, PROBLEM, SUCCESS, "Owen Owner"):
        expect(page.get_by_text(text)).to_be_visible()
    expect(page.get_by_role("link", name="Claims Processing")).to_be_visible()
    expect(page.get_by_role("link", name="Claims Portal")).to_be_visible()
    expect(page.get_by_role("link", name="Decide claims faster")).to_be_visible()
    drafted = UseCase.objects.get(title=TITLE)
    assert (drafted.team, drafted.owner, drafted.author) == (org.team, org.owner, org.member)

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Problem")).to_have_value(PROBLEM)
    page.get_by_label("Problem").fill(NEW_PROBLEM)
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.get_by_role("status")).to_have_text(f"{drafted.key} saved.")
    expect(page.get_by_text(NEW_PROBLEM)).to_be_visible()
    expect(page.get_by_text(PROBLEM, exact=True)).to_have_count(0)

    # The list narrows as the person types, through htmx.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Use cases", exact=True
    ).click()
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_text("3 use cases")).to_be_visible()
    mark_page(page)
    page.get_by_label("Search").press_sequentially("locke")
    expect(results.get_by_text("1 use case", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results.get_by_role("link", name="Triage incoming benefit claims")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]q=locke(&|$)"))
    assert_not_reloaded(page)

    # "parcel" matches both teams' use cases; the Team filter keeps only ours.
    page.get_by_label("Search").fill("parcel")
    expect(results.get_by_text("2 use cases")).to_be_visible()
    expect(results.get_by_role("link", name=elsewhere.title)).to_be_visible()
    page.get_by_label("Team").select_option(label="Claims Processing")
    expect(results.get_by_text("1 use case", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results.get_by_role("link", name=elsewhere.title)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]team=claims-processing(&|$)"))
    assert_not_reloaded(page)


@pytest.mark.e2e
def test_drafting_works_without_javascript(org, open_browser):
    person = open_browser(java_script_enabled=False)
    page = person.sign_in(org.member)
    page.get_by_role("link", name="New use case").click()

    page.get_by_label("Who").fill(WHO)
    page.get_by_label("Problem").fill(PROBLEM)
    page.get_by_label("Team").select_option(label="Claims Processing")
    page.get_by_role("button", name="Save draft").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name="Title: Give the use case a title.")).to_be_visible()
    expect(page.locator("#id_title_error")).to_have_text("Error: Give the use case a title.")
    expect(page.get_by_label("Who")).to_have_value(WHO)
    # (by role: the summary, "There is a problem", is labelled with the word too)
    expect(page.get_by_role("textbox", name="Problem")).to_have_value(PROBLEM)

    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Draft UC-\d+ saved\."))
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text(PROBLEM)).to_be_visible()
    assert UseCase.objects.get(title=TITLE).who == WHO


class HeldInlineChecks:
    """Holds the form's inline checks (htmx POSTs with ``_validate``) until released: a slow network."""

    def __init__(self, page):
        self.page = page
        self.routes = []
        page.route("**/usecases/new/", self._route)
        page.evaluate(
            "window.e2eChecksDone = 0;"
            "document.addEventListener('htmx:afterRequest', () => window.e2eChecksDone++)"
        )

    def _route(self, route):
        if "_validate=" in (route.request.post_data or ""):
            self.routes.append(route)
        else:
            route.continue_()

    def fields(self, count: int) -> list[str]:
        """Wait until ``count`` checks are held; the fields they check, in order."""
        for _ in range(50):
            if len(self.routes) >= count:
                break
            self.page.wait_for_timeout(20)
        return [re.search(r"_validate=(\w+)", r.request.post_data)[1] for r in self.routes]

    def release(self):
        for route in self.routes:
            with contextlib.suppress(PlaywrightError):  # the page may have cancelled it
                route.continue_()
        # Polled with evaluate: wait_for_function evaluates a string in the page, which the
        # Content-Security-Policy forbids.
        for _ in range(250):
            if self.page.evaluate("window.e2eChecksDone") >= len(self.routes):
                return
            self.page.wait_for_timeout(20)
        raise AssertionError("the held checks did not finish after their release")


@pytest.mark.e2e
def test_a_slow_inline_check_does_not_wipe_what_the_person_types(org, person):
    """The person changes Who, leaves, comes back and types before the check of Who answers."""
    page = person.sign_in(org.member)
    page.get_by_role("link", name="New use case").click()
    checks = HeldInlineChecks(page)

    first, rest = WHO[:5], WHO[5:]
    page.get_by_label("Who").press_sequentially(first)
    page.get_by_label("Title").click()  # Who, changed, loses focus: its check goes out, and is held
    assert checks.fields(1) == ["who"]
    page.get_by_label("Who").press_sequentially(rest)
    checks.release()

    expect(page.get_by_label("Who")).to_have_value(WHO)
    expect(page.get_by_label("Who")).to_be_focused()


@pytest.mark.e2e
def test_a_check_under_way_does_not_swallow_the_next_fields_check(org, person):
    page = person.sign_in(org.member)
    page.get_by_role("link", name="New use case").click()
    checks = HeldInlineChecks(page)

    page.get_by_label("Team").select_option(label="Choose a team")  # its check is held
    page.get_by_label("Who").press_sequentially(WHO)
    page.get_by_label("Problem").click()  # Who's check must still go out
    assert checks.fields(2) == ["team", "who"]
    checks.release()

    expect(page.get_by_text("Choose the team that owns this use case.")).to_be_visible()
    expect(page.get_by_label("Who")).to_have_value(WHO)
