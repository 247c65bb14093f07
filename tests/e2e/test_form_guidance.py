"""Forms a person can finish on the first try, in Chromium: fields are checked only once changed,
a refused form puts focus on a summary whose links lead to the fields, an htmx workflow action
puts focus on its outcome, and Escape closes the user menu. The markup behind these is asserted
in tests/usecases/test_form_guidance.py."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_usecase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WHO = "Depot planners on the night shift"


def inline_checks(page) -> list[str]:
    """Record the fields the form checks inline (htmx POSTs with ``_validate``), in order."""
    fields: list[str] = []

    def record(request):
        found = re.search(r"_validate=(\w+)", request.post_data or "")
        if request.method == "POST" and found:
            fields.append(found[1])

    page.on("request", record)
    return fields


def test_a_field_is_checked_only_after_the_person_changed_it(org, person):
    page = person.sign_in(org.member)
    page.goto("/usecases/new/")
    checks = inline_checks(page)
    readiness = page.locator("#review-readiness")
    expect(readiness.get_by_role("link", name="Who", exact=True)).to_be_visible()

    # Tabbing through the empty fields says nothing and asks nothing.
    page.get_by_label("Title").focus()
    for _ in range(3):  # Title -> Who -> Problem -> Success signal
        page.keyboard.press("Tab")
    expect(page.get_by_role("textbox", name=re.compile("^Success signal"))).to_be_focused()

    # A change is checked when the person leaves the field; the readiness list follows.
    page.get_by_label("Who").fill(WHO)
    page.keyboard.press("Tab")
    expect(readiness.get_by_role("link", name="Who", exact=True)).to_have_count(0)
    expect(readiness.get_by_role("link", name="Problem")).to_be_visible()
    assert checks == ["who"]
    expect(page.get_by_text("Give the use case a title.")).to_have_count(0)

    # Ticking a product updates the list too, and leaves the person on the box they ticked.
    product = page.get_by_role("checkbox", name="Claims Portal")
    product.check()
    expect(readiness.get_by_role("link", name="At least one product")).to_have_count(0)
    expect(product).to_be_focused()
    assert checks == ["who", "products"]

    # Emptying a required field, then leaving it, says what is wrong, in place.
    page.get_by_label("Title").fill("Route parcels")
    page.keyboard.press("Tab")
    page.get_by_label("Title").fill("")
    page.keyboard.press("Tab")
    expect(page.locator("#id_title_error")).to_have_text("Error: Give the use case a title.")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    assert checks == ["who", "products", "title", "title"]


def test_a_refused_form_puts_focus_on_a_summary_that_leads_to_each_field(org, person):
    page = person.sign_in(org.member)
    page.goto("/usecases/new/")
    page.get_by_label("Who").fill(WHO)
    page.get_by_role("button", name="Save draft").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: New use case"))
    summary.get_by_role("link", name="Title: Give the use case a title.").click()
    expect(page.get_by_label("Title")).to_be_focused()

    # The readiness list leads to the fields review still needs, too.
    page.locator("#review-readiness").get_by_role("link", name="Problem").click()
    expect(page.get_by_role("textbox", name=re.compile("^Problem"))).to_be_focused()


def test_escape_closes_the_user_menu_and_returns_to_it(org, person):
    page = person.sign_in(org.member)
    menu = page.locator("details.user-menu")
    opener = menu.locator("summary")
    opener.click()
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    page.get_by_role("link", name="Change password").focus()

    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Change password")).to_be_hidden()
    expect(menu).not_to_have_attribute("open", "")
    expect(opener).to_be_focused()


def test_a_status_action_puts_focus_on_the_new_status_and_clears_stale_messages(org, person):
    draft = make_usecase(org=org, author=org.lead)
    page = person.sign_in(org.lead)
    page.goto(f"/usecases/{draft.key}/edit/")
    page.get_by_role("button", name="Save changes").click()
    messages = page.locator("#messages")
    expect(messages).to_have_text(f"{draft.key} saved.")
    expect(page.locator("#review-readiness")).to_contain_text("Ready for review")

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for review").click()

    outcome = page.locator("#status-panel .status-flash")
    expect(outcome).to_be_focused()
    expect(outcome).to_have_text(f"{draft.key} submitted for review. Status: in review.")
    expect(page.locator("#status-panel .badge").first).to_have_text("In review")
    expect(messages).to_have_text("")
    expect(page.locator("#review-readiness")).to_have_count(0)
    # Tab goes on from the status, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
