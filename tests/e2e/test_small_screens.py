"""No page scrolls sideways on a 360 px phone, for every role and every page it reaches (the page
list of site_pages.py, with long unbroken titles in it); nor on a laptop, where a long title once
made My work 2,005 px wide. The evidence and trend charts fit inside their cards."""

import json

import pytest
from playwright.sync_api import expect

from tests.conftest import ROLES
from tests.e2e.site_pages import LAPTOP, PHONE, build_site, pages_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The page's width beyond the window, and the elements that reach past its right edge (the
# innermost ones, which are the ones to fix), for the failure message.
OVERFLOW = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  const past = [...document.body.querySelectorAll("*")].filter(element => {
    const box = element.getBoundingClientRect();
    return box.width && box.right > limit + 1 && !element.parentElement.closest(".table-scroll, .chart");
  });
  const innermost = past.filter(element => !past.some(other => other !== element && element.contains(other)));
  const describe = element => element.tagName.toLowerCase()
    + (element.id ? "#" + element.id : "")
    + [...element.classList].map(name => "." + name).join("")
    + " right=" + Math.round(element.getBoundingClientRect().right);
  return {scrollWidth: root.scrollWidth, clientWidth: limit, past: innermost.slice(0, 6).map(describe)};
}"""


def sideways(page) -> dict | None:
    found = page.evaluate(OVERFLOW)
    return found if found["scrollWidth"] > found["clientWidth"] else None


def sweep(session, pages) -> dict:
    found = {}
    for site_page in pages:
        session.page.goto(site_page.url)
        if overflow := sideways(session.page):
            found[f"{site_page.name} {site_page.url}"] = overflow
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_on_a_phone(role, org, open_browser):
    site = build_site(org)
    pages = pages_for(role, site)
    session = open_browser(viewport=PHONE)
    if role != "anonymous":
        session.sign_in(getattr(org, role))
    found = sweep(session, pages)
    assert not found, f"wider than a {PHONE['width']} px phone, as {role}:\n" + json.dumps(
        found, indent=2
    )


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("member", "draft"), ("reviewer", "in_review"), ("owner", "awaiting_sign_off")],
)
def test_my_work_with_long_unbroken_titles_stays_in_the_window(
    role, status, viewport, org, open_browser
):
    """Each on My work: a member's draft, a review waiting, a sign-off waiting."""
    site = build_site(org)
    page = open_browser(viewport=viewport).sign_in(getattr(org, role))
    title = site.by_status[status].title
    expect(page.locator("#my-work").get_by_role("link", name=title)).to_be_visible()
    assert not (overflow := sideways(page)), json.dumps(overflow, indent=2)


def test_the_evidence_chart_fits_its_card_on_a_phone(org, open_browser):
    site = build_site(org)
    session = open_browser(viewport=PHONE)
    page = session.sign_in(org.owner)
    page.goto(site.measured.get_absolute_url())
    chart = page.locator("#evidence-panel svg.chart-svg")
    card = page.locator(".card").filter(has=chart)
    chart_box, card_box = chart.bounding_box(), card.bounding_box()
    assert chart_box["x"] >= card_box["x"], "the chart starts left of its card"
    assert chart_box["x"] + chart_box["width"] <= card_box["x"] + card_box["width"], (
        f"the chart ({chart_box['width']:.0f} px) is cut off by its card "
        f"({card_box['width']:.0f} px)"
    )
