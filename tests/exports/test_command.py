"""``manage.py export_register``: the same exports for scripts, one summary line."""

import csv
import io
import json
from itertools import zip_longest

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.conftest import make_usecase
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_register", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_use_case_in_each_format(org, tmp_path, full_usecase, fmt):
    make_usecase(org=org, title="Second")
    target = tmp_path / f"register.{fmt}"
    assert export("--format", fmt, "-o", str(target)) == "exported 2, refused 0"
    if fmt == "csv":
        raw = target.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    elif fmt == "json":
        rows = json.loads(target.read_text(encoding="utf-8"))
    else:
        sheet = openpyxl.load_workbook(target, read_only=True).active
        header, *values = sheet.iter_rows(values_only=True)
        # A row ends at its last filled cell: empty cells are no cells in a workbook.
        rows = [dict(zip_longest(header, row)) for row in values]
    assert {row["title"] for row in rows} == {full_usecase.title, "Second"}
    assert rows[0]["cf_cost_centre"] == "CC-200" or rows[1]["cf_cost_centre"] == "CC-200"


def test_the_filter_is_the_list_s_query_string(org, tmp_path, usecase):
    make_usecase(org=org, title="Elsewhere", team=org.other_team)
    target = tmp_path / "out.json"
    assert export("--format", "json", "--filter", "?team=digital-platforms", "-o", str(target)) == (
        "exported 1, refused 0"
    )
    assert [row["title"] for row in json.loads(target.read_text())] == ["Elsewhere"]


def test_a_filter_not_understood_writes_nothing(org, tmp_path, usecase):
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="status"):
        export("--format", "csv", "--filter", "status=bogus", "-o", str(target))
    assert not target.exists()


def test_a_standard_lists_what_it_refused_beside_the_file(org, tmp_path, full_usecase):
    lacking = make_usecase(org=org, title="Half-written idea", problem="")
    target = tmp_path / "inventory.csv"
    line = export("--format", "us-2025", "-o", str(target))
    refused_file = tmp_path / "inventory.csv.refused.csv"
    assert line == f"exported 1, refused 1 (each with why: {refused_file})"
    (row,) = csv.DictReader(io.StringIO(target.read_text(encoding="utf-8")))
    assert row["id"] == full_usecase.key
    (refusal,) = csv.DictReader(io.StringIO(refused_file.read_text(encoding="utf-8")))
    assert refusal["key"] == lacking.key
    assert "Problem solved is empty" in refusal["why"]


def test_an_unknown_format_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="format"):
        export("--format", "pdf", "-o", str(tmp_path / "x"))


def _break_a_custom_value(usecase, custom_fields):
    """A stored value the export cannot read (written past the services, as a damaged row)."""
    UseCase.objects.filter(pk=usecase.pk).update(custom_values={"budget": "not a number"})


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_failed_export_leaves_the_previous_file_untouched(org, tmp_path, custom_fields, fmt):
    for n in range(3):
        make_usecase(org=org, title=f"Fine {n}")
    target = tmp_path / f"register.{fmt}"
    target.write_bytes(b"the previous export")
    _break_a_custom_value(make_usecase(org=org, title="Damaged"), custom_fields)

    with pytest.raises(CommandError, match="is left as it was"):
        export("--format", fmt, "-o", str(target))

    assert target.read_bytes() == b"the previous export"
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"register.{fmt}"]


def test_no_refusals_from_an_earlier_run_stay_beside_the_file(org, tmp_path, full_usecase):
    make_usecase(org=org, title="Half-written idea", problem="", team=org.other_team)
    target = tmp_path / "inventory.csv"
    export("--format", "us-2025", "-o", str(target))
    assert (tmp_path / "inventory.csv.refused.csv").exists()

    only_complete = f"team={full_usecase.team.slug}"
    line = export("--format", "us-2025", "--filter", only_complete, "-o", str(target))

    assert line == "exported 1, refused 0"

    assert sorted(path.name for path in tmp_path.iterdir()) == ["inventory.csv"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # the mode a new file gets
