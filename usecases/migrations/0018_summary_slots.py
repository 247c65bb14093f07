"""Count rows per writer (``slot``), so writers never wait on one another or deadlock; refreshes
in chunks, so no value nears PostgreSQL's 1 GB limit; ``usecases_summary_compact`` folds the
slots together. The SQL is written here, frozen with the migration (it supersedes 0015's
``usecases_summary_add``, ``usecases_summary_refresh``, ``usecases_summary_rebuild`` and
``usecases_summary_rows``; 0015's other functions and every trigger stay as they are)."""

import importlib

from django.db import migrations, models

_0015 = importlib.import_module("usecases.migrations.0015_summary_tables")
MEASURED = "('awaiting_sign_off', 'active')"
LIVE = "('draft', 'in_review', 'awaiting_sign_off', 'active')"

# (table, key columns, the SELECT of each key column, FROM, WHERE, GROUPING SETS of the source
# columns or None): each count table's share of a ``delta`` of (d, fact...) rows. The per-goal,
# per-product, per-area and per-profile counts keep organisation-wide rows (team 0) beside each
# team's.
COUNT_TABLES = (
    (
        "teamcount",
        "team_id, status, lifecycle_stage, evidence_status, owner_state, imported, changed, "
        "no_goal, phase",
        "team_id, status, lifecycle_stage, evidence_status, owner_state, imported, changed, "
        "no_goal, phase",
        "delta",
        "true",
        None,
    ),
    (
        "goalcount",
        "team_id, goal_id, status, signable, phase",
        "coalesce(team_id, 0), g, status, signable, phase",
        "(SELECT d, team_id, g, status, owner_state IN ('ok', 'away') AND NOT changed AS signable,"
        " phase FROM delta, unnest(goal_closure) g) rows",
        "true",
        "(team_id, g, status, signable, phase), (g, status, signable, phase)",
    ),
    (
        "goalevidencecount",
        "team_id, goal_id, evidence_status",
        "coalesce(team_id, 0), g, evidence_status",
        "delta, unnest(goal_ids) g",
        f"status IN {MEASURED}",
        "(team_id, g, evidence_status), (g, evidence_status)",
    ),
    (
        "productcount",
        "team_id, product_id, live, measured, evidence_status",
        "coalesce(team_id, 0), p, live, measured, evidence_status",
        f"(SELECT d, team_id, p, status IN {LIVE} AS live, status IN {MEASURED} AS measured,"
        " evidence_status FROM delta, unnest(product_ids) p) rows",
        "true",
        "(team_id, p, live, measured, evidence_status), (p, live, measured, evidence_status)",
    ),
    (
        "profilecount",
        "team_id, profile",
        "coalesce(team_id, 0), p",
        "delta, unnest(unreportable) p",
        "true",
        "(team_id, p), (p)",
    ),
    (
        "areacount",
        "team_id, evidence_area, evidence_status",
        "coalesce(team_id, 0), evidence_area, evidence_status",
        "delta",
        f"status IN {MEASURED}",
        "(team_id, evidence_area, evidence_status), (evidence_area, evidence_status)",
    ),
)


def count_ctes(slot: str, tables=COUNT_TABLES) -> str:
    """The CTEs moving a ``delta``'s contribution into every count table (of ``tables``), into
    rows of ``slot`` (keys in order; only this slot's rows are locked, so concurrent writers never
    meet)."""
    ctes = []
    for table, key, select, source, where, sets in tables:
        width = len(key.split(","))
        groups = ", ".join(str(n) for n in range(1, width + 1))
        group_by = f"GROUPING SETS ({sets})" if sets else groups
        ctes.append(
            f"""
    {table} AS (
        INSERT INTO usecases_{table} AS s ({key}, slot, n)
        SELECT {select}, {slot}, sum(d) FROM {source} WHERE {where}
        GROUP BY {group_by} HAVING sum(d) <> 0 ORDER BY {groups}
        ON CONFLICT ({key}, slot) DO UPDATE SET n = s.n + EXCLUDED.n
    )"""
        )
    return ",".join(ctes) + "\n"


def compact(table: str, key: str) -> str:
    """Fold into slot 0 the count rows of sessions that have ended, and drop rows of slot 0 that
    count nothing. A live session's rows are left alone, so a writer does not wait on the folding
    (nor the folding on a writer: SKIP LOCKED); a session begun, or a process id reused, during
    the folding of one table may wait for that fold to commit."""
    return f"""
    PERFORM pg_stat_clear_snapshot();  -- the sessions live now, not at the first statement
    WITH moved AS (
        DELETE FROM usecases_{table} WHERE id IN (
            SELECT id FROM usecases_{table}
            WHERE CASE WHEN slot = 0 THEN n = 0
                  ELSE slot NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) END
            FOR UPDATE SKIP LOCKED
        ) RETURNING {key}, n
    )
    INSERT INTO usecases_{table} AS s ({key}, slot, n)
    SELECT {key}, 0, sum(n) FROM moved GROUP BY {key} HAVING sum(n) <> 0 ORDER BY {key}
    ON CONFLICT ({key}, slot) DO UPDATE SET n = s.n + EXCLUDED.n;"""


def _0015_function(name: str) -> str:
    """The text of one of 0015's functions (frozen there)."""
    start = _0015.FUNCTIONS.index(f"CREATE OR REPLACE FUNCTION {name}(")
    return _0015.FUNCTIONS[start : _0015.FUNCTIONS.index("\n$$;\n", start) + 4]


