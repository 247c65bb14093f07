from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    name = "usecases"
    verbose_name = "Use cases"
