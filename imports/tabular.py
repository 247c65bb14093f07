"""CSV and XLSX registers read row by row: the dialect, the header row and the records.

Nothing holds the whole file: CSV is decoded through a text wrapper over the upload, XLSX is read
by openpyxl in read-only mode. Formula cells are read as their text (``=HYPERLINK(...)``), never
evaluated and never replaced by a value a spreadsheet program cached: the workbook is opened with
``data_only=False`` and the reader counts them, so the mapping step can show them.
"""

import csv
import datetime
import io
from collections.abc import Iterator
from typing import BinaryIO

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from imports.errors import ReadError
from imports.header import LOOKAHEAD
from imports.sniffing import SAMPLE

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# One cell may hold a long text; csv's default limit (128 KB) is too tight for real registers.
csv.field_size_limit(16 * 1024 * 1024)


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
    the first rows parsed with it."""
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
    return best, best_rows[:LOOKAHEAD]


def csv_rows(
    stream: BinaryIO, encoding: str, delimiter: str, shown: str
) -> Iterator[tuple[int, list[str]]]:
    """Every record of the file with its number as a spreadsheet shows it (from 1), streaming."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ReadError(
            f"{shown} cannot be read as CSV near line {reader.line_num}: {error}."
        ) from error
    except UnicodeDecodeError as error:  # e.g. a UTF-8 byte-order mark over Windows-1252 bytes
        where = f" near line {reader.line_num}" if reader.line_num else ""
        raise ReadError(
            f"{shown} is not all {encoding} as it says{where}; save it again as UTF-8."
        ) from error
    finally:
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


def xlsx_sheet(stream: BinaryIO, shown: str) -> tuple[str, list[list[str]]]:
    """The name of the first sheet with data, and its first rows."""
    workbook = _open_workbook(stream, shown)
    try:
        for sheet in workbook.worksheets:
            rows = []
            for _number, row, _formulas in _sheet_rows(sheet, shown):
                rows.append(row)
                if len(rows) >= LOOKAHEAD:
                    break
            if any(any(cell.strip() for cell in row) for row in rows):
                return sheet.title, rows
    finally:
        workbook.close()
    raise ReadError(f"{shown} is a workbook with no data in any sheet.")


def xlsx_rows(stream: BinaryIO, sheet_name: str, shown: str):
    """Every row of the sheet: its number, its cells as text, the positions of formula cells."""
    workbook = _open_workbook(stream, shown)
    try:
        yield from _sheet_rows(workbook[sheet_name], shown)
    finally:
        workbook.close()
