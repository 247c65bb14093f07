"""Counts per goal served (directly or through a goal beneath it) and per product run on, with
every dimension the dashboard groups by (``usecases.models.summary.GoalScopeCount``,
``ProductScopeCount`` and their kin): the dashboard filtered by a goal with its sub-goals, or by a
product alone, reads that goal's or product's rows, as the unfiltered one reads the team counts,
instead of counting the facts of every use case it selects (half a million under a top goal).

The triggers' functions are 0018's and 0021's with these tables added to their lists: each fact's
contribution is moved into them by the same CTEs (``count_ctes``), in the writer's own slot; the
rebuild truncates and refills them; the view the repair command compares lists them; the folding
folds them. The SQL is derived here from those migrations' own text and frozen with this one (it
supersedes 0018's ``usecases_summary_add``, 0021's ``usecases_summary_rebuild``,
``usecases_summary_rows`` and ``usecases_summary_compact``, and 0015's
``usecases_summary_usecases_truncated``)."""

import importlib

from django.db import migrations, models

_0015 = importlib.import_module("usecases.migrations.0015_summary_tables")
_0018 = importlib.import_module("usecases.migrations.0018_summary_slots")
_0021 = importlib.import_module("usecases.migrations.0021_team_tally")
MEASURED, LIVE = _0018.MEASURED, _0018.LIVE
CLOSURE = "unnest(goal_closure) g"

# As 0018's ``COUNT_TABLES``: each goal of a fact's closure (the goals it serves and every goal
# above them, each once) with the columns of the team, product, area and profile counts. The
# product, area and profile counts keep a row for the whole organisation (team 0) beside each
# team's; the scope counts are read per team.
GOAL_TABLES = (
    (
        "goalscopecount",
        "goal_id, team_id, status, lifecycle_stage, evidence_status, owner_state, imported, "
        "changed, no_goal, phase",
        "g, team_id, status, lifecycle_stage, evidence_status, owner_state, imported, changed, "
        "no_goal, phase",
        f"delta, {CLOSURE}",
        "true",
        None,
    ),
    (
        "goalproductcount",
        "goal_id, team_id, product_id, live, measured, evidence_status",
        "g, coalesce(team_id, 0), p, live, measured, evidence_status",
        f"(SELECT d, g, team_id, p, status IN {LIVE} AS live, status IN {MEASURED} AS measured,"
        f" evidence_status FROM delta, {CLOSURE}, unnest(product_ids) p) rows",
        "true",
        "(g, team_id, p, live, measured, evidence_status), (g, p, live, measured, evidence_status)",
    ),
    (
        "goalareacount",
        "goal_id, team_id, evidence_area, evidence_status",
        "g, coalesce(team_id, 0), evidence_area, evidence_status",
        f"delta, {CLOSURE}",
        f"status IN {MEASURED}",
        "(g, team_id, evidence_area, evidence_status), (g, evidence_area, evidence_status)",
    ),
    (
        "goalprofilecount",
        "goal_id, team_id, profile",
        "g, coalesce(team_id, 0), p",
        f"delta, {CLOSURE}, unnest(unreportable) p",
        "true",
        "(g, team_id, p), (g, p)",
    ),
)
PRODUCTS = "unnest(product_ids) p"
_TEAM_COLUMNS = _0018.COUNT_TABLES[0][1]
_GOAL_COLUMNS = "status, owner_state IN ('ok', 'away') AND NOT changed AS signable, phase"

# Per product run on: the team counts per team, the rest for the whole organisation alone (team
# 0; a product filter with a team counts the facts).
PRODUCT_TABLES = (
    (
        "productscopecount",
        f"product_id, {_TEAM_COLUMNS}",
        f"p, {_TEAM_COLUMNS}",
        f"delta, {PRODUCTS}",
        "true",
        None,
    ),
    (
        "productgoalcount",
        "product_id, team_id, goal_id, status, signable, phase",
        "p, 0, g, status, signable, phase",
        f"(SELECT d, p, g, {_GOAL_COLUMNS} FROM delta, {PRODUCTS}, {CLOSURE}) rows",
        "true",
        None,
    ),
    (
        "productgoalevidencecount",
        "product_id, team_id, goal_id, evidence_status",
        "p, 0, g, evidence_status",
        f"delta, {PRODUCTS}, unnest(goal_ids) g",
        f"status IN {MEASURED}",
        None,
    ),
    (
        "productareacount",
        "product_id, team_id, evidence_area, evidence_status",
        "p, 0, evidence_area, evidence_status",
        f"delta, {PRODUCTS}",
        f"status IN {MEASURED}",
        None,
    ),
    (
        "productprofilecount",
        "product_id, team_id, profile",
        "p, 0, u",
        f"delta, {PRODUCTS}, unnest(unreportable) u",
        "true",
        None,
    ),
)
SCOPE_TABLES = (*GOAL_TABLES, *PRODUCT_TABLES)
COUNT_TABLES = (*_0018.COUNT_TABLES, *SCOPE_TABLES)


