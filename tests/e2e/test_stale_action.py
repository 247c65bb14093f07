"""A decision on a text that moved on, in a real browser (issue 8, item 3): the owner opened the
page to sign; the text changed before they clicked. The answer (409) is swapped into the status
panel: nothing was signed, it says what changed and by whom, and signing again binds to the text
now shown. Once with htmx, once without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.conftest import advance_usecase, make_usecase
from tests.e2e.test_accessibility import axe_source, axe_violations
from usecases import services
from usecases.models import SignOff, UseCase

__all__ = ["axe_source"]  # the fixture, shared

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]


def reassign_twice(usecase, org):
    """Adam names someone else the owner and then Owen again: a newer version, same state."""
    for owner in (org.member, org.owner):
        services.usecase_reassign_owner(
            usecase=UseCase.objects.get(pk=usecase.pk), actor=org.admin, new_owner=owner
        )


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_signing_a_text_that_changed_meanwhile_is_refused_and_says_why(
    org, open_browser, javascript, axe_source
):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="awaiting_sign_off")
    page = open_browser(java_script_enabled=javascript).sign_in(org.owner)
    page.goto(usecase.get_absolute_url())
    if javascript:
        page.locator("summary", has_text="Sign off").click()
    else:
        page.goto(f"{usecase.get_absolute_url()}sign-off/")

    reassign_twice(usecase, org)
    page.get_by_label("I accept ownership of this use case and its success signal.").check()
    page.get_by_role("button", name="Sign off", exact=True).click()

    notice = page.locator(".stale-notice")
    expect(notice).to_contain_text(f"{usecase.key} changed after you opened it")
    expect(notice).to_contain_text("Adam Admin: edited (Owner)")
    assert not SignOff.objects.filter(usecase=usecase).exists()
    if javascript:
        # The refusal takes focus, so a screen reader reads it and Tab goes on from there; axe
        # finds nothing serious in the answer (it cannot run where JavaScript is off).
        expect(notice).to_be_focused()
        assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)

    # Deciding again, on what is shown now, goes through.
    current = UseCase.objects.get(pk=usecase.pk)
    if javascript:
        expect(page.locator("#version-line")).to_contain_text(f"Version {current.version} ·")
        page.locator("summary", has_text="Sign off").click()
    page.get_by_label("I accept ownership of this use case and its success signal.").check()
    page.get_by_role("button", name="Sign off", exact=True).click()
    expect(page.locator("#status-panel")).to_contain_text("Active")
    assert SignOff.objects.get(usecase=usecase).revision.version == current.version
