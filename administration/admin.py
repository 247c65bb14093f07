from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html

from administration.selectors import held_by, join_words
from administration.services import goals, people, teams
from core.people import person_name
from portfolio.choices import ADMINS_GROUP
from portfolio.models import Membership, Product, StrategicGoal, Team
from portfolio.selectors import sits_under_itself


class ChangedOnRegistryPages:
    """Read-only here for members of the Admins group: the registry's own pages change these rows
    through services that check its rules (a team keeps a lead, nobody edits a superuser, who
    holds something leaves through the guided handover) and record each change; a write here
    would skip all of that. A superuser keeps the whole admin, for repairs.

    ``registry_url(obj)`` names the row's page in the registry, shown on its admin page."""

    def registry_url(self, obj) -> str | None:
        return None

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not request.user.is_superuser and request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            url = obj is not None and self.registry_url(obj)
            if url:
                self.message_user(
                    request,
                    format_html('Change this on <a href="{}">its page in the registry</a>.', url),
                    messages.INFO,
                )
        return super().change_view(request, object_id, form_url, extra_context)


class MembershipInline(ChangedOnRegistryPages, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class ArchiveInsteadOfDelete:
    """Deleting would silently drop every use case's link to the row; archive it instead."""

    def has_delete_permission(self, request, obj=None):
        return False


class NeverUnderItself:
    """A goal's or team's form: its ``parent`` is never the row itself or one beneath it, as the
    services refuse (``refusal`` says so)."""

    refusal = ""

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if sits_under_itself(self.instance, parent):
            raise forms.ValidationError(self.refusal)
        return parent


class TeamAdminForm(NeverUnderItself, forms.ModelForm):
    refusal = teams.SITS_UNDER_ITSELF

    class Meta:
        model = Team
        fields = ["name", "slug", "kind", "parent", "description", "is_archived"]


@admin.register(Team)
class TeamAdmin(ArchiveInsteadOfDelete, ChangedOnRegistryPages, admin.ModelAdmin):
    form = TeamAdminForm
    list_display = ["name", "parent", "kind", "is_archived"]
    list_filter = ["kind", "is_archived"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def registry_url(self, obj):
        return reverse("administration:team_edit", args=[obj.slug])


@admin.register(Product)
class ProductAdmin(ArchiveInsteadOfDelete, ChangedOnRegistryPages, admin.ModelAdmin):
    list_display = ["name", "team", "manager", "lifecycle", "is_archived"]
    list_filter = ["lifecycle", "is_archived", "team"]
    search_fields = ["name", "vision"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["team", "manager"]
    autocomplete_fields = ["manager"]

    def registry_url(self, obj):
        return reverse("administration:product_edit", args=[obj.slug])


class StrategicGoalForm(NeverUnderItself, forms.ModelForm):
    refusal = goals.SITS_UNDER_ITSELF

    class Meta:
        model = StrategicGoal
        fields = ["title", "description", "owner", "parent", "period", "status"]


@admin.register(StrategicGoal)
class StrategicGoalAdmin(ChangedOnRegistryPages, admin.ModelAdmin):
    form = StrategicGoalForm
    list_display = ["title", "parent", "owner", "period", "status"]
    list_filter = ["status", "period"]
    search_fields = ["title", "description"]
    list_select_related = ["parent", "owner"]
    autocomplete_fields = ["owner", "parent"]

    def registry_url(self, obj):
        return reverse("administration:goal_edit", args=[obj.pk])

    def has_delete_permission(self, request, obj=None):
        return False  # set the status to "dropped" instead; use cases keep their link


User = get_user_model()
admin.site.unregister(User)


class PersonChangeGuard:
    """The Django admin's person form, kept to the rules of the registry's own pages: nobody
    deactivates themselves or takes themselves out of the Admins group, and a person who still
    holds something is deactivated only through the guided handover."""

    actor = None  # the signed-in admin; set by ``PeopleAdmin.get_form``

    def clean(self):
        cleaned = super().clean()
        person = self.instance
        if person.pk is None:
            return cleaned
        own = person.pk == self.actor.pk
        if "is_active" in self.changed_data and not cleaned.get("is_active", True):
            if own:
                raise forms.ValidationError("You cannot deactivate your own account.")
            held = held_by(person)
            if held:
                raise forms.ValidationError(
                    format_html(
                        "{} still {}, so they cannot be deactivated here. Use the "
                        '<a href="{}">guided deactivation</a>, which hands all of it over in '
                        "one step.",
                        person_name(person),
                        join_words(held),
                        reverse("administration:person_deactivate", args=[person.pk]),
                    )
                )
        groups = cleaned.get("groups")
        if (
            own
            and "groups" in self.changed_data
            and groups is not None
            and person.groups.filter(name=ADMINS_GROUP).exists()
            and not any(group.name == ADMINS_GROUP for group in groups)
        ):
            raise forms.ValidationError(
                "You cannot take yourself out of the Admins group; another admin can."
            )
        return cleaned


@admin.register(User)
class PeopleAdmin(ChangedOnRegistryPages, UserAdmin):
    """People, read-only for admins (their page in the registry edits them, sends a set-password
    link, deactivates and reactivates): nobody in the Admins group sets a password for someone
    else or grants superuser rights. A superuser may; deactivating or reactivating someone here
    then goes through the same services as the registry's pages (an ``AdminEvent`` each), and
    someone who still holds anything is refused and sent to the guided deactivation.
    """

    def registry_url(self, obj):
        return reverse("administration:person_edit", args=[obj.pk])

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate people instead; their use cases keep their history

    def get_fieldsets(self, request, obj=None):
        """Without the password row (its "Reset password" button) for anyone who may not use it."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (PersonChangeGuard, form), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        toggled = change and "is_active" in form.changed_data
        if not toggled:
            return super().save_model(request, obj, form, change)
        active = obj.is_active
        obj.is_active = not active  # the service makes the change, with its lock and its event
        super().save_model(request, obj, form, change)
        if active:
            people.person_reactivate(user=obj, actor=request.user)
        else:
            people.person_account_deactivate(
                user=obj, actor=request.user, reason="In the Django admin; they held nothing."
            )
        obj.is_active = active


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The Admins and Reviewers groups are the registry's roles, found by name: renaming one, or
    changing what it grants, would silently take the role from everyone in it. Admins see the
    groups here; who is in them is set on each person's page in the registry. Only a superuser
    changes groups."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AccessAttempt)
class SignInLockAdmin(AccessAttemptAdmin):
    """Wrong passwords counted per username and address (config/logins.py); a row at the limit is
    a lock. Admins lift a lock by deleting its row: the count starts again."""

    list_display = ["username", "ip_address", "failures_since_start", "status", "attempt_time"]
    actions = ["lift_locks"]

    def has_change_permission(self, request, obj=None):
        return False  # nothing here to edit: a lock is lifted, never altered

    @admin.action(
        description="Lift the lock (forget these wrong passwords)", permissions=["delete"]
    )
    def lift_locks(self, request, queryset):
        lifted = [f"{attempt.username} from {attempt.ip_address}" for attempt in queryset]
        self.log_deletions(request, queryset)
        queryset.delete()
        self.message_user(
            request,
            f"Lifted: {join_words(lifted)}. They can sign in again."
            if lifted
            else "Nothing lifted.",
            messages.SUCCESS,
        )
