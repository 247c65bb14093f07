"""``manage.py inspect_register FILE``: what the importer reads in a register file, nothing written."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.errors import ReadError
from imports.reading import RegisterFile, open_register

SHOWN_ROWS = 3
SHOWN_VALUE = 80


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 1] + "…"


class Command(BaseCommand):
    help = (
        "Read a register file (CSV, XLSX or JSON) as the importer would and print what it found: "
        "format, encoding, dialect, header row, columns, row count, placeholder counts and the "
        "first rows. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The register file to read.")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        with path.open("rb") as stream:
            try:
                register = open_register(stream, path.name)
                first = []
                for record in register.records():
                    if len(first) < SHOWN_ROWS:
                        first.append(record)
            except ReadError as error:
                raise CommandError(str(error)) from None
        self._summary(register)
        self._rows(first)

    def _summary(self, register: RegisterFile) -> None:
        stats, out = register.stats, self.stdout.write
        known = register.format
        out(f"file:        {register.name} ({register.size:,} bytes, {register.kind.upper()})")
        out(
            f"format:      {known.label} [{known.slug}]" if known else "format:      not recognised"
        )
        if register.encoding:
            out(f"encoding:    {register.encoding}")
        if register.dialect:
            out(f"dialect:     {register.dialect} separated")
        if register.sheet:
            out(f"sheet:       {register.sheet}")
        if register.header_row:
            out(f"header row:  {register.header_row}")
        out(f"rows:        {stats.rows:,} (blank rows skipped: {stats.blank_rows:,})")
        if stats.ragged_rows:
            rows = ", ".join(map(str, stats.ragged_examples))
            out(
                f"ragged rows: {stats.ragged_rows:,} with data past the columns, not read "
                f"(rows {rows})"
            )
        out(f"repaired:    {stats.values.mojibake_repaired:,} double-encoded sequences")
        if stats.formula_cells:
            where = ", ".join(f"row {row} {column}" for row, column in stats.formula_examples)
            out(f"formulas:    {stats.formula_cells:,} cells read as text ({where})")
        out(f"columns ({len(register.columns)}):")
        for column in register.columns:
            empty = stats.values.placeholders.get(column, 0)
            note = f"  ({empty:,} read as empty: placeholders)" if empty else ""
            out(f"  - {column}{note}")
        if stats.values.placeholder_texts:
            texts = ", ".join(
                f"“{text}” {count:,}"
                for text, count in stats.values.placeholder_texts.most_common()
            )
            out(f"placeholders: {texts}")

    def _rows(self, first: list) -> None:
        for record in first:
            self.stdout.write(f"row {record.number}:")
            for column, value in record.items():
                if value:
                    self.stdout.write(f"  {column}: {_short(value)}")
