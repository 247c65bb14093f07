"""Files written here, read back: encodings, dialects, header rows, duplicate headers, XLSX (with a
formula cell), JSON shapes and the formats recognised by their columns."""

import io
import json
import tracemalloc

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from imports.errors import ReadError
from imports.formats import REGISTRY, US_2025, recognise, registry_columns
from imports.reading import open_register
from tests.imports.conftest import read

NAMES = "title,owner\r\nRéunion planning,José Müller\r\nCafé “Noël” – €5,Zoë Ångström\r\n"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),  # “ ” – € exist only in Windows-1252
        ("utf-16", "utf-16"),  # spreadsheet programs' "Unicode text", with its byte-order mark
    ],
)
def test_accented_names_read_in_their_own_encoding(encoding, detected):
    register, records = read(NAMES.encode(encoding), "register.csv")

    assert register.encoding == detected
    assert [record["owner"] for record in records] == ["José Müller", "Zoë Ångström"]
    assert records[1]["title"] == "Café “Noël” – €5"


def test_a_latin_1_file_reads_its_accents():
    content = "title;owner\nRéunion;José Müller\nÉtude;Zoë Ñúñez\n".encode("latin-1")

    register, records = read(content, "register.csv")

    assert register.encoding == "cp1252"  # the same characters as Latin-1 for these bytes
    assert [record["owner"] for record in records] == ["José Müller", "Zoë Ñúñez"]


def test_a_file_with_a_byte_windows_1252_lacks_reads_its_other_bytes_as_windows_1252():
    content = ("title,code\n" + "Réunion à Genève,ok\n" * 20).encode("latin-1") + b"Caf\xe9,\x8d\n"
    content += "“Euro” – €5,x\n".encode("cp1252")

    register, records = read(content, "register.csv")

    assert register.encoding == "cp1252-lenient"
    assert records[0]["title"] == "Réunion à Genève" and records[-2]["title"] == "Café"
    assert records[-2]["code"] == "\x8d"  # undefined in Windows-1252: read as Latin-1 reads it
    assert records[-1]["title"] == "“Euro” – €5"  # not control characters U+0093, U+0080, ...


