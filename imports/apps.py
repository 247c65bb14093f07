from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bringing an existing register in: reading an uploaded file (CSV, XLSX or JSON), mapping its
    columns, previewing, and running the import as a background task. It may stand on usecases,
    portfolio and core; nothing of the registry imports it."""

    name = "imports"
    verbose_name = "Imports"

    def ready(self):
        from imports import page_actions  # noqa: F401  (registers the list's import button)
