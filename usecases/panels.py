"""What the portfolio's team, product and goal pages show about use cases: the newest that point
there and a link to the full, filtered list (``portfolio.panels``)."""

from __future__ import annotations

from django.template.loader import render_to_string

from portfolio import panels
from portfolio.panels import Action
from portfolio.selectors import team_descendant_ids
from usecases.models import UseCase

# How many use cases a team, product or goal page lists before linking to the full, filtered list.
USECASE_PREVIEW = 50


def usecases_section(request, related_manager, filter_query: str) -> str:
    """The newest use cases behind a reverse relation, with what their rows show."""
    usecases = related_manager.select_related("owner", "team").order_by("-number")
    context = {
        "usecases": list(usecases[:USECASE_PREVIEW]),
        "usecase_count": related_manager.count(),
        "filter_query": filter_query,
    }
    return render_to_string("usecases/panels/usecases_section.html", context, request=request)


def team_usecases(request, team) -> str:
    """A unit's use cases and its sub-units', as the list's team filter selects them (no query
    for the units beneath a team without sub-units: its children are loaded with it)."""
    usecases = team.usecases.all()
    if team.children.all():
        usecases = UseCase.objects.filter(team_id__in=team_descendant_ids(team))
    return usecases_section(request, usecases, f"team={team.slug}")


panels.register("team_detail", team_usecases)
panels.register(
    "product_detail",
    lambda request, product: usecases_section(request, product.usecases, f"product={product.slug}"),
)
panels.register(
    "goal_detail", lambda request, goal: usecases_section(request, goal.usecases, f"goal={goal.pk}")
)


# -- Links on the use-case list -------------------------------------------------------------------
# What higher apps offer to do with the list as filtered (``exports`` registers its downloads): a
# callable ``links(request, querystring) -> list[Action]``, asked each time the results render,
# so every link carries the filters shown.
_LIST_LINKS: list = []


def register_list_links(links) -> None:
    _LIST_LINKS.append(links)


def list_links(request, querystring: str) -> list[Action]:
    return [link for links in _LIST_LINKS for link in links(request, querystring)]


# -- Actions beside "New use case" on the list's header --------------------------------------------
# What higher apps offer to start from the list (``imports`` registers "Import a register"): a
# callable ``actions(request) -> list[Action]``, asked when the page renders.
_PAGE_ACTIONS: list = []


def register_page_actions(actions) -> None:
    _PAGE_ACTIONS.append(actions)


def page_actions(request) -> list[Action]:
    return [action for actions in _PAGE_ACTIONS for action in actions(request)]
