"""``manage.py import_register FILE [--mapping NAME] [--team SLUG] [--dry-run]``: import a register
file as the import pages do, and print one line: ``read N, created C, updated U, unchanged S,
skipped K, failed F``. Exits 1 when any row failed (after importing the rest)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from imports.mapping import Mapping
from imports.models import ImportRun, Outcome, SavedMapping
from imports.reading import ReadError
from imports.running import execute, plan_file
from imports.runs import importer_account, new_run, read_upload, summary
from portfolio.models import Team


class Command(BaseCommand):
    help = "Import a register file (CSV, XLSX or JSON) into the registry."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--mapping", help="A saved mapping's name (not needed for a known format)."
        )
        parser.add_argument("--team", help="Put every row in this team (its slug).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would happen; write nothing."
        )
        parser.add_argument("--as", dest="username", help="The author of the imported use cases.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(f"{path.name} is larger than the import limit.")
        data = path.read_bytes()
        try:
            register = read_upload(data, path.name)
        except ReadError as error:
            raise CommandError(str(error)) from None
        team = self._team(options["team"])
        actor = self._actor(options["username"])
        run = new_run(data=data, name=path.name, register=register, actor=actor, team=team)
        try:
            mapping = self._mapping(options["mapping"], run)
        except CommandError:
            run.delete()  # refused: the run that was to hold the file is not kept
            raise
        run.mapping = mapping.to_json()
        if options["dry_run"]:
            counts, read = self._plan(run, mapping)
            run.delete()
        else:
            run.save(update_fields=["mapping"])
            run = self._execute(run)
            counts, read = run.counts(), run.rows_done
        self.stdout.write(summary(read, counts))
        if counts[Outcome.FAILED]:
            raise SystemExit(1)

    def _execute(self, run: ImportRun) -> ImportRun:
        try:
            return execute(run)
        except DatabaseError as error:
            run.refresh_from_db()
            self.stdout.write(summary(run.rows_done, run.counts()))
            raise CommandError(
                f"The import stopped: {error}. The rows counted above were written; import the "
                "file again to write the rest (those rows are then unchanged)."
            ) from None

    def _plan(self, run: ImportRun, mapping: Mapping) -> tuple[dict, int]:
        counts = dict.fromkeys(Outcome.values, 0)
        for batch in plan_file(run, mapping):
            for item in batch:
                counts[item.outcome] += 1
        return counts, sum(counts.values())

    def _team(self, slug):
        if not slug:
            return None
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"No team has the slug “{slug}”.")
        if team.is_archived:
            raise CommandError(f"{team} is archived; choose an active team.")
        return team

    def _actor(self, username):
        if not username:
            return importer_account()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account is named “{username}”.")
        return user

    def _mapping(self, name, run: ImportRun) -> Mapping:
        if name:
            saved = SavedMapping.objects.filter(name=name).first()
            if saved is None:
                raise CommandError(f"No saved mapping is named “{name}”.")
            return Mapping.from_json(saved.mapping)
        if not run.format:
            raise CommandError(
                f"{run.file_name} is not a format the registry knows; map it in the browser, "
                "save the mapping, and give its name with --mapping."
            )
        return Mapping.from_json(run.mapping)
