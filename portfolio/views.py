from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from portfolio import selectors
from portfolio.models import Product, StrategicGoal, Team
from portfolio.permissions import can_view_portfolio

# How many use cases a team, product or goal page lists before linking to the full, filtered list.
USECASE_PREVIEW = 50


def _require_view(request):
    if not can_view_portfolio(request.user):
        raise PermissionDenied


def _usecase_preview(related_manager):
    """The newest use cases behind a reverse relation, with what their rows show."""
    usecases = related_manager.select_related("owner", "team").order_by("-number")
    return list(usecases[:USECASE_PREVIEW]), related_manager.count()


def team_list(request):
    _require_view(request)
    return render(request, "portfolio/team_list.html", {"teams": selectors.team_list()})


def team_detail(request, slug):
    _require_view(request)
    try:
        team = selectors.team_detail(slug)
    except Team.DoesNotExist:
        raise Http404 from None
    usecases, usecase_count = _usecase_preview(team.usecases)
    context = {
        "team": team,
        "usecases": usecases,
        "usecase_count": usecase_count,
        "filter_query": f"team={team.slug}",
    }
    return render(request, "portfolio/team_detail.html", context)


def product_list(request):
    _require_view(request)
    return render(request, "portfolio/product_list.html", {"products": selectors.product_list()})


def product_detail(request, slug):
    _require_view(request)
    try:
        product = selectors.product_detail(slug)
    except Product.DoesNotExist:
        raise Http404 from None
    usecases, usecase_count = _usecase_preview(product.usecases)
    context = {
        "product": product,
        "usecases": usecases,
        "usecase_count": usecase_count,
        "filter_query": f"product={product.slug}",
    }
    return render(request, "portfolio/product_detail.html", context)


def goal_list(request):
    _require_view(request)
    goals = selectors.flatten_goal_tree(selectors.goal_tree())
    return render(request, "portfolio/goal_list.html", {"goals": goals})


def goal_detail(request, pk):
    _require_view(request)
    try:
        goal = selectors.goal_detail(pk)
    except StrategicGoal.DoesNotExist:
        raise Http404 from None
    usecases, usecase_count = _usecase_preview(goal.usecases)
    context = {
        "goal": goal,
        "children": selectors.goal_children(goal),
        "usecases": usecases,
        "usecase_count": usecase_count,
        "filter_query": f"goal={goal.pk}",
    }
    return render(request, "portfolio/goal_detail.html", context)
