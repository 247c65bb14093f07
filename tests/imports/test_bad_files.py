"""Files the reader refuses, each with a message that says what is wrong."""

import io
import tracemalloc
import zipfile

import pytest

from imports import tabular
from imports.errors import ReadError
from imports.reading import open_register
from tests.imports.conftest import read

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)


def refusal(content: bytes, name: str) -> str:
    with pytest.raises(ReadError) as caught:
        read(content, name)
    return str(caught.value)


def docx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PNG, "register.csv", "register.csv is a PNG image, not a register."),
        (b"", "register.csv", "register.csv is empty (0 bytes)."),
        (b" \r\n\t\n", "register.csv", "register.csv holds no data, only white space."),
        (b",,,\n,,\n", "register.csv", "register.csv holds no rows of data."),
        (b"1,Chatbot,Claims\n2,Triage,IT\n", "register.csv", "register.csv has no header row"),
        (b"UC-1,ana@example.org,Chatbot\n", "register.csv", "has no header row"),
        (b'{"title": "A", "team": "B"}', "register.json", "is JSON but not a list of records"),
        (b'["a", "b"]', "register.json", "is JSON but not a list of records"),
        (b"[]", "register.json", "holds an empty list"),
        (b'[{"title": "A"},', "register.json", "is not valid JSON (line 1"),
        (b"title,team\nA,B\n", "register.xlsx", "is named .xlsx but is not an Excel workbook"),
        (docx_like(), "register.xlsx", "is a zip archive but not an Excel workbook"),
        (b"PK\x03\x04" + bytes(200), "register.xlsx", "is a damaged zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls", "old Excel (.xls)"),
        (b"%PDF-1.7\n", "register.csv", "is a PDF document"),
        (b"title,team\x00\x01\x02", "register.csv", "is not a text file"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(content, name, message):
    assert message in refusal(content, name)


def test_a_file_over_the_limit_is_refused_before_it_is_read(settings):
    settings.IMPORT_MAX_BYTES = 1024

    message = refusal(b"title\n" + b"x" * 2048, "big.csv")

    assert message == (
        "big.csv is 2 KB; files up to 1 KB can be imported. Split the register into smaller files."
    )


def test_the_default_limit_is_50_megabytes(settings):
    del settings.IMPORT_MAX_BYTES
    from imports.sniffing import max_bytes

    assert max_bytes() == 50 * 1024 * 1024


def test_a_json_register_over_its_own_cap_is_refused(settings):
    settings.IMPORT_MAX_JSON_BYTES = 100

    assert "JSON registers are read whole" in refusal(
        b'[{"title": "' + b"x" * 200 + b'"}]', "r.json"
    )


def test_a_cell_past_the_limit_deep_in_a_csv_stops_the_reading_with_its_row(settings):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    content = b"title,team\n" + b"A,B\n" * 100_000 + b"C," + b"x" * 2000 + b"\n"
    register = open_register(io.BytesIO(content), "register.csv")

    with pytest.raises(ReadError) as caught:
        list(register.records())

    assert str(caught.value) == (
        "register.csv: a cell in row 100002 is longer than 1,000 characters; shorten it or "
        "leave it out."
    )


def test_the_default_cell_limits():
    assert (tabular.max_cells_per_row(), tabular.max_cell_chars()) == (2_000, 1_000_000)


def test_a_row_of_a_million_cells_is_refused_before_it_is_built():
    content = b"title,team\nA,B\n" + b"ab," * 1_000_000 + b"\nC,D\n"
    register = open_register(io.BytesIO(content), "wide.csv")
    tracemalloc.start()
    try:
        with pytest.raises(ReadError) as caught:
            list(register.records())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert str(caught.value) == (
        "wide.csv: row 3 has more than 2,000 cells; a register's row has one per column. "
        "Check the delimiter and the quotes."
    )
    assert peak < 40 * 1024 * 1024  # the line, not a million strings (~60 MB and more)


def test_a_line_longer_than_cells_can_hold_is_refused(settings):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    content = b"title,team\nA,B\n" + b"x" * 10_000 + b"\n"

    assert refusal(content, "long.csv") == (
        "long.csv: row 3 is longer than 4,000 characters on one line; it is not a register's row."
    )


def test_delimiters_inside_quotes_are_text_not_cells(settings):
    settings.IMPORT_MAX_CELLS_PER_ROW = 5
    quoted = '"a, b, ""c"", d,\ne, f, g"'
    content = f"title,team,note\n{quoted},IT,x\nB,Claims,y\n".encode()

    register, records = read(content, "register.csv")

    assert [record["title"] for record in records] == ['a, b, "c", d,\ne, f, g', "B"]
    wide = f"title,team,note\n{quoted},IT,x,1,2,3\n".encode()
    assert "row 2 has more than 5 cells" in refusal(wide, "register.csv")


def test_a_workbook_that_unpacks_far_past_the_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 2_000_000)

    message = refusal(buffer.getvalue(), "bomb.xlsx")

    assert "bomb.xlsx expands to 2 MB when unpacked" in message


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        # A UTF-8 byte-order mark over Windows-1252 bytes, as a spreadsheet program may save it.
        (b"\xef\xbb\xbftitle,team\nCaf\xe9 triage,Claims\n", "register.csv", "is not all utf-8"),
        (b"[" * 100_000 + b"]" * 100_000, "register.json", "nests its values too deeply"),
        (
            b'[{"title": "A", "tags": ' + b"[" * 900 + b"1" + b"]" * 900 + b"}]",
            "register.json",
            "nested more than 32 levels",
        ),
        (b'[{"title": ' + b"9" * 5000 + b"}]", "register.json", "holds a value that can't be read"),
    ],
)
def test_a_file_that_breaks_while_read_is_refused_not_a_crash(content, name, message):
    """Refused while its records are read (where the import run reads them), with a message."""
    with pytest.raises(ReadError) as caught:
        register = open_register(io.BytesIO(content), name)
        list(register.records())
    assert message in str(caught.value)


def test_a_workbook_declaring_a_huge_sheet_is_read_as_stored(tmp_path):
    """One cell in the far corner of a sheet does not make the reader walk 17 billion cells."""
    import openpyxl  # noqa: PLC0415 (only this test writes a workbook)

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["title", "team"])
    sheet.append(["Chatbot", "Claims"])
    sheet["XFD1048576"] = "x"
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    register = open_register(io.BytesIO(path.read_bytes()), "register.xlsx")
    rows = [record for record in register.records() if record.get("title")]
    assert [row["title"] for row in rows] == ["Chatbot"]
