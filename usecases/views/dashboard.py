"""The ownership dashboard, the goal and product lists two of its tiles link to, and the paged
lists of its evidence rows."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.htmx import partial_request
from core.snapshot import one_snapshot
from portfolio.selectors import path_choices
from usecases import dashboard, permissions
from usecases.filters import scope_filter
from usecases.profiles import enabled_profiles

DASHBOARD_TEMPLATE = "usecases/dashboard.html"


def _dashboard_scope(request, **options):
    """The dashboard's filters (team, product, goal) read by the use-case list's own filters
    (``scope_filter``), so every drill-down link lands on a list that filters exactly as the tile
    counted."""
    filterset = scope_filter(dashboard.scope_data(request.GET))
    return filterset, dashboard.DashboardScope.from_filter(filterset, **options)


def _offer_scope_rows(form, scope) -> None:
    """The team, product and goal choosers' options from the rows the dashboard reads for its
    tables anyway (every team, product and goal, archived and dropped ones too), in the choosers'
    own order (units in the tree's, named by their paths; products by name; goals by title, then
    pk), instead of three queries of their own."""
    teams = tuple((team.pk, team.parent_id, team.name, team.slug) for team in scope.teams)
    form.fields["team"].widget.offered = path_choices(teams)
    products = scope.products.values()
    form.fields["product"].widget.offered = [(product.slug, product.name) for product in products]
    form.fields["goal"].widget.offered = [(str(goal.pk), goal.title) for goal in scope.goals]


@require_GET
@vary_on_headers("HX-Request")
@one_snapshot
def dashboard_view(request):
    """Tiles, a table per team, the goal tree and the weekly trends. Nothing on it is an action:
    everyone signed in reads the same page. An htmx request (a filter change, or
    ``usecaseChanged`` after a workflow action elsewhere on the page) gets the body alone."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request, profiles=enabled_profiles())
    if not partial_request(request):  # the body alone draws no filter
        _offer_scope_rows(filterset.form, scope)
    context = {
        "filter": filterset,
        "scope": scope,
        "tiles": [
            *dashboard.tiles_panel(scope),
            *dashboard.profile_tiles(scope),
        ],
        "stages": dashboard.stages_panel(scope),
        "teams": dashboard.teams_panel(scope),
        "goal_tree": dashboard.goal_tree_panel(scope),
        "evidence": dashboard.evidence_panel(scope),
        "trends": dashboard.trends_panel(scope),
        "statuses": dashboard.STATUS_COLUMNS,
        "scope_fields": [filterset.form[name] for name in dashboard.SCOPE_PARAMS],
    }
    if partial_request(request):
        return render(request, f"{DASHBOARD_TEMPLATE}#dashboard-body", context)
    return render(request, DASHBOARD_TEMPLATE, context)


@require_GET
@one_snapshot
def dashboard_unserved(request):
    """The goals the "Goals with no active use case" tile counts, in the dashboard's filters."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request, details=True)
    goals = dashboard.unserved_goals(scope)
    context = {"filter": filterset, "scope": scope, "kind": "goals", "items": goals}
    return render(request, "usecases/dashboard_gaps.html", {**context, "count": len(goals)})


@require_GET
@one_snapshot
def dashboard_unused(request):
    """The products the "Products with no use case" tile counts, in the dashboard's filters."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request, products_only=True)
    products = scope.detailed_products(dashboard.unused_products(scope))
    context = {"filter": filterset, "scope": scope, "kind": "products", "items": products}
    return render(request, "usecases/dashboard_gaps.html", {**context, "count": len(products)})


@require_GET
@one_snapshot
def dashboard_evidence(request, kind: str):
    """Every row of the evidence panel's product or goal table (``kind``: "products" or
    "goals", from the URL), paged, in the dashboard's filters: the panel shows those with the
    most measured use cases."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request, products_only=kind == "products")
    listed = dashboard.evidence_page(scope, kind, request.GET.get("page"))
    context = {"filter": filterset, "scope": scope, "kind": kind, "querystring": scope.querystring}
    context |= {"page": listed.page, "rows": listed.rows, "headings": listed.headings}
    return render(request, "usecases/dashboard_evidence.html", context)
