"""Imports through the API: upload a register (read, mapped as a recognised format comes or as a
saved mapping says, and previewed: nothing written yet), start the run (the task worker writes it),
follow its progress and read what became of each row. The same forms, services and rules as the
import pages (``imports``): admins import, and team leads into a team they lead; a run is seen by
its own person and by admins."""

from datetime import datetime

from django.db import transaction
from django.http import HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from api.errors import form_refused, problem, problems
from api.usecases import cursor_page
from imports import permissions
from imports.forms import UploadForm, mapping_form
from imports.mapping import Mapping
from imports.models import ImportRun, Outcome, RunStatus, SavedMapping
from imports.preview import build_preview
from imports.reading import ReadError
from imports.runs import discard_run, queue_run

router = Router(tags=["imports"])


class Counts(Schema):
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int


class PreviewProblem(Schema):
    row: int
    column: str
    value: str
    why: str
    fails: bool


class RunOut(Schema):
    id: int
    status: str
    file_name: str
    format: str
    team: str | None
    rows_total: int | None
    rows_done: int
    percent: int
    counts: Counts
    error: str
    created_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    url: str


class PreviewOut(RunOut):
    problems: list[PreviewProblem]
    more_problems: int
    to_create: dict[str, list[str]]


class Note(Schema):
    column: str
    value: str
    why: str
    kept_empty: bool = False


class RowOut(Schema):
    number: int
    outcome: str
    key: str
    title: str
    usecase: str | None
    notes: list[Note]

    @staticmethod
    def resolve_usecase(row) -> str | None:
        return row.usecase.key if row.usecase else None

    @staticmethod
    def resolve_notes(row) -> list:
        return row.issues


class RowPage(Schema):
    items: list[RowOut]
    next_cursor: str | None


def _shown(run: ImportRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "file_name": run.file_name,
        "format": run.format,
        "team": run.team.slug if run.team else None,
        "rows_total": run.rows_total,
        "rows_done": run.rows_done,
        "percent": run.percent,
        "counts": run.counts(),
        "error": run.error,
        "created_at": run.created_at,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "url": run.get_absolute_url(),
    }


def _previewed(run: ImportRun, preview) -> dict:
    """The run with what the preview page shows of it: the counts, every problem, the names to
    be created."""
    return {
        **_shown(run),
        "counts": preview.counts,
        "problems": [
            {"row": row, "column": column, "value": value, "why": why, "fails": fails}
            for row, column, value, why, fails in preview.issues
        ],
        "more_problems": preview.more_issues,
        "to_create": preview.to_create,
    }


def _run_for(request, run_id: int, *, change: bool = False):
    """The run, or the problem the import pages would answer (404, 403)."""
    runs = ImportRun.objects.select_related("team", "created_by").defer("file_data")
    run = runs.filter(pk=run_id).first()
    if run is None:
        return problem(404, "Not found", f"No import has the id {run_id}.")
    allowed = permissions.can_change_run if change else permissions.can_view_run
    if not allowed(request.user, run):
        return problem(403, "Forbidden", "This import is not yours.")
    return run


def _saved_or_refused(name: str, known_format: bool):
    """The saved mapping ``name`` names, None to take the recognised format's own, or a 400."""
    if name:
        saved = SavedMapping.objects.filter(name=name).first()
        if saved is None:
            return problem(
                400,
                "Bad request",
                f"No saved mapping is named “{name}”.",
                errors={"mapping": "unknown"},
            )
        return Mapping.from_json(saved.mapping)
    if not known_format:
        return problem(
            400,
            "Bad request",
            "The file is not a format the registry knows: map it once in the browser, save the "
            "mapping, and name it in mapping.",
            errors={"mapping": "required for this file"},
        )
    return None


