"""Issue 10's acceptance for the standards' profiles, in a real browser: an admin switches on the
US federal AI inventory's profile; a high-impact use case in production shows what it lacks to be
reportable under it; the dashboard counts it and drills into it; a product owner fills what it
lacks, and the dashboard's count clears."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_usecase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TILE = re.compile(r"^[\d,]+ Not reportable under US AI inventory$")


@pytest.fixture
def high_impact_in_production(org):
    """Deployed, high impact, the inventory's basics and most high-impact answers given: it lacks
    the appeal process and the public consultation."""
    return make_usecase(
        org=org,
        lifecycle_stage="in_production",
        in_production_on="2024-05-01",
        impact_level="high",
        business_intent="Urgent claims reach an officer first.",
        outputs="A priority score per claim.",
        topic_area="Benefits",
        techniques=["classical_ml"],
        contact_email="claims-ai@example.org",
        sourcing="in_house",
        data_sources="Past claims and their outcomes.",
        personal_data=True,
        pre_deployment_testing="Shadow run on 2,000 claims.",
        impact_assessments=[{"kind": "aia", "date": "2024-03-01", "link": ""}],
        potential_impacts="Urgent claims ranked low; the lowest tenth is re-read.",
        independent_review="The department's AI office.",
        monitoring="A monthly drift report.",
        operator_training="A half-day course.",
        human_oversight="Officers decide; the score orders the queue.",
    )


def dashboard_count(page) -> int:
    page.goto("/dashboard/")
    tile = page.get_by_role("link", name=TILE)
    return int(tile.locator(".tile-count").inner_text())


def test_an_admin_switches_on_the_us_profile_and_filling_the_gaps_clears_the_count(
    org, open_browser, high_impact_in_production
):
    usecase = high_impact_in_production
    admin = open_browser().sign_in(org.admin)

    # Off by default: no tile, no panel.
    admin.goto("/dashboard/")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ownership dashboard")
    expect(admin.get_by_role("link", name=TILE)).to_have_count(0)

    admin.goto("/administration/")
    admin.get_by_role("link", name="Standards' profiles").click()
    us = admin.get_by_role("region", name=re.compile(r"^US federal AI use-case inventory"))
    expect(us.get_by_text("Off", exact=True)).to_be_visible()
    us.get_by_role("button", name="Switch on US AI inventory").click()
    expect(
        admin.get_by_text(
            "US federal AI use-case inventory (OMB M-25-21, 2025 data dictionary): switched on."
        )
    ).to_be_visible()
    expect(us.get_by_text("On", exact=True)).to_be_visible()

    # The use case says what it lacks, by the standard's own column names.
    admin.goto(usecase.get_absolute_url())
    panel = admin.get_by_role("region", name="Public standards")
    expect(panel).to_contain_text("US AI inventory: Not reportable — lacks")
    lacks = panel.locator(".profile-lacks li")
    expect(lacks).to_have_count(2)
    expect(lacks.nth(0)).to_contain_text("Appeal route (hi_appeal_process")
    expect(lacks.nth(1)).to_contain_text("Public consultation (hi_public_consultation")

    # The dashboard counts it and drills into exactly it.
    assert dashboard_count(admin) == 1
    admin.get_by_role("link", name=TILE).click()
    expect(admin).to_have_url(re.compile(r"/usecases/\?.*not_reportable=us_omb_2025"))
    expect(admin.locator(".result-count")).to_have_text("1 use case")
    expect(admin.get_by_label("Not reportable under")).to_have_value("us_omb_2025")
    expect(admin.locator("#results tbody tr")).to_contain_text(usecase.title)

    # A product owner of the team fills what it lacks.
    owner = open_browser().sign_in(org.lead)
    owner.goto(usecase.get_absolute_url())
    owner.get_by_role("link", name="Edit", exact=True).click()
    risk = owner.locator("#section-risk")
    if risk.get_attribute("open") is None:
        risk.locator("summary").click()
    owner.get_by_label("Appeal route").fill("The usual benefits appeal, within six weeks.")
    owner.get_by_label("Public consultation").fill("A claimant panel saw it in spring 2024.")
    owner.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(owner).to_have_url(re.compile(r"/usecases/UC-\d+/$"))
    panel = owner.get_by_role("region", name="Public standards")
    expect(panel).to_contain_text("US AI inventory: Reportable")

    assert dashboard_count(admin) == 0
    tile = admin.locator('[data-tile="not_reportable_us_omb_2025"]')
    expect(tile).to_have_attribute("data-count", "0")
