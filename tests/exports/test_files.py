"""How values become cells and JSON: formulas neutralised in CSV and never written as formulas in
XLSX, numbers exact."""

import io
import json
from decimal import Decimal

import openpyxl
import pytest

from core.cells import neutralised
from exports.files import (
    XLSX_MAX_CHARS,
    cell_text,
    cell_value,
    json_default,
    json_lines,
    write_xlsx,
)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "'=1+1"])
def test_text_a_spreadsheet_would_run_is_neutralised_in_csv(text):
    assert neutralised(text) == f"'{text}"
    assert cell_text("title", text) == f"'{text}"


@pytest.mark.parametrize("text", ["Plain", "a=b", "", "'quoted"])
def test_other_text_is_left_as_it_is(text):
    assert neutralised(text) == text


def _workbook(rows):
    file = io.BytesIO()
    write_xlsx(file, ["title", "who"], rows)
    file.seek(0)
    return openpyxl.load_workbook(file).active


@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://evil.example","x")', "+1", "-2+3",
                                  "@SUM(A1)", "#N/A", "'quoted"])  # fmt: skip
def test_xlsx_text_is_the_stored_text_in_a_string_cell(text):
    sheet = _workbook([{"title": text, "who": "Analysts"}])

    cell = sheet["A2"]
    assert cell.value == text
    assert cell.data_type == "s"  # a text, never a formula or an error


def test_xlsx_text_longer_than_a_cell_holds_is_cut_with_a_marker():
    text = "x" * 40_000
    sheet = _workbook([{"title": text, "who": "y" * XLSX_MAX_CHARS}])

    title = sheet["A2"].value
    assert len(title) <= XLSX_MAX_CHARS
    kept = len(title) - len(" [cut: 7,257 characters]")
    assert title == "x" * kept + " [cut: 7,257 characters]"
    assert kept + 7_257 == len(text)
    assert sheet["B2"].value == "y" * XLSX_MAX_CHARS  # a text that fits is whole
    assert cell_text("title", text) == text  # CSV keeps the whole text


def test_a_list_whose_first_item_is_a_formula_is_neutralised():
    assert cell_text("products", ["=evil()", "Portal"]) == "'=evil(); Portal"


def test_numbers_stay_numbers_and_exact():
    assert cell_text("metric_baseline", Decimal("-5.25")) == "-5.25"
    assert cell_value("metric_baseline", Decimal("-5.25")) == Decimal("-5.25")
    assert json_default(Decimal("12")) == 12
    assert json_default(Decimal("12.5")) == 12.5
    # Beyond what a float holds exactly: the digits as written, not a rounded float.
    assert json_default(Decimal("0.1234567890123456789")) == "0.1234567890123456789"


def test_control_characters_a_workbook_cannot_hold_are_dropped():
    assert cell_value("title", "bell\x07 here") == "bell here"


def test_json_lines_make_a_list():
    assert json.loads("".join(json_lines([]))) == []
    assert json.loads("".join(json_lines([{"a": 1}, {"b": [2]}]))) == [{"a": 1}, {"b": [2]}]
