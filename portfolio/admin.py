from django.contrib import admin

from portfolio.models import Membership, Product, StrategicGoal, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_archived"]
    list_filter = ["kind", "is_archived"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "manager", "lifecycle", "is_archived"]
    list_filter = ["lifecycle", "is_archived", "team"]
    search_fields = ["name", "vision"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["team", "manager"]
    autocomplete_fields = ["manager"]


@admin.register(StrategicGoal)
class StrategicGoalAdmin(admin.ModelAdmin):
    list_display = ["title", "parent", "owner", "period", "status"]
    list_filter = ["status", "period"]
    search_fields = ["title", "description"]
    list_select_related = ["parent", "owner"]
    autocomplete_fields = ["owner", "parent"]
