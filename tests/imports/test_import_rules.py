"""What an import does with a register already imported: a newer release updates what its rows
changed through the services (history, version, "changed since sign-off"), leaves an edit made in
the registry since alone, and a row copied or sharing its key inside one file is read once or kept
apart; an import stopped by the database halfway has written exactly the rows it reports."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from imports.models import ImportRow, ImportRun, RunStatus
from imports.runs import IMPORTER_USERNAME
from tests.conftest import advance_usecase
from tests.imports.conftest import import_register, us_2025_row, write_us_2025
from usecases import services
from usecases.choices import EventKind, Source, Status
from usecases.models import UseCase, UseCaseEvent

pytestmark = pytest.mark.django_db


def imported(number: int) -> UseCase:
    return UseCase.objects.get(source=Source.US_FEDERAL_2025, external_ref=f"DHS/DHS-{number}")


@pytest.fixture
def first_release(tmp_path):
    """Four rows imported."""
    path = write_us_2025(tmp_path / "release-1.csv", [us_2025_row(n) for n in (1, 2, 3, 4)])
    assert import_register(path) == (
        "read 4, created 4, updated 0, unchanged 0, skipped 0, failed 0",
        0,
    )
    return path


def test_a_newer_release_updates_what_changed_and_adds_what_is_new(first_release, tmp_path):
    before = imported(1)
    rows = [
        us_2025_row(1, problem_solved="Problem 1, as the agency now words it"),
        us_2025_row(2),
        us_2025_row(4),  # 3 is gone from this release
        us_2025_row(5),
    ]

    line = import_register(write_us_2025(tmp_path / "release-2.csv", rows))

    assert line == ("read 4, created 1, updated 1, unchanged 2, skipped 0, failed 0", 0)
    after = imported(1)
    assert after.problem == "Problem 1, as the agency now words it"
    assert after.version == before.version + 1
    event = UseCaseEvent.objects.filter(usecase=after).latest("id")
    assert event.kind == EventKind.UPDATED
    assert event.actor.username == IMPORTER_USERNAME
    assert event.changes["problem"][1] == "Problem 1, as the agency now words it"
    assert imported(5).title == "Use case 5"
    assert imported(3).title == "Use case 3"  # a row a release leaves out is not deleted


def test_an_edit_made_in_the_registry_stays_when_its_row_did_not_change(
    first_release, tmp_path, org
):
    edited = imported(2)
    services.usecase_update(
        usecase=edited,
        actor=org.admin,
        data={"problem": "Worded by the team", "who": "Border officers"},
        expected_version=edited.version,
    )
    rows = [us_2025_row(1), us_2025_row(2, use_case_name="Use case 2, renamed"), us_2025_row(4)]
    rows.append(us_2025_row(3))

    line = import_register(write_us_2025(tmp_path / "release-2.csv", rows))

    assert line == ("read 4, created 0, updated 1, unchanged 3, skipped 0, failed 0", 0)
    after = imported(2)
    assert after.title == "Use case 2, renamed"  # what the file changed
    assert after.problem == "Worded by the team"  # what it did not: the registry's edit stays
    assert after.who == "Border officers"


def test_a_changed_row_of_a_signed_use_case_sends_it_back_to_review(org, tmp_path):
    path = write_us_2025(tmp_path / "release-1.csv", [us_2025_row(1), us_2025_row(2)])
    assert import_register(path, "--team", org.team.slug)[1] == 0
    draft = imported(1)
    services.usecase_update(
        usecase=draft,
        actor=org.lead,
        data={
            "who": "Border officers",
            "success_signal": "Half the manual checks",
            "owner": org.owner,
            "products": [org.product],
            "goals": [org.goal],
        },
        expected_version=draft.version,
    )
    signed = advance_usecase(imported(1), org=org, to="active")
    assert signed.status == Status.ACTIVE and not signed.changed_since_sign_off
    rows = [us_2025_row(1, problem_solved="A different problem"), us_2025_row(2)]

    line = import_register(
        write_us_2025(tmp_path / "release-2.csv", rows), "--team", "claims-processing"
    )

    assert line == ("read 2, created 0, updated 1, unchanged 1, skipped 0, failed 0", 0)
    after = imported(1)
    assert after.problem == "A different problem"
    assert after.status == Status.IN_REVIEW
    assert after.changed_since_sign_off
    assert after.owner == org.owner  # the owner stays; they sign the new text after review
    assert after.signed_off_at is not None  # the last sign-off stays readable


def test_an_exact_copy_of_a_row_is_read_once(tmp_path):
    rows = [us_2025_row(1), us_2025_row(2), us_2025_row(1)]
    path = write_us_2025(tmp_path / "copies.csv", rows)

    assert import_register(path) == (
        "read 3, created 2, updated 0, unchanged 0, skipped 1, failed 0",
        0,
    )
    copy = ImportRow.objects.get(outcome="skipped")
    assert copy.number == 4
    assert copy.issues[-1]["why"] == "An exact copy of row 2."
    assert UseCase.objects.count() == 2
    assert import_register(path)[0] == (
        "read 3, created 0, updated 0, unchanged 2, skipped 1, failed 0"
    )


def test_rows_sharing_a_key_with_different_content_are_each_kept(tmp_path):
    rows = [
        us_2025_row(1, use_case_name="Scanner"),
        us_2025_row(1, use_case_name="Scanner", problem_solved="Another problem"),
        us_2025_row(1, use_case_name="Chatbot"),
    ]
    path = write_us_2025(tmp_path / "shared-keys.csv", rows)

    assert import_register(path)[0] == (
        "read 3, created 3, updated 0, unchanged 0, skipped 0, failed 0"
    )
    refs = UseCase.objects.order_by("external_ref").values_list("external_ref", "problem")
    assert list(refs) == [
        ("DHS/DHS-1/Chatbot", "Problem 1"),
        ("DHS/DHS-1/Scanner", "Problem 1"),
        ("DHS/DHS-1/Scanner #2", "Another problem"),
    ]
    second = ImportRow.objects.get(number=3)
    assert "this row is keyed “DHS/DHS-1/Scanner #2”" in second.issues[-1]["why"]
    assert import_register(path)[0] == (
        "read 3, created 0, updated 0, unchanged 3, skipped 0, failed 0"
    )


@pytest.fixture
def boom_trigger():
    """A database that refuses to store a use case titled "boom", as a full disk or a broken
    constraint would refuse it: not a row's fault the import could report and pass over."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the disk is full'; END $$;
            CREATE TRIGGER test_refuse_boom BEFORE INSERT OR UPDATE ON usecases_usecase
            FOR EACH ROW WHEN (NEW.title = 'boom') EXECUTE FUNCTION test_refuse_boom();
            """
        )


def test_an_import_stopped_halfway_has_written_exactly_what_it_reports(tmp_path, boom_trigger):
    rows = [us_2025_row(n) for n in range(1, 451)]
    rows[299] = us_2025_row(300, use_case_name="boom")  # in the second batch of 200
    path = write_us_2025(tmp_path / "large.csv", rows)

    out = io.StringIO()
    with pytest.raises(CommandError, match="The import stopped: the disk is full"):
        call_command("import_register", str(path), stdout=out)

    assert out.getvalue() == "read 200, created 200, updated 0, unchanged 0, skipped 0, failed 0\n"

    run = ImportRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert "the disk is full" in run.error
    written = UseCase.objects.filter(source=Source.US_FEDERAL_2025)
    reported = run.rows.filter(outcome="created")
    assert written.count() == reported.count() == run.created_count == run.rows_done == 200
    assert set(written.values_list("pk", flat=True)) == set(
        reported.values_list("usecase", flat=True)
    )
    assert not written.filter(external_ref__in=[f"DHS/DHS-{n}" for n in range(201, 451)])


def test_a_value_a_newer_release_leaves_empty_is_emptied(first_release, tmp_path):
    rows = [us_2025_row(n) for n in (1, 2, 3, 4)]
    rows[0]["problem_solved"] = ""

    line = import_register(write_us_2025(tmp_path / "release-2.csv", rows))

    assert line == ("read 4, created 0, updated 1, unchanged 3, skipped 0, failed 0", 0)
    assert imported(1).problem == ""


def test_a_use_case_in_review_is_not_changed_and_the_next_import_catches_up(org, tmp_path):
    path = write_us_2025(tmp_path / "release-1.csv", [us_2025_row(1)])
    import_register(path, "--team", org.team.slug)
    draft = imported(1)
    services.usecase_update(
        usecase=draft,
        actor=org.lead,
        data={
            "who": "Border officers",
            "success_signal": "Half the manual checks",
            "owner": org.owner,
            "products": [org.product],
            "goals": [org.goal],
        },
        expected_version=draft.version,
    )
    advance_usecase(imported(1), org=org, to="in_review")
    newer = write_us_2025(tmp_path / "release-2.csv", [us_2025_row(1, problem_solved="Newer")])

    assert import_register(newer, "--team", org.team.slug)[0] == (
        "read 1, created 0, updated 0, unchanged 0, skipped 1, failed 0"
    )
    skipped = ImportRow.objects.get(outcome="skipped")
    assert "The file's changes were not written." in skipped.issues[-1]["why"]
    assert imported(1).problem == "Problem 1"
    services.usecase_request_changes(
        usecase=imported(1), actor=org.reviewer, comment="Wait for the new release."
    )
    assert import_register(newer, "--team", org.team.slug)[0] == (
        "read 1, created 0, updated 1, unchanged 0, skipped 0, failed 0"
    )
    assert imported(1).problem == "Newer"
