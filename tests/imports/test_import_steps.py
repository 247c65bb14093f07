"""The import's steps after the upload: the mapping as rendered and refused, odd and stale states
(a run already queued, an unknown outcome, a discard too late), the progress part and its
refresh, the result by outcome, the failures as CSV, the preview's values, and the query budget
of each page at two sizes of data."""

import csv
import io

import pytest
from django_tasks_db.models import DBTaskResult

from imports.models import ImportRun, RunStatus
from imports.runs import queue_run
from tests.imports.pages import (
    START_URL,
    error_summary,
    finished_run,
    run_queued_tasks,
    upload_run,
    url,
)
from tests.imports.registers import us_2025_csv
from tests.markup import Markup, attr, find_all, form_values, text

pytestmark = pytest.mark.usefixtures("database_tasks")


# -- The mapping ---------------------------------------------------------------------------------


def test_the_mapping_without_a_title_column_is_refused_and_nothing_changes(as_user, org):
    run = upload_run(org.lead, team=org.team)
    client = as_user(org.lead)
    mapping_url = url("run_mapping", run)
    data = form_values(client.get(mapping_url).content.decode(), mapping_url)
    title_column = next(name for name, value in data.items() if value == ["title"])
    data[title_column] = [""]

    response = client.post(mapping_url, data)

    assert response.status_code == 400
    assert "Map a column to the title: every use case needs one." in error_summary(response)
    before = run.mapping
    run.refresh_from_db()
    assert run.mapping == before and run.status == RunStatus.MAPPING


def test_the_mapping_as_rendered_goes_on_to_the_preview_with_a_value_changed(as_user, org):
    run = upload_run(org.lead, team=org.team)
    client = as_user(org.lead)
    mapping_url = url("run_mapping", run)
    html = client.get(mapping_url).content.decode()
    data = form_values(html, mapping_url)
    # The file's "Pilot" is recognised; the lead says it means "in development" here.
    pilot = Markup(html).one("label", **{"for": "id_val_lifecycle_stage_1"})
    assert text(pilot) == "Pilot" and data["val_lifecycle_stage_1"] == ["pilot"]
    data["val_lifecycle_stage_1"] = ["in_development"]
    data["save_as"] = ["Interior inventory"]

    response = client.post(mapping_url, data)

    assert response.status_code == 302 and response["Location"] == url("run_preview", run)
    run.refresh_from_db()
    assert run.mapping["values"]["lifecycle_stage"]["pilot"] == "in_development"
    preview = client.get(url("run_preview", run)).content.decode()
    assert "In development" in preview
    # Saved for the next release, and offered on its mapping page.
    assert "Interior inventory" in client.get(mapping_url).content.decode()


# -- Odd and stale states ------------------------------------------------------------------------


def test_the_mapping_and_preview_of_a_queued_run_lead_to_the_run(as_user, org):
    run = upload_run(org.lead, team=org.team)
    queue_run(run)
    client = as_user(org.lead)

    for page in ("run_mapping", "run_preview"):
        response = client.get(url(page, run))
        assert response.status_code == 302 and response["Location"] == url("run_detail", run)
    # Running it again from a preview left open queues nothing more.
    response = client.post(url("run_preview", run))
    assert response["Location"] == url("run_detail", run)
    assert DBTaskResult.objects.count() == 1


def test_starting_the_run_queues_one_task_and_says_so(as_user, org):
    run = upload_run(org.lead, team=org.team)
    client = as_user(org.lead)

    response = client.post(url("run_preview", run), follow=True)

    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert DBTaskResult.objects.count() == 1
    assert "The import of inventory.csv is under way." in response.content.decode()


def test_a_file_that_no_longer_reads_is_said_so_on_the_preview_and_nothing_runs(as_user, org):
    """A file read by an older reader, a fault the upload missed: the preview says why."""
    content = b"title,team\n" + b"Triage,Claims\n" * 3000 + b"Caf\xe9,Claims\n"
    content = content.replace(b"title", b"\xef\xbb\xbftitle", 1)
    run = upload_run(org.lead, content=content, name="register.csv", team=org.team)
    client = as_user(org.lead)

    response = client.get(url("run_preview", run))

    assert response.status_code == 400
    assert "register.csv is not all utf-8-sig as it says near line" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.MAPPING and not DBTaskResult.objects.exists()


def test_an_unknown_outcome_is_a_bad_request(as_user, org):
    run = finished_run(org.lead, team=org.team)

    response = as_user(org.lead).get(url("run_detail", run), {"outcome": "bogus"})

    assert response.status_code == 400


