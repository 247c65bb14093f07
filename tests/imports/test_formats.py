"""The registry's own CSV export read back: the text each cell held, without the ``'`` the export
put before text a spreadsheet would run."""

import pytest

from core.cells import neutralised, unneutralised
from exports import files
from imports.formats import REGISTRY
from tests.imports.conftest import read

TEXTS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "'=already quoted",
    "'quoted",
    "Plain; with a comma, too",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_neutralised_cell_reads_as_the_stored_text(text):
    assert unneutralised(neutralised(text)) == text


def test_the_registrys_csv_export_reads_back_as_it_was_stored():
    columns = ["key", "title", "who", "problem", "success_signal"]
    rows = [{"key": f"UC-{n}", "title": text, "who": text, "problem": "p", "success_signal": "s"}
            for n, text in enumerate(TEXTS, start=1)]  # fmt: skip
    content = "".join(files.csv_lines(columns, rows)).encode("utf-8")

    register, records = read(content, "usecases.csv")

    assert register.format is REGISTRY
    assert [record["title"] for record in records] == TEXTS
    assert [record["who"] for record in records] == TEXTS


def test_another_registers_apostrophes_are_its_text():
    content = b"title,team\n'=1+1,Claims\n'-2,IT\n"

    register, records = read(content, "register.csv")

    assert register.format is None
    assert [record["title"] for record in records] == ["'=1+1", "'-2"]
