from django.contrib.auth.backends import ModelBackend

from portfolio.permissions import is_admin


class RegistryBackend(ModelBackend):
    """Django's model backend, plus every model permission for members of the Admins group.

    Admins manage the registry's reference data in the Django admin without being superusers.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if is_admin(user_obj):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if is_admin(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)