def test_discard_deletes_a_run_never_started_and_only_that(as_user, org):
    waiting = upload_run(org.lead, team=org.team, name="waiting.csv")
    started = upload_run(org.lead, team=org.team, name="started.csv")
    queue_run(started)
    client = as_user(org.lead)

    response = client.post(url("run_discard", waiting), follow=True)
    assert "The upload of waiting.csv was discarded." in response.content.decode()
    assert not ImportRun.objects.filter(pk=waiting.pk).exists()

    response = client.post(url("run_discard", started))
    assert response["Location"] == url("run_detail", started)
    page = client.get(response["Location"]).content.decode()
    assert "started.csv was already started; it cannot be discarded." in page
    assert ImportRun.objects.filter(pk=started.pk, status=RunStatus.QUEUED).exists()


def test_discard_is_a_post(as_user, org):
    run = upload_run(org.lead, team=org.team)

    assert as_user(org.lead).get(url("run_discard", run)).status_code == 405
    assert ImportRun.objects.filter(pk=run.pk).exists()


# -- Progress and result -------------------------------------------------------------------------


def test_the_progress_part_while_it_runs_and_a_refresh_once_it_is_done(
    as_user, org, django_assert_max_num_queries
):
    run = upload_run(org.lead, team=org.team)
    queue_run(run)
    client = as_user(org.lead)
    progress_url = f"{url('run_detail', run)}?progress=1"

    with django_assert_max_num_queries(6) as captured:
        response = client.get(progress_url, headers={"HX-Request": "true"})
    # Asked every second: the file the run holds is not read from the database each time.
    assert not [query for query in captured if "file_data" in query["sql"]]

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="progress"') and "<html" not in html
    assert 'hx-trigger="every 1s"' in html and "Waiting to run" in html

    run_queued_tasks()
    response = client.get(progress_url, headers={"HX-Request": "true"})

    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    # Without htmx the same address is the whole page, with the result.
    page = client.get(progress_url).content.decode()
    assert "<html" in page and "Created (5)" in page


def test_the_result_lists_the_rows_by_outcome(as_user, org):
    content = us_2025_csv(5, changed={5: {"use_case_name": ""}, 3: {"contact_email": "nobody"}})
    run = finished_run(org.lead, team=org.team, content=content)
    client = as_user(org.lead)

    page = client.get(url("run_detail", run)).content.decode()

    tabs = text(Markup(page).one("nav", **{"aria-label": "Rows by outcome"}))
    assert "Created (4)" in tabs and "Failed (1)" in tabs
    failed = client.get(url("run_detail", run), {"outcome": "failed"}).content.decode()
    rows = Markup(failed).one("tbody")
    assert "It has no title." in text(rows) and "Map wildfire risk" not in text(rows)
    assert "Holds no e-mail address; kept empty." in page


def test_the_failures_csv_one_line_per_reason_formulas_neutralised(as_user, org):
    content = us_2025_csv(
        4,
        changed={
            # no id and no name: no title and no key, two reasons
            2: {"id": "", "use_case_name": "", "contact_email": "nobody"},
            # no agency: no key; its title looks like a formula
            3: {"agency": "", "use_case_name": "=10+20"},
        },
    )
    content += content.splitlines(keepends=True)[1]  # row 1 again, exactly: skipped
    run = finished_run(org.lead, team=org.team, content=content)

    response = as_user(org.lead).get(url("run_failures", run))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="import-{run.pk}-failures.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffrow,outcome,key,title,column,value,why\r\n")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]
    assert [line[:2] for line in lines] == [
        ["3", "Failed"],
        ["3", "Failed"],
        ["4", "Failed"],
        ["6", "Skipped"],
    ]
    assert {line[6] for line in lines[:2]} == {
        "It has no title.",
        "It has no key: the key columns are empty.",
    }
    assert lines[2][3] == "'=10+20"
    assert lines[3][6] == "An exact copy of row 2."
    assert "nobody" not in body  # a field kept empty is not why a row failed


def test_the_preview_shows_values_as_they_will_be_stored_by_their_labels(as_user, org):
    changed = {1: {"classification": "Computer vision", "has_pii": "No"}}
    run = upload_run(org.lead, team=org.team, content=us_2025_csv(2, changed=changed))

    html = as_user(org.lead).get(url("run_preview", run)).content.decode()

    table = Markup(html).one("section", **{"aria-labelledby": "first-rows"})
    headings = [text(node) for node in find_all(table, "th")]
    assert headings[:5] == ["Row", "Will be", "Key", "Team", "Title"]
    first_row = {attr(cell, "data-label"): text(cell) for cell in find_all(table, "tr")[1].children}
    assert first_row["Lifecycle stage"] == "In production"
    assert first_row["Technique"] == "Computer vision"
    assert first_row["Uses personal data"] == "No"
    assert "computer_vision" not in html and "in_production" not in html


