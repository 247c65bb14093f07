"""``manage.py export_register --format csv|xlsx|json|us-2025|nl|uk [--filter QUERY] -o FILE``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exports import exporting
from exports.standards import STANDARDS


class Command(BaseCommand):
    help = (
        "Export the use cases, or those a list query string selects (the list's own filters, "
        "e.g. --filter 'status=active&team=claims'), to FILE in a format: csv, xlsx, json (every "
        "field), or a standard: us-2025 (US inventory CSV), nl (Dutch algorithm register JSON), "
        "uk (UK ATRS JSON). A standard leaves out the use cases it cannot accept and lists them, "
        "with why, in FILE.refused.csv. Prints one line: exported N, refused R."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=exporting.FORMATS)
        parser.add_argument(
            "--filter", default="", metavar="QUERYSTRING", help="The list's filters, as in its URL."
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, format: str, filter: str, output: str, **options):
        try:
            usecases = exporting.filtered_usecases(filter.lstrip("?"))
        except exporting.InvalidFilter as error:
            raise CommandError(f"Nothing exported; filters not understood: {error}") from None
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"Nothing exported: there is no folder {path.parent}.")
        records = exporting.records_for(format, usecases)
        exported = exporting.write(format, records, path)
        refused = records.refused if format in STANDARDS else []
        line = f"exported {exported}, refused {len(refused)}"
        if refused:
            refused_path = path.with_name(f"{path.name}.refused.csv")
            with open(refused_path, "w", encoding="utf-8", newline="") as file:
                exporting.write_refused(refused, file)
            line += f" (each with why: {refused_path})"
        if format in STANDARDS:
            records.refused.close()
        self.stdout.write(line)
