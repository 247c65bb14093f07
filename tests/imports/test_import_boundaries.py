"""Where an import stops: a lead's file never reaches past the teams they lead, a value a column
cannot hold fails its row alone (in the preview already), a release that starts sharing an id
keeps the use case that held it, a use case exported from the registry keeps where it came from,
a stage the file leaves empty is said, and a saved mapping is not taken over by another person."""

import csv
import io

import pytest
from django.core.management import call_command

from imports.mapping import Mapping
from imports.models import Outcome, SavedMapping
from imports.running import plan_file
from tests.imports.conftest import import_register, us_2025_row, write_us_2025
from tests.imports.pages import error_summary, finished_run, upload_run, url
from tests.imports.registers import us_2025_csv
from tests.markup import form_values
from usecases.choices import LifecycleStage, Source
from usecases.models import UseCase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_tasks")]


def test_a_lead_s_import_never_changes_another_team_s_use_case(org):
    admins = finished_run(org.admin, team=org.other_team, content=us_2025_csv(2))
    assert admins.created_count == 2
    theirs = UseCase.objects.get(external_ref="DOI/DOI-0001")

    changed = us_2025_csv(2, changed={1: {"use_case_name": "Taken over"}})
    leads = finished_run(org.lead, team=org.team, content=changed)

    theirs.refresh_from_db()
    assert theirs.title == "Map wildfire risk, area 1" and theirs.team == org.other_team
    assert leads.counts() == {"created": 0, "updated": 0, "unchanged": 0, "skipped": 2, "failed": 0}
    why = leads.rows.get(number=2).issues[-1]["why"]
    assert why == f"It is {theirs.key} in Digital Platforms, a team you do not lead: not changed."


def _registry_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    columns = ["key", "title", "who", "problem", "success_signal", "metric_baseline", "effort"]
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_a_number_the_field_cannot_hold_fails_its_row_alone(org, tmp_path):
    content = _registry_csv(
        [
            {"key": "UC-1", "title": "Too big", "metric_baseline": "9" * 30},
            {"key": "UC-2", "title": "Out of range", "effort": "99"},
            {"key": "UC-3", "title": "Fine", "metric_baseline": "12,5", "effort": "3"},
        ]
    )
    run = upload_run(org.admin, content=content, name="registry.csv", team=org.team)
    planned = [item for batch in plan_file(run, Mapping.from_json(run.mapping)) for item in batch]
    assert [item.outcome for item in planned] == [Outcome.FAILED, Outcome.FAILED, Outcome.CREATED]
    assert "Baseline" in planned[0].issues[-1].why and "Effort" in planned[1].issues[-1].why

    path = tmp_path / "registry.csv"
    path.write_bytes(content)
    line, status = import_register(path, "--team", org.team.slug)

    assert (line, status) == ("read 3, created 1, updated 0, unchanged 0, skipped 0, failed 2", 1)
    assert list(UseCase.objects.values_list("title", "metric_baseline")) == [("Fine", 12.5)]


def test_a_release_that_starts_sharing_an_id_keeps_the_use_case_that_held_it(db, tmp_path):
    nine = us_2025_row(9)
    write_us_2025(tmp_path / "2025.csv", [nine])
    assert import_register(tmp_path / "2025.csv")[0].startswith("read 1, created 1")
    held = UseCase.objects.get()
    assert held.external_ref == "DHS/DHS-9"

    another = us_2025_row(9, use_case_name="Use case 9, phase 2")  # the agency reuses the id
    write_us_2025(tmp_path / "2026.csv", [nine, another])
    line, _ = import_register(tmp_path / "2026.csv")

    assert line == "read 2, created 1, updated 0, unchanged 1, skipped 0, failed 0"
    held.refresh_from_db()
    assert held.external_ref == "DHS/DHS-9" and held.title == "Use case 9"
    assert UseCase.objects.exclude(pk=held.pk).get().external_ref == "DHS/DHS-9/Use case 9, phase 2"
    assert import_register(tmp_path / "2026.csv")[0].endswith("unchanged 2, skipped 0, failed 0")


def test_an_exported_use_case_keeps_where_it_came_from(db, tmp_path):
    write_us_2025(tmp_path / "2025.csv", [us_2025_row(n) for n in (1, 2)])
    import_register(tmp_path / "2025.csv")
    call_command("export_register", "--format", "csv", "-o", str(tmp_path / "export.csv"))
    UseCase.objects.all().delete()

    line, _ = import_register(tmp_path / "export.csv")

    assert line == "read 2, created 2, updated 0, unchanged 0, skipped 0, failed 0"
    assert set(UseCase.objects.values_list("source", "external_ref")) == {
        (Source.US_FEDERAL_2025, "DHS/DHS-1"),
        (Source.US_FEDERAL_2025, "DHS/DHS-2"),
    }
    # So the register it came from finds it again: nothing is duplicated.
    line, _ = import_register(tmp_path / "2025.csv")
    assert line == "read 2, created 0, updated 0, unchanged 2, skipped 0, failed 0"


