from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports"

    def ready(self):
        from exports import list_links  # noqa: F401  (registers the use-case list's export links)
