"""Issue 4's acceptance, in a real browser on the demo organisation: a leader signs in, opens the
dashboard, filters by one goal, clicks "Attestation overdue" and lands on a list with exactly that
many use cases."""

import re

import pytest
from playwright.sync_api import expect

from demo.organisation import seed_demo
from portfolio.models import StrategicGoal
from portfolio.selectors import goal_descendant_ids
from tests.e2e.pages import sign_in_as_demo
from usecases.models import UseCase

# The live server needs committed data; serialized rollback restores the groups a flush removes.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def overdue_serving(goal: StrategicGoal) -> int:
    """Overdue use cases serving ``goal`` or a goal beneath it, counted straight from the table."""
    return (
        UseCase.objects.overdue()
        .filter(goals__in=goal_descendant_ids(goal))
        .values("pk")
        .distinct()
        .count()
    )


@pytest.fixture
def goal_with_some_overdue():
    """A goal that some, but not all, overdue demo use cases serve: the filter must matter."""
    seed_demo()
    everywhere = UseCase.objects.overdue().count()
    for goal in StrategicGoal.objects.order_by("title"):
        if 0 < overdue_serving(goal) < everywhere:
            return goal
    pytest.fail("The demo has no goal that only some overdue use cases serve.")


def test_a_leader_filters_by_goal_and_drills_into_attestation_overdue(
    goal_with_some_overdue, open_browser
):
    goal = goal_with_some_overdue
    page = open_browser().page
    sign_in_as_demo(page, "rita")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ownership dashboard")
    overdue_tile = page.get_by_role("link", name=re.compile(r"^[\d,]+ Attestation overdue$"))
    unfiltered = int(overdue_tile.locator(".tile-count").inner_text())

    # Choosing a goal redraws the dashboard in place (sub-goals included, as the box says).
    expect(page.get_by_label("Include sub-goals")).to_be_checked()
    page.get_by_label("Goal", exact=True).select_option(label=goal.title)
    expect(page.locator(".dashboard-scope")).to_contain_text(goal.title)
    expect(page).to_have_url(re.compile(rf"goal={goal.pk}"))

    shown = int(overdue_tile.locator(".tile-count").inner_text())
    assert shown == overdue_serving(goal)
    assert 0 < shown < unfiltered

    overdue_tile.click()
    expect(page).to_have_url(re.compile(r"/usecases/\?.*show=overdue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Use cases")
    expect(page.locator(".result-count")).to_have_text(
        f"{shown} use case{'' if shown == 1 else 's'}"
    )
    expect(page.locator("#results tbody tr")).to_have_count(shown)
    # The list keeps the filters: the goal, and only the overdue.
    expect(page.get_by_label("Goal", exact=True)).to_have_value(str(goal.pk))
    expect(page.get_by_label("Show only")).to_have_value("overdue")
    for row in page.locator("#results tbody tr").all():
        expect(row.get_by_text("Attestation overdue")).to_be_visible()
