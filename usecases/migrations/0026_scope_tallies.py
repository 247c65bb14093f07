"""The team tally per goal served and per product run on (``GoalScopeTally``,
``ProductScopeTally``): the dashboard filtered by a goal with its sub-goals, or by a product, reads
a row per team and slot of its own instead of filtering the goal's or product's team counts 22
times (11,890 rows for the top goal at a million use cases).

Kept as 0021 keeps ``TeamTally``: statement triggers on ``usecases_goalscopecount`` and
``usecases_productscopecount`` move each tally by what a statement wrote there, by the rules 0021
froze (the dashboard trusts a tally only while ``usecases_teamtally_rules()`` equals the rules it
compiles now, as for the team tally). A rebuild counts both again from the rebuilt rows; its own
counting statement skips their triggers (``usecases.rebuilding`` is on meanwhile), so a million
use cases' scope counts are tallied once, not twice. The folding deletes the rows that count
nothing. The SQL is written here, frozen with the migration (it supersedes 0025's
``usecases_summary_rebuild`` and ``usecases_summary_compact``, and 0024's
``usecases_summary_rows``)."""

import importlib

from django.db import migrations, models

_0021 = importlib.import_module("usecases.migrations.0021_team_tally")
_0024 = importlib.import_module("usecases.migrations.0024_scope_counts")
_0025 = importlib.import_module("usecases.migrations.0025_unit_rows")
_replaced = _0024._replaced

# Each tally, the scope counts it sums, and the column naming the goal or product.
TALLIES = (
    ("goalscopetally", "goalscopecount", "goal_id"),
    ("productscopetally", "productscopecount", "product_id"),
)


def upsert(table: str, column: str, delta: str, *, conflict: bool = True) -> str:
    """0021's ``upsert``, into ``table`` and keyed by ``column`` as well."""
    text = _0021.upsert(delta, conflict=conflict)
    keyed = [
        (
            "usecases_teamtally AS s (team_id, slot,",
            f"usecases_{table} AS s ({column}, team_id, slot,",
        ),
        ("SELECT team_id, slot,", f"SELECT {column}, team_id, slot,"),
        ("GROUP BY team_id, slot", f"GROUP BY {column}, team_id, slot"),
        ("ORDER BY team_id, slot", f"ORDER BY {column}, team_id, slot"),
    ]
    if conflict:
        keyed.append(("ON CONFLICT (team_id, slot)", f"ON CONFLICT ({column}, team_id, slot)"))
    for old, new in keyed:
        text = _replaced(text, old, new)
    return text


def _functions(table: str, column: str) -> str:
    new = f"SELECT n AS d, {column}, {_0021.KEY} FROM new_rows"
    old = f"SELECT -n AS d, {column}, {_0021.KEY} FROM old_rows"
    return f"""
CREATE OR REPLACE FUNCTION usecases_{table}_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('usecases.rebuilding', true) = 'on' THEN
        RETURN NULL;  -- the rebuild counts the tally again itself
    END IF;
    IF TG_OP = 'INSERT' THEN{upsert(table, column, new)}
    ELSIF TG_OP = 'DELETE' THEN{upsert(table, column, old)}
    ELSE{upsert(table, column, f"{new} UNION ALL {old}")}
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION usecases_{table}_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM usecases_{table};
    RETURN NULL;
END
$$;
"""


def _triggers(table: str, source: str) -> str:
    return "\n".join(
        [
            *(
                f"CREATE TRIGGER tally_usecases_{source}_{operation.lower()} AFTER {operation} "
                f"ON usecases_{source} {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION usecases_{table}_written();"
                for operation, referencing in _0021.REFERENCING.items()
            ),
            f"CREATE TRIGGER tally_usecases_{source}_truncate AFTER TRUNCATE ON usecases_{source} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION usecases_{table}_truncated();",
        ]
    )


def _dropped(table: str, source: str) -> str:
    return "\n".join(
        [
            *(
                f"DROP TRIGGER IF EXISTS tally_usecases_{source}_{operation} ON usecases_{source};"
                for operation in ("insert", "update", "delete", "truncate")
            ),
            f"DROP FUNCTION IF EXISTS usecases_{table}_written();",
            f"DROP FUNCTION IF EXISTS usecases_{table}_truncated();",
        ]
    )


