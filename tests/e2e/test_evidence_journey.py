"""Issue 4's acceptance for success-signal evidence, in a real browser: an owner records three
measurements and sees the metric's status and chart change, without a reload; then once more with
JavaScript off."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import make_measurable
from usecases.choices import EvidenceStatus
from usecases.models import Measurement, UseCase

# Transactional, because the live server reads what the test writes; serialized rollback, because
# the flush between transactional tests would otherwise also delete the role groups.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]

TODAY = timezone.localdate()


@pytest.fixture
def measured(org):
    """Active, owned by Owen: median days to a decision, 40 fifty days ago, 10 in fifty days."""
    return make_measurable(org=org)


def panel(page: Page):
    return page.locator("#evidence-panel")


def measured_points(page: Page):
    return panel(page).locator(".chart-series-measured circle.chart-point")


def record(page: Page, *, days_ago: int, value: str, note: str = ""):
    form = page.locator("#measurement-form")
    form.get_by_label("Date measured").fill((TODAY - timedelta(days=days_ago)).isoformat())
    form.get_by_label("Value (days)").fill(value)
    if note:
        form.get_by_label("Note (optional)").fill(note)
    form.get_by_role("button", name="Record measurement").click()


def test_an_owner_records_three_measurements_and_sees_status_and_chart_change(
    org, measured, person
):
    page = person.sign_in(org.owner)
    page.goto(measured.get_absolute_url())
    page.evaluate("window.e2eNoReload = true")

    status = panel(page).locator("#evidence-status")
    expect(status).to_have_text("No measurements")
    expect(measured_points(page)).to_have_count(0)
    # The plan is drawn before anything is measured: the line from baseline to target.
    expect(panel(page).locator(".chart-series-expected path.chart-line")).to_have_count(1)

    # 40 days when 37 were expected: short by 3, a tenth of the way to go.
    record(page, days_ago=40, value="40", note="January report")
    expect(status).to_have_text("At risk")
    expect(measured_points(page)).to_have_count(1)
    expect(panel(page).get_by_role("status")).to_contain_text("Measurement of 40 days on")

    # 26 when 31 were expected: ahead of the line.
    record(page, days_ago=20, value="26")
    expect(status).to_have_text("On track")
    expect(measured_points(page)).to_have_count(2)
    expect(panel(page).locator(".chart-series-measured path.chart-line")).to_have_count(1)

    # 35 when 26.5 were expected: well behind.
    record(page, days_ago=5, value="35")
    expect(status).to_have_text("Off track")
    expect(measured_points(page)).to_have_count(3)

    # The table lists them newest first; each point says what it is to a screen reader.
    rows = panel(page).locator("table.evidence-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("35")
    expect(rows.last).to_contain_text("January report")
    expect(measured_points(page).last.locator("title")).to_contain_text("Measured: 35 days on")
    # The rest of the page heard about it: the timeline shows the three readings.
    expect(page.locator("#timeline li", has_text="Measurement recorded")).to_have_count(3)
    assert page.evaluate("window.e2eNoReload === true"), "the page was reloaded"

    stored = UseCase.objects.get(pk=measured.pk)
    assert stored.evidence_status == EvidenceStatus.OFF_TRACK
    assert Measurement.objects.filter(usecase=measured).count() == 3


def test_bad_input_is_refused_in_place(org, measured, person):
    page = person.sign_in(org.owner)
    page.goto(measured.get_absolute_url())
    form = page.locator("#measurement-form")
    form.get_by_label("Value (days)").fill("12")
    form.get_by_label("Source link (optional)").fill("reports/march")
    form.get_by_role("button", name="Record measurement").click()
    # The browser's own check for a web address stops it first; without it, the server says so.
    assert not Measurement.objects.exists()
    page.evaluate("document.getElementById('measurement-form').noValidate = true")
    form.get_by_role("button", name="Record measurement").click()
    expect(panel(page).get_by_role("alert")).to_contain_text("Enter a full web address")
    expect(form.get_by_label("Value (days)")).to_have_value("12")
    assert not Measurement.objects.exists()


def test_without_javascript_the_owner_records_and_returns_to_the_evidence(
    org, measured, open_browser
):
    session = open_browser(java_script_enabled=False)
    page = session.sign_in(org.owner)
    page.goto(measured.get_absolute_url())
    record(page, days_ago=2, value="24")
    expect(page).to_have_url(measured.get_absolute_url() + "#evidence-panel")
    expect(page.get_by_role("status").first).to_contain_text("Measurement of 24 days on")
    expect(panel(page).locator("#evidence-status")).to_have_text("On track")
    expect(measured_points(page)).to_have_count(1)
