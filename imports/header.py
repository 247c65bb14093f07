"""Which of a file's first rows is its header: leading title rows are skipped, a first row that
holds data is refused."""

import re

from imports.errors import ReadError
from imports.values import EDGE_SPACE

LOOKAHEAD = 20
_LONGEST_NAME = 500
_YEARS = (1900, 2100)
_DATA_LIKE = re.compile(r"^[\d\s.,:/+\-%€$]+$|@|^https?://", re.IGNORECASE)


def _filled(row: list[str]) -> int:
    """How many cells hold a letter or digit (a row of separators is empty)."""
    return sum(1 for cell in row if any(char.isalnum() for char in cell))


def _year_name(cell: str, below: list[str]) -> bool:
    """Whether a header cell that is a year (``2023``) names its column: a header of years, with
    amounts below. Above a column of years (every filled cell below one), it is data."""
    filled = [text for text in (other.strip(EDGE_SPACE) for other in below) if text]
    return _is_year(cell) and not (filled and all(map(_is_year, filled)))


def _is_year(text: str) -> bool:
    return text.isdigit() and len(text) == 4 and _YEARS[0] <= int(text) <= _YEARS[1]


def find_header(rows: list[list[str]], shown: str) -> int:
    """The index (from 0) among the first rows of the one that names the columns.

    The header is the first row filled at least half as wide as the widest of the first
    :data:`LOOKAHEAD` rows (a title row above it fills one cell). A header whose cells look like
    data - numbers, dates, e-mail addresses, links, long text - means the file has none; a year
    is a name (a column per year) unless the cells below it are years too. Other numbers (``1``,
    ``2``: a row number) stay data.
    """
    rows = rows[:LOOKAHEAD]
    widest = max((_filled(row) for row in rows), default=0)
    if widest == 0:
        raise ReadError(f"{shown} holds no rows of data.")
    needed = max(2 if widest >= 2 else 1, (widest + 1) // 2)
    index = next(i for i, row in enumerate(rows) if _filled(row) >= needed)
    data_like = [
        cell
        for position, raw in enumerate(rows[index])
        if (cell := raw.strip(EDGE_SPACE))
        and (len(cell) > _LONGEST_NAME or _DATA_LIKE.search(cell))
        and not _year_name(
            cell, [row[position] for row in rows[index + 1 :] if position < len(row)]
        )
    ]
    if data_like:
        example = data_like[0][:60]
        raise ReadError(
            f"{shown} has no header row: its first row holds data (such as “{example}”), not "
            "column names. Add a row of column names at the top and upload it again."
        )
    return index
