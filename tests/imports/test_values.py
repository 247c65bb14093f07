"""How one value is cleaned: mojibake repaired, placeholders empty, names unique."""

import pytest

from imports.mojibake import fix_mojibake, has_mojibake
from imports.values import ValueCounts, clean_text, is_placeholder, unique_names


@pytest.mark.parametrize(
    ("text", "fixed", "count"),
    [
        ("donâ€™t", "don’t", 1),
        ("cafÃ© crÃ¨me", "café crème", 2),
        ("CO + H2O â†’ CO2", "CO + H2O → CO2", 1),
        ("Ã\x81lvaro", "Álvaro", 1),  # the undefined Windows-1252 byte, read as Latin-1
        ("â‚¬5 and ðŸ˜€", "€5 and 😀", 2),
        ("ï»¿title", "\ufefftitle", 1),
        ("Ä±stanbul", "ıstanbul", 1),
    ],
)
def test_double_encoded_sequences_are_repaired(text, fixed, count):
    assert fix_mojibake(text) == (fixed, count)
    assert has_mojibake(text) and not has_mojibake(fixed)


@pytest.mark.parametrize(
    "text",
    ["Straße“ quoted„", "São Paulo", "Ångström «quote»", "naïve café", "Ã alone", "Ä and ±"],
)
def test_real_text_is_left_alone(text):
    assert fix_mojibake(text) == (text, 0)


@pytest.mark.parametrize(
    "text",
    ["", " ", "N/A", "n/a", "Unknown", "UNKNOWN.", "Not available", "Not Applicable", "[]",
     "k) N/A", "null", "nan", "[None]", "TBD", "-", "\xa0", "\u200b"],
)  # fmt: skip
def test_placeholders(text):
    assert is_placeholder(text) or text.strip() == ""


@pytest.mark.parametrize(
    "text",
    ["No", "Unknown risk", "None yet planned", "0", "n/a for now", "None", "none.",
     "None of the above", "k) None of the above"],
)  # fmt: skip
def test_real_values_are_no_placeholders(text):
    assert not is_placeholder(text)


def test_a_cleaned_value():
    counts = ValueCounts()

    assert clean_text("\u200b\xa0 line one\r\nline two\xa0", "c", counts) == "line one\nline two"
    assert clean_text("Unknown", "stage", counts) == ""
    assert clean_text("a\x00b\x07\tc", "c", counts) == "ab\tc"
    assert clean_text("['a', 'Unknown', 'b']", "tags", counts) == "a; b"
    assert clean_text("[not a list", "tags", counts) == "[not a list"
    assert counts.placeholders == {"stage": 1} and counts.list_literals == 1


def test_unique_names():
    assert unique_names(["a", "A", "a", "", "b"]) == ["a", "A (2)", "a (3)", "column 4", "b"]
