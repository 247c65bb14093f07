"""Choosing an owner among more people than a page carries: typing finds them, the keyboard picks
them, and the draft is saved with them; without JavaScript, typing their username does it too."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from portfolio.models import Membership, StrategicGoal
from tests.conftest import make_measurable
from tests.e2e.test_accessibility import axe_source, axe_violations  # noqa: F401 (a fixture)
from usecases.choosers.kinds import SHOWN
from usecases.models import UseCase

# Transactional, because the live server reads what the test writes; serialized rollback, because
# the flush between transactional tests would otherwise also delete the role groups the
# migrations create.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

User = get_user_model()
FIND = "Search people"
OWNER = re.compile(r"^Owner")


@pytest.fixture
def far_down(org):
    """More people than the owner chooser shows, and one who sorts past all of them."""
    User.objects.bulk_create(
        User(username=f"zp{n:03d}", first_name="Zoe", last_name=f"Person {n:03d}")
        for n in range(SHOWN + 10)
    )
    return User.objects.create_user(username="zquist", first_name="Zygmunt", last_name="Quist")


def start_draft(page, title: str):
    page.goto("/usecases/new/")
    page.get_by_label("Title").fill(title)


@pytest.mark.e2e
def test_typing_finds_an_owner_the_page_does_not_carry_and_the_keyboard_picks_them(
    org, person, far_down
):
    page = person.sign_in(org.member)
    start_draft(page, "Route overflow parcels to lockers")
    owner = page.get_by_role("combobox", name=OWNER)
    expect(owner.locator("option", has_text="Zygmunt")).to_have_count(0)

    box = page.get_by_role("searchbox", name=FIND)
    box.press_sequentially("zygm")
    expect(owner.locator("option")).to_have_text(["Not decided yet", "Zygmunt Quist (zquist)"])
    box.press("Enter")  # goes to the list; does not submit the form
    expect(owner).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("combobox", name=OWNER)).to_have_value(str(far_down.pk))

    # Escape in the box empties it and brings the first people back.
    box.fill("zz")
    box.press("Escape")
    expect(box).to_have_value("")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Draft UC-\d+ saved\."))
    assert UseCase.objects.get().owner == far_down


@pytest.mark.e2e
def test_without_javascript_typing_a_username_names_the_owner(org, open_browser, far_down):
    page = open_browser(java_script_enabled=False).sign_in(org.member)
    start_draft(page, "Route overflow parcels to lockers")
    page.get_by_label(FIND).fill("zquist-typo")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("No person here matches “zquist-typo”").first).to_be_visible()
    assert not UseCase.objects.exists()

    page.get_by_label(FIND).fill("zquist")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/usecases/UC-\d+/$"))
    assert UseCase.objects.get().owner == far_down


@pytest.mark.e2e
def test_the_choosers_search_boxes_and_answers_pass_axe(org, person, far_down, axe_source):  # noqa: F811
    StrategicGoal.objects.bulk_create(
        StrategicGoal(title=f"Zone goal {n:03d}") for n in range(SHOWN + 5)
    )
    page = person.sign_in(org.lead)
    start_draft(page, "Route overflow parcels to lockers")
    page.get_by_role("searchbox", name=FIND).press_sequentially("zyg")
    expect(page.get_by_role("combobox", name=OWNER).locator("option")).to_have_count(2)
    page.get_by_role("searchbox", name="Search goals").press_sequentially("zone goal 042")
    expect(page.locator("#id_goals input[type=checkbox]")).to_have_count(1)
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)
    page.goto("/usecases/")
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)


@pytest.mark.e2e
def test_the_owner_finds_a_member_of_a_large_team_and_lets_them_record(org, person, far_down):
    """The evidence panel's tick boxes carry the first members of a large team: the owner
    searches for one further down, ticks them with the keyboard and saves, without a reload."""
    measured = make_measurable(org=org)
    Membership.objects.bulk_create(
        Membership(team=org.team, user=user)
        for user in User.objects.filter(username__startswith="z")
    )
    page = person.sign_in(org.owner)
    page.goto(measured.get_absolute_url())
    page.evaluate("window.e2eNoReload = true")
    page.get_by_text("Who may record measurements").click()
    boxes = page.locator("#evidence-recorders")
    expect(boxes.get_by_role("checkbox")).to_have_count(SHOWN)
    expect(boxes.get_by_label(re.compile("Zygmunt"))).to_have_count(0)

    search = page.get_by_role("searchbox", name=FIND)
    search.press_sequentially("zygm")
    expect(boxes.get_by_role("checkbox")).to_have_count(1)
    zygmunt = boxes.get_by_label("Zygmunt Quist (zquist)")
    zygmunt.focus()
    page.keyboard.press("Space")
    expect(zygmunt).to_be_checked()
    page.get_by_role("button", name="Save who may record").click()
    expect(page.get_by_text("Zygmunt Quist may record measurements too.")).to_be_visible()
    assert page.evaluate("window.e2eNoReload") is True
    assert list(UseCase.objects.get(pk=measured.pk).measurement_recorders.all()) == [far_down]
