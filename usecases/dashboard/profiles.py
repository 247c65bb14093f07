"""The dashboard's tiles for the standards' profiles switched on: per profile, the use cases not
yet reportable under it (``Profile.not_reportable``), linking to the list filtered by the same
condition (``UseCaseFilter.not_reportable``). No profile on: no query, no tile."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count

from usecases.dashboard.scope import DashboardScope
from usecases.dashboard.summary_rows import Within, scoped
from usecases.dashboard.tiles import Tile
from usecases.models import ProfileCount
from usecases.profiles import Profile
from usecases.summary_profiles import condition_sql

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
        counts = profile_counts(profiles, scope.summary_keys(ProfileCount), scope.summary_within)
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


def profile_counts(profiles: list[Profile], team_ids, within: Within | None = None) -> dict:
    """Per profile whose installed condition is its own, the use cases (of ``team_ids``; None:
    all; ``within`` a goal or product, if given) not reportable under it, from the summary's
    profile counts: one query. Profiles left out must be counted live."""
    if not profiles:
        return {}
    pairs = [(profile.key, condition_sql(profile)) for profile in profiles]
    table, condition = scoped(ProfileCount, within and within.kind)
    teams = "AND c.team_id = 0" if team_ids is None else "AND c.team_id = ANY (%s)"
    narrowed = f"AND {condition}" if condition else ""
    sql = f"""
        SELECT p.key, (SELECT coalesce(sum(c.n), 0) FROM {table._meta.db_table} c
                       WHERE c.profile = p.key {teams} {narrowed})
        FROM usecases_summaryprofile p
        WHERE (p.key, p.condition) IN ({", ".join(["(%s, %s)"] * len(pairs))})
    """
    params = [
        *([] if team_ids is None else [list(team_ids)]),
        *([] if within is None else [within.pk]),
        *(value for pair in pairs for value in pair),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
