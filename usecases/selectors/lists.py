"""The use-case list, its search and owner choices, and the detail page's use case: one
queryset per page, related data fetched up front."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q

from portfolio.models import Product, StrategicGoal
from usecases.models import UseCase, parse_key
from usecases.search import search_condition

User = get_user_model()


def usecase_list_queryset():
    return UseCase.objects.with_list_data().defer(
        "people_change",
        "process_change",
        "technology_change",
        "business_intent",
        "success_signal",
        "search_vector",
    )


def search_usecases(queryset, text: str):
    """Search over title, who and problem (``usecases.search``: word prefixes, and words inside
    tokens); a key such as ``UC-1042`` also matches. One condition, so each part uses its index."""
    text = (text or "").strip()
    if not text:
        return queryset
    number = parse_key(text)
    condition = search_condition(text)
    if number is not None:
        condition = Q(number=number) if condition is None else condition | Q(number=number)
    return queryset if condition is None else queryset.filter(condition)


def usecase_detail(key: str, *, with_links: bool = True) -> UseCase:
    """The use case with its team and people, and its products and goals unless a panel that
    shows none of them asks (``with_links=False``: two queries fewer)."""
    usecases = UseCase.objects.by_key(key).select_related("team", "owner", "author")
    if with_links:
        usecases = usecases.prefetch_related(
            Prefetch("products", queryset=Product.objects.select_related("team")),
            Prefetch("goals", queryset=StrategicGoal.objects.select_related("parent")),
        )
    return usecases.get()


def owner_choices():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
