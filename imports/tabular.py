"""CSV and XLSX registers read row by row: the dialect, the header row and the records.

Nothing holds the whole file: CSV is decoded through a text wrapper over the upload, XLSX is read
by openpyxl in read-only mode. Formula cells are read as their text (``=HYPERLINK(...)``), never
evaluated and never replaced by a value a spreadsheet program cached: the workbook is opened with
``data_only=False`` and the reader counts them, so the mapping step can show them.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

import openpyxl
from django.conf import settings
from openpyxl.utils.exceptions import InvalidFileException

from imports.errors import ReadError
from imports.header import LOOKAHEAD
from imports.sniffing import SAMPLE

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# A row's cells and a cell's characters, at most (settings IMPORT_MAX_CELLS_PER_ROW and
# IMPORT_MAX_CELL_CHARS): one pathological line must not fill the memory. A row of a million short
# cells is a million strings before csv hands it over; csv's field size limit stops a cell.
DEFAULT_MAX_CELLS_PER_ROW = 2_000
DEFAULT_MAX_CELL_CHARS = 1_000_000
# A physical line holds at most this many cells' worth of characters at the cell limit.
LINE_CELLS = 4


# Also for the sample the dialect is sniffed from (csv's default, 128 KB, is too tight for registers).
csv.field_size_limit(DEFAULT_MAX_CELL_CHARS)


def max_cells_per_row() -> int:
    return getattr(settings, "IMPORT_MAX_CELLS_PER_ROW", DEFAULT_MAX_CELLS_PER_ROW)


def max_cell_chars() -> int:
    return getattr(settings, "IMPORT_MAX_CELL_CHARS", DEFAULT_MAX_CELL_CHARS)


def _sample_text(stream: BinaryIO, encoding: str) -> tuple[str, bool]:
    """The file's first bytes as text, and whether that is the whole file."""
    stream.seek(0)
    raw = stream.read(SAMPLE)
    whole = len(raw) < SAMPLE or not stream.read(1)
    stream.seek(0)
    return raw.decode(encoding, errors="ignore").lstrip("\ufeff"), whole


def _parse(text: str, delimiter: str, whole: bool) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return []
    return rows if whole else rows[:-1]  # the last row of a sample may be cut off


def sniff_dialect(stream: BinaryIO, encoding: str) -> tuple[str, list[list[str]]]:
    """The delimiter whose rows are most often as wide as each other (and wider than one), with
    the sample's rows parsed with it (the header is among the first; the rest show how wide the
    data is)."""
    text, whole = _sample_text(stream, encoding)
    best, best_score, best_rows = ",", (-1.0, 0), []
    for delimiter in DELIMITERS:
        rows = _parse(text, delimiter, whole)
        widths = [len(row) for row in rows[: LOOKAHEAD * 5] if any(row)]
        if not widths:
            continue
        width = max(set(widths), key=widths.count)
        score = (widths.count(width) / len(widths) if width > 1 else 0.0, width)
        if score > best_score:
            best, best_score, best_rows = delimiter, score, rows
    return best, best_rows


# What a quote does to csv's state: opens a quoted cell at a cell's start, closes one (or is the
# first of a doubled quote) inside it, and is text in an unquoted cell.
_AFTER_QUOTE = {"start": "quoted", "quoted": "quote", "quote": "quoted"}


