"""Rows per unit in the count tables that keep a row for the whole organisation (team 0): the
goal, goal-evidence, product, area and profile counts also keep, under ``team_id`` = -unit, the
sum of every team beneath a unit (its sub-units, theirs, and so on; not the unit's own rows). The
dashboard filtered by a unit with its sub-units reads two keys of each (the unit and -unit)
instead of summing the rows of every team beneath it: 58,000 rows for a directorate of 55 teams
at a million use cases.

Kept by statement triggers on those tables, from the rows a session writes in its own slot (a
refresh's, ``usecases_summary_add``): each such change moves the rows of every unit above the
team by as much, in the same slot. Rows written in another slot (a rebuild's slot 0, the folding
of ended sessions' slots, which moves unit rows as it moves any other) change no unit's sum
through the triggers: the rebuild counts the unit rows again (``usecases_units_recount``), and the
folding keeps every key's sum. A team moved to another unit (its ``parent_id`` changed) counts
again the rows of every unit above it before the move and after, under an exclusive lock (key
81504) that the triggers and the folding take shared, so neither writes unit rows while they are
counted; a statement whose SET list names a team's ``parent_id`` (moved or not), or deleting
teams, takes it before that statement locks any team row (a statement trigger: a transaction
that locked team rows earlier must take it before them), and the rebuild before it empties the
tables. Deleting a team with sub-units still beneath it (raw SQL alone: the models protect a
team with sub-units or use cases) counts every unit row again. Moving a division between two directorates at a million use cases took 0.5 s; counting
every unit row again (the rebuild, this migration) 4.5 s.

The SQL is written here, frozen with the migration (it supersedes 0024's
``usecases_summary_rebuild``, ``usecases_summary_compact`` and
``usecases_summary_usecases_truncated``)."""

import importlib

from django.db import migrations

_0018 = importlib.import_module("usecases.migrations.0018_summary_slots")
_0024 = importlib.import_module("usecases.migrations.0024_scope_counts")

# Each table keeping unit rows, and its key (the team first).
UNIT_TABLES = {
    table: key
    for table, key, *_ in _0018.COUNT_TABLES
    if table in ("goalcount", "goalevidencecount", "productcount", "areacount", "profilecount")
}
assert len(UNIT_TABLES) == 5 and all(key.startswith("team_id, ") for key in UNIT_TABLES.values())

UNITS_ABOVE = """
-- Every unit above each of ``teams`` (its parent, the parent's, and so on; never the team
-- itself, should the hierarchy hold a cycle).
CREATE OR REPLACE FUNCTION usecases_units_above(teams bigint[])
RETURNS TABLE (team_id bigint, unit_id bigint) LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up (team_id, unit_id) AS (
        SELECT t.id, t.parent_id FROM portfolio_team t
        WHERE t.id = ANY (teams) AND t.parent_id IS NOT NULL
        UNION
        SELECT up.team_id, t.parent_id FROM up JOIN portfolio_team t ON t.id = up.unit_id
        WHERE t.parent_id IS NOT NULL
    )
    SELECT up.team_id, up.unit_id FROM up WHERE up.unit_id <> up.team_id
$$;
"""


def unit_rows(table: str, delta: str, slot: str, units: str = "true") -> str:
    """Add to the unit rows of ``table`` (in ``slot``) what the ``delta`` rows (``d``: the signed
    ``n``, and the table's key) count for each unit above their teams (those meeting ``units``,
    a condition on ``u.unit_id``): one row per unit and key, in key order, none for a change
    that moves no count."""
    key = UNIT_TABLES[table]
    rest = [column.strip() for column in key.split(",")][1:]
    groups = ", ".join(str(n) for n in range(1, len(rest) + 2))
    return f"""
        WITH delta AS ({delta})
        INSERT INTO usecases_{table} AS s ({key}, slot, n)
        SELECT -u.unit_id, {", ".join(f"d.{column}" for column in rest)}, {slot}, sum(d.d)
        FROM delta d JOIN usecases_units_above(
            ARRAY(SELECT DISTINCT team_id FROM delta WHERE team_id > 0)
        ) u ON u.team_id = d.team_id AND {units}
        GROUP BY {groups} HAVING sum(d.d) <> 0 ORDER BY {groups}
        ON CONFLICT ({key}, slot) DO UPDATE SET n = s.n + EXCLUDED.n;"""


_OWN = "slot = pg_backend_pid() AND team_id > 0"