# -- Query budgets: the same number of queries however much data ----------------------------------


def test_the_upload_page_takes_the_same_queries_for_2_or_20_runs(as_user, org, page_queries):
    client = as_user(org.admin)
    for number in range(2):
        upload_run(org.lead, team=org.team, name=f"release-{number}.csv")
    few = page_queries(client, START_URL, budget=15)
    for number in range(2, 20):
        upload_run(org.admin if number % 2 else org.lead, team=org.team, name=f"r-{number}.csv")

    assert page_queries(client, START_URL, budget=few) == few


def test_the_result_page_takes_the_same_queries_for_5_or_120_rows(as_user, org, page_queries):
    client = as_user(org.lead)
    small = finished_run(org.lead, team=org.team, content=us_2025_csv(5))
    few = page_queries(client, url("run_detail", small), budget=15)
    content = us_2025_csv(120).replace(b"DOI,", b"DOE,")  # other keys: 120 created
    large = finished_run(org.lead, team=org.team, content=content)
    assert large.created_count == 120

    assert page_queries(client, url("run_detail", large), budget=few) == few
    assert page_queries(client, f"{url('run_detail', large)}?page=2", budget=few) == few


@pytest.mark.parametrize("page", ["run_mapping", "run_preview"])
def test_the_mapping_and_preview_take_the_same_queries_for_10_or_190_rows(
    as_user, org, page_queries, page
):
    client = as_user(org.lead)
    small = upload_run(org.lead, team=org.team, content=us_2025_csv(10))
    few = page_queries(client, url(page, small), budget=15)
    large = upload_run(org.lead, team=org.team, content=us_2025_csv(190))

    assert page_queries(client, url(page, large), budget=few) == few


def test_the_preview_takes_a_fixed_number_of_queries_a_batch(as_user, org, page_queries):
    """The preview plans the file in batches (``imports.running.BATCH_SIZE`` rows) and looks up
    each batch's use cases and earlier rows with two queries: the queries grow with the batches,
    never with the rows, and a file of any size is never looked up in one list."""
    client = as_user(org.lead)
    small = upload_run(org.lead, team=org.team, content=us_2025_csv(10))
    few = page_queries(client, url("run_preview", small), budget=15)
    large = upload_run(org.lead, team=org.team, content=us_2025_csv(450))  # three batches

    assert page_queries(client, url("run_preview", large), budget=few + 4) == few + 4


def test_markup_in_a_file_name_and_its_cells_is_shown_as_text(as_user, org):
    script = "<script>alert(1)</script>"
    content = us_2025_csv(2, changed={1: {"use_case_name": script}, 2: {"contact_email": script}})
    run = finished_run(org.lead, team=org.team, content=content)
    ImportRun.objects.filter(pk=run.pk).update(file_name=f"{script}.csv")
    fresh = upload_run(org.lead, team=org.team, content=content, name=f"{script}.csv")
    client = as_user(org.lead)

    for page_url in (
        START_URL,
        url("run_mapping", fresh),
        url("run_preview", fresh),
        url("run_detail", run),
    ):
        html = client.get(page_url).content.decode()
        assert script not in html, page_url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page_url


def test_a_column_mapped_anew_shows_its_values_after_save_and_show(as_user, org):
    run = upload_run(org.lead, team=org.team, content=us_2025_csv(3))
    client = as_user(org.lead)
    mapping_url = url("run_mapping", run)
    data = form_values(client.get(mapping_url).content.decode(), mapping_url)
    stage_column = next(name for name, value in data.items() if value == ["lifecycle_stage"])
    data[stage_column] = [""]  # development_stage ignored: its values are no longer asked

    response = client.post(mapping_url, {**data, "refresh": "1"})

    assert response.status_code == 302 and response["Location"] == mapping_url
    html = client.get(mapping_url).content.decode()
    assert 'name="val_lifecycle_stage_0"' not in html
    data = form_values(html, mapping_url)
    data[stage_column] = ["lifecycle_stage"]
    client.post(mapping_url, {**data, "refresh": "1"})
    html = client.get(mapping_url).content.decode()
    assert 'name="val_lifecycle_stage_0"' in html and ">Deployed</label>" in html
