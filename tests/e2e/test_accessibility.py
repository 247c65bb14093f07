"""axe-core (from npm, see package.json) on every page, for every role that reaches it: no serious
or critical violation anywhere. Also the states a plain GET does not show (the new use-case form
with its errors), and the keyboard focus ring, which axe does not measure."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.conftest import ROLES
from tests.e2e.site_pages import (
    build_site,
    client_as,
    excluded,
    pages_for,
    reaches,
    site_pages,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"axe-core not found at {AXE}: run `make test` (it runs `npm ci`), or `npm ci`.",
            pytrace=False,
        )
    return AXE.read_text()


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """Run axe-core on the page as it is; one line per serious or critical violation.

    The source goes in through DevTools evaluation, which a Content-Security-Policy of
    ``script-src 'self'`` does not block (a <script> tag with the text would be)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(axe_source)
    # Bounded: a run that never settles fails the test instead of hanging the suite.
    results = page.evaluate(
        """async () => await Promise.race([
            window.axe.run(document, {resultTypes: ['violations']}),
            new Promise((_, reject) => setTimeout(() => reject(new Error('axe-core ran over 60 s')), 60000)),
        ])"""
    )
    return [
        f"{violation['id']} ({violation['impact']}) at {node['target']}: {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS
        for node in violation["nodes"]
    ]


def sign_in(open_browser, role, org):
    session = open_browser()
    if role != "anonymous":
        session.sign_in(getattr(org, role))
    return session


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_a_serious_accessibility_violation(role, org, open_browser, axe_source):
    site = build_site(org)
    pages = pages_for(role, site)
    assert pages, f"{role} reaches no page at all"
    page = sign_in(open_browser, role, org).page
    found = {}
    for site_page in pages:
        response = page.goto(site_page.url)
        # The sweep checks the page itself, not a sign-in page or error it was sent to instead.
        assert response.status == 200, f"{site_page.url} answered {response.status} for {role}"
        if "/accounts/login/" not in site_page.url:
            assert "/accounts/login/" not in page.url, f"{site_page.url} sent {role} to sign in"
        if violations := axe_violations(page, axe_source):
            found[f"{site_page.name} {site_page.url}"] = violations
    assert not found, f"axe-core, as {role}:\n" + json.dumps(found, indent=2)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_the_new_use_case_form_with_errors_has_no_serious_violation(
    role, org, open_browser, axe_source
):
    page = sign_in(open_browser, role, org).page
    page.goto("/usecases/new/")
    # An empty form sent as it is (no browser validation in the way): the server's errors show.
    page.get_by_label("Title").evaluate("field => { field.form.noValidate = true; }")
    with page.expect_navigation():
        page.get_by_label("Title").evaluate("field => field.form.requestSubmit()")
    assert page.locator(".field-invalid, [aria-invalid=true]").count(), "no field shows an error"
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)


def test_every_get_page_is_swept_or_excluded(org):
    """A page reached by no role is neither checked by the sweeps nor excused: fail, naming it.
    A URL that answers GET with 405 for everyone signed in is a POST-only action."""
    site = build_site(org)
    clients = {role: client_as(role, org) for role in ROLES}
    unswept = {}
    for site_page in site_pages(site):
        statuses = {role: reaches(client, site_page) for role, client in clients.items()}
        signed_in = {status for role, status in statuses.items() if role != "anonymous"}
        if 200 in statuses.values() or signed_in == {405}:
            continue
        unswept[site_page.name] = statuses
    assert not unswept, (
        "GET pages no role reaches with the sweeps' data: give build_site the data they need, or "
        f"list them in site_pages.EXCLUDED with the reason: {unswept}"
    )
    assert not [name for name in ("usecases:my_work", "administration:team_edit") if excluded(name)]


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_the_not_found_page_has_no_serious_violation(role, org, open_browser, axe_source):
    page = sign_in(open_browser, role, org).page
    assert page.goto("/no-such-page/").status == 404
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)


def test_the_refusal_page_has_no_serious_violation(org, open_browser, axe_source):
    page = sign_in(open_browser, "member", org).page
    assert page.goto("/administration/").status == 403
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)


def test_the_nothing_exported_page_has_no_serious_violation(org, open_browser, axe_source):
    page = sign_in(open_browser, "member", org).page
    assert page.goto("/exports/usecases/csv/?status=bogus").status == 400
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)


@pytest.mark.parametrize("place", ["main a, main button", ".topbar a"])
def test_the_keyboard_focus_ring_stands_out_three_to_one(place, org, open_browser):
    """WCAG 1.4.11: the ring a keyboard user follows contrasts at least 3:1 with what surrounds it,
    on the light page and on the dark top bar."""
    page = sign_in(open_browser, "member", org).page
    page.goto("/usecases/")
    target = page.locator(place).first
    target.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focused by keyboard, so :focus-visible applies
    ratio = target.evaluate(RING_CONTRAST)
    assert ratio >= 3, f"the focus ring on {place} contrasts {ratio:.2f}:1 with its background"


# The contrast between the focused element's outline colour and the background the ring is drawn
# on (the first ancestor with an opaque background), by WCAG's relative-luminance formula.
RING_CONTRAST = """element => {
  const rgb = colour => colour.match(/[\\d.]+/g).map(Number);
  const luminance = colour => {
    const [r, g, b] = rgb(colour).slice(0, 3).map(channel => {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(element);
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return 0;
  let around = element.parentElement;
  while (around && (rgb(getComputedStyle(around).backgroundColor)[3] ?? 1) === 0) {
    around = around.parentElement;
  }
  const background = around ? getComputedStyle(around).backgroundColor : "rgb(255, 255, 255)";
  const [light, dark] = [luminance(style.outlineColor), luminance(background)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


def test_the_api_documentation_page_has_no_serious_violation(org, open_browser, axe_source):
    """The interactive API docs (Swagger UI, served from the registry's own static files), once
    they have drawn the operations."""
    page = sign_in(open_browser, "member", org).page
    assert page.goto("/api/v1/docs").status == 200
    page.locator(".opblock").first.wait_for()
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)
    # One operation opened: its parameters, body and answers.
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for()
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)
