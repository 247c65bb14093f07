"""One row per team and writer slot holding every count of the dashboard's team table
(``usecases.models.summary.TeamTally``), kept by statement triggers on ``usecases_teamcount``:
the dashboard sums a row per team and slot instead of filtering every team count 22 times.

The rules are ``usecases.dashboard.summary.count_rules()`` as they were compiled when this was
written (``summary.tally_flags()``), frozen here: the dashboard trusts the tally only while
``usecases_teamtally_rules()`` returns the rules it compiles now. Changing a rule takes a migration
that replaces both ``usecases_teamtally_rules()`` and ``usecases_teamtally_written()`` and then
recounts the tally (``SELECT usecases_teamtally_recount()``);
``tests/usecases/dashboard/test_team_tally.py`` fails until the rules are installed. A rebuild
(``manage.py repair_summaries``, the scale seed) recounts the tally from the team counts itself,
whether or not the triggers fire (a session with ``session_replication_role = replica`` skips
them), so a recount a migration forgot is mended by the repair command. The SQL is written here,
frozen with the migration (it supersedes 0018's ``usecases_summary_rows``,
``usecases_summary_compact`` and ``usecases_summary_rebuild``)."""

import importlib
import json

from django.db import migrations, models

_0018 = importlib.import_module("usecases.migrations.0018_summary_slots")

# Each count's flag over a team count's columns (1 when the row counts towards it, else 0).
RULES = {
    "total": "1",
    "draft": "CASE WHEN \"status\" = 'draft' THEN 1 ELSE 0 END",
    "in_review": "CASE WHEN \"status\" = 'in_review' THEN 1 ELSE 0 END",
    "awaiting_sign_off": "CASE WHEN \"status\" = 'awaiting_sign_off' THEN 1 ELSE 0 END",
    "active": "CASE WHEN \"status\" = 'active' THEN 1 ELSE 0 END",
    "declined": "CASE WHEN \"status\" = 'declined' THEN 1 ELSE 0 END",
    "retired": "CASE WHEN \"status\" = 'retired' THEN 1 ELSE 0 END",
    "signed": "CASE WHEN (NOT \"changed\" AND \"owner_state\" IN ('ok', 'away') AND \"phase\" IN ('current', 'due_soon') AND \"status\" = 'active') THEN 1 ELSE 0 END",
    "unowned_draft": "CASE WHEN (\"owner_state\" = 'none' AND \"status\" = 'draft') THEN 1 ELSE 0 END",
    "imported_unowned": 'CASE WHEN ("imported" AND "owner_state" = \'none\' AND "status" = \'draft\') THEN 1 ELSE 0 END',
    "in_production_unsigned": "CASE WHEN (\"lifecycle_stage\" = 'in_production' AND NOT (NOT \"changed\" AND \"owner_state\" IN ('ok', 'away') AND \"phase\" IN ('current', 'due_soon') AND \"status\" = 'active')) THEN 1 ELSE 0 END",
    "overdue": "CASE WHEN \"phase\" = 'overdue' THEN 1 ELSE 0 END",
    "due_soon": "CASE WHEN \"phase\" = 'due_soon' THEN 1 ELSE 0 END",
    "owner_gone": "CASE WHEN (\"owner_state\" IN ('inactive', 'away') AND \"status\" IN ('draft', 'in_review', 'awaiting_sign_off', 'active')) THEN 1 ELSE 0 END",
    "changed": "CASE WHEN (\"changed\" AND \"status\" IN ('active', 'in_review', 'awaiting_sign_off')) THEN 1 ELSE 0 END",
    "no_goal": "CASE WHEN (\"no_goal\" AND \"status\" IN ('draft', 'in_review', 'awaiting_sign_off', 'active')) THEN 1 ELSE 0 END",
    "off_track": "CASE WHEN (\"evidence_status\" = 'off_track' AND \"status\" IN ('active', 'awaiting_sign_off')) THEN 1 ELSE 0 END",
    "stage_idea": "CASE WHEN \"lifecycle_stage\" = 'idea' THEN 1 ELSE 0 END",
    "stage_in_development": "CASE WHEN \"lifecycle_stage\" = 'in_development' THEN 1 ELSE 0 END",
    "stage_pilot": "CASE WHEN \"lifecycle_stage\" = 'pilot' THEN 1 ELSE 0 END",
    "stage_in_production": "CASE WHEN \"lifecycle_stage\" = 'in_production' THEN 1 ELSE 0 END",
    "stage_retired": "CASE WHEN \"lifecycle_stage\" = 'retired' THEN 1 ELSE 0 END",
}

