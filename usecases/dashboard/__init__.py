"""The ownership dashboard: where ownership, evidence or strategic alignment is missing.

Wagtail-style panels, one function each, over a ``DashboardScope`` (``scope``: the use cases the
team, product and goal filters select, and their grouped counts): the headline tiles (``tiles``),
the team table, goal tree and gap lists (``tables``, bounded by ``trees``), the evidence panel and
its paged lists (``evidence``) and the weekly trend charts
(``trends``), the standards' profiles not yet reportable (``profiles``), drawn from the ownership snapshots a weekly command takes (``snapshots``). What each
tile counts is a condition of ``usecases.concerns``, which the use-case list filters by too.

The names the views use are re-exported here; code inside the package imports the defining module.
"""

from usecases.dashboard.evidence import evidence_page, evidence_panel
from usecases.dashboard.profiles import NOT_REPORTABLE_PARAM, profile_tiles
from usecases.dashboard.scope import SCOPE_PARAMS, DashboardScope, scope_data
from usecases.dashboard.tables import (
    STATUS_COLUMNS,
    goal_tree_panel,
    stages_panel,
    teams_panel,
    unserved_goals,
    unused_products,
)
from usecases.dashboard.tiles import tiles_panel
from usecases.dashboard.trends import trends_panel

__all__ = [
    "NOT_REPORTABLE_PARAM",
    "SCOPE_PARAMS",
    "STATUS_COLUMNS",
    "DashboardScope",
    "evidence_page",
    "evidence_panel",
    "goal_tree_panel",
    "profile_tiles",
    "scope_data",
    "stages_panel",
    "teams_panel",
    "tiles_panel",
    "trends_panel",
    "unserved_goals",
    "unused_products",
]
