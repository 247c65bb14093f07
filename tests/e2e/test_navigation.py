"""The main navigation, and signing out from the user menu."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECTIONS = [
    ("Use cases", "Use cases"),
    ("Teams", "Teams"),
    ("Products", "Products"),
    ("Goals", "Strategic goals"),
]


@pytest.mark.e2e
def test_signed_in_person_navigates_and_signs_out(org, person):
    page = person.sign_in(org.member)
    nav = page.get_by_role("navigation", name="Main")

    for link, heading in SECTIONS:
        nav.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(nav.get_by_role("link", name=link, exact=True)).to_have_attribute(
            "aria-current", "page"
        )

    nav.get_by_text("Mia Member").click()  # opens the user menu
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(nav.get_by_role("link", name="Use cases", exact=True)).to_have_count(0)

    page.goto("/usecases/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/usecases/$"))
