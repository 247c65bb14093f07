"""The light rows the dashboard's tables read of teams and products (plain values, not model
instances: hundreds on every dashboard), and the links each number on it makes: the detail page of
a team, product or goal, and the use-case list with the dashboard's filters and the number's own.
Thousands per page with hundreds of teams, so each path is reversed once and the query strings'
pairs encoded once."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode

from portfolio.choices import GoalStatus
from portfolio.models import Product, StrategicGoal, Team


class TeamItem(NamedTuple):
    """What the dashboard's tables read of a team: hundreds of them on every dashboard, read as
    plain values rather than a model instance each."""

    pk: int
    name: str
    slug: str
    parent_id: int | None
    is_archived: bool

    def get_absolute_url(self) -> str:
        return reverse("portfolio:team_detail", args=[self.slug])


class ProductItem(NamedTuple):
    """What the dashboard's tables read of a product: as ``TeamItem``."""

    pk: int
    name: str
    slug: str
    team_id: int
    is_archived: bool
    lifecycle: str

    def get_absolute_url(self) -> str:
        return reverse("portfolio:product_detail", args=[self.slug])


class GoalItem(NamedTuple):
    """What the goal tree and the evidence panel read of a goal: as ``TeamItem``. It is the goal
    its pk names, as a model instance is: equal to that goal's instance and hashed alike (a row's
    ``goal`` is found by the goal itself)."""

    pk: int
    title: str
    parent_id: int | None
    status: str

    def __eq__(self, other):
        if isinstance(other, GoalItem | StrategicGoal):
            return self.pk is not None and self.pk == other.pk  # unsaved: no goal to be
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.pk)  # as ``Model.__hash__``

    def get_status_display(self) -> str:
        return _GOAL_STATUSES.get(self.status, self.status)

    def get_absolute_url(self) -> str:
        return reverse("portfolio:goal_detail", args=[self.pk])


_GOAL_STATUSES = dict(GoalStatus.choices)

# The page of each kind of row the tables name: its URL name and the field the URL takes.
_DETAIL = {
    Team: ("portfolio:team_detail", "slug"),
    TeamItem: ("portfolio:team_detail", "slug"),
    Product: ("portfolio:product_detail", "slug"),
    ProductItem: ("portfolio:product_detail", "slug"),
    StrategicGoal: ("portfolio:goal_detail", "pk"),
    GoalItem: ("portfolio:goal_detail", "pk"),
}
_STAND_IN = "2147483647"
_PLAIN = re.compile(r"[-a-zA-Z0-9_]+\Z")


def detail_url(obj) -> str:
    """``obj.get_absolute_url()`` of a team, product or goal, reversed once per kind with a
    stand-in and each row's slug or pk put in its place: a table names hundreds of them. A value
    that is not a plain slug is reversed as the model does it."""
    name, attr = _DETAIL.get(type(obj), (None, None))
    value = str(getattr(obj, attr)) if attr else ""
    path = _path_with_stand_in(name, get_script_prefix()) if name else None
    if path is None or not _PLAIN.match(value):
        return obj.get_absolute_url()
    return path.replace(_STAND_IN, value)


@lru_cache(maxsize=8)
def _path_with_stand_in(name: str, prefix: str) -> str | None:
    path = reverse(name, args=[int(_STAND_IN)])
    return path if path.count(_STAND_IN) == 1 else None


def url_with_query(name: str, params: dict) -> str:
    """The URL named ``name`` with ``params`` as its query string. The dashboard builds one per
    number it shows (thousands with hundreds of teams): the path is reversed once per name."""
    url = _path(name, get_script_prefix())
    return f"{url}?{encode_query(params)}" if params else url


class QueryURL:
    """The URL named ``name`` with ``params``, and that URL narrowed by one more parameter (a
    cell's ``status``, ``show`` or ``evidence``): a row's own filters are encoded once, and each
    of its cells appends its parameter, written as ``urlencode`` writes the merged dict."""

    __slots__ = ("base", "joiner", "params")

    def __init__(self, name: str, params: dict) -> None:
        self.params = params
        self.base = url_with_query(name, params)
        self.joiner = "&" if params else "?"

    def __call__(self, **extra) -> str:
        if not extra:
            return self.base
        if len(extra) == 1:
            ((key, value),) = extra.items()
            if key not in self.params and isinstance(value, str):
                return f"{self.base}{self.joiner}{_encoded_pair(str(key), str(value))}"
        return f"{self.base.partition('?')[0]}?{encode_query({**self.params, **extra})}"


def encode_query(params: dict) -> str:
    """``urlencode(params)``, each text pair encoded once per process (the dashboard's pairs
    repeat: a few filter values, the status and evidence slugs); other values as ``urlencode``."""
    if all(isinstance(key, str) and isinstance(value, str) for key, value in params.items()):
        return "&".join([_encoded_pair(str(key), str(value)) for key, value in params.items()])
    return urlencode(params)


@lru_cache(maxsize=4096)
def _encoded_pair(key: str, value: str) -> str:
    return urlencode({key: value})


@lru_cache(maxsize=32)
def _path(name: str, prefix: str) -> str:
    return reverse(name)


@receiver(setting_changed)
def _forget_paths(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":  # a test's own URLs
        _path.cache_clear()
        _path_with_stand_in.cache_clear()
