"""Records as files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the accents
right), XLSX (openpyxl's write-only workbook: rows go to disk as they come) and JSON (a list of
objects with typed values). CSV and JSON are produced a row at a time, for a streaming response or
a file; nothing holds the whole export.

In CSV and XLSX a list's items are joined with ``; `` (the register fields that read otherwise,
``usecases.register.value_text``, read as the detail page and the form show them), yes / no reads
"Yes" / "No", and numbers and dates stay numbers and dates. Text a spreadsheet would run:

- CSV has no cell types, so a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is prefixed with ``'`` (and so is one that already starts with ``'`` and one of
  those, so the registry's import, which takes the one ``'`` off, gets the text back exactly);
- XLSX stores every text as a string cell, never a formula, so the text is exactly the stored
  text; a text longer than a cell holds (32,767 characters) is cut, ending " [cut: N characters]".
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from core.cells import neutralised
from usecases.choices import REGISTER_FIELDS
from usecases.numbers import plain_decimal
from usecases.register import value_text

BOM = "\ufeff"
LIST_SEPARATOR = "; "
# The most characters an Excel cell holds.
XLSX_MAX_CHARS = 32_767


def cut_to_cell(text: str) -> str:
    """``text`` as an XLSX cell holds it: whole, or its start and " [cut: N characters]"."""
    keep = XLSX_MAX_CHARS
    while len(text) > XLSX_MAX_CHARS:
        marker = f" [cut: {len(text) - keep:,} characters]"
        if keep + len(marker) <= XLSX_MAX_CHARS:
            return text[:keep] + marker
        keep = XLSX_MAX_CHARS - len(marker)
    return text


def _moment(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def json_default(value):
    """What ``json`` can't write itself: numbers stay numbers (a decimal too long for a float
    stays exact, as text), dates and times as ISO text."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else plain_decimal(value)
    if isinstance(value, datetime):
        return _moment(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not exported")


def _text(name: str, value) -> str:
    if name in REGISTER_FIELDS and (text := value_text(name, value)) is not None:
        return text
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cell_text(name: str, value) -> str:
    """A CSV cell: numbers and dates as written plainly, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return _moment(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return neutralised(_text(name, value))


def cell_value(name: str, value):
    """An XLSX cell's value: numbers, dates and yes / no typed; text as stored (``write_xlsx``
    makes it a string cell), without the control characters a workbook can't hold, cut to what a
    cell holds."""
    if value is None or isinstance(value, bool | int | Decimal | date):
        if isinstance(value, datetime):
            return _moment(value).replace(tzinfo=None)
        return value
    return cut_to_cell(ILLEGAL_CHARACTERS_RE.sub("", _text(name, value)))


def _typed_cells(sheet, values: list) -> list:
    """The values, with each text openpyxl would write as a formula (``=...``) or an error
    (``#N/A``) made a string cell: the workbook shows the text and never runs it."""
    cells = []
    for value in values:
        if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            value = cell
        cells.append(value)
    return cells


class _Echo:
    """A file whose ``write`` hands back what it was given: ``csv.writer`` then makes lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    columns: list[str], rows: Iterable[dict], *, bom: bool = True, by_field: bool = True
) -> Iterator[str]:
    """The rows as CSV lines. ``by_field``: the columns are the registry's field names, so the
    register fields read as ``value_text`` has them (a standard's columns are its own names, its
    values already in its words)."""
    writer = csv.writer(_Echo())
    yield (BOM if bom else "") + writer.writerow(columns)
    for row in rows:
        yield writer.writerow(
            [cell_text(name if by_field else "", row.get(name)) for name in columns]
        )


def json_lines(rows: Iterable[dict]) -> Iterator[str]:
    """A JSON list, one object a line."""
    yield "["
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(row, default=json_default, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def write_xlsx(file, columns: list[str], rows: Iterable[dict], *, title: str = "Use cases"):
    """Write the rows to ``file`` (a path or a binary file) as a one-sheet workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(_typed_cells(sheet, columns))
    try:
        for row in rows:
            sheet.append(_typed_cells(sheet, [cell_value(name, row.get(name)) for name in columns]))
    except BaseException:
        with contextlib.suppress(Exception):  # end the sheet's writer now, not when collected
            sheet.close()
        raise
    workbook.save(file)
