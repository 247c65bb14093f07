from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bringing an existing register in. This first part reads an uploaded file (CSV, XLSX or
    JSON) into records of source column and text; mapping, preview and the run come next. It may
    stand on usecases, portfolio and core; nothing of the registry imports it."""

    name = "imports"
    verbose_name = "Imports"
