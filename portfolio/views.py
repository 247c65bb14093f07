from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from portfolio import selectors
from portfolio.models import Product, StrategicGoal, Team
from portfolio.panels import page_actions, render_panels
from portfolio.permissions import can_view_portfolio


def _require_view(request):
    if not can_view_portfolio(request.user):
        raise PermissionDenied


def team_list(request):
    _require_view(request)
    context = {"teams": selectors.team_list(), "actions": page_actions(request, "team_list")}
    return render(request, "portfolio/team_list.html", context)


def team_detail(request, slug):
    _require_view(request)
    try:
        team = selectors.team_detail(slug)
    except Team.DoesNotExist:
        raise Http404 from None
    context = {
        "team": team,
        "path": selectors.team_path(team),
        "actions": page_actions(request, "team_detail", team),
        "panels": render_panels(request, "team_detail", team),
    }
    return render(request, "portfolio/team_detail.html", context)


def product_list(request):
    _require_view(request)
    context = {
        "products": selectors.product_list(),
        "actions": page_actions(request, "product_list"),
    }
    return render(request, "portfolio/product_list.html", context)


def product_detail(request, slug):
    _require_view(request)
    try:
        product = selectors.product_detail(slug)
    except Product.DoesNotExist:
        raise Http404 from None
    context = {
        "product": product,
        "actions": page_actions(request, "product_detail", product),
        "panels": render_panels(request, "product_detail", product),
    }
    return render(request, "portfolio/product_detail.html", context)


def goal_list(request):
    _require_view(request)
    goals = selectors.flatten_tree(selectors.goal_tree())
    context = {"goals": goals, "actions": page_actions(request, "goal_list")}
    return render(request, "portfolio/goal_list.html", context)


def goal_detail(request, pk):
    _require_view(request)
    try:
        goal = selectors.goal_detail(pk)
    except StrategicGoal.DoesNotExist:
        raise Http404 from None
    context = {
        "goal": goal,
        "children": selectors.goal_children(goal),
        "actions": page_actions(request, "goal_detail", goal),
        "panels": render_panels(request, "goal_detail", goal),
    }
    return render(request, "portfolio/goal_detail.html", context)
