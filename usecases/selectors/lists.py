"""The use-case list, its search and owner choices, and the detail page's use case: one
queryset per page, related data fetched up front."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from core.compiled import compiled_instances, hold_links, read_ahead, statement
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
    """The use case with its team and people, and its products and goals (each product with its
    team, each goal with its parent, as ``prefetch_related`` would hold them; the two read
    together, ``hold_usecase_links``) unless a panel that shows none of them asks
    (``with_links=False``). Every page of a use case reads it: each query is compiled once per
    process (``compiled``)."""
    number = parse_key(key)
    found = compiled_instances(_usecase_query, number) if number is not None else []
    if not found:
        raise UseCase.DoesNotExist(f"No use case {key}.")
    usecase = found[0]
    if with_links:
        hold_usecase_links(usecase)
    return usecase


def usecase_detail_statements(key: str) -> list:
    """What ``usecase_detail`` reads of the use case itself (nothing for a key no use case can
    have), for a page that reads it ahead with reads of its own (``read_ahead``)."""
    number = parse_key(key)
    return [] if number is None else [statement(_usecase_query, number)]


def hold_usecase_links(usecase: UseCase) -> None:
    """Read the use case's products and goals, together, and hold them on it."""
    with read_ahead(usecase_links_statements(usecase)):
        hold_links(usecase, **_LINKS)


def usecase_links_statements(usecase: UseCase) -> list:
    """What ``hold_usecase_links`` reads, for ``read_ahead``."""
    return [statement(build, usecase.pk) for build in _LINKS.values()]


def _usecase_query(number: int, limit: None):
    return UseCase.objects.filter(number=number).select_related("team", "owner", "author")


def _products_query(usecase_pk: int, limit: None):
    return Product.objects.filter(usecases=usecase_pk).select_related("team")


def _goals_query(usecase_pk: int, limit: None):
    return StrategicGoal.objects.filter(usecases=usecase_pk).select_related("parent")


# The use case's links its page shows.
_LINKS = {"products": _products_query, "goals": _goals_query}


def owner_choices():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