@pytest.mark.parametrize(
    ("delimiter", "dialect"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")]
)
def test_the_dialect_is_detected(delimiter, dialect):
    rows = [["title", "team", "note"], ['"A, with; comma"', "Claims", "x"], ["B", "IT", ""]]
    content = "\n".join(delimiter.join(row) for row in rows).encode()

    register, records = read(content, "register.csv")

    assert register.dialect == dialect
    assert register.columns == ["title", "team", "note"]
    assert records[0]["title"] == "A, with; comma" and records[1]["team"] == "IT"


def test_title_rows_above_the_header_are_skipped():
    content = (
        b"Register of use cases, Ministry of Examples;;\n"
        b"Exported 2025-01-31;;\n"
        b";;\n"
        b"title;team;stage\n"
        b"Chatbot;Service desk;In production\n"
    )

    register, records = read(content, "register.csv")

    assert register.header_row == 4
    assert register.columns == ["title", "team", "stage"]
    assert records == [{"title": "Chatbot", "team": "Service desk", "stage": "In production"}]
    assert records[0].number == 5


def test_duplicate_and_empty_header_names_are_made_unique():
    content = b"name,name,If Other please explain,,If Other please explain\na,b,c,d,e\n"

    register, records = read(content, "register.csv")

    assert register.columns == [
        "name", "name (2)", "If Other please explain", "column 4", "If Other please explain (2)",
    ]  # fmt: skip
    assert records[0]["name (2)"] == "b" and records[0]["column 4"] == "d"


def test_bare_line_feeds_inside_crlf_rows_and_spaces_at_the_edges():
    content = (
        b'title,summary\r\n"One","first line\nsecond line"\r\n'
        b'"\xc2\xa0Two\xe2\x80\x8b","  text\xc2\xa0"\r\n'
    )

    _, records = read(content, "register.csv")

    assert records[0]["summary"] == "first line\nsecond line"
    assert records[1] == {"title": "Two", "summary": "text"}


def test_placeholders_read_as_empty_and_are_counted():
    content = b"title,stage,features\nA,Unknown,[]\nB,N/A,\"['N/A']\"\nC,Pilot,\"['age', 'sex']\"\n"

    register, records = read(content, "register.csv")

    assert [record["stage"] for record in records] == ["", "", "Pilot"]
    assert [record["features"] for record in records] == ["", "", "age; sex"]
    assert register.stats.values.placeholders == {"stage": 2, "features": 2}


def test_none_is_an_answer_not_a_placeholder():
    content = (
        b"title,stage,features\nA,None,\"['k) None of the above']\"\nB,Pilot,None of the above\n"
    )

    register, records = read(content, "register.csv")

    assert [record["stage"] for record in records] == ["None", "Pilot"]
    assert [record["features"] for record in records] == [
        "k) None of the above",
        "None of the above",
    ]
    assert register.stats.values.placeholders == {}


def test_blank_rows_are_skipped_and_short_rows_filled():
    content = b"title,team,stage\nA,Claims\n,,\n\nB,IT,Pilot\n"

    register, records = read(content, "register.csv")

    assert [record["title"] for record in records] == ["A", "B"]
    assert records[0]["stage"] == ""
    assert register.stats.blank_rows == 2


def xlsx(rows, title_rows=()) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Empty"
    sheet = workbook.create_sheet("Register")
    for row in [*title_rows, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_reads_its_first_sheet_with_data_and_formulas_as_text():
    content = xlsx(
        [
            ["title", "link", "started", "budget", "live"],
            ["Chatbot", '=HYPERLINK("https://example.org","docs")', "2024-03-01", 1200.0, True],
            ["Triage", "+31 20 123", None, 12.5, False],
        ],
        title_rows=[["Use case register"], []],
    )

    register, records = read(content, "register.xlsx")

    assert (register.kind, register.sheet, register.header_row) == ("xlsx", "Register", 3)
    assert records[0] == {
        "title": "Chatbot",
        "link": '=HYPERLINK("https://example.org","docs")',
        "started": "2024-03-01",
        "budget": "1200",
        "live": "true",
    }
    assert records[1]["link"] == "+31 20 123" and records[1]["budget"] == "12.5"
    assert register.stats.formula_cells == 1
    assert register.stats.formula_examples == [(4, "link")]


def workbook_of(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


US_2025_COLUMNS = sorted(US_2025.signature)


@pytest.mark.parametrize(
    "notes",
    [
        [["About this file"], ["Exported from the agency's inventory on 2025-01-06."]],
        [["Field", "Meaning"], ["agency", "The agency's code"], ["id", "The use case's id"]],
        [["https://example.org/inventory", "2025-01-06"]],  # no header: refused alone
    ],
)
def test_an_xlsx_prefers_the_sheet_of_a_known_format_to_a_notes_sheet(notes):
    content = workbook_of(
        {"Read me": notes, "Inventory": [US_2025_COLUMNS, ["x"] * len(US_2025_COLUMNS)]}
    )

    register, records = read(content, "inventory.xlsx")

    assert (register.sheet, register.format) == ("Inventory", US_2025)
    assert len(records) == 1


def test_an_xlsx_of_no_known_format_reads_its_first_sheet_with_data():
    content = workbook_of(
        {"Empty": [], "Ours": [["title", "team"], ["A", "IT"]], "Other": [["name"], ["B"]]}
    )

    register, records = read(content, "register.xlsx")

    assert (register.sheet, register.format, records) == (
        "Ours",
        None,
        [{"title": "A", "team": "IT"}],
    )


def test_an_xlsx_with_dates_and_duplicate_headers():
    import datetime

    content = xlsx([["name", "name", "date"], ["A", "B", datetime.datetime(2025, 1, 6)]])

    register, records = read(content, "register.xlsx")

    assert register.columns == ["name", "name (2)", "date"]
    assert records[0] == {"name": "A", "name (2)": "B", "date": "2025-01-06"}


@pytest.mark.parametrize(
    "document",
    [
        [{"title": "A", "tags": ["x", "Unknown", "y"]}, {"title": "B", "extra": {"k": 1}}],
        {
            "meta": {"n": 2},
            "records": [
                {"title": "A", "tags": ["x", "Unknown", "y"]},
                {"title": "B", "extra": {"k": 1}},
            ],
        },
        {
            "version": 1,
            "entries": [
                {"title": "A", "tags": ["x", "Unknown", "y"]},
                {"title": "B", "extra": {"k": 1}},
            ],
        },
    ],
)
def test_json_records_in_a_list_or_under_a_key(document):
    register, records = read(json.dumps(document).encode(), "register.json")

    assert register.kind == "json" and register.columns == ["title", "tags", "extra"]
    assert records == [
        {"title": "A", "tags": "x; y", "extra": ""},
        {"title": "B", "tags": "", "extra": "k: 1"},
    ]


@pytest.mark.parametrize(
    ("header", "slug"),
    [
        (
            "Use Case Name,Agency,Agency Abbreviation,Bureau,Use Case Topic Area,"
            "Other (Use Case Topic Area),"
            "What is the intended purpose and expected benefits of the AI?,"
            "Describe the AI system's outputs.,Stage of Development,"
            '"Is the AI use case rights-impacting, safety-impacting, both, or neither?",'
            "Date Initiated,Date when Acquisition and/or Development began,Date Implemented,"
            "Date Retired,Does this project include custom-developed code?,System Name,"
            "If Other please explain.,If Other please explain.",
            "us-2024",
        ),
        ("key,title,who,problem,success_signal,team,owner,lifecycle_stage", "registry"),
        ("Key,Title,Who,Problem,Success signal", "registry"),
        ("title,who,problem", None),
    ],
)
def test_formats_are_recognised_by_their_header(header, slug):
    register, _ = read(f"{header}\nA,B,C,D,E,F,G,H\n".encode("cp1252"), "register.csv")

    assert (register.format.slug if register.format else None) == slug


def test_the_registrys_own_export_header_is_recognised():
    columns = registry_columns()

    assert {"key", "title", "who", "problem", "success_signal", "team", "owner"} <= set(columns)
    assert recognise(columns) is REGISTRY
    assert recognise([*columns, "cost_centre", "risk_tier"]) is REGISTRY


@pytest.mark.parametrize("upload", ["memory", "temporary", "workbook"])
def test_a_django_upload_reads_twice_and_stays_open(upload):
    content = "title;team\nRéunion;Claims\n".encode("cp1252")
    if upload == "memory":
        file = SimpleUploadedFile("register.csv", content)
    elif upload == "workbook":
        file = SimpleUploadedFile("register.xlsx", xlsx([["title", "team"], ["Réunion", "Claims"]]))
    else:
        file = TemporaryUploadedFile("register.csv", "text/csv", len(content), None)
        file.write(content)

    register = open_register(file, file.name)

    assert (
        list(register.records())
        == list(register.records())
        == [{"title": "Réunion", "team": "Claims"}]
    )
    assert not file.closed
    file.close()


def test_rows_of_placeholders_count_as_blank_and_unnamed_trailing_columns_go():
    content = "title,,team,,\nA,x,B,,\nN/A,\xa0,Unknown,,\nC,,D,,\n".encode()

    register, records = read(content, "register.csv")

    assert register.columns == ["title", "column 2", "team"]
    assert [record["title"] for record in records] == ["A", "C"]
    assert records[0]["column 2"] == "x"
    assert register.stats.blank_rows == 1


def test_a_json_register_is_decoded_a_record_at_a_time():
    record = json.dumps({f"field_{i}": f"v{i % 10}" for i in range(36)})
    content = ("[" + ",".join([record] * 2000) + "]").encode()
    tracemalloc.start()
    try:
        register = open_register(io.BytesIO(content), "big.json")
        count = sum(1 for _ in register.records())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert count == 2000 and len(register.columns) == 36
    # Parsed whole, the records took five times the file; one at a time, the text and a record.
    assert peak < 2 * len(content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"meta": {"a": 1}, "records": [{"t": "A"}] x', "line 1, column 44: Expecting ','"),
        (b'[{"t": "A"}] [1]', "line 1, column 14: Extra data"),
        (b'{"meta": {"a": [1, }, "records": []}', "line 1, column 20: Expecting value"),
        (b'{"a": [{"t": 1}], "b": [{"t": 2}]}', "is JSON but not a list of records"),
        (b'{"records": [], "b": [{"t": 2}]}', "holds an empty list"),
    ],
)
def test_a_json_document_is_checked_whole_before_records_are_read(content, message):
    with pytest.raises(ReadError) as caught:
        open_register(io.BytesIO(content), "register.json")

    assert message in str(caught.value)


def test_data_past_the_named_columns_is_kept_under_column_n():
    content = b"title,team\nA,Claims,note for A,\nB,IT\n"

    register, records = read(content, "register.csv")

    assert register.columns == ["title", "team", "column 3"]
    assert [record["column 3"] for record in records] == ["note for A", ""]
    assert register.stats.ragged_rows == 0


def test_rows_past_the_sample_with_data_past_the_columns_are_named():
    filler = b"".join(b"R%d,IT\n" % n for n in range(30_000))  # past the sniffed sample
    content = b"title,team\n" + filler + b"X,IT,lost\n" * 25

    register, records = read(content, "register.csv")

    assert register.columns == ["title", "team"]
    assert len(records) == 30_025
    assert register.stats.ragged_rows == 25
    assert register.stats.ragged_examples == list(range(30_002, 30_022))


def test_a_header_of_years_names_its_columns():
    content = b"project,2023,2024\nPortal,1500,2000\nTriage,300,450\n"

    register, records = read(content, "budget.csv")

    assert register.columns == ["project", "2023", "2024"]
    assert records[0] == {"project": "Portal", "2023": "1500", "2024": "2000"}


def test_a_column_of_years_is_data_not_a_header():
    with pytest.raises(ReadError, match="has no header row"):
        read(b"2023,Chatbot,Claims\n2024,Triage,IT\n", "register.csv")
