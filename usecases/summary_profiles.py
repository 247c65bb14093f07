"""The standards' profiles in the dashboard's summary: each loaded profile's "not reportable"
condition (``Profile.not_reportable``) compiled to SQL into ``usecases_unreportable``, which the
summary's facts call, so the dashboard's profile tiles read counts kept by the triggers.

Installed after every migrate; when a profile file changed, the summary is rebuilt (a deploy with
a new profile version pays one pass over the use cases). A profile whose condition differs from
the one installed (a test's own profile, a file edited without migrating) is counted from the use
cases, as before: the readers compare the installed condition with ``condition_sql`` of the
profile (``usecases.dashboard.profiles.profile_counts``, and ``live.count_facts``) before they
trust the counts.
"""

from __future__ import annotations

from django.db import connections, transaction

from usecases.models import SummaryProfile, UseCase, UseCaseFact
from usecases.profiles import PROFILES, Profile


def condition_sql(profile: Profile, *, using: str = "default") -> str:
    """``profile.not_reportable`` as SQL over ``usecases_usecase``, its values inlined; compiled
    once per profile and database (each dashboard compares it with the installed condition, and
    compiling a profile's dozens of conditions costs milliseconds). A profile is frozen; the cache
    holds it, so its id names no other profile while cached."""
    cached = _CONDITIONS.get((id(profile), using))
    if cached is None or cached[0] is not profile:
        cached = _CONDITIONS[id(profile), using] = (profile, _compiled_condition(profile, using))
    return cached[1]


_CONDITIONS: dict[tuple[int, str], tuple[Profile, str]] = {}


def _compiled_condition(profile: Profile, using: str) -> str:
    query = UseCase.objects.filter(profile.not_reportable).query
    connection = connections[using]
    sql, params = query.get_compiler(using).compile(query.where)
    return connection.ops.compose_sql(sql, params)


# The compiled conditions name the use case's own columns only (``missing_condition``): inside the
# function they read them from its argument, the row, so the use cases' update trigger can ask
# whether an update changed the answer (``usecases_unreportable(new) IS DISTINCT FROM ...(old)``).
_TABLE = '"usecases_usecase".'


def _function_sql(conditions: dict[str, str]) -> str:
    cases = ", ".join(
        f"CASE WHEN ({sql.replace(_TABLE, '($1).')}) THEN '{key}' END"
        for key, sql in sorted(conditions.items())
    )
    body = f"array_remove(ARRAY[{cases}]::varchar[], NULL)" if cases else "'{}'::varchar[]"
    return (
        "CREATE OR REPLACE FUNCTION usecases_unreportable(u usecases_usecase) "
        f"RETURNS varchar[] LANGUAGE sql IMMUTABLE AS $$ SELECT {body} $$"
    )


def install_profile_conditions(*, using: str = "default") -> bool:
    """Install the loaded profiles' conditions; rebuild the summary if they changed. Whether
    anything changed."""
    conditions = {key: condition_sql(profile, using=using) for key, profile in PROFILES.items()}
    installed = dict(SummaryProfile.objects.using(using).values_list("key", "condition"))
    if installed == conditions:
        if _summary_missing(using):  # just migrated onto existing use cases: count them once
            with transaction.atomic(using=using), connections[using].cursor() as cursor:
                cursor.execute("SELECT usecases_summary_rebuild()")
            return True
        return False
    for key in conditions:  # keys are file names: letters, digits and underscores
        if not key.replace("_", "").isalnum():
            raise ValueError(f"profile key {key!r} cannot name a summary column")
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(_function_sql(conditions))
        SummaryProfile.objects.using(using).all().delete()
        SummaryProfile.objects.using(using).bulk_create(
            SummaryProfile(key=key, condition=sql) for key, sql in conditions.items()
        )
        cursor.execute("SELECT usecases_summary_rebuild()")
    return True


def _summary_missing(using: str) -> bool:
    """Use cases, but no facts: the summary was never built on this database."""
    return UseCase.objects.using(using).exists() and not UseCaseFact.objects.using(using).exists()
