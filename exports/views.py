"""The download: the use-case list, as filtered, in one format (``exports.responses``)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exports import exporting
from exports.permissions import can_export
from exports.responses import export_response


@require_GET
def usecase_export(request, format):
    if format not in exporting.FORMATS:
        raise Http404(f"No export format “{format}”.")
    if not can_export(request.user):
        raise PermissionDenied
    try:
        usecases = exporting.filtered_usecases(request.GET)
    except exporting.InvalidFilter as error:
        context = {"problems": error.problems, "query": request.GET.urlencode()}
        return render(request, "exports/export_refused.html", context, status=400)
    return export_response(format, exporting.records_for(format, usecases))
