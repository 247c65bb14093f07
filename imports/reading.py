"""Reading an uploaded register: what it is, and its records as {source column: text}.

``open_register(stream, name)`` looks at the file (size, kind, encoding, dialect, header row,
known format) and raises :class:`~imports.errors.ReadError` with a message for the uploader when it
cannot be read; nothing else happens. ``RegisterFile.records()`` then yields each record, streaming
(JSON: its text is held, its records decoded one at a time). Values are cleaned as :mod:`imports.values` says: edges trimmed, placeholders
("Unknown", "N/A", "[]", ...) empty, mojibake already in the source repaired.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import BinaryIO

from core.cells import unneutralised
from imports import jsonfile, tabular
from imports.errors import ReadError
from imports.formats import REGISTRY, KnownFormat, recognise
from imports.header import find_header
from imports.sniffing import sniff
from imports.values import EDGE_SPACE, ValueCounts, clean_header, clean_text, unique_names

FORMULA_EXAMPLES = 20
RAGGED_EXAMPLES = 20


class Record(dict):
    """One record: source column -> text ("" for empty). ``number`` is its row as a spreadsheet
    shows it (CSV, XLSX; header rows included) or its position from 1 (JSON)."""

    __slots__ = ("number",)

    def __init__(self, number: int, values):
        super().__init__(values)
        self.number = number


@dataclass
class ReadStats:
    """What reading the records found, filled in as they are read."""

    rows: int = 0
    blank_rows: int = 0
    # Rows holding data past the columns (those named, and those the first rows showed data in):
    # that data is not in their record. ``ragged_examples``: the first rows' numbers.
    ragged_rows: int = 0
    ragged_examples: list[int] = field(default_factory=list)
    formula_cells: int = 0
    formula_examples: list[tuple[int, str]] = field(default_factory=list)  # (row, column)
    values: ValueCounts = field(default_factory=ValueCounts)


@dataclass
class RegisterFile:
    stream: BinaryIO
    name: str
    kind: str  # "csv", "xlsx" or "json"
    size: int
    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # from 1; None for JSON
    sheet: str | None = None
    format: KnownFormat | None = None
    stats: ReadStats = field(default_factory=ReadStats)
    _json_member: int | None = field(default=None, repr=False)  # the object's member, if any

    @property
    def dialect(self) -> str | None:
        return tabular.DELIMITERS.get(self.delimiter) if self.delimiter else None

    def records(self) -> Iterator[Record]:
        """Every record that holds a value, in file order (rows that are empty or hold only
        placeholders are counted as blank). Read once: the counts in ``stats`` are of the
        last full pass."""
        self.stats = ReadStats()
        if self.kind == "json":
            yield from self._json()
        else:
            yield from self._rows()

    def _rows(self) -> Iterator[Record]:
        if self.kind == "csv":
            rows = (
                (number, cells, [])
                for number, cells in tabular.csv_rows(
                    self.stream, self.encoding, self.delimiter, self.shown
                )
            )
        else:
            rows = tabular.xlsx_rows(self.stream, self.sheet, self.shown)
        own_csv = self.kind == "csv" and self.format is REGISTRY
        for number, cells, formulas in rows:
            if number <= self.header_row:
                continue
            if own_csv:  # the export's defence against formulas, undone
                cells = [unneutralised(cell) for cell in cells]
            record = self._record(number, cells, formulas)
            if record is not None:
                yield record

    @property
    def shown(self) -> str:
        return PurePath(self.name).name

    def _record(self, number: int, cells: list[str], formulas: list[int]) -> Record | None:
        stats, width = self.stats, len(self.columns)
        values = {
            column: clean_text(cells[i], column, stats.values) if i < len(cells) else ""
            for i, column in enumerate(self.columns)
        }
        if not any(values.values()) and not any(cell.strip() for cell in cells[width:]):
            stats.blank_rows += 1  # empty, or only placeholders
            return None
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            stats.ragged_rows += 1
            if len(stats.ragged_examples) < RAGGED_EXAMPLES:
                stats.ragged_examples.append(number)
        for position in formulas:
            stats.formula_cells += 1
            if len(stats.formula_examples) < FORMULA_EXAMPLES and position < width:
                stats.formula_examples.append((number, self.columns[position]))
        stats.rows += 1
        return Record(number, values)

    def _json(self) -> Iterator[Record]:
        items = jsonfile.iter_records(self.stream, self.encoding, self.shown, self._json_member)
        for number, item in enumerate(items, start=1):
            values = {
                column: clean_text(jsonfile.flatten(item.get(column)), column, self.stats.values)
                for column in self.columns
            }
            if not any(values.values()):
                self.stats.blank_rows += 1
                continue
            self.stats.rows += 1
            yield Record(number, values)


def _filled_width(row: list[str]) -> int:
    """How many of the row's cells reach its last one holding something."""
    return next((i + 1 for i in range(len(row) - 1, -1, -1) if row[i].strip(EDGE_SPACE)), 0)


def _column_names(header: list[str], rows: list[list[str]]) -> list[str]:
    """The header's names, as wide as the header or the data of the rows below it: a column
    with data but no name is ``column N``; empty cells past both (a spreadsheet's formatted but
    empty cells at the end) are no column."""
    names = [clean_header(cell) for cell in header]
    width = max(map(_filled_width, rows), default=0)
    while len(names) > width and not names[-1]:
        names.pop()
    return unique_names(names + [""] * (width - len(names)))


def open_register(stream: BinaryIO, name: str) -> RegisterFile:
    """The register in an uploaded file (a binary stream that can seek, and the file's name), or
    a :class:`ReadError` saying why it cannot be read."""
    sniffed = sniff(stream, name)
    shown = PurePath(name).name or "The file"
    register = RegisterFile(stream, name, sniffed.kind, sniffed.size, [], sniffed.encoding)
    if sniffed.kind == "json":
        register._json_member, register.columns = jsonfile.locate_records(
            stream, sniffed.encoding, shown
        )
    else:
        if sniffed.kind == "csv":
            register.delimiter, first_rows = tabular.sniff_dialect(stream, sniffed.encoding)
            register.header_row, register.columns = _header(first_rows, shown)
        else:
            register.sheet, register.header_row, register.columns = _register_sheet(stream, shown)
    register.format = recognise(register.columns)
    return register


def _header(rows: list[list[str]], shown: str) -> tuple[int, list[str]]:
    """The header row's number (from 1) among the first rows, and the column names."""
    index = find_header(rows, shown)
    return index + 1, _column_names(rows[index], rows[index + 1 :])


def _register_sheet(stream: BinaryIO, shown: str) -> tuple[str, int, list[str]]:
    """The workbook's sheet that holds the register, its header row and columns: the first
    whose columns are a known format (a workbook may open on a notes or read-me sheet), else the
    first with data."""
    sheets = tabular.xlsx_sheets(stream, shown)
    for title, rows in sheets:
        try:
            header_row, columns = _header(rows, shown)
        except ReadError:
            continue
        if recognise(columns):
            return title, header_row, columns
    title, rows = sheets[0]
    return (title, *_header(rows, shown))


__all__ = ["ReadError", "Record", "RegisterFile", "open_register"]
