from django.contrib.admin.apps import AdminConfig


class RegistryAdminConfig(AdminConfig):
    """The Django admin, opened to the "Admins" group rather than to a staff flag."""

    default_site = "config.admin.RegistryAdminSite"
