"""The ownership dashboard's counts as a document, with its filters (``team``, ``product``,
``goal``, ``subunits``): each tile and each stage with its count and the list that shows it."""

from ninja import Router, Schema

from api.errors import form_refused, problem, problems
from core.snapshot import one_snapshot
from usecases import dashboard, permissions
from usecases.filters import scope_filter
from usecases.profiles import enabled_profiles

router = Router(tags=["dashboard"])


class Count(Schema):
    key: str
    label: str
    count: int
    url: str


class DashboardOut(Schema):
    tiles: list[Count]
    stages: list[Count]


@router.get(
    "/dashboard",
    response={200: DashboardOut, **problems(400, 403)},
    summary="The dashboard's counts",
)
@one_snapshot
def dashboard_counts(request):
    if not permissions.can_view_dashboard(request.user):
        return problem(403, "Forbidden", "You may not read the dashboard.")
    filterset = scope_filter(dashboard.scope_data(request.GET))
    if filterset.errors:
        return form_refused(filterset, "Some filters were not understood.")
    scope = dashboard.DashboardScope.from_filter(filterset, profiles=enabled_profiles())
    tiles = [*dashboard.tiles_panel(scope), *dashboard.profile_tiles(scope)]
    return {
        "tiles": [
            {"key": tile.key, "label": tile.label, "count": tile.count, "url": tile.url}
            for tile in tiles
        ],
        "stages": [
            {
                "key": cell.label.lower().replace(" ", "_"),
                "label": cell.label,
                "count": cell.count,
                "url": cell.url,
            }
            for cell in dashboard.stages_panel(scope)
        ],
    }
