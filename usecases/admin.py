from django.contrib import admin

from usecases.models import UseCase, UseCaseEvent


class UseCaseEventInline(admin.TabularInline):
    model = UseCaseEvent
    fields = ["created_at", "kind", "actor", "version", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(UseCase)
class UseCaseAdmin(admin.ModelAdmin):
    """Read-only: use cases change through the registry's own pages, where every edit is
    version-checked and recorded. The admin is for looking things up."""

    list_display = ["key", "title", "status", "team", "owner", "updated_at"]
    list_filter = ["status", "source", "team"]
    search_fields = ["title", "who", "problem", "external_ref"]
    list_select_related = ["team", "owner"]
    inlines = [UseCaseEventInline]

    @admin.display(description="key", ordering="number")
    def key(self, obj):
        return obj.key

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