@router.post(
    "/imports",
    response={201: PreviewOut, **problems(400, 403)},
    summary="Upload a register to import",
)
def import_upload(
    request,
    file: File[UploadedFile],
    mapping: Form[str] = "",
    team: Form[str] = "",
):
    """Upload a register (CSV, XLSX or JSON; multipart ``file``) and see its preview: what each
    row would become (``counts``), every problem (row, column, value, why; ``fails``: the row is
    not imported) and the units, teams and products to be created. Nothing is written until
    ``POST /imports/{id}/run``. A recognised format (the US federal inventories, the Dutch and UK
    registers, this registry's export) is mapped as it comes; another file needs ``mapping``,
    the name of a mapping saved in the browser. ``team`` (a slug): every row goes into that
    team (a team lead must name one they lead); without it, an admin's rows go into the units
    and teams the file names, created where missing."""
    if not permissions.can_import(request.user):
        return problem(403, "Forbidden", "Only admins and team leads import.")
    form = UploadForm({"team": team}, {"file": file}, user=request.user)
    form.fields["team"].to_field_name = "slug"
    if not form.is_valid():
        reason = form.errors.get("file") or form.errors.get("team")
        return form_refused(form, " ".join(reason) if reason else "The upload was refused.")
    starting = _saved_or_refused(" ".join(mapping.split()), form.register.format is not None)
    if isinstance(starting, HttpResponse):
        return starting
    with transaction.atomic():
        run = form.new_run(request.user)
        try:
            confirmed = mapping_form(
                run, starting or Mapping.from_json(run.mapping), user=request.user, data="confirmed"
            )
            valid = confirmed.is_valid()
        except ReadError as error:
            transaction.set_rollback(True)
            return problem(400, "Bad request", str(error), errors={"file": str(error)})
        if not valid:
            transaction.set_rollback(True)
            return form_refused(confirmed, "The mapping does not fit this file.")
        chosen = confirmed.mapped()
        run.mapping = chosen.to_json()
        run.save(update_fields=["mapping"])
    return Status(201, _previewed(run, build_preview(run, chosen)))


@router.post(
    "/imports/{run_id}/run",
    response={202: RunOut, **problems(400, 403, 404, 409)},
    summary="Start an uploaded import",
)
def import_start(request, run_id: int):
    """Write the previewed import: the task worker runs it in the background, in batches;
    follow it with ``GET /imports/{id}``."""
    run = _run_for(request, run_id, change=True)
    if isinstance(run, HttpResponse):
        return run
    if run.status != RunStatus.MAPPING:
        return problem(409, "Conflict", "This import was already started.")
    queue_run(run)
    run.refresh_from_db(fields=["status", "queued_at"])
    return Status(202, _shown(run))


@router.delete(
    "/imports/{run_id}",
    response={204: None, **problems(400, 403, 404, 409)},
    summary="Discard an upload never started",
)
def import_discard(request, run_id: int):
    """Drop an upload that was never started, and its file."""
    run = _run_for(request, run_id, change=True)
    if isinstance(run, HttpResponse):
        return run
    if not discard_run(run):
        return problem(409, "Conflict", "This import was already started; it cannot be discarded.")
    return Status(204, None)


@router.get(
    "/imports/{run_id}", response={200: RunOut, **problems(400, 403, 404)}, summary="One import"
)
def import_detail(request, run_id: int):
    """An import's status (``mapping``: uploaded, not started; ``queued``, ``running``,
    ``done``, ``failed``: stopped by an error, in ``error``), its progress and its counts."""
    run = _run_for(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    return _shown(run)


@router.get(
    "/imports/{run_id}/rows",
    response={200: RowPage, **problems(400, 403, 404)},
    summary="What became of each row",
)
def import_rows(request, run_id: int, outcome: str = "", cursor: str = "", limit: int = 50):
    """The rows of an import that ran, in file order, each with its outcome (``created``,
    ``updated``, ``unchanged``, ``skipped``, ``failed``; ``outcome`` filters), its use case and
    its notes (column, value, why); ``limit`` a page (at most 200), ``next_cursor`` the next."""
    run = _run_for(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    if outcome and outcome not in Outcome.values:
        return problem(
            400,
            "Bad request",
            f"outcome is one of {', '.join(Outcome.values)}.",
            errors={"outcome": "unknown"},
        )
    rows = run.rows.select_related("usecase").only(
        "run", "number", "outcome", "key", "title", "issues", "usecase__number"
    )
    if outcome:
        rows = rows.filter(outcome=outcome)
    paged = cursor_page(rows.order_by("number"), cursor=cursor, limit=limit, sort="import rows")
    if isinstance(paged, HttpResponse):
        return paged
    page, next_cursor = paged
    return {"items": page, "next_cursor": next_cursor}
