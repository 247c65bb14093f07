import django_filters
from django import forms

from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import Status
from usecases.forms import person_label
from usecases.selectors import owner_choices, search_usecases


class PersonFilterField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PersonFilterField


class UseCaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        widget=forms.SearchInput(attrs={"placeholder": "Title, who, problem or UC-number"}),
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), to_field_name="slug", empty_label="Any team"
    )
    product = django_filters.ModelChoiceFilter(
        field_name="products",
        label="Product",
        queryset=Product.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Any product",
    )
    goal = django_filters.ModelChoiceFilter(
        field_name="goals",
        label="Goal",
        queryset=StrategicGoal.objects.order_by("title"),
        empty_label="Any goal",
    )
    owner = PersonChoiceFilter(
        queryset=owner_choices(), to_field_name="username", empty_label="Any owner"
    )
    sort = django_filters.OrderingFilter(
        label="Sort",
        fields=(("number", "number"), ("title", "title"), ("updated_at", "updated")),
        field_labels={
            "number": "Oldest first",
            "-number": "Newest first",
            "title": "Title A–Z",
            "-title": "Title Z–A",
            "-updated": "Recently edited",
            "updated": "Least recently edited",
        },
        empty_label="Newest first",
    )

    def filter_queryset(self, queryset):
        # Same sort key on many rows (a title, an edit time) must not shuffle rows between pages.
        filtered = super().filter_queryset(queryset)
        return filtered.order_by(*filtered.query.order_by, "-number")

    def filter_search(self, queryset, name, value):
        return search_usecases(queryset, value)
