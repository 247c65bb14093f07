"""JSON registers: a list of records, or an object holding one (UK ATRS: ``{"meta": ...,
"records": [...]}``). The file's text is held whole, within its own size cap (see sniffing), but
its values are decoded one record at a time: once to find the records and their columns, then again
as they are read. A parsed document would cost many times the file (a short string or an empty
object is some 50 bytes of Python object), so no pass holds more than one record.

Nested values become text: a list's items joined with "; " (placeholders among them dropped), an
object as "key: value" pairs joined with ", ", true/false as ``true``/``false``, null as empty.
"""

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from imports.errors import ReadError
from imports.values import is_placeholder

# Keys under which an object wrapping the records is looked for first.
RECORD_KEYS = ("records", "data", "items", "results", "rows", "use_cases", "usecases", "algorithms")
NOT_RECORDS = (
    "{shown} is JSON but not a list of records: it should be a list of objects "
    '([{{"title": ...}}, ...]) or an object with such a list under a key like "records".'
)


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")

# Deeper than any register nests its values; deeper still is refused (``ReadError``), not a crash.
MAX_DEPTH = 32


def flatten(value, depth: int = 0) -> str:
    """A JSON value as one text."""
    if depth > MAX_DEPTH:
        raise ReadError(f"A value is nested more than {MAX_DEPTH} levels deep; flatten it first.")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        items = (flatten(item, depth + 1).strip() for item in value)
        return "; ".join(item for item in items if item and not is_placeholder(item))
    if isinstance(value, dict):
        pairs = ((key, flatten(item, depth + 1).strip()) for key, item in value.items())
        return ", ".join(f"{key}: {text}" for key, text in pairs if text)
    return str(value)


class _Array:
    """The items of the JSON array at ``text[start]`` (a ``[``), decoded one at a time;
    ``end`` is the position after it once they are all read."""

    def __init__(self, text: str, start: int):
        self.text, self.start, self.end = text, start, None

    def __iter__(self):
        text, position = self.text, _space(self.text, self.start + 1)
        if text.startswith("]", position):
            self.end = position + 1
            return
        while True:
            item, position = _DECODER.raw_decode(text, position)
            yield item
            position = _space(text, position)
            if text.startswith(",", position):
                position = _space(text, position + 1)
            elif text.startswith("]", position):
                self.end = position + 1
                return
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, position)


def _space(text: str, position: int) -> int:
    return _SPACE.match(text, position).end()


def _members(text: str, position: int):
    """The members of the JSON object at ``text[position]`` (a ``{``): each is ``(key, value
    position)``, and the caller sends back the position after the value it read."""
    position = _space(text, position + 1)
    if text.startswith("}", position):
        return position + 1
    while True:
        if not text.startswith('"', position):
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, position
            )
        key, position = _DECODER.raw_decode(text, position)
        position = _space(text, position)
        if not text.startswith(":", position):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, position)
        position = _space(text, (yield key, _space(text, position + 1)))
        if text.startswith(",", position):
            position = _space(text, position + 1)
        elif text.startswith("}", position):
            return position + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)


@dataclass
class _Summary:
    """A list in the document, read through once: how many items, all objects or not, the keys
    its objects have in the order they first appear."""

    count: int = 0
    all_objects: bool = True
    columns: dict = field(default_factory=dict)

    def read(self, array: _Array) -> "_Summary":
        for item in array:
            self.count += 1
            if self.all_objects and isinstance(item, dict):
                self.columns.update(dict.fromkeys(item))
            else:
                self.all_objects = False
        return self


def _walk(text: str, chosen: int | None = None):
    """Read the whole document through, one value at a time. With ``chosen`` None: the lists it
    holds, ``{member: _Summary}`` (member None for a document that is a list; None for a
    document that holds no list). With ``chosen``: the items of that member's list, lazily."""
    position = _space(text, 0)
    summaries = {}
    if text.startswith("[", position):
        array = _Array(text, position)
        if chosen is not None:
            yield from array
        else:
            summaries[None] = _Summary().read(array)
        position = array.end
    elif text.startswith("{", position):
        members, number = _members(text, position), 0
        try:
            key, value = next(members)
            while True:
                if text.startswith("[", value):
                    array = _Array(text, value)
                    if chosen is None:
                        summaries[(number, key)] = _Summary().read(array)
                    elif chosen == number:
                        yield from array
                    else:
                        for _item in array:
                            pass
                    end = array.end
                else:
                    end = _DECODER.raw_decode(text, value)[1]
                number += 1
                key, value = members.send(end)
        except StopIteration as stop:
            position = stop.value
    else:
        position = _DECODER.raw_decode(text, position)[1]
    if _space(text, position) != len(text):
        raise json.JSONDecodeError("Extra data", text, _space(text, position))
    return summaries


def _chosen(summaries: dict) -> tuple:
    """The member whose list holds the records (as ``_records_in`` of a parsed document picked
    it): the list a document is, else the last list under a :data:`RECORD_KEYS` key, else the
    only non-empty list of objects."""
    if None in summaries:
        return None, summaries[None]
    for wanted in RECORD_KEYS:
        under = [member for member in summaries if member[1] == wanted]
        if under:
            return under[-1], summaries[under[-1]]
    lists = [m for m, summary in summaries.items() if summary.count and summary.all_objects]
    return (lists[0], summaries[lists[0]]) if len(lists) == 1 else (None, None)


def _document_text(stream: BinaryIO, encoding: str) -> str:
    stream.seek(0)
    try:
        return stream.read().decode(encoding)
    finally:
        stream.seek(0)


@contextmanager
def _json_errors(shown: str):
    try:
        yield
    except json.JSONDecodeError as error:
        raise ReadError(
            f"{shown} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from error
    except RecursionError as error:
        raise ReadError(f"{shown} nests its values too deeply to be a register.") from error
    except ValueError as error:  # e.g. a number of thousands of digits
        raise ReadError(f"{shown} holds a value that can't be read: {error}.") from error


def locate_records(stream: BinaryIO, encoding: str, shown: str) -> tuple[int | None, list[str]]:
    """Where the file's records are (the member of the object holding them, None for a list) and
    their columns (every key any record has, in the order they first appear), or a
    :class:`ReadError`. The document is read through once and no record is kept."""
    walk = _walk(_document_text(stream, encoding))
    with _json_errors(shown):
        try:
            next(walk)
        except StopIteration as stop:
            summaries = stop.value
    member, summary = _chosen(summaries)
    if summary is None or not summary.all_objects:
        raise ReadError(NOT_RECORDS.format(shown=shown))
    if not summary.count:
        raise ReadError(f"{shown} holds an empty list: there are no records to import.")
    return (member[0] if member else None), list(summary.columns)


def iter_records(stream: BinaryIO, encoding: str, shown: str, member: int | None):
    """The records :func:`locate_records` found, one at a time."""
    walk = _walk(_document_text(stream, encoding), chosen=-1 if member is None else member)
    with _json_errors(shown):
        yield from walk
