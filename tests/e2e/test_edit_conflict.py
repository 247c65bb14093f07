"""Two people edit the same draft; the second is told, keeps what they typed, and saves deliberately."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_usecase
from usecases.models import UseCase

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MIAS_TITLE = "Triage benefit claims on arrival"
LEOS_TITLE = "Triage every benefit claim within a day"
LEOS_PROBLEM = "Claims sit unread for weeks, and claimants call to ask whether we received them."


@pytest.mark.e2e
def test_second_editor_sees_the_conflict_and_saves_their_version(org, open_browser):
    usecase = make_usecase(org=org)
    edit_path = f"/usecases/{usecase.key}/edit/"
    mia = open_browser().sign_in(org.member)
    leo = open_browser().sign_in(org.lead)
    mia.goto(edit_path)
    leo.goto(edit_path)

    mia.get_by_label("Title").fill(MIAS_TITLE)
    mia.get_by_role("button", name="Save changes").click()
    expect(mia.get_by_role("status")).to_have_text(f"{usecase.key} saved.")

    leo.get_by_label("Problem").fill(LEOS_PROBLEM)
    leo.get_by_label("Title").fill(LEOS_TITLE)
    leo.get_by_role("button", name="Save changes").click()

    conflict = leo.get_by_role("alert").filter(
        has=leo.get_by_role(
            "heading", name="Someone else saved this use case while you were editing"
        )
    )
    expect(conflict).to_be_visible()
    expect(conflict.get_by_role("rowheader")).to_have_text(["Title"])  # only what Mia changed
    title_row = conflict.get_by_role("row").filter(
        has=leo.get_by_role("rowheader", name="Title", exact=True)
    )
    expect(title_row.get_by_role("cell")).to_have_text([MIAS_TITLE, "Mia Member", LEOS_TITLE])
    # The heading names the use case as saved, not Leo's unsaved title.
    expect(leo.get_by_role("heading", level=1)).to_have_text(f"Edit “{MIAS_TITLE}”")
    expect(leo.get_by_label("Title")).to_have_value(LEOS_TITLE)
    expect(leo.get_by_label("Problem")).to_have_value(LEOS_PROBLEM)
    leo.screenshot(path="/tmp/e2e-conflict.png", full_page=True)

    leo.get_by_role("button", name="Save my version").click()
    expect(leo).to_have_url(re.compile(rf"/usecases/{usecase.key}/$"))
    expect(leo.get_by_role("status")).to_have_text(f"{usecase.key} saved.")
    expect(leo.get_by_role("heading", name=LEOS_TITLE, level=1)).to_be_visible()
    expect(leo.get_by_text(LEOS_PROBLEM)).to_be_visible()

    saved = UseCase.objects.get(pk=usecase.pk)
    assert (saved.title, saved.problem, saved.version) == (LEOS_TITLE, LEOS_PROBLEM, 3)
