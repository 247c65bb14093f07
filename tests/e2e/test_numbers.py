"""Typing numbers in a real browser (issue 8, item 2): a decimal comma is kept as the person meant
it, and what the registry can't read for sure is refused by name instead of being dropped."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from usecases.models import UseCase

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]


def fill_draft(page, *, baseline: str):
    page.goto("/usecases/new/")
    page.locator("#id_title").fill("Pay suppliers on time")
    page.locator("#id_metric_name").fill("Days to pay an invoice")
    page.locator("#id_metric_baseline").press_sequentially(baseline)
    page.get_by_role("button", name="Save draft").click()


@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
def test_a_decimal_comma_is_stored_as_typed_whatever_the_browsers_language(
    org, open_browser, locale
):
    page = open_browser(locale=locale).sign_in(org.member)
    fill_draft(page, baseline="12,5")
    expect(page).to_have_url(re.compile(r"/usecases/UC-\d+/$"))
    assert UseCase.objects.get().metric_baseline == Decimal("12.5")


def test_what_is_not_a_number_is_refused_by_name_and_kept_to_correct(org, person):
    page = person.sign_in(org.member)
    fill_draft(page, baseline="1e")
    expect(page.get_by_text("Baseline: “1e” is not a number.").first).to_be_visible()
    expect(page.locator("#id_metric_baseline")).to_have_value("1e")
    assert not UseCase.objects.exists()
