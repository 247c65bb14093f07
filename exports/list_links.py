"""The use-case list's export links: each carries the list's query string, so a download holds
exactly the use cases shown (``usecases.panels.register_list_links``)."""

from django.urls import reverse

from exports.permissions import can_export
from exports.standards import STANDARDS
from portfolio.panels import Action
from usecases import panels
from usecases.profiles import PROFILES

LABELS = {
    "csv": "CSV",
    "xlsx": "XLSX",
    "json": "JSON",
    **{name: f"{PROFILES[key].short_name} (ZIP)" for name, key in STANDARDS.items()},
}


def export_links(request, querystring: str) -> list[Action]:
    if not can_export(request.user):
        return []
    query = f"?{querystring}" if querystring else ""
    return [
        Action(label, reverse("exports:usecase_export", args=[name]) + query)
        for name, label in LABELS.items()
    ]


panels.register_list_links(export_links)
