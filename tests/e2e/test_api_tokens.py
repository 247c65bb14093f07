"""The API tokens page in a browser: found from the user menu, a token made and shown once, its
errors and the shown token free of serious accessibility violations, and the token then works."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import axe_source, axe_violations  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_person_makes_a_token_and_a_script_uses_it(person, org, live_server, axe_source):  # noqa: F811
    page = person.sign_in(org.member)
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()

    page.get_by_label("Name").evaluate("field => { field.form.noValidate = true; }")
    page.get_by_role("button", name="Make token").click()
    expect(page.locator(".error-summary")).to_contain_text("Give the token a name")
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)

    page.get_by_label("Name").fill("Nightly report")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    text = page.locator("#new-token").input_value()
    assert text.startswith("ucr_")
    expect(page.get_by_role("cell", name="Read and write")).to_be_visible()
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)

    api = person.context.request
    answer = api.get(
        f"{live_server.url}/api/v1/usecases",
        headers={"Authorization": f"Bearer {text}"},
    )
    assert answer.status == 200, answer.text()
    assert json.loads(answer.text())["items"] == []

    page.reload()
    assert text not in page.content()
    expect(page.get_by_role("button", name="Revoke Nightly report")).to_have_count(1)
    page.get_by_role("button", name="Revoke Nightly report").click()
    expect(page.get_by_text("Token “Nightly report” revoked")).to_be_visible()
    bare = person.context.browser.new_context()
    try:
        refused = bare.request.get(
            f"{live_server.url}/api/v1/usecases", headers={"Authorization": f"Bearer {text}"}
        )
        assert refused.status == 401
    finally:
        bare.close()
