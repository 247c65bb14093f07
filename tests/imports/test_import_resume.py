"""An import stopped part way resumes where it stopped, and a run in one worker's hands is left
alone by another: the real database, its advisory locks and a second connection."""

import csv
import io

import psycopg
import pytest
from django.db import connection

from imports.models import ImportRun, RunStatus
from imports.running import execute
from imports.runs import importer_account, new_run, queue_run, read_upload
from imports.tasks import RUN_LOCKS, run_import
from tests.imports.registers import US_2025_COLUMNS as COLUMNS
from usecases.models import UseCase

# Advisory locks belong to a session, not a transaction: the second connection need not see
# the test's rows to hold one.
pytestmark = pytest.mark.django_db


def _register(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS + ["is_high_impact", "problem_solved"])
    for number in range(1, rows + 1):
        writer.writerow(
            [
                "ABC",
                "Agency of Tests",
                f"ABC-{number}",
                f"Use case {number}",
                "Bureau",
                "Deployed",
                "Not High-impact",
                f"Problem {number}",
            ]
        )
    return out.getvalue().encode()


def _run(rows: int) -> ImportRun:
    data = _register(rows)
    register = read_upload(data, "inventory.csv")
    assert register.format is not None and register.format.slug == "us-2025"
    return new_run(data=data, name="inventory.csv", register=register, actor=importer_account())


def test_a_run_stopped_part_way_resumes_without_writing_or_counting_twice():
    run = _run(450)
    execute(run)
    # As if the worker had died after the first batch committed: its rows reported, the rest not.
    run.rows.filter(number__gt=201).delete()
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, created_count=200, rows_done=200
    )
    run.refresh_from_db()

    execute(run)

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.rows.count() == 450
    assert sorted(run.rows.values_list("number", flat=True)) == list(range(2, 452))
    # The 250 it had written but not reported are found, not written again.
    assert run.counts() == {
        "created": 200,
        "updated": 0,
        "unchanged": 250,
        "skipped": 0,
        "failed": 0,
    }
    assert UseCase.objects.filter(source="us_federal_2025").count() == 450


def test_a_run_another_worker_holds_is_left_alone():
    run = _run(3)
    queue_run(run)
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCKS, run.pk])
        run_import.call(run.pk)
        run.refresh_from_db()
        assert run.status == RunStatus.QUEUED and run.rows_done == 0
        assert not UseCase.objects.filter(source="us_federal_2025").exists()
        # Let go as a worker does when its run ends (closing the connection would too, but the
        # server lets go of a closed session's locks a moment later).
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCKS, run.pk])
    finally:
        other.close()
    run_import.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.created_count == 3
