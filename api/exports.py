"""Exports through the API: the use-case list, filtered as ``GET /api/v1/usecases`` is, as a file in
each format the export page offers, the same file the page sends (``exports.responses``)."""

from ninja import Router

from api.document import named_one_of
from api.errors import problem, problems
from exports import exporting
from exports.list_links import LABELS
from exports.permissions import can_export
from exports.responses import REFUSED_HEADER, export_response

router = Router(tags=["exports"])

_TEXT = {"schema": {"type": "string"}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_ANSWER = {
    "200": {
        "description": (
            "The file, as an attachment (Content-Disposition names it). A standard's is a ZIP of "
            f"its file and refused.csv, with the number refused in {REFUSED_HEADER}."
        ),
        "headers": {
            "Content-Disposition": _TEXT,
            REFUSED_HEADER: {"description": "Use cases the standard refused.", **_TEXT},
        },
        "content": {
            "text/csv": _TEXT,
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            exporting.XLSX.content_type: _BINARY,
            "application/zip": _BINARY,
        },
    }
}


@router.get(
    "/exports/{format}",
    response=problems(400, 403, 404),
    summary="Export the use cases",
    description=(
        "The use cases ``GET /usecases`` lists for the same query parameters (``q``, ``status``, "
        "``team``, ...), in the list's order, as a file: "
        + ", ".join(f"``{name}`` ({label})" for name, label in LABELS.items())
        + ". A filter not understood exports nothing (400, naming it)."
    ),
    openapi_extra={"responses": FILE_ANSWER},
)
def usecase_export(request, format: named_one_of(exporting.FORMATS)):  # another: 404 problem
    if format not in exporting.FORMATS:
        known = ", ".join(exporting.FORMATS)
        return problem(404, "Not found", f"No export format “{format}”; there are {known}.")
    if not can_export(request.user):
        return problem(403, "Forbidden", "You may not export use cases.")
    try:
        usecases = exporting.filtered_usecases(request.GET)
    except exporting.InvalidFilter as refused:
        return problem(
            400, "Bad request", "Some filters were not understood.", errors=refused.errors
        )
    return export_response(format, exporting.records_for(format, usecases))
