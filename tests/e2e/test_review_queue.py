"""Paging the Reviews page in the browser: Next, Last and Previous by their links, the page
saying where it stands, and a damaged link saying so."""

import pytest
from playwright.sync_api import expect

from usecases.choices import Status
from usecases.models import UseCase
from usecases.selectors import list_pages

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.e2e
def test_a_reviewer_pages_the_queue_forward_to_the_end_and_back(org, person, settings, monkeypatch):
    settings.USECASE_PAGE_SIZE = 3
    monkeypatch.setattr(list_pages, "NUMBERED_PAGES", 1)  # page 2 on is reached by cursor
    UseCase.objects.bulk_create(
        UseCase(
            title=f"Waiting {n}",
            team=org.team,
            author=org.member,
            owner=org.owner,
            status=Status.IN_REVIEW,
        )
        for n in range(8)
    )  # no review round: they wait in number order
    page = person.sign_in(org.reviewer)
    page.goto("/reviews/")
    pages = page.get_by_role("navigation", name="Pages")

    expect(page.get_by_text("8 use cases waiting for review")).to_be_visible()
    expect(pages.get_by_text("Page 1 of 3")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting 0")).to_be_visible()
    pages.get_by_role("link", name="Next →").click()
    expect(pages.get_by_text("Page 2 of 3")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting 3")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting 0")).to_have_count(0)

    pages.get_by_role("link", name="Last »").click()
    expect(pages.get_by_text("Page 3 of 3")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting 7")).to_be_visible()
    expect(pages.get_by_role("link", name="Next →")).to_have_count(0)

    pages.get_by_role("link", name="« First").click()
    expect(pages.get_by_text("Page 1 of 3")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting 0")).to_be_visible()

    pages.get_by_role("link", name="Last »").click()
    pages.get_by_role("link", name="← Previous").click()
    expect(pages.get_by_text("Page 2 of 3")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting 5")).to_be_visible()

    page.goto("/reviews/?cursor=damaged")
    expect(page.get_by_role("alert")).to_contain_text("That page link no longer fits this list")
    expect(pages.get_by_text("Page 1 of 3")).to_be_visible()
