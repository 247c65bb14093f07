from functools import partial

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone

from core.people import person_label
from portfolio.models import Product, StrategicGoal, Team
from portfolio.selectors import goal_descendant_ids, team_descendant_ids, unit_path_choices
from usecases.choices import (
    MEASURABLE_STATUSES,
    EvidenceArea,
    EvidenceStatus,
    LifecycleStage,
    Status,
)
from usecases.choosers.kinds import first_rows
from usecases.choosers.widgets import ChooserFieldMixin, ChooserSelect
from usecases.concerns import (
    CONCERN_CHOICES,
    NO_AREA,
    SCOPE_PARAMS,
    SUBUNITS_LEFT_OUT,
    concern_condition,
)
from usecases.custom_fields import lists as custom_lists
from usecases.custom_fields.values import active_fields
from usecases.models import UseCase, UseCaseQuerySet
from usecases.profiles import PROFILE_CHOICES, PROFILES
from usecases.search import search_rank, words_of
from usecases.selectors import owner_choices, search_usecases
from usecases.selectors.list_pages import count_capped

# The list's ``imported`` values.
IMPORTED, ENTERED = "yes", "no"


class ChooserFilterField(ChooserFieldMixin, django_filters.fields.ModelChoiceField):
    """A filter's team, product or goal by a chooser (``usecases.choosers.widgets``): the page
    carries a few, a search finds the rest."""


class ChooserFilter(django_filters.ModelChoiceFilter):
    field_class = ChooserFilterField


class PersonFilterField(ChooserFilterField):
    def label_from_instance(self, obj):
        return person_label(obj)


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    """Among the active people (``owner_choices()``), by a chooser that reads its first rows from
    the same function: no other queryset can be given it."""

    field_class = PersonFilterField

    def __init__(self, *args, **kwargs):
        if "queryset" in kwargs:
            raise TypeError("PersonChoiceFilter offers owner_choices(): give it no queryset")
        kwargs["queryset"] = owner_choices()
        kwargs.setdefault(
            "widget", ChooserSelect(kind="people", scope="active", first=first_rows(owner_choices))
        )
        super().__init__(*args, **kwargs)


def _products_by_name():
    return Product.objects.order_by("name")


def _goals_by_title():
    return StrategicGoal.objects.order_by("title")