def _written(table: str) -> str:
    """The trigger function moving ``table``'s unit rows by what a statement wrote in the
    session's own slot (an insert's or an upsert's rows, those it updated, or those it deleted).
    A statement writing unit rows alone (the function's own) finds none and writes nothing."""
    key = UNIT_TABLES[table]
    new, old = (f"SELECT {sign}n AS d, {key} FROM {rows} WHERE {_OWN}" for sign, rows in
                (("", "new_rows"), ("-", "old_rows")))  # fmt: skip
    lock = "PERFORM pg_advisory_xact_lock_shared(81504, 0);"
    return f"""
CREATE OR REPLACE FUNCTION usecases_units_{table}_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows WHERE {_OWN}) THEN
            {lock}{unit_rows(table, new, "pg_backend_pid()")}
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows WHERE {_OWN}) THEN
            {lock}{unit_rows(table, old, "pg_backend_pid()")}
        END IF;
    ELSIF EXISTS (SELECT 1 FROM new_rows WHERE {_OWN})
          OR EXISTS (SELECT 1 FROM old_rows WHERE {_OWN}) THEN
        {lock}{unit_rows(table, f"{new} UNION ALL {old}", "pg_backend_pid()")}
    END IF;
    RETURN NULL;
END
$$;
"""


_CHOSEN = "units IS NULL OR -team_id = ANY (units)"
RECOUNT = f"""
-- The rows of ``units`` (NULL: every unit) counted again from the rows of the teams beneath
-- them, into slot 0, under the exclusive lock.
CREATE OR REPLACE FUNCTION usecases_units_recount(units bigint[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    below bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(81504, 0);
    below := ARRAY(
        SELECT DISTINCT u.team_id FROM usecases_units_above(ARRAY(SELECT id FROM portfolio_team)) u
        WHERE units IS NULL OR u.unit_id = ANY (units)
    );{
    "".join(
        f'''
    DELETE FROM usecases_{table} WHERE team_id < 0 AND ({_CHOSEN});{
            unit_rows(
                table,
                f"SELECT n AS d, {key} FROM usecases_{table} WHERE team_id = ANY (below)",
                "0",
                "(units IS NULL OR u.unit_id = ANY (units))",
            )
        }'''
        for table, key in UNIT_TABLES.items()
    )
}
END
$$;

-- A statement that may move or delete teams takes the exclusive lock before it locks any team
-- row: a concurrent move has committed before this one's units are found (each statement of the
-- trigger below sees it), and a writer holding the lock shared finishes first.
CREATE OR REPLACE FUNCTION usecases_units_teams_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(81504, 0);
    RETURN NULL;
END
$$;

-- Teams deleted with sub-units still beneath them (raw SQL alone, their parent key checked at
-- commit: the models protect a team with sub-units or use cases): a unit's chain is cut, every
-- unit row is counted again.
CREATE OR REPLACE FUNCTION usecases_units_teams_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM portfolio_team t JOIN old_rows o ON o.id = t.parent_id) THEN
        PERFORM usecases_units_recount();
    END IF;
    RETURN NULL;
END
$$;

-- Teams moved to other units: the rows of every unit above one of them, before the move (the
-- teams as they were: the old rows' parents, the others' as they are) or after, counted again.
CREATE OR REPLACE FUNCTION usecases_units_teams_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    moved bigint[];
BEGIN
    moved := ARRAY(
        SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.parent_id IS DISTINCT FROM o.parent_id
    );
    IF cardinality(moved) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM usecases_units_recount(ARRAY(
        WITH RECURSIVE before (id, parent_id) AS (
            SELECT o.id, o.parent_id FROM old_rows o
            UNION ALL
            SELECT t.id, t.parent_id FROM portfolio_team t
            WHERE t.id NOT IN (SELECT o.id FROM old_rows o)
        ),
        up (unit_id) AS (
            SELECT b.parent_id FROM before b WHERE b.id = ANY (moved) AND b.parent_id IS NOT NULL
            UNION
            SELECT b.parent_id FROM up JOIN before b ON b.id = up.unit_id
            WHERE b.parent_id IS NOT NULL
        )
        SELECT unit_id FROM up
        UNION
        SELECT unit_id FROM usecases_units_above(moved)
    ));
    RETURN NULL;
END
$$;
"""

