"""Choosing a person, team, product or goal when there are thousands: what each kind is searched
by, how it is ranked, how a typed name is read without JavaScript, and which rows each chooser
offers (its scope).

A page carries at most ``SHOWN`` options per chooser (and the chosen ones); past that it offers a
search box, answered by ``usecases.views.choosers`` ``FOUND`` rows at a time. So a page weighs
the same with 30 people or 30,000.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from core.queries import any_of
from portfolio.models import Product, StrategicGoal, Team
from usecases.permissions import bulk_assign_team_ids, can_manage_recorders, creatable_team_ids

User = get_user_model()

# Options a page carries in one chooser before it offers a search instead of the rest.
SHOWN = 40
# Options one search answers with.
FOUND = 20
# Words of a search that count (the rest are ignored), and the longest word read.
MAX_WORDS, MAX_WORD = 5, 60

# "Name (username)", as a chooser labels a person, is read as the key in brackets.
_LABELLED = re.compile(r"\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class Kind:
    """What a chooser chooses: ``text`` the fields a search looks in, ``key`` the field a person
    may type exactly (a username, a slug), ``order`` the order among equally good matches."""

    name: str
    one: str
    search_help: str
    text: tuple[str, ...]
    key: str
    order: tuple[str, ...]
    # The values a form posts (the field's ``to_field_name``, or the pk).
    values: tuple[str, ...]


KINDS = {
    "people": Kind(
        name="people",
        one="person",
        search_help="Search people",
        text=("username", "first_name", "last_name"),
        key="username",
        order=("first_name", "last_name", "username"),
        values=("pk", "username"),
    ),
    "teams": Kind(
        name="teams",
        one="team",
        search_help="Search teams",
        text=("name", "slug"),
        key="slug",
        order=("name",),
        values=("pk", "slug"),
    ),
    "products": Kind(
        name="products",
        one="product",
        search_help="Search products",
        text=("name", "slug"),
        key="slug",
        order=("name",),
        values=("pk", "slug"),
    ),
    "goals": Kind(
        name="goals",
        one="goal",
        search_help="Search goals",
        text=("title",),
        key="title",
        order=("title",),
        values=("pk",),
    ),
}


def _active_people(user, params):
    return User.objects.filter(is_active=True)


def _recorders(user, params):
    """The people who keeps use case ``params["usecase"]``'s evidence (its key) may allow to
    record its measurements, as ``MeasurementRecordersForm`` takes them. Only the person who may
    choose them searches them."""
    # Imported here: the selectors import this module (``SHOWN``).
    from usecases.models import UseCase
    from usecases.selectors import usecase_detail

    try:
        usecase = usecase_detail(params.get("usecase", ""), with_links=False)
    except UseCase.DoesNotExist:
        raise Http404("No such use case.") from None
    if not can_manage_recorders(user, usecase):
        raise PermissionDenied
    return recorder_candidates(usecase.team_id, usecase.evidence_keeper_id)


def recorder_candidates(team_id: int, keeper_id: int | None) -> QuerySet:
    """Who may be allowed to record a use case's measurements: its team's active members but who
    keeps its evidence (the owner; while it is handed over, the outgoing owner,
    ``UseCase.evidence_keeper_id``), by name."""
    return (
        User.objects.filter(is_active=True, memberships__team_id=team_id)
        .exclude(pk=keeper_id)
        .order_by(*KINDS["people"].order)
    )


def _limited_teams(team_ids):
    teams = Team.objects.active()
    return teams if team_ids is None else teams.filter(pk__in=team_ids)


# What each chooser offers, by kind and scope name: the same rows the form's field validates
# against (the form still validates; a chooser only suggests). Called with the person searching
# and the search's parameters (a scope of one use case's reads which from them).
SCOPES = {
    "people": {"active": _active_people, "recorders": _recorders},
    "teams": {
        "all": lambda user, params: Team.objects.all(),
        "active": lambda user, params: Team.objects.active(),
        "creatable": lambda user, params: _limited_teams(creatable_team_ids(user)),
        "led": lambda user, params: _limited_teams(bulk_assign_team_ids(user)),
    },
    "products": {
        "all": lambda user, params: Product.objects.all(),
        "active": lambda user, params: Product.objects.active(),
    },
    "goals": {
        "all": lambda user, params: StrategicGoal.objects.all(),
        "active": lambda user, params: StrategicGoal.objects.active(),
    },
}


def chooser_order(queryset: QuerySet) -> list:
    """The order a chooser draws ``queryset``'s rows in: its own, the pk last to break ties (goals'
    titles may repeat), so its first rows are the same ones in a subquery and on the page."""
    return [*(queryset.query.order_by or queryset.model._meta.ordering or []), "pk"]


def first_and_chosen(queryset: QuerySet, chosen: QuerySet) -> QuerySet:
    """``queryset``'s first ``SHOWN`` rows and one more (so a chooser knows there are more), and
    its rows ``chosen`` selects, in the chooser's order: the two each read by its own index (an
    OR of them would read the whole table). The order is total, so a chosen row past the first
    ones sorts after all of them."""
    order = chooser_order(queryset)
    first_pks = queryset.order_by(*order).values("pk")[: SHOWN + 1]
    chosen_pks = chosen.order_by().values("pk")
    return queryset.filter(any_of("pk", first_pks.union(chosen_pks, all=True))).order_by(*order)


@functools.cache
def first_rows(rows: Callable[[], QuerySet]) -> Callable[[None], QuerySet]:
    """How a chooser whose field offers ``rows()`` reads its first rows when nothing past them
    is chosen (``first=``): ``rows()``'s first ``SHOWN`` and one more in the chooser's order, by
    SQL compiled once per process (``core.compiled``), not built again on each page that carries
    it. One for each ``rows``: choosers of the same rows read them once a page, within
    ``core.compiled.shared_reads``."""

    def first(limit: None) -> QuerySet:
        queryset = rows()
        return queryset.order_by(*chooser_order(queryset))[: SHOWN + 1]

    first.__name__ = f"first_of_{rows.__name__}"
    return first


def every(kind: Kind) -> QuerySet:
    """Every row of ``kind``: where the chosen ones are read from, so a chooser keeps showing a
    current value its scope no longer offers (an archived team, a deactivated owner)."""
    model = {"people": User, "teams": Team, "products": Product, "goals": StrategicGoal}
    return model[kind.name]._default_manager.all()


def keys_only(model, key: str, values: list[str]) -> list[str]:
    """The ``values`` that can be ``key``s of ``model`` (a pk must be a number): anything else
    posted names no row and must not reach a query as a filter."""
    field = model._meta.pk if key == "pk" else model._meta.get_field(key)
    kept = []
    for value in values:
        try:
            field.to_python(value)
        except ValidationError:
            continue
        kept.append(value)
    return kept


def words(text: str) -> list[str]:
    return [word[:MAX_WORD] for word in (text or "").split()[:MAX_WORDS]]


def search(kind: Kind, queryset: QuerySet, text: str) -> QuerySet:
    """The rows of ``queryset`` holding every word of ``text`` in one of the kind's fields, best
    first: the exact key, then a field starting with the first word, then the rest by name."""
    found = words(text)
    if not found:
        return queryset.order_by(*kind.order)
    for word in found:
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{field}__icontains": word}) for field in kind.text))
        )
    starts = reduce(or_, (Q(**{f"{field}__istartswith": found[0]}) for field in kind.text))
    rank = Case(
        When(Q(**{f"{kind.key}__iexact": " ".join(found)}), then=Value(0)),
        When(starts, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return queryset.annotate(chooser_rank=rank).order_by("chooser_rank", *kind.order)


def find_typed(kind: Kind, queryset: QuerySet, text: str) -> list:
    """What a person typed into a chooser's box without JavaScript: a key ("owen"), a label
    ("Owen Owner (owen)") or words of a name. At most two rows, so more than one match is told
    apart from one."""
    text = text.strip()
    labelled = _LABELLED.search(text)
    exact = text if labelled is None else labelled.group(1).strip()
    matches = list(queryset.filter(**{f"{kind.key}__iexact": exact})[:2])
    if not matches:
        matches = list(queryset.filter(_whole_name(kind, text))[:2])
    return matches or list(search(kind, queryset, text)[:2])


def _whole_name(kind: Kind, text: str) -> Q:
    """The condition for ``text`` being a row's whole name: "first last" for a person, the name or
    title otherwise (so "Claims Portal" is not taken for "Claims Portal Archive" too)."""
    if kind.name != "people":
        return Q(**{f"{kind.text[0]}__iexact": text})
    first, _, last = text.partition(" ")
    return Q(first_name__iexact=first, last_name__iexact=last.strip())


def typed_error(kind: Kind, text: str, matches: list) -> str:
    """The message for typed text that names nobody, or more than one."""
    if not matches:
        return f"No {kind.one} here matches “{text}”: check the spelling, or choose from the list."
    what = {"people": "their username", "goals": "the whole title"}.get(kind.name, "the name")
    return f"“{text}” matches more than one {kind.one}: type {what}, or choose from the list."