class _RowGuard:
    """The lines csv reads, each refused once the record it belongs to has more cells than
    :func:`max_cells_per_row`, or the line is longer than :data:`LINE_CELLS` cells at the cell
    limit - before csv builds the row. The delimiters are counted first (an upper bound on the
    cells); only past the limit are the record's cells counted as csv does, quotes respected."""

    def __init__(self, text, delimiter: str, shown: str):
        self.text, self.delimiter, self.shown = text, delimiter, shown
        self.max_cells, self.row = max_cells_per_row(), 1
        self.line_limit = LINE_CELLS * max_cell_chars()
        self.new_row(1)

    def new_row(self, row: int) -> None:
        self.row, self.lines, self.delimiters = row, [], 0
        self.cells, self.state, self.counted = 1, "start", 0

    def __iter__(self):
        while line := self.text.readline(self.line_limit + 1):
            if len(line) > self.line_limit:
                raise ReadError(
                    f"{self.shown}: row {self.row} is longer than {self.line_limit:,} characters "
                    "on one line; it is not a register's row."
                )
            self.lines.append(line)
            self.delimiters += line.count(self.delimiter)
            if self.delimiters >= self.max_cells and self._count_cells() > self.max_cells:
                raise ReadError(
                    f"{self.shown}: row {self.row} has more than {self.max_cells:,} cells; a "
                    "register's row has one per column. Check the delimiter and the quotes."
                )
            yield line

    def _count_cells(self) -> int:
        """The record's cells so far, as csv counts them: a quote opens a quoted cell only at a
        cell's start; inside one, delimiters and line ends are text and a doubled quote is one."""
        special = re.compile(f'["{re.escape(self.delimiter)}]')
        for line in self.lines[self.counted :]:
            last = -1
            for match in special.finditer(line):
                position, char = match.start(), match.group()
                if position > last + 1 and self.state in ("start", "quote"):
                    self.state = "field"
                last = position
                if char == '"':
                    self.state = _AFTER_QUOTE.get(self.state, self.state)
                elif self.state != "quoted":
                    self.cells, self.state = self.cells + 1, "start"
                    if self.cells > self.max_cells:
                        return self.cells
            if self.state != "quoted":
                self.state = "start"  # a record goes on past a line's end only inside quotes
        self.counted = len(self.lines)
        return self.cells


def csv_rows(
    stream: BinaryIO, encoding: str, delimiter: str, shown: str
) -> Iterator[tuple[int, list[str]]]:
    """Every record of the file with its number as a spreadsheet shows it (from 1), streaming."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    guard = _RowGuard(text, delimiter, shown)
    previous_limit = csv.field_size_limit(max_cell_chars())
    reader = csv.reader(guard, delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            guard.new_row(number + 1)
            yield number, cells
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ReadError(
                f"{shown}: a cell in row {guard.row} is longer than {max_cell_chars():,} "
                "characters; shorten it or leave it out."
            ) from error
        raise ReadError(
            f"{shown} cannot be read as CSV near line {reader.line_num}: {error}."
        ) from error
    except UnicodeDecodeError as error:  # e.g. a UTF-8 byte-order mark over Windows-1252 bytes
        where = f" near line {reader.line_num}" if reader.line_num else ""
        raise ReadError(
            f"{shown} is not all {encoding} as it says{where}; save it again as UTF-8."
        ) from error
    finally:
        csv.field_size_limit(previous_limit)
        text.detach()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _open_workbook(stream: BinaryIO, shown: str):
    stream.seek(0)
    try:
        return openpyxl.load_workbook(stream, read_only=True, data_only=False)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ReadError(
            f"{shown} is a zip archive but not an Excel workbook (XLSX) that can be read."
        ) from error
    except Exception as error:  # a damaged archive raises from deep inside zipfile and lxml
        raise ReadError(f"{shown} is a damaged Excel workbook: {error}.") from error


def _sheet_rows(sheet, shown: str) -> Iterator[tuple[int, list[str], list[int]]]:
    try:
        # Rows as stored, not padded to the size the sheet declares: a workbook can declare a
        # million rows by 16,384 columns with a single cell in its far corner.
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            formulas = [
                i for i, cell in enumerate(cells) if getattr(cell, "data_type", None) == "f"
            ]
            yield number, [cell_text(cell.value) for cell in cells], formulas
    except Exception as error:  # a damaged sheet raises from inside openpyxl and lxml
        raise ReadError(f"{shown} has a damaged sheet “{sheet.title}”: {error}.") from error


def xlsx_sheets(stream: BinaryIO, shown: str) -> list[tuple[str, list[list[str]]]]:
    """The sheets with data, in the workbook's order: each one's name and first rows."""
    workbook = _open_workbook(stream, shown)
    sheets = []
    try:
        for sheet in workbook.worksheets:
            rows = []
            for _number, row, _formulas in _sheet_rows(sheet, shown):
                rows.append(row)
                if len(rows) >= LOOKAHEAD:
                    break
            if any(any(cell.strip() for cell in row) for row in rows):
                sheets.append((sheet.title, rows))
    finally:
        workbook.close()
    if not sheets:
        raise ReadError(f"{shown} is a workbook with no data in any sheet.")
    return sheets


def xlsx_rows(stream: BinaryIO, sheet_name: str, shown: str):
    """Every row of the sheet: its number, its cells as text, the positions of formula cells."""
    workbook = _open_workbook(stream, shown)
    try:
        yield from _sheet_rows(workbook[sheet_name], shown)
    finally:
        workbook.close()