REBUILD = _0015_function("usecases_summary_rebuild").replace(_0015.COUNT_CTES, count_ctes("0"))
ADD = _0015_function("usecases_summary_add").replace(
    _0015.COUNT_CTES, count_ctes("pg_backend_pid()")
)
_LOCKS = _0015_function("usecases_summary_refresh")
_LOCKS = _LOCKS[
    _LOCKS.index("    PERFORM usecases_summary_clock_ensure();") : _LOCKS.index("    ) owner;\n")
    + 12
]
REFRESH_CHUNK = (
    _0015_function("usecases_summary_refresh")
    .replace("usecases_summary_refresh(", "usecases_summary_refresh_chunk(")
    .replace(_LOCKS, "")
)


def summary_rows(tables) -> str:
    """The view's rows of each count table of ``tables``: its keys with their slots summed."""
    return "UNION ALL".join(
        f"""
SELECT '{table}' AS t, to_jsonb(s) - 'id' - 'n' - 'slot' AS k, sum(n)::bigint AS n
FROM usecases_{table} s GROUP BY 2 HAVING sum(n) <> 0
"""
        for table, *_ in tables
    )


def row_count(tables) -> str:
    return " + ".join(f"(SELECT count(*) FROM usecases_{table})" for table, *_ in tables)


SUMMARY_ROWS = summary_rows(COUNT_TABLES)
ROW_COUNT = row_count(COUNT_TABLES)
COMPACT = "".join(compact(table, key) for table, key, *_ in COUNT_TABLES)

FUNCTIONS = f"""
-- Add the contribution of ``new_rows`` to every count table and take away that of ``old_rows``,
-- in this session's own slot.
{ADD}

-- Recompute the facts of one chunk of use cases and move their contribution: 0015's refresh,
-- its locks left to the caller.
{REFRESH_CHUNK}

-- What a fact reads from other tables is held still until this transaction ends (0015): the
-- clock, each owner (key 81501) and the goal hierarchy (key 81502), all taken before any fact.
-- Then the use cases, in id order, a chunk at a time: no array of facts nears the 1 GB a single
-- value may hold, whatever the number of use cases (a top goal moved over millions). The
-- setting ``usecases.summary_chunk`` changes the chunk's size (the tests make it small).
CREATE OR REPLACE FUNCTION usecases_summary_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chunk constant integer := coalesce(
        nullif(current_setting('usecases.summary_chunk', true), '')::integer, 20000
    );
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
{_LOCKS}    IF cardinality(ids) <= chunk THEN
        PERFORM usecases_summary_refresh_chunk(ids);
        RETURN;
    END IF;
    ids := ARRAY(SELECT DISTINCT i FROM unnest(ids) i ORDER BY 1);
    FOR low IN 1..cardinality(ids) BY chunk LOOP
        PERFORM usecases_summary_refresh_chunk(ids[low:low + chunk - 1]);
    END LOOP;
END
$$;

-- Every count row (its slots summed) and fact as (table, key, count), for comparing a rebuild
-- with what was kept.
CREATE OR REPLACE VIEW usecases_summary_rows AS
{SUMMARY_ROWS}UNION ALL SELECT 'fact', to_jsonb(s) - 'usecase_id', usecase_id FROM usecases_usecasefact s;

-- Every summary table rebuilt from the use cases (0015's, into slot 0).
{REBUILD}

-- Fold the slots of every session that has ended into slot 0 (one folding at a time: key
-- 81503); how many rows it removed. A live session's slot is left for a later time, so no writer
-- ever meets the folding.
CREATE OR REPLACE FUNCTION usecases_summary_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    before bigint;
    after bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(81503, 0);
    SELECT {ROW_COUNT} INTO before;
{COMPACT}
    SELECT {ROW_COUNT} INTO after;
    RETURN before - after;
END
$$;
"""

# Going back: 0015's functions, and none of this migration's own.
_VIEW = _0015.FUNCTIONS.index("CREATE OR REPLACE VIEW usecases_summary_rows AS")
REVERSE = "\n".join(
    [
        "DROP FUNCTION IF EXISTS usecases_summary_compact();",
        "DROP FUNCTION IF EXISTS usecases_summary_refresh_chunk(bigint[]);",
        # Only what this migration replaced: 0015's other functions (the profiles' conditions
        # installed after migrate, say) stay as they are.
        *map(_0015_function, ("usecases_summary_add", "usecases_summary_refresh")),
        _0015_function("usecases_summary_rebuild"),
        _0015.FUNCTIONS[_VIEW : _0015.FUNCTIONS.index(";", _VIEW) + 1],
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0017_list_search_and_sorts"),
    ]

    operations = [
        # Going back, 0015's functions return once the keys are theirs again (last step back).
        migrations.RunSQL(migrations.RunSQL.noop, REVERSE),
        *(
            migrations.RemoveConstraint(model_name=table, name=f"{table}_key")
            for table, *_ in COUNT_TABLES
        ),
        *(
            migrations.AddField(
                model_name=table, name="slot", field=models.IntegerField(db_default=0)
            )
            for table, *_ in COUNT_TABLES
        ),
        *(
            migrations.AddConstraint(
                model_name=table,
                constraint=models.UniqueConstraint(
                    fields=(*key.split(", "), "slot"), name=f"{table}_key"
                ),
            )
            for table, key, *_ in COUNT_TABLES
        ),
        # Going back, the counts are first rebuilt into slot 0 alone, so the old keys hold.
        migrations.RunSQL(FUNCTIONS, "SELECT usecases_summary_rebuild();"),
    ]
