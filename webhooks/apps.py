from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks: admins register endpoints; what happens to a use case is POSTed to them, signed,
    by the task worker, never by the request that caused it. Stands beside the API; nothing of the
    registry imports it."""

    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from webhooks import events  # noqa: F401  (connects the receiver)
