"""``manage.py export_register --format csv|xlsx|json|us-2025|nl|uk [--filter QUERY] -o FILE``.

The file (and a standard's list of refusals) is written to a temporary file beside the target and
moved over it only once whole: an export that fails leaves the previous file as it was, and the
refusals beside a file are always that file's (none left from an earlier run).
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exports import exporting
from exports.standards import STANDARDS


def _beside(path: Path) -> Path:
    """A new empty file in ``path``'s folder, hidden, with the mode a new file gets there."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


class Command(BaseCommand):
    help = (
        "Export the use cases, or those a list query string selects (the list's own filters, "
        "e.g. --filter 'status=active&team=claims'), to FILE in a format: csv, xlsx, json (every "
        "field), or a standard: us-2025 (US inventory CSV), nl (Dutch algorithm register JSON), "
        "uk (UK ATRS JSON). A standard leaves out the use cases it cannot accept and lists them, "
        "with why, in FILE.refused.csv. Prints one line: exported N, refused R. A failed export "
        "leaves FILE as it was."
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
        refused_path = path.with_name(f"{path.name}.refused.csv")
        partial, partial_refused = _beside(path), None
        try:
            exported = exporting.write(format, records, partial)
            refused = records.refused if format in STANDARDS else []
            if refused:
                partial_refused = _beside(refused_path)
                with open(partial_refused, "w", encoding="utf-8", newline="") as file:
                    exporting.write_refused(refused, file)
            os.replace(partial, path)
            if partial_refused:
                os.replace(partial_refused, refused_path)
            else:
                refused_path.unlink(missing_ok=True)
        except Exception as error:
            raise CommandError(f"Export failed; {path} is left as it was: {error!r}") from error
        finally:
            for leftover in (partial, partial_refused):
                if leftover:
                    leftover.unlink(missing_ok=True)
            if format in STANDARDS:
                records.refused.close()
        line = f"exported {exported}, refused {len(refused)}"
        self.stdout.write(line + (f" (each with why: {refused_path})" if refused else ""))
