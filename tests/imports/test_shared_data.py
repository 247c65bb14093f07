"""The four real registers in the shared data read as they are: the format recognised, every row,
no replacement character or mojibake put in, no space left at a value's edges."""

import re

import pytest

from imports.mojibake import has_mojibake
from imports.reading import open_register

EDGE = re.compile(r"^[\s\xa0\u200b\ufeff]|[\s\xa0\u200b\ufeff]$")
FILES = [
    # file, format, encoding, rows, replacement characters the source already holds
    ("us_federal_ai_inventory_2025.csv", "us-2025", "utf-8-sig", 3611, 0),
    ("us_federal_ai_inventory_2023.csv", "us-2023", "utf-8", 710, 21),
    ("nl_algoritmeregister_2023_pub_data.json", "nl", "utf-8", 117, 0),
    ("uk_atrs_records_2026.json", "uk-atrs", "utf-8", 136, 0),
]


def read_shared(folder, name):
    with (folder / name).open("rb") as stream:
        register = open_register(stream, name)
        return register, list(register.records())


@pytest.mark.parametrize(("name", "slug", "encoding", "rows", "replacements"), FILES)
def test_each_register_reads_whole_and_clean(shared_data, name, slug, encoding, rows, replacements):
    register, records = read_shared(shared_data, name)

    assert register.format.slug == slug
    assert register.encoding == encoding
    assert len(records) == rows == register.stats.rows
    values = [value for record in records for value in record.values()]
    # The marks of characters lost before the file was published are replaced, each counted.
    assert (shared_data / name).read_text("utf-8").count("\ufffd") == replacements
    assert register.stats.values.lost_replaced == replacements
    assert not [value for value in values if "\ufffd" in value]
    assert not [value for value in values if has_mojibake(value) or "â€" in value]
    assert not [value for value in values if EDGE.search(value)]


def test_the_us_2025_columns_and_its_double_encoded_text(shared_data):
    register, records = read_shared(shared_data, "us_federal_ai_inventory_2025.csv")

    assert register.columns[:4] == ["agency", "agency_name", "id", "use_case_name"]
    assert len(register.columns) == 36 and register.dialect == "comma"
    assert register.header_row == 1
    # Five sequences in the source were double-encoded: don’t (once), → (twice), a no-break space
    # (twice); each is repaired, none is left.
    assert register.stats.values.mojibake_repaired == 5
    text = " ".join(value for record in records for value in record.values())
    assert "don’t have a weather" in text and "CO + H2O → CO2" in text


def test_us_2025_placeholders_are_empty_never_values(shared_data):
    register, records = read_shared(shared_data, "us_federal_ai_inventory_2025.csv")

    folded = {value.casefold() for record in records for value in record.values()}
    assert not folded & {"unknown", "not available", "n/a", "[]", "tbd"}
    # 3,486 demographic_features are empty lists or placeholders; 978 more answer
    # "['k) None of the above']", which is an answer, kept for the value mapping.
    assert register.stats.values.placeholders["demographic_features"] == 2508
    answers = [record["demographic_features"] for record in records]
    assert answers.count("k) None of the above") == 978
    data = [record["data_description"].casefold() for record in records]
    assert "none" in data and "none of the above" in data
    # A list literal becomes its items.
    assert any("; " in record["demographic_features"] for record in records)
    assert not any(record["demographic_features"].startswith("[") for record in records)


def test_us_2023_keeps_line_breaks_inside_cells(shared_data):
    register, records = read_shared(shared_data, "us_federal_ai_inventory_2023.csv")

    assert register.columns == [
        "Use_Case_ID", "Department_Code", "Agency", "Office", "Title", "Summary",
        "Development_Stage", "Techniques", "Source_Code", "Department",
    ]  # fmt: skip
    assert any("\n" in record["Summary"] for record in records)
    assert not any("\r" in value for record in records for value in record.values())


def test_the_uk_lists_are_joined_and_the_dutch_booleans_are_text(shared_data):
    _, uk = read_shared(shared_data, "uk_atrs_records_2026.json")
    _, nl = read_shared(shared_data, "nl_algoritmeregister_2023_pub_data.json")

    assert uk[0]["title"] == "HMRC: Ask HMRC online"
    assert uk[0]["listed_organisations"].startswith("Cabinet Office; Department for Science")
    assert {record["published"] for record in nl} <= {"true", "false", ""}
    assert nl[0]["organization"] == "Gemeente Amsterdam"
