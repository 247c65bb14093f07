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
    team, each goal with its parent, as ``prefetch_related`` would hold them) unless a panel that
    shows none of them asks (``with_links=False``). Every page of a use case reads it: each query
    is compiled once per process (``compiled``), and the three go to the server together
    (``read_ahead``: the links are found by the use case's number, not waiting for its id)."""
    number = parse_key(key)
    if number is None:
        raise UseCase.DoesNotExist(f"No use case {key}.")
    links = _LINKS if with_links else {}
    with read_ahead(usecase_detail_statements(key, with_links=with_links)):
        found = compiled_instances(_usecase_query, number)
        if not found:
            raise UseCase.DoesNotExist(f"No use case {key}.")
        usecase = found[0]
        hold_links(usecase, key=number, **links)
    return usecase


def usecase_detail_statements(key: str, *, with_links: bool = True) -> list:
    """What ``usecase_detail`` reads (nothing for a key no use case can have), for a page that
    reads it ahead with its own reads (``read_ahead``)."""
    number = parse_key(key)
    if number is None:
        return []
    builds = (_usecase_query, *(_LINKS.values() if with_links else ()))
    return [statement(build, number) for build in builds]


def _usecase_query(number: int, limit: None):
    return UseCase.objects.filter(number=number).select_related("team", "owner", "author")


def _products_query(number: int, limit: None):
    return Product.objects.filter(usecases__number=number).select_related("team")


def _goals_query(number: int, limit: None):
    return StrategicGoal.objects.filter(usecases__number=number).select_related("parent")


# The use case's links the detail page shows, each read by the use case's number.
_LINKS = {"products": _products_query, "goals": _goals_query}


def owner_choices():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