_REFERENCING = _0024._0021.REFERENCING
TRIGGERS = "\n".join(
    [
        *(
            f"CREATE TRIGGER units_usecases_{table}_{operation.lower()} AFTER {operation} "
            f"ON usecases_{table} {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION usecases_units_{table}_written();"
            for table in UNIT_TABLES
            for operation, referencing in _REFERENCING.items()
        ),
        "CREATE TRIGGER units_portfolio_team_locked BEFORE UPDATE OF parent_id OR DELETE "
        "ON portfolio_team FOR EACH STATEMENT EXECUTE FUNCTION usecases_units_teams_locked();",
        "CREATE TRIGGER units_portfolio_team_update AFTER UPDATE ON portfolio_team "
        f"{_REFERENCING['UPDATE']} FOR EACH STATEMENT EXECUTE FUNCTION usecases_units_teams_moved();",
        "CREATE TRIGGER units_portfolio_team_delete AFTER DELETE ON portfolio_team "
        f"{_REFERENCING['DELETE']} FOR EACH STATEMENT "
        "EXECUTE FUNCTION usecases_units_teams_deleted();",
    ]
)
DROP = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS units_usecases_{table}_{operation.lower()} ON usecases_{table};"
            for table in UNIT_TABLES
            for operation in _REFERENCING
        ),
        *(f"DROP FUNCTION IF EXISTS usecases_units_{table}_written();" for table in UNIT_TABLES),
        "DROP TRIGGER IF EXISTS units_portfolio_team_locked ON portfolio_team;",
        "DROP TRIGGER IF EXISTS units_portfolio_team_update ON portfolio_team;",
        "DROP TRIGGER IF EXISTS units_portfolio_team_delete ON portfolio_team;",
        "DROP FUNCTION IF EXISTS usecases_units_teams_locked();",
        "DROP FUNCTION IF EXISTS usecases_units_teams_moved();",
        "DROP FUNCTION IF EXISTS usecases_units_teams_deleted();",
        "DROP FUNCTION IF EXISTS usecases_units_recount(bigint[]);",
        "DROP FUNCTION IF EXISTS usecases_units_above(bigint[]);",
        *(f"DELETE FROM usecases_{table} WHERE team_id < 0;" for table in UNIT_TABLES),
    ]
)

# 0024's rebuild, and then the unit rows counted again from the rebuilt teams' rows (the
# rebuild writes slot 0, which the triggers leave alone) before the rows are compared. Their lock
# first, before the tables are emptied: the folding and a team move take it before the tables.
_DROPPED = "DROP FUNCTION usecases_summary_rebuild();\n"
assert _0024.REBUILD.startswith(_DROPPED)
REBUILD_0024 = _0024.REBUILD.removeprefix(_DROPPED)
_TALLIED = "\n    PERFORM usecases_teamtally_recount();"
_GOALS_LOCKED = "\n    PERFORM pg_advisory_xact_lock(81502, 0);"
REBUILD = _0024._replaced(
    _0024._replaced(REBUILD_0024, _TALLIED, _TALLIED + "\n    PERFORM usecases_units_recount();"),
    _GOALS_LOCKED,
    _GOALS_LOCKED + "\n    PERFORM pg_advisory_xact_lock(81504, 0);",
)

# 0024's folding, taking the unit lock shared: a recount's rows are never folded half-counted.
_SERIAL = "\n    PERFORM pg_advisory_xact_lock(81503, 0);"
COMPACT = _0024._replaced(
    _0024.COMPACT, _SERIAL, _SERIAL + "\n    PERFORM pg_advisory_xact_lock_shared(81504, 0);"
)

# 0024's emptying when the use cases are truncated: deleting a table's rows moves its unit rows
# by the session's own, after they are deleted too; those are deleted again.
TRUNCATED = _0024._replaced(
    _0024.TRUNCATED,
    "\n    RETURN NULL;",
    "".join(f"\n    DELETE FROM usecases_{table} WHERE team_id < 0;" for table in UNIT_TABLES)
    + "\n    RETURN NULL;",
)

FUNCTIONS = UNITS_ABOVE + "".join(_written(table) for table in UNIT_TABLES) + RECOUNT


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0024_scope_counts"),
    ]

    operations = [
        migrations.RunSQL(
            f"{FUNCTIONS}\n{TRIGGERS}\n{REBUILD}\n{COMPACT}\n{TRUNCATED}\n"
            "SELECT usecases_units_recount();",
            f"{DROP}\n{REBUILD_0024}\n{_0024.COMPACT}\n{_0024.TRUNCATED}",
        ),
    ]