def test_a_stage_the_file_leaves_empty_is_said(org):
    run = finished_run(
        org.admin,
        team=org.team,
        content=us_2025_csv(1, changed={1: {"development_stage": "Unknown"}}),
    )
    usecase = UseCase.objects.get()
    assert usecase.lifecycle_stage == LifecycleStage.IDEA
    notes = [issue["why"] for issue in run.rows.get().issues]
    assert (
        "No stage the registry knows; stored as “idea”, the first, until someone sets it." in notes
    )


def test_a_saved_mapping_someone_else_keeps_is_not_overwritten(as_user, org):
    SavedMapping.objects.create(name="Interior inventory", mapping={}, created_by=org.admin)
    run = upload_run(org.lead, team=org.team)
    client = as_user(org.lead)
    mapping_url = url("run_mapping", run)
    data = form_values(client.get(mapping_url).content.decode(), mapping_url)
    data["save_as"] = ["Interior inventory"]

    response = client.post(mapping_url, data)

    assert response.status_code == 400
    assert "someone else's" in error_summary(response)
    assert SavedMapping.objects.get().mapping == {}


def test_a_changed_copy_of_a_row_never_takes_the_use_case_its_original_holds(db, tmp_path):
    nine = us_2025_row(9)
    write_us_2025(tmp_path / "2025.csv", [nine])
    import_register(tmp_path / "2025.csv")
    held = UseCase.objects.get()

    copy = us_2025_row(9, problem_solved="Another problem")  # same id and title, new content
    write_us_2025(tmp_path / "2026.csv", [copy, nine])
    line, _ = import_register(tmp_path / "2026.csv")

    assert line == "read 2, created 1, updated 0, unchanged 1, skipped 0, failed 0"
    held.refresh_from_db()
    assert held.version == 1 and held.problem == "Problem 9"


def test_a_row_that_stops_sharing_its_id_stays_with_its_own_use_case(db, tmp_path):
    nine, phase_2 = us_2025_row(9), us_2025_row(9, use_case_name="Use case 9, phase 2")
    write_us_2025(tmp_path / "2025.csv", [nine])
    write_us_2025(tmp_path / "2026.csv", [nine, phase_2])
    write_us_2025(tmp_path / "2027.csv", [phase_2])
    import_register(tmp_path / "2025.csv")
    import_register(tmp_path / "2026.csv")

    line, _ = import_register(tmp_path / "2027.csv")

    assert line == "read 1, created 0, updated 0, unchanged 1, skipped 0, failed 0"
    assert sorted(UseCase.objects.values_list("title", flat=True)) == [
        "Use case 9",
        "Use case 9, phase 2",
    ]


def test_a_lead_s_file_cannot_claim_another_register_s_keys(org, tmp_path):
    out = io.StringIO()
    columns = ["key", "title", "who", "problem", "success_signal", "source", "external_ref"]
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerow(
        {
            "key": "UC-1",
            "title": "Squatted",
            "source": "us_federal_2025",
            "external_ref": "DHS/DHS-1",
        }
    )
    finished_run(org.lead, team=org.team, content=out.getvalue().encode())
    squat = UseCase.objects.get()
    assert (squat.source, squat.external_ref) == (Source.REGISTRY, "UC-1")

    write_us_2025(tmp_path / "2025.csv", [us_2025_row(1)])
    assert import_register(tmp_path / "2025.csv")[0].startswith("read 1, created 1, updated 0")


def test_an_admin_saving_over_a_mapping_leaves_it_its_owner_s(org):
    from imports.runs import mapping_save

    mapping_save("Mine", Mapping(), org.lead)
    mapping_save("Mine", Mapping(register="changed"), org.admin)

    saved = SavedMapping.objects.get()
    assert saved.created_by == org.lead and saved.mapping["register"] == "changed"


def test_a_number_with_more_places_than_kept_is_rounded_and_said(org, tmp_path):
    content = _registry_csv([{"key": "UC-1", "title": "Precise", "metric_baseline": "1.23456"}])
    run = finished_run(org.admin, team=org.team, content=content)

    assert str(UseCase.objects.get().metric_baseline) == "1.2346"
    assert "Rounded to 4 decimal places." in [i["why"] for i in run.rows.get().issues]


def test_the_command_s_account_made_before_without_an_unusable_password_keeps_its_reach(
    db, tmp_path
):
    write_us_2025(tmp_path / "2025.csv", [us_2025_row(1)])
    import_register(tmp_path / "2025.csv")
    from imports.runs import importer_account

    account = importer_account()
    account.password = ""  # as an account made before passwords were marked unusable
    account.save(update_fields=["password"])

    line, _ = import_register(tmp_path / "2025.csv")

    assert line == "read 1, created 0, updated 0, unchanged 1, skipped 0, failed 0"
