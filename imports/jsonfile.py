"""JSON registers: a list of records, or an object holding one (UK ATRS: ``{"meta": ...,
"records": [...]}``). The file is parsed whole, within its own size cap (see sniffing).

Nested values become text: a list's items joined with "; " (placeholders among them dropped), an
object as "key: value" pairs joined with ", ", true/false as ``true``/``false``, null as empty.
"""

import json
from typing import BinaryIO

from imports.errors import ReadError
from imports.values import is_placeholder

# Keys under which an object wrapping the records is looked for first.
RECORD_KEYS = ("records", "data", "items", "results", "rows", "use_cases", "usecases", "algorithms")
NOT_RECORDS = (
    "{shown} is JSON but not a list of records: it should be a list of objects "
    '([{{"title": ...}}, ...]) or an object with such a list under a key like "records".'
)


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


def _records_in(document):
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in RECORD_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
        lists = [value for value in document.values() if isinstance(value, list) and value]
        lists = [value for value in lists if all(isinstance(item, dict) for item in value)]
        if len(lists) == 1:
            return lists[0]
    return None


def load_records(stream: BinaryIO, encoding: str, shown: str) -> list[dict]:
    """The file's records (objects), or a :class:`ReadError`."""
    stream.seek(0)
    try:
        document = json.loads(stream.read().decode(encoding))
    except json.JSONDecodeError as error:
        raise ReadError(
            f"{shown} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from error
    except RecursionError as error:
        raise ReadError(f"{shown} nests its values too deeply to be a register.") from error
    except ValueError as error:  # e.g. a number of thousands of digits
        raise ReadError(f"{shown} holds a value that can't be read: {error}.") from error
    finally:
        stream.seek(0)
    records = _records_in(document)
    if records is None or not all(isinstance(record, dict) for record in records):
        raise ReadError(NOT_RECORDS.format(shown=shown))
    if not records:
        raise ReadError(f"{shown} holds an empty list: there are no records to import.")
    return records


def columns_of(records: list[dict]) -> list[str]:
    """Every key any record has, in the order they first appear."""
    return list(dict.fromkeys(key for record in records for key in record))
