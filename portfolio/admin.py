from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from portfolio.models import Membership, Product, StrategicGoal, Team
from portfolio.selectors import goal_descendant_ids


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class ArchiveInsteadOfDelete:
    """Deleting would silently drop every use case's link to the row; archive it instead."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(ArchiveInsteadOfDelete, admin.ModelAdmin):
    list_display = ["name", "kind", "is_archived"]
    list_filter = ["kind", "is_archived"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Product)
class ProductAdmin(ArchiveInsteadOfDelete, admin.ModelAdmin):
    list_display = ["name", "team", "manager", "lifecycle", "is_archived"]
    list_filter = ["lifecycle", "is_archived", "team"]
    search_fields = ["name", "vision"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["team", "manager"]
    autocomplete_fields = ["manager"]


class StrategicGoalForm(forms.ModelForm):
    class Meta:
        model = StrategicGoal
        fields = ["title", "description", "owner", "parent", "period", "status"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and parent.pk in goal_descendant_ids(self.instance):
            raise forms.ValidationError(
                "A goal cannot sit under itself or one of its own sub-goals."
            )
        return parent


@admin.register(StrategicGoal)
class StrategicGoalAdmin(admin.ModelAdmin):
    form = StrategicGoalForm
    list_display = ["title", "parent", "owner", "period", "status"]
    list_filter = ["status", "period"]
    search_fields = ["title", "description"]
    list_select_related = ["parent", "owner"]
    autocomplete_fields = ["owner", "parent"]

    def has_delete_permission(self, request, obj=None):
        return False  # set the status to "dropped" instead; use cases keep their link


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PeopleAdmin(UserAdmin):
    """Admins manage people, but only a superuser grants superuser rights or edits a superuser."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate people instead; their use cases keep their history
