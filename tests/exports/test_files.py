"""How values become cells and JSON: formulas neutralised, numbers exact."""

import json
from decimal import Decimal

import pytest

from core.cells import neutralised
from exports.files import cell_text, cell_value, json_default, json_lines


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_neutralised(text):
    assert neutralised(text) == f"'{text}"
    assert cell_text("title", text) == f"'{text}"
    assert cell_value("title", text).startswith("'")


@pytest.mark.parametrize("text", ["Plain", "a=b", "", "'quoted"])
def test_other_text_is_left_as_it_is(text):
    assert neutralised(text) == text


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
