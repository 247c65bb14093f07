"""The review and sign-off journey of issue 3, in a real browser, on the demo organisation.

A product owner drafts a use case and submits it; a reviewer requests changes; the product owner
fixes and resubmits; the reviewer approves; the named owner signs off. The use case ends active
and owned, every step is in its timeline with who did it, and each person's inbox told them.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from demo.organisation import seed_demo
from tests.e2e.pages import sign_in_as_demo
from usecases.choices import NotificationKind, Status
from usecases.models import Notification, SignOff, UseCase

# The live server needs committed data; serialized rollback restores the groups a flush removes.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Flag duplicate benefit claims before payment"
FIXED_SIGNAL = "Duplicate payments fall from 40 to under 5 a month within two quarters."


def open_usecase(page: Page, usecase: UseCase) -> None:
    page.goto(usecase.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def action_form(page: Page, path_end: str):
    return page.locator(f"#status-panel form[action$='/{path_end}/']")


def expect_status(page: Page, label: str) -> None:
    expect(page.locator("#status-panel .badge").first).to_have_text(label)


def inbox_messages(page: Page) -> str:
    page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inbox")
    return page.locator("main").inner_text()


@pytest.fixture
def demo():
    seed_demo()
    users = get_user_model().objects
    return {name: users.get(username=name) for name in ("olivia", "paul", "rita")}


def test_a_use_case_goes_from_draft_to_owned_through_review_and_sign_off(demo, open_browser):
    olivia = open_browser().page
    olivia.on("dialog", lambda dialog: dialog.accept())
    sign_in_as_demo(olivia, "olivia")

    # Olivia drafts it, naming Paul as the owner, and submits it.
    olivia.goto("/usecases/new/")
    olivia.get_by_label("Title").fill(TITLE)
    olivia.get_by_label("Who (needed for review)", exact=True).fill(
        "Payment officers in the benefits office"
    )
    olivia.get_by_label("Problem").fill("The same claim is sometimes paid twice.")
    olivia.get_by_label("Success signal").fill("Fewer duplicate payments.")
    olivia.get_by_role("combobox", name="Team").select_option(label="Claims Processing")
    olivia.get_by_label("Owner").select_option(label=f"{demo['paul'].get_full_name()} (paul)")
    olivia.locator("#field-products input[type=checkbox]").first.check()
    olivia.locator("#field-goals input[type=checkbox]").first.check()
    olivia.get_by_role("button", name="Save draft").click()
    expect(olivia.get_by_role("status").first).to_contain_text("saved")
    usecase = UseCase.objects.get(title=TITLE)
    action_form(olivia, "submit").get_by_role("button", name="Submit for review").click()
    expect_status(olivia, "In review")

    # Rita finds it in her inbox and on her Reviews page, and asks for a measurable signal.
    rita = open_browser().page
    sign_in_as_demo(rita, "rita")
    assert f"asks for a review of {usecase.key}" in inbox_messages(rita)
    rita.get_by_role("link", name="Reviews").click()
    rita.get_by_role("link", name=TITLE).click()
    rita.locator("summary", has_text="Request changes").click()
    rita.get_by_label("What needs to change?").fill("Make the success signal measurable.")
    action_form(rita, "request-changes").get_by_role("button", name="Request changes").click()
    expect_status(rita, "Draft")

    # Olivia reads why, fixes the signal and resubmits.
    assert "Make the success signal measurable." in inbox_messages(olivia)
    open_usecase(olivia, usecase)
    olivia.get_by_role("link", name="Edit").click()
    olivia.get_by_label("Success signal").fill(FIXED_SIGNAL)
    olivia.get_by_role("button", name="Save changes").click()
    action_form(olivia, "submit").get_by_role("button", name="Submit for review").click()
    expect_status(olivia, "In review")

    # Rita approves; until then every other reviewer is asked too.
    open_requests = Notification.objects.filter(
        usecase=usecase, kind=NotificationKind.REVIEW_REQUESTED, read_at__isnull=True
    )
    assert open_requests.exclude(recipient=demo["rita"]).exists()
    open_usecase(rita, usecase)
    rita.locator("summary", has_text="Approve").click()
    action_form(rita, "approve").get_by_role("button", name="Approve").click()
    expect_status(rita, "Awaiting sign-off")
    expect(rita.locator("#ownership-card")).to_contain_text("Awaiting Paul")
    # Rita decided: no other reviewer is still asked to review it.
    assert not open_requests.exists()

    # Paul, the named owner, is asked to sign off, and does.
    paul = open_browser().page
    sign_in_as_demo(paul, "paul")
    assert f"{usecase.key}" in inbox_messages(paul)
    paul.get_by_role("link", name="Sign-offs").click()
    paul.get_by_role("link", name=TITLE).click()
    paul.locator("summary", has_text="Sign off").click()
    ownership = paul.locator("#ownership-card")
    version_line = paul.locator("#version-line")
    expect(ownership).to_contain_text("Awaiting Paul")
    version_before = version_line.inner_text()
    paul.get_by_label("I accept ownership of this use case and its success signal.").check()
    action_form(paul, "sign-off").get_by_role("button", name="Sign off").click()
    expect_status(paul, "Active")
    # Without a reload, the Ownership card shows the sign-off and the version line moved on; the
    # panel keeps its message (it does not fetch itself again on the event its own answer sent).
    expect(ownership).to_contain_text(re.compile(r"Signed off \d{1,2} \w{3} \d{4}"))
    expect(ownership).not_to_contain_text("Awaiting")
    expect(version_line).not_to_have_text(version_before)
    expect(paul.locator("#status-panel")).to_contain_text(f"{usecase.key} signed off.")
    usecase.refresh_from_db()
    expect(version_line).to_contain_text(f"Version {usecase.version} ·")

    usecase.refresh_from_db()
    assert usecase.status == Status.ACTIVE
    assert usecase.owner.username == "paul"
    assert usecase.success_signal == FIXED_SIGNAL
    assert SignOff.objects.get(usecase=usecase, superseded_at__isnull=True).owner == demo["paul"]

    # Every step is in the timeline, with who did it.
    paul.reload()
    timeline = paul.locator("#timeline")
    for step, who in [
        ("Signed off", "Paul"),
        ("Approved", "Rita"),
        ("Submitted for review", "Olivia"),
        ("Changes requested", "Rita"),
        ("Created", "Olivia"),
    ]:
        expect(timeline.locator("li", has_text=step).filter(has_text=who).first).to_be_visible()
