from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API under /api/v1/ (django-ninja): typed schemas and endpoints over the same
    services and permission predicates as the pages. It stands on every other app; nothing of the
    registry imports it."""

    name = "api"
    verbose_name = "API"
