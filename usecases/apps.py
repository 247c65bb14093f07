from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _repair_link_sets(sender, apps, using, **kwargs):
    """After every migrate: links a data migration wrote before the link tables' triggers were
    installed still reach the use cases' id arrays. Skipped when migrated back to before them."""
    try:
        model = apps.get_model("usecases", "UseCase")
    except LookupError:
        return
    if any(field.name == "goal_ids" for field in model._meta.get_fields()):
        from usecases.models import repair_link_sets

        repair_link_sets(using=using)


def _install_profile_conditions(sender, apps, using, **kwargs):
    """After every migrate: the summary counts the use cases not reportable under the profiles
    loaded now (a changed profile file rebuilds the summary). Skipped before its migration."""
    from django.db import connections

    if "usecases_summaryprofile" not in connections[using].introspection.table_names():
        return
    from usecases.summary_profiles import install_profile_conditions

    install_profile_conditions(using=using)


class UsecasesConfig(AppConfig):
    name = "usecases"
    verbose_name = "Use cases"

    def ready(self):
        post_migrate.connect(_repair_link_sets, sender=self)
        post_migrate.connect(_install_profile_conditions, sender=self)
        from core import task_queue

        # panels registers the portfolio panels; the standards' profile files load (and are
        # checked) here at startup, so a bad file stops the application, naming it.
        from usecases import panels, profiles, tasks  # noqa: F401

        # The queue page shows a waiting e-mail's earlier failed attempts, kept on its notice.
        task_queue.WAITING_NOTES[tasks.send_notification_email.module_path] = (
            tasks.email_attempts_of
        )