def _replaced(text: str, old: str, new: str) -> str:
    """``text`` with ``old``, found exactly once, replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


_PID = "pg_backend_pid()"
ADD = _replaced(_0018.ADD, _0018.count_ctes(_PID), _0018.count_ctes(_PID, COUNT_TABLES))
_TRUNCATED = "\n        usecases_profilecount;"
REBUILD = _replaced(
    _replaced(_0021.REBUILD, _0018.count_ctes("0"), _0018.count_ctes("0", COUNT_TABLES)),
    _TRUNCATED,
    "\n        usecases_profilecount, "
    + ", ".join(f"usecases_{table}" for table, *_ in SCOPE_TABLES)
    + ";",
)
# A rebuild after a bulk load (the scale seed) has nothing to compare with: ``compare`` false
# skips the snapshot before and the comparison after (two passes over every summary row), and
# returns null.
_BEFORE = """    DROP TABLE IF EXISTS usecases_summary_before;
    CREATE TEMP TABLE usecases_summary_before ON COMMIT DROP AS
        SELECT * FROM usecases_summary_rows;
"""
_COMPARED = """    SELECT count(*) INTO differed FROM (
        (SELECT * FROM usecases_summary_before EXCEPT ALL SELECT * FROM usecases_summary_rows)
        UNION ALL
        (SELECT * FROM usecases_summary_rows EXCEPT ALL SELECT * FROM usecases_summary_before)
    ) d;
    DROP TABLE usecases_summary_before;
