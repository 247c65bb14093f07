from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app stands on: the audit entry point, background tasks, htmx helpers and how a
    person is named. It imports no other app of the registry."""

    name = "core"
    verbose_name = "Core"
