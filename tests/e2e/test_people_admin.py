"""An admin edits a person who left, then lets them back in, in a real browser."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from portfolio.choices import REVIEWERS_GROUP
from portfolio.models import AdminEvent
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_admin_edits_then_reactivates_a_person(org, person):
    UserFactory(
        username="gus",
        first_name="Gus",
        last_name="Gone",
        email="gus@example.org",
        is_active=False,
    )
    page = person.sign_in(org.admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Deactivated people").click()

    page.get_by_role("link", name="Edit Gus Gone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Gus Gone")
    page.get_by_label("Last name", exact=True).fill("Returned")
    page.get_by_label("E-mail address").fill("gus.returned@example.org")
    page.get_by_label("Reviewer", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Gus Returned (gus) saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivated people")

    page.get_by_role("link", name="Reactivate Gus Returned").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reactivate Gus Returned?")
    expect(page.get_by_text("It goes to gus.returned@example.org.")).to_be_visible()
    page.get_by_role("button", name="Reactivate Gus Returned").click()
    expect(page.get_by_role("status")).to_contain_text("Gus Returned (gus) is active again")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Gus Returned")
    expect(page.get_by_role("button", name="Send a set-password e-mail")).to_be_visible()

    gus = get_user_model().objects.get(username="gus")
    assert gus.is_active
    assert (gus.last_name, gus.email) == ("Returned", "gus.returned@example.org")
    assert gus.groups.filter(name=REVIEWERS_GROUP).exists()
    assert list(AdminEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "user.updated",
        "user.reactivated",
    ]
