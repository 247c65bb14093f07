from django.contrib import admin

from portfolio.permissions import is_admin


class RegistryAdminSite(admin.AdminSite):
    site_header = "Use-case registry administration"
    site_title = "Registry admin"
    index_title = "Registry data"

    def has_permission(self, request):
        return is_admin(request.user)
