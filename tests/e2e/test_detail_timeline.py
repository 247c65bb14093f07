"""The detail page's history in a browser: a comment appears without a reload and the box
empties; an action updates the timeline; a reviewer reads what changed since sign-off; and all of
it without JavaScript too."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_usecase
from tests.e2e.pages import assert_not_reloaded, mark_page
from usecases import services
from usecases.models import Comment, UseCase

# Transactional, because the live server reads what the test writes; serialized rollback, because
# the flush between transactional tests would otherwise also delete the role groups.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]


def timeline(page):
    return page.locator("#timeline")


def test_a_comment_and_an_action_show_in_the_timeline_without_a_reload(org, person):
    usecase = make_usecase(org=org)
    page = person.sign_in(org.lead)
    page.goto(usecase.get_absolute_url())
    mark_page(page)

    page.get_by_label("Add a comment").fill("Who measures the median?")
    page.get_by_role("button", name="Post comment").click()

    expect(timeline(page).get_by_text("Who measures the median?")).to_be_visible()
    expect(page.get_by_text("Comment posted.")).to_be_visible()
    expect(page.get_by_label("Add a comment")).to_have_value("")
    assert Comment.objects.get().author == org.lead

    # An action elsewhere on the page refreshes the timeline through ``usecaseChanged``.
    page.get_by_role("button", name="Submit for review").click()
    expect(timeline(page).get_by_text("Draft → In review")).to_be_visible()
    first = timeline(page).locator("li").first
    expect(first).to_contain_text("Submitted for review by Leo Lead")
    assert_not_reloaded(page)


def test_an_empty_comment_is_refused_at_the_form(org, person):
    usecase = make_usecase(org=org)
    page = person.sign_in(org.member)
    page.goto(usecase.get_absolute_url())
    mark_page(page)

    page.get_by_label("Add a comment").fill("   ")
    page.get_by_role("button", name="Post comment").click()

    expect(page.get_by_role("alert")).to_have_text("Write something before posting.")
    assert not Comment.objects.exists()
    assert_not_reloaded(page)


def test_a_reviewer_reads_what_changed_since_sign_off_and_the_signed_text(org, person):
    usecase = make_usecase(org=org)
    usecase = services.usecase_submit(usecase=usecase, actor=org.lead)
    usecase = services.usecase_approve(usecase=usecase, actor=org.reviewer)
    usecase = services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"problem": "Claims wait a month."},
        expected_version=usecase.version,
    )
    UseCase.objects.filter(pk=usecase.pk).update(effort=2)  # as the shell would

    page = person.sign_in(org.reviewer)
    page.goto(usecase.get_absolute_url())

    diff = page.get_by_role("region", name="Changes since the last sign-off")
    expect(diff.get_by_role("row", name=re.compile("^Problem"))).to_contain_text(
        "Claims wait weeks before anyone reads them."
    )
    expect(diff.get_by_role("row", name=re.compile("^Problem"))).to_contain_text(
        "Claims wait a month."
    )
    outside = timeline(page).locator("li", has_text="Changed outside the registry's pages")
    expect(outside).to_contain_text("Effort")

    page.get_by_role("link", name=re.compile("Read the last signed text")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage incoming benefit claims")
    expect(page.get_by_text("Claims wait weeks before anyone reads them.")).to_be_visible()


def test_commenting_and_deciding_work_without_javascript(org, open_browser):
    usecase = services.usecase_submit(usecase=make_usecase(org=org), actor=org.lead)
    page = open_browser(java_script_enabled=False).sign_in(org.reviewer)
    page.goto(usecase.get_absolute_url())

    page.get_by_label("Add a comment").fill("Name a data source.")
    page.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(rf"/usecases/{usecase.key}/#history$"))
    expect(page.get_by_text("Comment posted.")).to_be_visible()
    expect(timeline(page).get_by_text("Name a data source.")).to_be_visible()

    # The decision's own page shows what is decided on, and its plain form works.
    page.goto(f"/usecases/{usecase.key}/request-changes/")
    expect(page.get_by_role("heading", name="The text submitted for review")).to_be_visible()
    page.get_by_label("What needs to change?").fill("Name a data source.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_text(f"{usecase.key} sent back for changes.")).to_be_visible()
    assert UseCase.objects.get(pk=usecase.pk).status == "draft"


def test_the_decision_page_works_with_javascript_on(org, person):
    usecase = services.usecase_submit(usecase=make_usecase(org=org), actor=org.lead)
    page = person.sign_in(org.reviewer)

    page.goto(f"/usecases/{usecase.key}/approve/")
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(re.compile(rf"/usecases/{usecase.key}/$"))
    assert UseCase.objects.get(pk=usecase.pk).status == "awaiting_sign_off"
