"""One export, from the list's query string to a file: shared by the download view and the
``export_register`` command, so both export exactly what the list shows for the same filters.

Formats: ``csv``, ``xlsx`` and ``json`` carry every field (``exports.records``); ``us-2025``,
``nl`` and ``uk`` are the public standards (``exports.standards``), which leave out and list the
use cases they cannot accept.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone

from core.cells import neutralised
from exports.files import csv_lines, json_lines, write_xlsx
from exports.records import Records, export_queryset
from exports.standards import STANDARDS, StandardRecords
from usecases.filters import UseCaseFilter
from usecases.models import UseCase
from usecases.profiles import PROFILES


@dataclass(frozen=True)
class Format:
    extension: str
    content_type: str


CSV = Format("csv", "text/csv; charset=utf-8")
JSON = Format("json", "application/json; charset=utf-8")
XLSX = Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
GENERIC = {"csv": CSV, "xlsx": XLSX, "json": JSON}
FORMATS = (*GENERIC, *STANDARDS)
REFUSED_COLUMNS = ("key", "title", "why")


class InvalidFilter(ValueError):
    """The query string holds filters the list does not understand; nothing is exported."""

    def __init__(self, errors: dict[str, str]):
        """``errors``: each filter not understood, with why."""
        self.errors = errors
        self.problems = [f"{name}: {why}" for name, why in errors.items()]
        super().__init__("; ".join(self.problems))


def filtered_usecases(query: QueryDict | str = ""):
    """The use cases the list shows for ``query``, in its order, with what the records read.
    ``InvalidFilter`` names each filter that does not validate (the list would leave it out and
    show the rest; an export must not quietly hold more than was asked for)."""
    if isinstance(query, str):
        query = QueryDict(query)
    filterset = UseCaseFilter(query, queryset=UseCase.objects.all())
    if not filterset.is_valid():
        raise InvalidFilter(
            {name: " ".join(errors) for name, errors in filterset.form.errors.items()}
        )
    return export_queryset(filterset.qs)


def records_for(name: str, queryset) -> Records | StandardRecords:
    if name in STANDARDS:
        return StandardRecords.for_format(name, queryset)
    return Records(queryset)


def file_format(name: str) -> Format:
    if name in GENERIC:
        return GENERIC[name]
    return CSV if PROFILES[STANDARDS[name]].export_format == "csv" else JSON


def file_name(name: str) -> str:
    stem = STANDARDS[name].replace("_", "-") if name in STANDARDS else "usecases"
    return f"{stem}-{timezone.localdate().isoformat()}.{file_format(name).extension}"


def text_lines(name: str, records):
    """The file as lines of text (CSV and JSON formats). The registry's own CSV starts with a
    byte-order mark for spreadsheet programs; a standard's CSV is read by machines and has none."""
    if file_format(name) is JSON:
        return json_lines(records)
    standard = name in STANDARDS
    return csv_lines(records.columns, records, bom=not standard, by_field=not standard)


def write(name: str, records, path) -> int:
    """Write ``records`` to ``path`` in format ``name``; the number of records written."""
    counted = _Counted(records)
    if name == "xlsx":
        write_xlsx(path, records.columns, counted)
    else:
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.writelines(text_lines(name, counted))
    return counted.count


def write_refused(refused, file) -> None:
    """The refusals as CSV (key, title, why) to a text ``file``."""
    writer = csv.writer(file)
    writer.writerow(REFUSED_COLUMNS)
    writer.writerows((refusal.key, neutralised(refusal.title), refusal.why) for refusal in refused)


class _Counted:
    def __init__(self, records):
        self.records, self.columns, self.count = records, records.columns, 0

    def __iter__(self):
        for record in self.records:
            self.count += 1
            yield record
