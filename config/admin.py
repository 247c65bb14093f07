from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from portfolio.permissions import is_admin


class RegistryAdminLoginForm(AdminAuthenticationForm):
    """Members of the Admins group sign in to the admin; the staff flag plays no part."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not is_admin(user):
            raise forms.ValidationError(
                "This account is not in the Admins group, so it cannot open the admin.",
                code="invalid_login",
            )


class RegistryAdminSite(admin.AdminSite):
    site_header = "Use-case registry administration"
    site_title = "Registry admin"
    index_title = "Registry data"
    login_form = RegistryAdminLoginForm

    def has_permission(self, request):
        return is_admin(request.user)