def _recounted(table: str, source: str, column: str) -> str:
    delta = f"SELECT n AS d, {column}, {_0021.KEY} FROM usecases_{source}"
    return f"\n    DELETE FROM usecases_{table};{upsert(table, column, delta, conflict=False)}"


RECOUNT = f"""
CREATE OR REPLACE FUNCTION usecases_scopetallies_recount() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN{"".join(_recounted(*tally) for tally in TALLIES)}
END
$$;
"""

# 0025's rebuild: its counting statement writes the scope counts with the tallies' triggers idle,
# and both tallies are counted again before the rows are compared.
_COUNTING = "\n    WITH delta AS (SELECT 1 AS d, f.* FROM usecases_usecasefact f),"
_COUNTED = "\n    SELECT NULL INTO differed;"
REBUILD = _replaced(
    _replaced(
        _0025.REBUILD,
        _COUNTING,
        "\n    PERFORM set_config('usecases.rebuilding', 'on', true);" + _COUNTING,
    ),
    _COUNTED,
    _COUNTED
    + "\n    PERFORM set_config('usecases.rebuilding', 'off', true);"
    + "\n    PERFORM usecases_scopetallies_recount();",
)


def _tally_rows(table: str, column: str) -> str:
    rows = _0021.TALLY_ROWS
    for old, new in (
        ("'teamtally'", f"'{table}'"),
        ("('team_id', s.team_id,", f"('{column}', s.{column}, 'team_id', s.team_id,"),
        ("FROM usecases_teamtally s", f"FROM usecases_{table} s"),
    ):
        rows = _replaced(rows, old, new)
    return rows


# 0024's view, and the tallies' counts beside the team tally's: a rebuild compares them too.
VIEW = _replaced(
    _0024.VIEW,
    _0021.TALLY_ROWS,
    _0021.TALLY_ROWS
    + "".join(f"UNION ALL{_tally_rows(table, column)}" for table, _, column in TALLIES),
)

# 0025's folding, and then the tallies' rows that count nothing deleted, as the team tally's are.
_ZERO = """
    DELETE FROM usecases_{table} WHERE id IN (
        SELECT id FROM usecases_{table}
        WHERE (slot = 0 OR slot NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL))
            AND ({columns}) = ({zeros})
        FOR UPDATE SKIP LOCKED
    );"""
_TEAM_ZERO = _ZERO.format(table="teamtally", columns=_0021.COLUMNS, zeros=_0021.ZEROS)
ROW_COUNT = _0024.ROW_COUNT + "".join(
    f" + (SELECT count(*) FROM usecases_{table})" for table, *_ in TALLIES
)
COMPACT = _replaced(
    _0025.COMPACT,
    _TEAM_ZERO,
    _TEAM_ZERO
    + "".join(
        _ZERO.format(table=table, columns=_0021.COLUMNS, zeros=_0021.ZEROS) for table, *_ in TALLIES
    ),
).replace(f"SELECT {_0024.ROW_COUNT} INTO", f"SELECT {ROW_COUNT} INTO")
assert COMPACT.count(ROW_COUNT) == 2

FORWARD = "\n".join(
    [
        *(_functions(table, column) for table, _, column in TALLIES),
        *(_triggers(table, source) for table, source, _ in TALLIES),
        RECOUNT,
        "SELECT usecases_scopetallies_recount();",
        REBUILD,
        VIEW,
        COMPACT,
    ]
)
BACKWARD = "\n".join(
    [
        _0025.REBUILD,
        _0024.VIEW,
        _0025.COMPACT,
        "DROP FUNCTION IF EXISTS usecases_scopetallies_recount();",
        *(_dropped(table, source) for table, source, _ in TALLIES),
    ]
)


def _tally_model(name: str, column: str) -> migrations.CreateModel:
    """A tally's table: ``TeamTally``'s columns (one per count of 0021's rules), keyed by
    ``column`` as well."""
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                ),
            ),
            ("team_id", models.BigIntegerField()),
            ("slot", models.IntegerField(db_default=0)),
            *((count, models.BigIntegerField(db_default=0)) for count in _0021.RULES),
            (column, models.BigIntegerField()),
        ],
        options={
            "abstract": False,
            "constraints": [
                models.UniqueConstraint(
                    fields=(column, "team_id", "slot"), name=f"{name.lower()}_key"
                )
            ],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0025_unit_rows"),
    ]

    operations = [
        _tally_model("GoalScopeTally", "goal_id"),
        _tally_model("ProductScopeTally", "product_id"),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
