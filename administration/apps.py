from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "administration"
    verbose_name = "Administration"

    def ready(self):
        from administration import page_actions  # noqa: F401  (registers the portfolio buttons)
