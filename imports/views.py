"""The import pages: upload -> mapping -> preview -> run (a background task, its progress bar
updating in place) -> result, with the failures as a CSV. Every page works without JavaScript;
htmx only refreshes the progress."""

from __future__ import annotations

import csv
from itertools import islice
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.cells import neutralised
from imports import permissions
from imports.forms import MappingForm, UploadForm, mapping_form
from imports.mapping import Mapping
from imports.models import ImportRun, Outcome, RunStatus, SavedMapping
from imports.preview import build_preview, shown_fields, shown_value
from imports.reading import ReadError
from imports.running import open_run_file
from imports.runs import discard_run, mapping_save, queue_run, suggested_mapping

ROWS_PER_PAGE = 100
SAMPLE_ROWS = 20  # rows read for each column's example value


def _run_for(request, pk: int, *, change: bool = False) -> ImportRun:
    runs = ImportRun.objects.select_related("team", "created_by").defer("file_data")
    run = get_object_or_404(runs, pk=pk)
    allowed = permissions.can_change_run if change else permissions.can_view_run
    if not allowed(request.user, run):
        raise PermissionDenied
    return run


@require_http_methods(["GET", "POST"])
def import_start(request):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        run = form.new_run(request.user)
        return redirect("imports:run_mapping", run.pk)
    runs = ImportRun.objects.select_related("team", "created_by").defer("file_data")
    if not permissions.sees_every_run(request.user):
        runs = runs.filter(created_by=request.user)
    status = 400 if form.errors else 200
    return render(
        request, "imports/import_start.html", {"form": form, "runs": runs[:20]}, status=status
    )


def _mapping_form(request, run: ImportRun, mapping: Mapping, data=None) -> MappingForm:
    register = open_run_file(run)
    samples = {}
    for record in islice(register.records(), SAMPLE_ROWS):
        for column, text in record.items():
            if text:
                samples.setdefault(column, text)
    return mapping_form(
        run, mapping, user=request.user, data=data, register=register, samples=samples
    )


def _starting_mapping(request, run: ImportRun) -> Mapping:
    saved = request.GET.get("saved")
    if saved:
        chosen = SavedMapping.objects.filter(pk=saved).first() if saved.isdigit() else None
        if chosen is not None:
            return Mapping.from_json(chosen.mapping)
    if run.mapping:
        return Mapping.from_json(run.mapping)
    return suggested_mapping(open_run_file(run))


@require_http_methods(["GET", "POST"])
def run_mapping(request, pk: int):
    run = _run_for(request, pk, change=True)
    if run.status != RunStatus.MAPPING:
        return redirect(run)
    try:
        if request.method == "POST":
            form = _mapping_form(request, run, Mapping.from_json(run.mapping), request.POST)
            if form.is_valid():
                mapping = form.mapped()
                with transaction.atomic():
                    ImportRun.objects.filter(pk=run.pk).update(mapping=mapping.to_json())
                    if form.cleaned_data["save_as"]:
                        mapping_save(form.cleaned_data["save_as"], mapping, request.user)
                        messages.success(
                            request, f"Mapping saved as “{form.cleaned_data['save_as']}”."
                        )
                if "refresh" in request.POST:
                    return redirect("imports:run_mapping", run.pk)
                return redirect("imports:run_preview", run.pk)
        else:
            mapping = _starting_mapping(request, run)
            form = _mapping_form(request, run, mapping)
    except ReadError as error:
        return _unreadable(request, run, error)
    context = {
        "run": run,
        "form": form,
        "saved_mappings": SavedMapping.objects.only("pk", "name", "format"),
        "known": run.format,
    }
    return render(request, "imports/run_mapping.html", context, status=400 if form.errors else 200)


def _unreadable(request, run: ImportRun, error: ReadError):
    """The stored file no longer reads (read by a newer reader, or a fault the upload missed)."""
    return render(request, "imports/run_unreadable.html", {"run": run, "error": error}, status=400)


@require_http_methods(["GET", "POST"])
def run_preview(request, pk: int):
    run = _run_for(request, pk, change=True)
    if run.status != RunStatus.MAPPING:
        return redirect(run)
    if not run.mapping:
        return redirect("imports:run_mapping", run.pk)
    if request.method == "POST":
        queue_run(run)
        messages.success(request, f"The import of {run.file_name} is under way.")
        return redirect(run)
    mapping = Mapping.from_json(run.mapping)
    try:
        preview = build_preview(run, mapping)
    except ReadError as error:
        return _unreadable(request, run, error)
    fields = shown_fields(mapping)
    rows = [
        (
            item,
            _team_shown(item),
            [(label, shown_value(name, item.row.data.get(name))) for name, label in fields],
        )
        for item in preview.first
    ]
    context = {"run": run, "preview": preview, "fields": fields, "rows": rows}
    return render(request, "imports/run_preview.html", context)


def _team_shown(item) -> str:
    """The team a previewed row goes into, or the names to be created for it."""
    if item.data.get("team") is not None:
        return str(item.data["team"])
    names = [item.row.names.get(n) for n in ("unit", "team") if item.row.names.get(n)]
    return f"{' › '.join(names)} (to be created)" if names else ""


@require_GET
def run_detail(request, pk: int):
    run = _run_for(request, pk)
    if request.htmx and "progress" in request.GET:
        if run.finished:
            return HttpResponseClientRefresh()  # the page shows the result in full
        return render(request, "imports/run_detail.html#progress", {"run": run})
    outcome = request.GET.get("outcome", "")
    if outcome and outcome not in Outcome.values:
        return HttpResponseBadRequest("Unknown outcome.")
    rows = run.rows.select_related("usecase").only(
        "run", "number", "outcome", "key", "title", "issues", "usecase__number", "usecase__title"
    )
    if outcome:
        rows = rows.filter(outcome=outcome)
    page = Paginator(rows.order_by("number"), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "page": page,
        "outcome": outcome,
        "outcomes": [(o.value, o.label, run.counts()[o.value]) for o in Outcome],
        "querystring": urlencode({"outcome": outcome}) if outcome else "",
    }
    return render(request, "imports/run_detail.html", context)


@require_GET
def run_failures(request, pk: int):
    """The rows that failed or were skipped, one line per reason, as CSV (UTF-8 with a BOM so
    spreadsheet programs open it)."""
    run = _run_for(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-failures.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["row", "outcome", "key", "title", "column", "value", "why"])
    rows = run.rows.filter(outcome__in=[Outcome.FAILED, Outcome.SKIPPED]).order_by("number")
    for row in rows.iterator(chunk_size=500):
        for issue in row.issues or [{"column": "", "value": "", "why": ""}]:
            if row.outcome == Outcome.FAILED and issue.get("kept_empty"):
                continue  # a note on a field kept empty; not why the row failed
            cells = [row.key, row.title, issue["column"], issue["value"], issue["why"]]
            writer.writerow([row.number, row.get_outcome_display(), *map(neutralised, cells)])
    return response


@require_POST
def run_discard(request, pk: int):
    """Drop a run that was never started (its file with it)."""
    run = _run_for(request, pk, change=True)
    if discard_run(run):
        messages.success(request, f"The upload of {run.file_name} was discarded.")
        return redirect("imports:import_start")
    messages.error(request, f"{run.file_name} was already started; it cannot be discarded.")
    return redirect(run)
