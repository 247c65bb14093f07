"""How a source value becomes the text a record holds: edges trimmed, line ends made one kind,
control characters (NUL, ...) dropped, mojibake repaired, list literals joined, placeholders made empty.

Placeholders are what registers write where they mean "no value". They are read as empty, so that
"Unknown" never becomes a real value; the reader counts them per column. The list, compared
without case, surrounding spaces, a trailing full stop or a leading choice letter (``k) N/A``):
see :data:`PLACEHOLDERS`. "None" and "None of the above" are not among them: in the US 2025
inventory they are answers (``demographic_features``: ``k) None of the above``, the agency saying
the system uses no demographic feature), so they are kept as written and the importer's value
mapping decides what they mean.
"""

import ast
import re
from collections import Counter
from dataclasses import dataclass, field

from imports.mojibake import fix_mojibake, replace_lost

PLACEHOLDERS = frozenset(
    {
        "n/a",
        "na",
        "n.a",
        "n/a.",
        "not available",
        "not applicable",
        "not known",
        "unknown",
        "null",
        "nil",
        "nan",
        "tbd",
        "tbc",
        "-",
        "--",
        "—",
        "?",
        "[]",
        "{}",
        "['']",
        "[none]",
    }
)

# Spaces a value's edges lose: ordinary white space, the no-break spaces (U+00A0, U+202F) and the
# invisible ones (zero-width space, joiners, word joiner, a byte-order mark inside a file).
EDGE_SPACE = " \t\r\n\f\v\xa0\u202f\u2007\u200b\u200c\u200d\u2060\ufeff"
# Control characters no text means (NUL among them, which PostgreSQL cannot store) are dropped;
# tab and line feed stay.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CHOICE_LETTER = re.compile(r"^[a-z]\)\s+")
_LIST_LITERAL = re.compile(r"^\[.*\]$", re.DOTALL)
_LIST_LITERAL_LIMIT = 10_000


@dataclass
class ValueCounts:
    """What cleaning did across a file, for the operator's report."""

    placeholders: Counter = field(default_factory=Counter)  # column -> values read as empty
    placeholder_texts: Counter = field(default_factory=Counter)  # the placeholder as written
    mojibake_repaired: int = 0
    lost_replaced: int = 0  # U+FFFD marks of characters lost before the file reached us
    list_literals: int = 0


def is_placeholder(text: str) -> bool:
    folded = text.strip(EDGE_SPACE).casefold()
    folded = _CHOICE_LETTER.sub("", folded).rstrip(".").strip()
    return folded in PLACEHOLDERS or (folded == "" and text != "")


def _list_items(text: str) -> list[str] | None:
    """The items of a Python or JSON list literal written as text (``['a', 'b']``), or None."""
    if text[0] != "[" or len(text) > _LIST_LITERAL_LIMIT or not _LIST_LITERAL.match(text):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None
    return list(value)


def clean_text(text: str, column: str, counts: ValueCounts) -> str:
    """One value as the record holds it (see the module's text)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS).strip(EDGE_SPACE)
    if not text:
        return ""
    if not text.isascii():  # mojibake is never ASCII; most values are
        text, repaired = fix_mojibake(text)
        counts.mojibake_repaired += repaired
        text, lost = replace_lost(text)
        counts.lost_replaced += lost
    items = _list_items(text)
    if items is not None:
        counts.list_literals += 1
        items = [item.strip(EDGE_SPACE) for item in items]
        text = "; ".join(item for item in items if item and not is_placeholder(item))
        if not text:
            _count_placeholder("[]", column, counts)
            return ""
    text = text.strip(EDGE_SPACE)
    if is_placeholder(text):
        _count_placeholder(text, column, counts)
        return ""
    return text


def _count_placeholder(text: str, column: str, counts: ValueCounts) -> None:
    counts.placeholders[column] += 1
    counts.placeholder_texts[text] += 1


def unique_names(names: list[str]) -> list[str]:
    """Header names made unique in order: a repeated ``name`` becomes ``name (2)``, ``name (3)``;
    an empty one ``column N`` (its position, from 1)."""
    seen: set[str] = set()
    result = []
    for position, raw in enumerate(names, start=1):
        base = raw or f"column {position}"
        name, number = base, 1
        while name.casefold() in seen:
            number += 1
            name = f"{base} ({number})"
        seen.add(name.casefold())
        result.append(name)
    return result


def clean_header(text: str) -> str:
    """A header cell as a column name: edges trimmed, inner white space (line breaks too) one
    space, mojibake repaired."""
    text, _ = fix_mojibake(" ".join(text.translate(_CONTROLS).strip(EDGE_SPACE).split()))
    return text