class CheckboxFilter(django_filters.Filter):
    """A tick box: ticked sends "on", which a plain ``BooleanFilter`` would not read as true."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)


class UseCaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        widget=forms.SearchInput(attrs={"placeholder": "Title, who, problem or UC-number"}),
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    # Where it stands in practice (the dashboard's per-stage counts link here).
    stage = django_filters.ChoiceFilter(
        field_name="lifecycle_stage",
        label="Stage",
        choices=LifecycleStage.choices,
        empty_label="Any stage",
    )
    # A team is an organisation unit: by default its sub-units' use cases count as its own (the
    # dashboard's per-unit roll-ups link here), unless "This team only" is chosen.
    team = ChooserFilter(
        queryset=Team.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Any team",
        method="filter_team",
        widget=ChooserSelect(kind="teams", scope="all", value_key="slug"),
    )
    subunits = django_filters.ChoiceFilter(
        label="Sub-units",
        choices=[(SUBUNITS_LEFT_OUT, "This team only")],
        empty_label="Included",
        method="filter_nothing",
    )
    product = ChooserFilter(
        field_name="products",
        label="Product",
        queryset=_products_by_name(),
        to_field_name="slug",
        empty_label="Any product",
        widget=ChooserSelect(kind="products", scope="all", first=first_rows(_products_by_name)),
    )
    goal = ChooserFilter(
        field_name="goals",
        label="Goal",
        queryset=_goals_by_title(),
        empty_label="Any goal",
        method="filter_goal",
        widget=ChooserSelect(kind="goals", scope="all", first=first_rows(_goals_by_title)),
    )
    # With a goal: also the use cases serving any goal beneath it (the dashboard's goal roll-ups).
    subgoals = CheckboxFilter(label="Include sub-goals", method="filter_nothing")
    owner = PersonChoiceFilter(to_field_name="username", empty_label="Any owner")
    # "My work" links here for all of a person's drafts.
    author = PersonChoiceFilter(to_field_name="username", empty_label="Any author")
    # Read from an existing register (an import), or entered here.
    imported = django_filters.ChoiceFilter(
        label="Origin",
        choices=[(IMPORTED, "Imported from a register"), (ENTERED, "Entered here")],
        empty_label="Any origin",
        method="filter_imported",
    )
    # The dashboard's tiles link here: the same conditions count the tile and filter the list.
    show = django_filters.ChoiceFilter(
        label="Show only",
        choices=CONCERN_CHOICES,
        empty_label="All",
        method="filter_show",
    )
    # The dashboard's profile tiles link here: the use cases that still lack a field the standard
    # asks for, by the condition the tile counts with (``usecases.profiles``).
    not_reportable = django_filters.ChoiceFilter(
        label="Not reportable under",
        choices=PROFILE_CHOICES,
        empty_label="Any standard",
        method="filter_not_reportable",
    )
    # The dashboard's evidence panel links here: the success signal's status, counted (like the
    # panel) only while the metric is measured (awaiting sign-off or active).
    evidence = django_filters.ChoiceFilter(
        label="Evidence",
        choices=EvidenceStatus.choices,
        empty_label="Any evidence",
        method="filter_evidence",
    )
    evidence_area = django_filters.ChoiceFilter(
        label="Evidence area",
        choices=[*EvidenceArea.choices, (NO_AREA, "No area")],
        empty_label="Any area",
        method="filter_evidence_area",
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

    # Ordered by relevance to the search, or not for the number of matches (set on filtering).
    ranked = too_many_to_rank = False
    _counted: tuple[int, bool] | None = None  # ``capped_count``, where ranking counted already

    def __init__(self, *args, custom_fields: bool = True, **kwargs):
        """``custom_fields``: also filter, sort and show columns by the custom fields (the list
        does; the dashboard's scope does not)."""
        super().__init__(*args, **kwargs)
        # Before anything reads ``self.form``: the form is built once, from the filters there are.
        custom_lists.add_to_filterset(self, active_fields() if custom_fields else {})
        # Teams in the tree's order, each named with the units above it (Department › Agency):
        # the choices shown, read when the form is drawn (a page that draws none, or offers
        # the teams it has read, sends no query for them); the field still validates against its
        # queryset.
        team = self.form.fields["team"]
        team.widget.offered = partial(unit_path_choices, team.queryset, "slug")

    def filter_queryset(self, queryset):
        # Same sort key on many rows (a title, an edit time) must not shuffle rows between pages.
        filtered = super().filter_queryset(queryset)
        return filtered.order_by(*self._relevance(filtered), *filtered.query.order_by, "-number")

    def _relevance(self, filtered) -> list:
        """A search with no sort chosen lists the best matches first (``ranked``). Ranking reads
        every row found, so past ``USECASE_RANK_LIMIT`` matches (one capped count tells) they
        stay newest first, an index read that stops at the page (``too_many_to_rank``); the
        list, its exports and the API order alike. The same count is the list's count of a
        search (``capped_count``)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        if filtered.query.order_by or not cleaned.get("q"):
            return []
        rank = search_rank(cleaned["q"])
        if rank is None:
            return []
        limit, cap = settings.USECASE_RANK_LIMIT, settings.USECASE_SEARCH_COUNT_CAP
        count, more = count_capped(filtered, max(limit, cap))
        self._counted = (cap, True) if more or count > cap else (count, False)
        self.too_many_to_rank = more or count > limit
        self.ranked = not self.too_many_to_rank
        return [rank.desc()] if self.ranked else []

    def capped_count(self) -> tuple[int, bool]:
        """How many use cases the filters select: exact up to the cap, else ``(cap, True)``. A
        search's cap is ``USECASE_SEARCH_COUNT_CAP``: its matches are each read and checked
        against the words, and filtering a search with no sort chosen counts them already (for
        ``_relevance``); any other list's is ``USECASE_COUNT_CAP``."""
        usecases = self.qs  # filtering ranks a search, and counts it where it does
        if self._counted is None:
            searched = words_of(getattr(self.form, "cleaned_data", {}).get("q", ""))
            cap = settings.USECASE_SEARCH_COUNT_CAP if searched else settings.USECASE_COUNT_CAP
            self._counted = count_capped(usecases, cap)
        return self._counted

    def filter_search(self, queryset, name, value):
        return search_usecases(queryset, value)

    def filter_team(self, queryset, name, value):
        if self.form.cleaned_data.get("subunits") == SUBUNITS_LEFT_OUT:
            return queryset.filter(team=value)
        return queryset.filter(team_id__in=team_descendant_ids(value))

    def filter_goal(self, queryset, name, value):
        if not self.form.cleaned_data.get("subgoals"):
            return queryset.filter(goals=value)
        linked = UseCase.goals.through.objects.filter(
            strategicgoal_id__in=goal_descendant_ids(value)
        ).values("usecase_id")
        return queryset.filter(pk__in=linked)

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_goal and filter_team

    def filter_imported(self, queryset, name, value):
        imported = UseCaseQuerySet.imported_condition()
        return queryset.filter(imported if value == IMPORTED else ~imported)

    def filter_show(self, queryset, name, value):
        return queryset.filter(concern_condition(value, now=timezone.now()))

    def filter_not_reportable(self, queryset, name, value):
        return queryset.filter(PROFILES[value].not_reportable)

    def filter_evidence(self, queryset, name, value):
        return queryset.filter(status__in=MEASURABLE_STATUSES, evidence_status=value)

    def filter_evidence_area(self, queryset, name, value):
        return queryset.filter(evidence_area="" if value == NO_AREA else value)


class ScopeFilter(UseCaseFilter):
    """The list's own filters that scope the dashboard (``SCOPE_PARAMS``), and none of its others:
    a filter set copies each of its filters and form fields when it is made, on every dashboard,
    and the others would never be set."""


ScopeFilter.base_filters = {name: UseCaseFilter.base_filters[name] for name in SCOPE_PARAMS}


def scope_filter(data: dict) -> ScopeFilter:
    """The dashboard's filters (``usecases.dashboard.scope_data``), bound, read as the list reads
    them: the dashboard's pages and its API alike."""
    return ScopeFilter(data, queryset=UseCase.objects.all(), custom_fields=False)
