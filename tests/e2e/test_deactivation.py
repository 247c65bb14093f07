"""Issue 4 acceptance, in a real browser on the demo organisation: an admin deactivates a person
who owns use cases; afterwards none of them is owned by that person, and each new owner has a
sign-off request in their inbox."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from demo.organisation import DEMO_PASSWORD, seed_demo
from portfolio.models import Membership
from tests.conftest import make_usecase
from tests.e2e.pages import sign_in_as_demo
from tests.factories import PASSWORD
from usecases.choices import NotificationKind, Status
from usecases.models import Notification, UseCase

# The live server needs committed data; serialized rollback restores the groups a flush removes.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIGN_OFF_REQUESTS = [NotificationKind.OWNERSHIP_TRANSFERRED, NotificationKind.SIGN_OFF_REQUESTED]


def test_an_admin_deactivates_an_owner_and_the_new_owner_is_asked_to_sign(open_browser):
    seed_demo()
    users = get_user_model().objects
    leaver, successor = users.get(username="olivia"), users.get(username="hannah")
    owned = list(UseCase.objects.filter(owner=leaver).order_by("number"))
    assert any(usecase.status == Status.ACTIVE for usecase in owned), "demo: olivia owns some"

    adam = open_browser().page
    sign_in_as_demo(adam, "adam")
    adam.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    adam.get_by_role("link", name="People", exact=True).click()
    adam.get_by_role("link", name="Deactivate Olivia Bennett").click()
    expect(adam.get_by_role("heading", level=1)).to_have_text("Deactivate Olivia Bennett")
    for usecase in owned:
        expect(adam.get_by_role("link", name=usecase.key, exact=True).first).to_be_visible()

    adam.get_by_label("New owner for everything below").select_option(
        label="Hannah Lindqvist (hannah)"
    )
    adam.get_by_label("Reason (optional)").fill("Olivia moved to another organisation.")
    adam.get_by_role("button", name="Hand over and deactivate Olivia Bennett").click()
    expect(adam.get_by_role("status").first).to_contain_text(
        "Olivia Bennett (olivia) is deactivated"
    )

    # The history says who did it.
    main_nav = adam.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Administration").click()
    adam.get_by_role("link", name="Administration history").click()
    row = adam.locator("tr", has_text="user.deactivated")
    expect(row).to_contain_text("Olivia Bennett")
    expect(row).to_contain_text("Adam Whitfield")

    leaver.refresh_from_db()
    assert not leaver.is_active
    assert not UseCase.objects.filter(owner=leaver).exists()
    for usecase in owned:
        usecase.refresh_from_db()
        assert usecase.owner == successor
        if usecase.status in (Status.ACTIVE, Status.AWAITING_SIGN_OFF):
            assert usecase.status == Status.AWAITING_SIGN_OFF
        assert Notification.objects.filter(
            recipient=successor, usecase=usecase, kind__in=SIGN_OFF_REQUESTS
        ).exists(), usecase.key

    # Hannah finds the requests in her inbox and the handed-over use cases on her Sign-offs page.
    hannah = open_browser().page
    sign_in_as_demo(hannah, "hannah")
    hannah.get_by_role("link", name=re.compile(r"^Inbox")).click()
    inbox = hannah.locator("main")
    for usecase in owned:
        expect(inbox).to_contain_text(usecase.key)
    hannah.get_by_role("link", name="Sign-offs").click()
    waiting = [u for u in owned if u.status == Status.AWAITING_SIGN_OFF]
    for usecase in waiting:
        expect(hannah.locator("main")).to_contain_text(usecase.title)

    # Olivia can no longer sign in.
    olivia = open_browser().page
    olivia.goto("/accounts/login/")
    olivia.get_by_label("Username").fill("olivia")
    olivia.get_by_label("Password").fill(DEMO_PASSWORD)
    olivia.get_by_role("button", name="Sign in").click()
    expect(olivia).to_have_url(re.compile(r"/accounts/login/"))


def test_with_javascript_off_an_admin_hands_rows_to_different_people_and_names_a_new_lead(
    open_browser, org
):
    """A lead who owns a use case and wrote a draft nobody owns leaves: one row goes to someone
    typed by username, the rest to the default; the team gets the lead chosen on the page."""
    owned = make_usecase(org=org, author=org.lead, owner=org.lead, title="Owned by Leo")
    orphan = make_usecase(org=org, author=org.lead, owner=None, title="Leo's orphan draft")

    adam = open_browser(java_script_enabled=False).page
    adam.goto("/accounts/login/")
    adam.get_by_label("Username").fill(org.admin.username)
    adam.get_by_label("Password").fill(PASSWORD)
    adam.get_by_role("button", name="Sign in").click()
    adam.goto(f"/administration/people/{org.lead.pk}/deactivate/")
    expect(adam.get_by_role("heading", level=1)).to_have_text("Deactivate Leo Lead")

    adam.get_by_label("New owner for everything below").select_option(label="Nina Outsider (nina)")
    adam.get_by_label(f"New owner of {owned.key}").fill("mia")
    adam.get_by_label("New lead of Claims Processing").select_option(label="Mia Member (mia)")
    adam.get_by_role("button", name="Hand over and deactivate Leo Lead").click()
    expect(adam.get_by_role("status").first).to_contain_text("Leo Lead (leo) is deactivated")

    owned.refresh_from_db()
    orphan.refresh_from_db()
    assert (owned.owner, owned.author) == (org.member, org.member)
    assert (orphan.owner, orphan.author) == (None, org.non_member)
    roles = dict(Membership.objects.filter(team=org.team).values_list("user__username", "role"))
    assert roles == {"mia": "lead", "leo": "member"}
