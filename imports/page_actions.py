"""The use-case list's "Import a register" button, for those who may import
(``usecases.panels.register_page_actions``)."""

from django.urls import reverse

from imports.permissions import can_import
from portfolio.panels import Action
from usecases import panels


def import_action(request) -> list[Action]:
    if not can_import(request.user):
        return []
    return [Action("Import a register", reverse("imports:import_start"))]


panels.register_page_actions(import_action)
