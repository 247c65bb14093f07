"""The dashboard's tiles for the standards' profiles switched on: per profile, the use cases not
yet reportable under it (``Profile.not_reportable``), linking to the list filtered by the same
condition (``UseCaseFilter.not_reportable``). No profile on: no query, no tile."""

from __future__ import annotations

from django.db.models import Count

from usecases.dashboard.scope import DashboardScope
from usecases.dashboard.tiles import Tile
from usecases.summary_profiles import profile_counts

# The list's parameter for "not reportable under this profile" (``UseCaseFilter``).
NOT_REPORTABLE_PARAM = "not_reportable"


def profile_tiles(scope: DashboardScope) -> list[Tile]:
    """One tile per profile of the scope's ``profiles``: read from the summary (one query) when
    the dashboard is, or with the live path's other counts (a product or goal filter); the
    profiles left on the summary's path (a condition not installed) counted in one query over
    the use cases."""
    profiles = list(scope.profiles)
    if not profiles:
        return []
    if scope.summarised:
        counts = profile_counts(profiles, scope.summary_teams, scope.summary_within)
    else:
        counts = scope.not_reportable
    live = [profile for profile in profiles if profile.key not in counts]
    if live:
        counts |= scope.usecases.aggregate(
            **{profile.key: Count("pk", filter=profile.not_reportable) for profile in live}
        )
    return [
        Tile(
            f"not_reportable_{profile.key}",
            f"Not reportable under {profile.short_name}",
            counts[profile.key],
            scope.list_url(**{NOT_REPORTABLE_PARAM: profile.key}),
            hint=f"Open use cases that still lack a field the {profile.name} asks for.",
            tone="success" if not counts[profile.key] else "warning",
        )
        for profile in profiles
    ]