COLUMNS = ", ".join(f'"{name}"' for name in RULES)
ZEROS = ", ".join("0" for _ in RULES)
KEY = (
    "team_id, slot, status, lifecycle_stage, evidence_status, owner_state, imported, changed, "
    "no_goal, phase"
)


def upsert(delta: str, *, conflict: bool = True) -> str:
    """Add to each team's and slot's tally what the ``delta`` rows (``d``: the signed ``n``, and a
    team count's columns) count: one row per team and slot, in key order (a writer only touches
    its own slot's rows, as in the team counts), none for a change that moves no count.
    ``conflict=False``: into a table known to be empty (the fill, the recount), with no conflict
    to resolve."""
    sums = ",\n            ".join(
        f'sum(d * ({flag}))::bigint AS "{name}"' for name, flag in RULES.items()
    )
    updates = ", ".join(f'"{name}" = s."{name}" + EXCLUDED."{name}"' for name in RULES)
    on_conflict = f"ON CONFLICT (team_id, slot) DO UPDATE SET {updates}" if conflict else ""
    return f"""
        WITH delta AS ({delta})
        INSERT INTO usecases_teamtally AS s (team_id, slot, {COLUMNS})
        SELECT * FROM (
            SELECT team_id, slot,
            {sums}
            FROM delta GROUP BY team_id, slot
        ) tally
        WHERE ({COLUMNS}) <> ({ZEROS})
        ORDER BY team_id, slot
        {on_conflict};"""


NEW = f"SELECT n AS d, {KEY} FROM new_rows"
OLD = f"SELECT -n AS d, {KEY} FROM old_rows"

FUNCTIONS = f"""
-- The rules the tally's triggers count by, for the reader to compare with its own.
CREATE OR REPLACE FUNCTION usecases_teamtally_rules() RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $rules$ SELECT '{json.dumps(RULES).replace("'", "''")}'::jsonb $rules$;

-- A statement wrote team counts (an insert or an upsert's rows, the rows it updated, or those it
-- deleted: an upsert fires both its INSERT and its UPDATE triggers): the tally moves by as much.
CREATE OR REPLACE FUNCTION usecases_teamtally_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{upsert(NEW)}
    ELSIF TG_OP = 'DELETE' THEN{upsert(OLD)}
    ELSE{upsert(f"{NEW} UNION ALL {OLD}")}
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION usecases_teamtally_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM usecases_teamtally;  -- not TRUNCATE: a flush truncates both in one statement
    RETURN NULL;
END
$$;
"""

REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
TRIGGERS = "\n".join(
    [
        *(
            f"CREATE TRIGGER tally_usecases_teamcount_{operation.lower()} AFTER {operation} "
            f"ON usecases_teamcount {referencing} FOR EACH STATEMENT "
            "EXECUTE FUNCTION usecases_teamtally_written();"
            for operation, referencing in REFERENCING.items()
        ),
        "CREATE TRIGGER tally_usecases_teamcount_truncate AFTER TRUNCATE ON usecases_teamcount "
        "FOR EACH STATEMENT EXECUTE FUNCTION usecases_teamtally_truncated();",
    ]
)
DROP_TRIGGERS = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS tally_usecases_teamcount_{operation} ON usecases_teamcount;"
            for operation in ("insert", "update", "delete", "truncate")
        ),
        "DROP FUNCTION IF EXISTS usecases_teamtally_written();",
        "DROP FUNCTION IF EXISTS usecases_teamtally_truncated();",
        "DROP FUNCTION IF EXISTS usecases_teamtally_rules();",
    ]
)

# The tally counted again from the team counts, triggers or not: the migration's first fill
# (the triggers are in place first: their lock holds writers back until it commits), and every
# rebuild's last step.
FILL = upsert(f"SELECT n AS d, {KEY} FROM usecases_teamcount", conflict=False)
RECOUNT = f"""
CREATE OR REPLACE FUNCTION usecases_teamtally_recount() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM usecases_teamtally;{FILL}
END
$$;
"""
# 0018's rebuild, and then the tally recounted before the rebuilt rows are compared with those
# kept: a tally the triggers did not keep (off for the session) differs, and is mended.
_COMPARE = "\n    SELECT count(*) INTO differed FROM ("
REBUILD = _0018.REBUILD.replace(_COMPARE, "\n    PERFORM usecases_teamtally_recount();" + _COMPARE)
assert REBUILD.count("usecases_teamtally_recount") == 1

