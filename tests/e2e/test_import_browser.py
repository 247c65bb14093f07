"""A team lead imports a register in the browser (issue 11): upload, map (the recognised mapping
filled in, one value changed), the preview with a row's error, the run with its progress bar
until the result shows, and the failures as CSV. axe-core finds nothing serious on the mapping,
preview and result pages. Then the contact named in the file claims an imported use case and
signs it off."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from imports.models import ImportRun, RunStatus
from imports.running import execute
from tests.conftest import advance_usecase
from tests.e2e.test_accessibility import axe_source, axe_violations
from tests.imports.pages import upload_run
from tests.imports.registers import us_2025_csv
from tests.task_worker import run_worker
from usecases import services
from usecases.models import SignOff, UseCase

__all__ = ["axe_source"]  # the fixture, shared

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_tasks"),
]

# Five rows in the US 2025 columns; the fourth has no use case name, so it cannot be imported.
# Row 1 names Owen's address as its contact: he is the one who may claim it.
REGISTER = us_2025_csv(
    5, changed={4: {"use_case_name": ""}, 1: {"contact_email": "owen@example.org"}}
)


def no_serious_violations(page, axe_source):
    assert not (violations := axe_violations(page, axe_source)), "\n".join(violations)


def upload_and_map(page, path, axe_source):
    page.get_by_role("navigation").get_by_role("link", name="Use cases", exact=True).click()
    page.get_by_role("link", name="Import a register").click()
    page.get_by_label("Register file").set_input_files(path)
    page.get_by_label("Put every use case in the team").select_option(label="Claims Processing")
    page.get_by_role("button", name="Upload and map").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Map inventory.csv")
    expect(page.get_by_text("Recognised as US federal AI use case inventory 2025")).to_be_visible()
    # The recognised mapping is filled in: the name is the title, the stage the lifecycle stage.
    expect(page.get_by_label("use_case_name", exact=True)).to_have_value("title")
    expect(page.get_by_label("development_stage", exact=True)).to_have_value("lifecycle_stage")
    # The file's "Pilot" means "in development" in this register.
    pilot = page.get_by_label("Pilot", exact=True)
    expect(pilot).to_have_value("pilot")
    pilot.select_option(label="In development")
    no_serious_violations(page, axe_source)
    page.get_by_role("button", name="Preview").click()


def test_a_lead_imports_a_register_and_downloads_the_failures(org, person, axe_source, tmp_path):
    path = tmp_path / "inventory.csv"
    path.write_bytes(REGISTER)
    page = person.sign_in(org.lead)

    upload_and_map(page, path, axe_source)

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview inventory.csv")
    counts = page.get_by_label("What the import will do")
    for term, number in (("Created", "4"), ("Failing", "1")):
        pair = counts.locator("div", has=page.locator("dt", has_text=term))
        expect(pair.locator("dd")).to_have_text(number)
    problem = page.locator("#row-issues ~ table tbody tr", has_text="It has no title.")
    expect(problem.locator("td").first).to_have_text("5")  # the file's row 5: header + 4
    expect(problem).to_contain_text("fails")
    first_rows = page.locator("section", has=page.locator("#first-rows"))
    expect(first_rows.locator("tr", has_text="DOI/DOI-0002")).to_contain_text("In development")
    no_serious_violations(page, axe_source)

    page.get_by_role("button", name="Run the import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import of inventory.csv")
    expect(page.get_by_role("status").filter(has_text="under way")).to_be_visible()
    progress = page.locator("progress")
    expect(progress).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("Waiting to run")
    run = ImportRun.objects.get()
    assert run.status == RunStatus.QUEUED
    # The progress survives a reload: it is the run's, not the page's.
    page.reload()
    expect(page.locator("#progress progress")).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("Waiting to run")

    run_worker()  # the task worker, as `make run` starts it beside the server

    # The progress part polls every second; once the run is done the page reloads with the rows.
    expect(page.get_by_role("link", name="Created (4)")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("link", name="Failed (1)")).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("Done")
    expect(page.locator("#progress progress")).to_have_attribute("value", "100")
    no_serious_violations(page, axe_source)
    assert UseCase.objects.filter(team=org.team, owner=None).count() == 4
    assert set(UseCase.objects.values_list("lifecycle_stage", flat=True)) == {
        "in_production",
        "in_development",
    }

    page.get_by_role("link", name="Failed (1)").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("It has no title.")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download the failures (CSV)").click()
    download = caught.value
    assert download.suggested_filename == f"import-{run.pk}-failures.csv"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbfrow,outcome,key,title,column,value,why\r\n")
    assert re.search(rb"^5,Failed,.*It has no title\.\r$", body, re.M)


def test_the_contact_claims_an_imported_use_case_and_signs_it_off(org, open_browser):
    """Owen is the contact the file names for row 1 (owen@example.org): he claims the draft from
    its page; once it is complete and approved, he signs it off: the first signature it ever has.
    Written against h2-claim's pages ("Claim ownership", "You own UC-n now.")."""
    run = upload_run(org.lead, content=REGISTER, team=org.team)
    execute(run)
    imported = UseCase.objects.get(external_ref__endswith="DOI-0001")
    assert (imported.owner, imported.contact_email) == (None, "owen@example.org")
    page = open_browser().sign_in(org.owner)

    page.goto(imported.get_absolute_url())
    page.get_by_role("button", name="Claim ownership").click()

    expect(page.get_by_text(f"You own {imported.key} now.")).to_be_visible()
    imported = UseCase.objects.get(pk=imported.pk)
    assert imported.owner == org.owner and imported.status == "draft"

    # The team completes the draft; the lead submits it and a reviewer approves it.
    completed = services.usecase_update(
        usecase=imported,
        actor=org.lead,
        data={
            "who": "Fire crews of the Interior's regional offices",
            "success_signal": "Crews reach the next slope to burn before it does, 9 times in 10.",
            "products": [org.product],
            "goals": [org.goal],
        },
        expected_version=imported.version,
    )
    advance_usecase(completed, org=org, to="awaiting_sign_off")

    page.goto(imported.get_absolute_url())
    page.locator("summary", has_text="Sign off").click()
    page.get_by_label("I accept ownership of this use case and its success signal.").check()
    page.get_by_role("button", name="Sign off", exact=True).click()

    expect(page.locator("#status-panel")).to_contain_text("Active")
    assert SignOff.objects.filter(usecase=imported, owner=org.owner).count() == 1
    # The page refreshes its counters after a change: let those requests finish before the
    # database is emptied for the next test.
    page.wait_for_load_state("networkidle")
