"""Which of a file's first rows is its header: leading title rows are skipped, a first row that
holds data is refused."""

import re

from imports.errors import ReadError
from imports.values import EDGE_SPACE

LOOKAHEAD = 20
_LONGEST_NAME = 500
_DATA_LIKE = re.compile(r"^[\d\s.,:/+\-%€$]+$|@|^https?://", re.IGNORECASE)


def _filled(row: list[str]) -> int:
    """How many cells hold a letter or digit (a row of separators is empty)."""
    return sum(1 for cell in row if any(char.isalnum() for char in cell))


def find_header(rows: list[list[str]], shown: str) -> int:
    """The index (from 0) among the first rows of the one that names the columns.

    The header is the first row filled at least half as wide as the widest of the first
    :data:`LOOKAHEAD` rows (a title row above it fills one cell). A header whose cells look like
    data - numbers, dates, e-mail addresses, links, long text - means the file has none.
    """
    rows = rows[:LOOKAHEAD]
    widest = max((_filled(row) for row in rows), default=0)
    if widest == 0:
        raise ReadError(f"{shown} holds no rows of data.")
    needed = max(2 if widest >= 2 else 1, (widest + 1) // 2)
    index = next(i for i, row in enumerate(rows) if _filled(row) >= needed)
    cells = [cell.strip(EDGE_SPACE) for cell in rows[index] if cell.strip(EDGE_SPACE)]
    data_like = [cell for cell in cells if len(cell) > _LONGEST_NAME or _DATA_LIKE.search(cell)]
    if data_like:
        example = data_like[0][:60]
        raise ReadError(
            f"{shown} has no header row: its first row holds data (such as “{example}”), not "
            "column names. Add a row of column names at the top and upload it again."
        )
    return index