# 0018's view, and each team's counts (the slots summed) beside the other tables' rows: a rebuild
# compares them with what was kept (the repair command says what differed).
_VALUES = ", ".join(f"('{name}', s.\"{name}\")" for name in RULES)
TALLY_ROWS = f"""
SELECT 'teamtally' AS t, jsonb_build_object('team_id', s.team_id, 'count', c.name) AS k,
    sum(c.n)::bigint AS n
FROM usecases_teamtally s, LATERAL (VALUES {_VALUES}) c (name, n)
GROUP BY 2 HAVING sum(c.n) <> 0
"""
_VIEW = _0018.FUNCTIONS.index("CREATE OR REPLACE VIEW usecases_summary_rows AS")
VIEW_0018 = _0018.FUNCTIONS[_VIEW : _0018.FUNCTIONS.index(";", _VIEW) + 1]
VIEW = VIEW_0018.replace(_0018.SUMMARY_ROWS, _0018.SUMMARY_ROWS + "UNION ALL" + TALLY_ROWS)

# 0018's folding, and then the tally rows that count nothing deleted (an ended session's, once its
# team counts are folded into slot 0, and slot 0's own); a live session's are left alone. The
# folding's deletes move the ended slot's tally rows through the triggers: should a new session
# have been given the ended one's process id and already hold one of those rows, one of the two
# fails with a deadlock and is retried (as any writer may); no count comes out wrong.
_COMPACT = _0018.FUNCTIONS.index("CREATE OR REPLACE FUNCTION usecases_summary_compact(")
COMPACT_0018 = _0018.FUNCTIONS[_COMPACT : _0018.FUNCTIONS.index("\n$$;\n", _COMPACT) + 4]
_AFTER = f"\n    SELECT {_0018.ROW_COUNT} INTO after;"
ROW_COUNT = f"{_0018.ROW_COUNT} + (SELECT count(*) FROM usecases_teamtally)"
COMPACT = COMPACT_0018.replace(
    _AFTER,
    f"""
    PERFORM pg_stat_clear_snapshot();
    DELETE FROM usecases_teamtally WHERE id IN (
        SELECT id FROM usecases_teamtally
        WHERE (slot = 0 OR slot NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL))
            AND ({COLUMNS}) = ({ZEROS})
        FOR UPDATE SKIP LOCKED
    );{_AFTER}""",
).replace(f"SELECT {_0018.ROW_COUNT} INTO", f"SELECT {ROW_COUNT} INTO")
assert COMPACT.count(ROW_COUNT) == 2 and "DELETE FROM usecases_teamtally" in COMPACT


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0020_review_open_sent_by"),
    ]

    operations = [
        migrations.CreateModel(
            name="TeamTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("slot", models.IntegerField(db_default=0)),
                ("total", models.BigIntegerField(db_default=0)),
                ("draft", models.BigIntegerField(db_default=0)),
                ("in_review", models.BigIntegerField(db_default=0)),
                ("awaiting_sign_off", models.BigIntegerField(db_default=0)),
                ("active", models.BigIntegerField(db_default=0)),
                ("declined", models.BigIntegerField(db_default=0)),
                ("retired", models.BigIntegerField(db_default=0)),
                ("signed", models.BigIntegerField(db_default=0)),
                ("unowned_draft", models.BigIntegerField(db_default=0)),
                ("imported_unowned", models.BigIntegerField(db_default=0)),
                ("in_production_unsigned", models.BigIntegerField(db_default=0)),
                ("overdue", models.BigIntegerField(db_default=0)),
                ("due_soon", models.BigIntegerField(db_default=0)),
                ("owner_gone", models.BigIntegerField(db_default=0)),
                ("changed", models.BigIntegerField(db_default=0)),
                ("no_goal", models.BigIntegerField(db_default=0)),
                ("off_track", models.BigIntegerField(db_default=0)),
                ("stage_idea", models.BigIntegerField(db_default=0)),
                ("stage_in_development", models.BigIntegerField(db_default=0)),
                ("stage_pilot", models.BigIntegerField(db_default=0)),
                ("stage_in_production", models.BigIntegerField(db_default=0)),
                ("stage_retired", models.BigIntegerField(db_default=0)),
            ],
            options={
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(fields=("team_id", "slot"), name="teamtally_key")
                ],
            },
        ),
        migrations.RunSQL(
            f"{FUNCTIONS}\n{TRIGGERS}\n{FILL}\n{VIEW}\n{COMPACT}\n{RECOUNT}\n{REBUILD}",
            f"{_0018.REBUILD}\n{COMPACT_0018}\n{VIEW_0018}\n{DROP_TRIGGERS}\n"
            "DROP FUNCTION IF EXISTS usecases_teamtally_recount();",
        ),
    ]
