"""Custom fields in a real browser: an admin adds “Cost centre” (text, required for review); a
product owner sees it on the form, cannot submit without it, fills it; the list filters and sorts
by it; it shows on the use case's page and, to the reviewer, in the diff against what was signed.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import advance_usecase, make_usecase
from usecases import services
from usecases.models import CustomField, UseCase

# The live server reads what the test writes; serialized rollback keeps the migrations' groups.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def action_form(page: Page, path_end: str):
    return page.locator(f"#status-panel form[action$='/{path_end}/']")


def keys_listed(page: Page) -> list[str]:
    # The key column (a lead or admin sees a selection box before it).
    return page.locator("#results tbody tr td.nowrap").all_inner_texts()


def test_an_admin_adds_cost_centre_and_a_product_owner_fills_it(org, open_browser):
    draft = make_usecase(org=org, title="Triage incoming benefit claims")
    signed = advance_usecase(
        make_usecase(org=org, title="Route appeals to senior officers"), org=org, to="active"
    )
    other = make_usecase(org=org, title="Archive scanned receipts")

    # The admin defines the field.
    admin = open_browser()
    page = admin.sign_in(org.admin)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="New custom field").click()
    page.get_by_label("Label").fill("Cost centre")
    page.get_by_label("Name").fill("cost_centre")
    page.get_by_label("Help text").fill("The budget line that pays for it, e.g. CC-4711.")
    page.get_by_label("Type").select_option(label="Text")
    page.get_by_label("Required for review").check()
    page.get_by_label("Group").fill("Finance")
    page.get_by_role("button", name="Create field").click()
    expect(page.get_by_text("Custom field “Cost centre” created.")).to_be_visible()
    expect(page.get_by_role("link", name="Edit Cost centre")).to_be_visible()

    # The product owner (the team's lead) finds it on the form, needed for review.
    owner = open_browser()
    page = owner.sign_in(org.lead)
    page.goto(draft.get_absolute_url())
    expect(page.locator("#review-readiness")).to_contain_text("Cost centre")
    action_form(page, "submit").get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert").filter(has_text="Cost centre")).to_be_visible()
    assert UseCase.objects.get(pk=draft.pk).status == "draft"

    page.goto(f"{draft.get_absolute_url()}edit/")
    field = page.get_by_label(re.compile(r"^Cost centre"))
    expect(page.get_by_role("group", name="Finance")).to_be_visible()
    expect(page.get_by_text("(needed for review)").last).to_be_visible()
    field.fill("CC-4711")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Finance")).to_be_visible()
    expect(page.get_by_text("CC-4711")).to_be_visible()
    action_form(page, "submit").get_by_role("button", name="Submit for review").click()
    expect(page.locator("#status-panel .badge").first).to_have_text("In review")

    # The list filters and sorts by it, and shows it as a column on request.
    services.usecase_update(
        usecase=other,
        actor=org.member,
        data={"custom_values": {"cost_centre": "CC-1000"}},
        expected_version=other.version,
    )
    page.goto("/usecases/")
    page.get_by_role("textbox", name="Cost centre").fill("4711")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="use case")).to_have_text("1 use case")
    expect(page.get_by_role("link", name="Triage incoming benefit claims")).to_be_visible()
    page.goto("/usecases/?sort=cf_cost_centre&columns=cf_cost_centre")
    expect(page.get_by_role("columnheader", name="Cost centre")).to_be_visible()
    assert keys_listed(page)[:2] == [other.key, draft.key]
    page.goto("/usecases/?sort=-cf_cost_centre")
    assert keys_listed(page)[:2] == [draft.key, other.key]

    # An active use case whose signed text changes goes back to review: the reviewer sees the
    # cost centre in the diff against what was signed.
    page.goto(f"{signed.get_absolute_url()}edit/")
    page.get_by_label("Problem").fill("Appeals wait months for a senior officer to read them.")
    page.get_by_label(re.compile(r"^Cost centre")).fill("CC-2024")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#status-panel .badge").first).to_have_text("In review")

    reviewer = open_browser()
    page = reviewer.sign_in(org.reviewer)
    page.goto(signed.get_absolute_url())
    diff = page.locator("#revision-diff")
    expect(diff.get_by_role("heading", name="Changes since the last sign-off")).to_be_visible()
    row = diff.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Cost centre"))
    expect(row).to_contain_text("Empty")
    expect(row).to_contain_text("CC-2024")
    assert CustomField.objects.get().required_for_review
