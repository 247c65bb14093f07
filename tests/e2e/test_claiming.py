"""Imported use cases nobody owns find owners: a team lead ticks them in the list and asks someone
(with htmx), who accepts from My work; the contact an import names claims one from its page
(without JavaScript). axe-core checks the new pages (it needs JavaScript, so not the last)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import AXE, axe_violations
from tests.usecases.claims import make_contact, make_imported
from usecases.models import UseCase

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def assert_accessible(page):
    assert not (violations := axe_violations(page, AXE.read_text())), "\n".join(violations)


@pytest.fixture
def contact(db):
    return make_contact()


@pytest.mark.e2e
def test_a_lead_asks_in_bulk_and_the_person_accepts(org, contact, person, open_browser):
    first = make_imported(org=org, ref="X-1", title="Screen import declarations")
    second = make_imported(org=org, ref="X-2", title="Flag duplicate grant applications")

    page = person.sign_in(org.lead)
    page.goto("/usecases/")
    page.get_by_label(f"Select {first.key} {first.title}").check()
    page.get_by_label(f"Select {second.key} {second.title}").check()
    page.get_by_label("Ask to own").select_option(str(contact.pk))
    # Choosing in the assignment form does not reload the list (the ticks stay).
    expect(page.get_by_label(f"Select {first.key} {first.title}")).to_be_checked()
    page.get_by_role("button", name="Review the assignment").click()

    expect(page.get_by_role("heading", name="Confirm the assignment", level=1)).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("cell", name="Claire Contact is asked to own it")).to_have_count(2)
    page.get_by_role("button", name="Confirm for 2 use cases").click()
    expect(page.get_by_text("2 use cases done, 0 refused.")).to_be_visible()
    assert_accessible(page)
    page.goto(first.get_absolute_url())
    expect(page.get_by_text("Leo Lead asked Claire Contact to own it")).to_be_visible()
    assert_accessible(page)

    claire = open_browser()
    home = claire.sign_in(contact)
    expect(home.get_by_role("heading", name="Asked to own (2)")).to_be_visible()
    assert_accessible(home)
    home.get_by_role("button", name=f"Accept ownership of {first.key}").click()
    expect(home.get_by_text(f"You own {first.key} now.")).to_be_visible()
    expect(home.get_by_role("heading", name="Asked to own (1)")).to_be_visible()
    assert UseCase.objects.get(pk=first.pk).owner == contact


@pytest.mark.e2e
def test_the_contact_claims_an_imported_use_case_from_its_page(org, contact, open_browser):
    imported = make_imported(org=org)
    claire = open_browser(java_script_enabled=False)
    page = claire.sign_in(contact)
    page.goto(imported.get_absolute_url())
    expect(page.get_by_text("This is you?")).to_be_visible()
    page.get_by_role("button", name="Claim ownership").click()
    expect(page.get_by_text(f"You own {imported.key} now.")).to_be_visible()
    expect(page.get_by_text("Nobody owns this yet")).to_have_count(0)
    assert UseCase.objects.get(pk=imported.pk).owner == contact
