"""Importing in the browser from end to end, through the pages as a person posts them: upload,
the mapping as rendered, the preview's counts, the run through the task worker, the result's
counts. The real registers of the shared data go through them too; importing a file again
previews nothing to create and creates nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportRun, RunStatus
from tests.imports.registers import us_2025_csv
from tests.markup import Markup, find_all, form_values, text
from tests.task_worker import run_worker
from usecases.models import UseCase

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_tasks"),
]

OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


def preview_counts(html: str) -> dict[str, int]:
    counts = Markup(html).one("dl", class_="summary-counts")
    terms = [text(node).casefold() for node in find_all(counts, "dt")]
    numbers = [int(text(node)) for node in find_all(counts, "dd")]
    return dict(zip([term.replace("failing", "failed") for term in terms], numbers, strict=True))


def result_counts(html: str) -> dict[str, int]:
    tabs = text(Markup(html).one("nav", **{"aria-label": "Rows by outcome"}))
    return {
        outcome: int(re.search(rf"{outcome.capitalize()} \((\d+)\)", tabs).group(1))
        for outcome in OUTCOMES
    }


def import_in_the_browser(client, content: bytes, name: str, team=None):
    """Upload, map as rendered, preview, run, and read the result: (preview counts, result
    counts, the run)."""
    data = {"file": SimpleUploadedFile(name, content)}
    if team is not None:
        data["team"] = team.pk
    response = client.post(reverse("imports:import_start"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    mapping_url = response["Location"]

    rendered = client.get(mapping_url).content.decode()
    response = client.post(mapping_url, form_values(rendered, mapping_url))
    assert response.status_code == 302, response.content.decode()[-2000:]
    preview_url = response["Location"]

    preview = preview_counts(client.get(preview_url).content.decode())
    response = client.post(preview_url)
    run = ImportRun.objects.get(pk=int(preview_url.rstrip("/").split("/")[-2]))
    assert response["Location"] == run.get_absolute_url()
    assert run.status == RunStatus.QUEUED

    run_worker()

    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    result = result_counts(client.get(run.get_absolute_url()).content.decode())
    return preview, result, run


def test_a_lead_imports_a_us_2025_register_into_their_team(as_user, org):
    client = as_user(org.lead)
    content = us_2025_csv(5, changed={5: {"use_case_name": ""}})

    preview, result, run = import_in_the_browser(client, content, "inventory.csv", org.team)

    expected = {"created": 4, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 1}
    assert preview == result == expected
    imported = UseCase.objects.filter(team=org.team).order_by("number")
    assert [u.title for u in imported] == [f"Map wildfire risk, area {n}" for n in range(1, 5)]
    assert {u.owner for u in imported} == {None}

    # The same file again: the preview says nothing will be created, and nothing is.
    preview, result, _ = import_in_the_browser(client, content, "inventory.csv", org.team)

    assert preview["created"] == result["created"] == 0
    assert result["unchanged"] == 4 and UseCase.objects.count() == 4


@pytest.mark.parametrize(
    ("name", "rows"),
    [("uk_atrs_records_2026.json", 136), ("nl_algoritmeregister_2023_pub_data.json", 117)],
)
def test_an_admin_imports_a_real_register_and_again_creates_nothing(
    as_user, org, shared_data, name, rows
):
    client = as_user(org.admin)
    content = (shared_data / name).read_bytes()

    preview, result, run = import_in_the_browser(client, content, name)

    # The counts manage.py import_register reports for the same file.
    assert preview == result == {**dict.fromkeys(OUTCOMES, 0), "created": rows}
    assert UseCase.objects.count() == rows
    assert run.rows_done == run.rows_total == rows
    stored = " ".join(UseCase.objects.values_list("title", flat=True))
    assert "\ufffd" not in stored and "Ã©" not in stored and "â€™" not in stored

    preview, again, _ = import_in_the_browser(client, content, name)

    assert preview == again == {**dict.fromkeys(OUTCOMES, 0), "unchanged": rows}
    assert UseCase.objects.count() == rows
