"""``manage.py import_register``: a file that is not a register is refused with a message and
writes nothing; ``--dry-run`` says what a run will do and writes nothing; ``--team`` puts every
row in one team; ``--mapping`` reads a file of no known format with a saved mapping; a formula
is never stored (nor run)."""

import csv
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from exports.files import BOM
from imports.mapping import Mapping
from imports.models import ImportRow, ImportRun, SavedMapping
from portfolio.models import Product, Team
from tests.conftest import make_usecase
from tests.imports.conftest import import_register, us_2025_row, write_us_2025
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)


def registry_size() -> tuple[int, int, int, int]:
    return (
        UseCase.objects.count(),
        Team.objects.count(),
        Product.objects.count(),
        ImportRun.objects.count(),
    )


def refused(path, *args) -> str:
    """The command's message for ``path``; nothing may be written."""
    before = registry_size()
    with pytest.raises(CommandError) as caught:
        call_command("import_register", str(path), *args, stdout=io.StringIO())
    assert registry_size() == before
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("register.csv", PNG, "register.csv is a PNG image, not a register."),
        ("register.csv", b"", "register.csv is empty (0 bytes)."),
        ("register.csv", b"1,2,3\n4,5,6\n7,8,9\n", "register.csv has no header row"),
        ("register.json", b'{"title": "A"}', "register.json is JSON but not a list of records"),
        ("register.json", b"[1, 2, 3]", "register.json is JSON but not a list of records"),
    ],
)
def test_a_file_that_is_no_register_is_refused(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    assert message in refused(path)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024
    path = write_us_2025(tmp_path / "big.csv", [us_2025_row(n) for n in range(20)])

    assert refused(path) == "big.csv is larger than the import limit."


def test_a_file_of_no_known_format_needs_a_saved_mapping(tmp_path):
    path = tmp_path / "ours.csv"
    path.write_text("Name,Department,What for\nChatbot,Claims,Answers questions\n")

    assert "ours.csv is not a format the registry knows" in refused(path)
    assert "--mapping" in refused(path)
    assert refused(path, "--mapping", "Ours") == "No saved mapping is named “Ours”."


def test_an_unknown_team_or_person_is_refused(tmp_path):
    path = write_us_2025(tmp_path / "r.csv", [us_2025_row(1)])

    assert refused(path, "--team", "nowhere") == "No team has the slug “nowhere”."
    assert refused(path, "--as", "nobody") == "No active account is named “nobody”."


def test_a_saved_mapping_imports_a_file_of_no_known_format(tmp_path, org):
    mapping = Mapping(
        columns={"Name": "title", "Department": "team", "What for": "problem", "Ref": ""},
        key=["Ref"],
        register="Our spreadsheet",
        create_missing=True,
    )
    SavedMapping.objects.create(name="Ours", mapping=mapping.to_json())
    path = tmp_path / "ours.csv"
    path.write_text(
        "Ref,Name,Department,What for\n1,Chatbot,Claims Processing,Answers questions\n"
        "2,Scanner,Field Offices,Reads letters\n",
        encoding="utf-8",
    )

    assert import_register(path, "--mapping", "Ours") == (
        "read 2, created 2, updated 0, unchanged 0, skipped 0, failed 0",
        0,
    )
    chatbot = UseCase.objects.get(title="Chatbot")
    assert chatbot.team == org.team  # matched by name
    assert chatbot.problem == "Answers questions"
    assert chatbot.external_ref == "Our spreadsheet: 1"
    assert UseCase.objects.get(title="Scanner").team.name == "Field Offices"  # created
    assert import_register(path, "--mapping", "Ours")[0] == (
        "read 2, created 0, updated 0, unchanged 2, skipped 0, failed 0"
    )


def test_a_dry_run_writes_nothing_and_tells_what_the_run_will_do(tmp_path):
    rows = [us_2025_row(1), us_2025_row(2), us_2025_row(1), us_2025_row(3, use_case_name="")]
    path = write_us_2025(tmp_path / "r.csv", rows)
    before = registry_size()

    planned = import_register(path, "--dry-run")

    assert registry_size() == before
    assert planned == ("read 4, created 2, updated 0, unchanged 0, skipped 1, failed 1", 1)
    assert import_register(path) == planned


def test_a_dry_run_of_a_newer_release_counts_the_updates(tmp_path):
    import_register(write_us_2025(tmp_path / "r1.csv", [us_2025_row(1), us_2025_row(2)]))
    newer = write_us_2025(
        tmp_path / "r2.csv", [us_2025_row(1, benefits="Fewer checks"), us_2025_row(2)]
    )

    planned = import_register(newer, "--dry-run")

    assert planned == ("read 2, created 0, updated 1, unchanged 1, skipped 0, failed 0", 0)
    assert not UseCase.objects.filter(business_intent="Fewer checks").exists()
    assert import_register(newer) == planned


def test_team_puts_every_row_in_that_team_and_creates_none(tmp_path, org):
    rows = [us_2025_row(1), us_2025_row(2, agency_bureau="ICE", agency_name="Other")]
    path = write_us_2025(tmp_path / "r.csv", rows)
    teams = Team.objects.count()

    assert import_register(path, "--team", org.team.slug)[1] == 0

    assert Team.objects.count() == teams
    assert set(UseCase.objects.values_list("team", flat=True)) == {org.team.pk}


def test_as_names_the_author(tmp_path, org):
    path = write_us_2025(tmp_path / "r.csv", [us_2025_row(1)])

    import_register(path, "--as", org.lead.username)

    assert UseCase.objects.get().author == org.lead


FORMULA = '=HYPERLINK("http://x","y")'
FORMULA_WHY = "A spreadsheet formula, not a value: it is not stored."


def test_a_formula_cell_is_never_stored_and_says_why(tmp_path):
    rows = [us_2025_row(1, use_case_name=FORMULA), us_2025_row(2, benefits=FORMULA)]
    path = write_us_2025(tmp_path / "r.csv", rows)

    assert import_register(path) == (
        "read 2, created 1, updated 0, unchanged 0, skipped 0, failed 1",
        1,
    )
    titled, benefits = ImportRow.objects.order_by("number")
    assert [issue["why"] for issue in titled.issues] == [FORMULA_WHY, "It has no title."]
    assert [issue["why"] for issue in benefits.issues] == [FORMULA_WHY]
    stored = UseCase.objects.get()
    assert stored.title == "Use case 2" and stored.business_intent == ""


def test_a_formula_in_a_workbook_is_never_run_nor_stored(tmp_path, org):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Ref", "What for"])
    sheet.append(["Chatbot", "1", FORMULA])
    path = tmp_path / "ours.xlsx"
    workbook.save(path)
    mapping = Mapping(
        columns={"Name": "title", "Ref": "", "What for": "problem"}, key=["Ref"], register="Ours"
    )
    SavedMapping.objects.create(name="Ours", mapping=mapping.to_json())

    assert import_register(path, "--mapping", "Ours", "--team", org.team.slug)[1] == 0

    assert UseCase.objects.get().problem == ""
    assert ImportRow.objects.get().issues[0]["why"] == FORMULA_WHY


def test_a_title_typed_like_a_formula_is_exported_neutralised(tmp_path, org):
    make_usecase(org=org, title=FORMULA)
    exported = tmp_path / "out.csv"

    call_command("export_register", "--format", "csv", "-o", str(exported), stdout=io.StringIO())

    row = next(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8").lstrip(BOM))))
    assert row["title"] == "'" + FORMULA