"""
for _old, _new in (
    (
        "usecases_summary_rebuild() RETURNS bigint",
        "usecases_summary_rebuild(compare boolean DEFAULT true) RETURNS bigint",
    ),
    (_BEFORE, f"    IF compare THEN\n{_BEFORE}    END IF;\n"),
    (_COMPARED, f"    IF compare THEN\n{_COMPARED}    END IF;\n"),
):
    REBUILD = _replaced(REBUILD, _old, _new)
REBUILD = "DROP FUNCTION usecases_summary_rebuild();\n" + REBUILD
VIEW = _replaced(
    _0021.VIEW,
    _0018.SUMMARY_ROWS,
    _0018.SUMMARY_ROWS + "UNION ALL" + _0018.summary_rows(SCOPE_TABLES),
)
ROW_COUNT = f"{_0021.ROW_COUNT} + {_0018.row_count(SCOPE_TABLES)}"
COMPACT = _replaced(
    _0021.COMPACT,
    _0018.COMPACT,
    _0018.COMPACT + "".join(_0018.compact(table, key) for table, key, *_ in SCOPE_TABLES),
).replace(f"SELECT {_0021.ROW_COUNT} INTO", f"SELECT {ROW_COUNT} INTO")
assert COMPACT.count(ROW_COUNT) == 2

# The use cases truncated: the new tables emptied with the others (0015's function, extended).
_EMPTIED = "    DELETE FROM usecases_profilecount;\n"
_START = _0015.TRIGGERS.index("CREATE OR REPLACE FUNCTION usecases_summary_usecases_truncated(")
TRUNCATED_0015 = _0015.TRIGGERS[_START : _0015.TRIGGERS.index("\n$$;\n", _START) + 4]
TRUNCATED = _replaced(
    TRUNCATED_0015,
    _EMPTIED,
    _EMPTIED + "".join(f"    DELETE FROM usecases_{table};\n" for table, *_ in SCOPE_TABLES),
)

# The new tables counted once from the facts, after the functions that keep them are in place:
# the clock row is locked first, as a rebuild locks it, so a writer still using the old functions
# has committed (its facts are read here) and the next one waits and uses the new ones.
FILL = f"""
SELECT 1 FROM usecases_summaryclock WHERE id = 1 FOR UPDATE;
WITH delta AS (SELECT 1 AS d, f.* FROM usecases_usecasefact f),
{_0018.count_ctes("0", SCOPE_TABLES)}SELECT NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0023_goal_ancestors_uncapped"),
    ]

    operations = [
        # Going back, 0018's and 0021's functions return before the tables go.
        migrations.CreateModel(
            name="GoalAreaCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("evidence_area", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("goal_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="GoalProductCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("product_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("live", models.BooleanField()),
                ("measured", models.BooleanField()),
                ("evidence_status", models.CharField(max_length=20)),
                ("goal_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="GoalProfileCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("profile", models.CharField(max_length=40)),
                ("goal_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="GoalScopeCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("lifecycle_stage", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("owner_state", models.CharField(max_length=8)),
                ("imported", models.BooleanField()),
                ("changed", models.BooleanField()),
                ("no_goal", models.BooleanField()),
                ("phase", models.CharField(blank=True, max_length=10)),
                ("goal_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProductAreaCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("evidence_area", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("product_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProductGoalCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("product_id", models.BigIntegerField()),
                ("goal_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("signable", models.BooleanField()),
                ("phase", models.CharField(blank=True, max_length=10)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProductGoalEvidenceCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("product_id", models.BigIntegerField()),
                ("goal_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("evidence_status", models.CharField(max_length=20)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProductProfileCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("profile", models.CharField(max_length=40)),
                ("product_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProductScopeCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.IntegerField(db_default=0)),
                ("n", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("lifecycle_stage", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("owner_state", models.CharField(max_length=8)),
                ("imported", models.BooleanField()),
                ("changed", models.BooleanField()),
                ("no_goal", models.BooleanField()),
                ("phase", models.CharField(blank=True, max_length=10)),
                ("product_id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        # Constraints now, not at the migration's end: the functions' upserts name them.
        migrations.AddConstraint(
            model_name="goalareacount",
            constraint=models.UniqueConstraint(
                fields=("goal_id", "team_id", "evidence_area", "evidence_status", "slot"),
                name="goalareacount_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="goalproductcount",
            constraint=models.UniqueConstraint(
                fields=(
                    "goal_id",
                    "team_id",
                    "product_id",
                    "live",
                    "measured",
                    "evidence_status",
                    "slot",
                ),
                name="goalproductcount_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="goalprofilecount",
            constraint=models.UniqueConstraint(
                fields=("goal_id", "team_id", "profile", "slot"), name="goalprofilecount_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="goalscopecount",
            constraint=models.UniqueConstraint(
                fields=(
                    "goal_id",
                    "team_id",
                    "status",
                    "lifecycle_stage",
                    "evidence_status",
                    "owner_state",
                    "imported",
                    "changed",
                    "no_goal",
                    "phase",
                    "slot",
                ),
                name="goalscopecount_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="productareacount",
            constraint=models.UniqueConstraint(
                fields=("product_id", "team_id", "evidence_area", "evidence_status", "slot"),
                name="productareacount_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="productgoalcount",
            constraint=models.UniqueConstraint(
                fields=("product_id", "team_id", "goal_id", "status", "signable", "phase", "slot"),
                name="productgoalcount_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="productgoalevidencecount",
            constraint=models.UniqueConstraint(
                fields=("product_id", "team_id", "goal_id", "evidence_status", "slot"),
                name="productgoalevidencecount_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="productprofilecount",
            constraint=models.UniqueConstraint(
                fields=("product_id", "team_id", "profile", "slot"), name="productprofilecount_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="productscopecount",
            constraint=models.UniqueConstraint(
                fields=(
                    "product_id",
                    "team_id",
                    "status",
                    "lifecycle_stage",
                    "evidence_status",
                    "owner_state",
                    "imported",
                    "changed",
                    "no_goal",
                    "phase",
                    "slot",
                ),
                name="productscopecount_key",
            ),
        ),
        migrations.RunSQL(
            f"{ADD}\n{REBUILD}\n{VIEW}\n{COMPACT}\n{TRUNCATED}\n{FILL}",
            f"{_0018.ADD}\nDROP FUNCTION usecases_summary_rebuild(boolean);\n{_0021.REBUILD}\n"
            f"{_0021.VIEW}\n{_0021.COMPACT}\n{TRUNCATED_0015}",
        ),
    ]
