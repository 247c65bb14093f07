"""Every goal's ancestors, however deep the tree: 0015's closure stopped 100 levels up (its guard
against a loop of parents), so a use case more than 100 levels below a goal was missing from that
goal's roll-up and from a dashboard filtered by it with its sub-goals, while the list, which walks
the whole tree, counted it. The recursion now ends because it adds only rows it has not seen
(``UNION``): a loop of parents yields each of its goals once. The closure is then brought up to
date, and the facts of the use cases serving a goal whose closure changed are refreshed, as a
moved goal's are (``usecases_summary_goals_changed``).

The closure holds a row per goal and goal above it, so a chain n deep holds about n²/2 rows and is
rebuilt on each statement that changes goals: 1,000 deep, 500,000 rows in about a second; a real
goal tree is a few levels deep."""

import importlib

from django.db import migrations

_0018 = importlib.import_module("usecases.migrations.0018_summary_slots")

# 0015's function with its recursion uncapped: the depth column and its limit taken out, and
# UNION for UNION ALL, which is what ends the recursion on a loop of parents (without it, no
# depth would recurse forever).
UNCAPPED = {
    "anc (goal_id, ancestor_id, parent_id, depth)": "anc (goal_id, ancestor_id, parent_id)",
    "SELECT id, id, parent_id, 0 FROM": "SELECT id, id, parent_id FROM",
    "UNION ALL\n        SELECT a.goal_id, g.id, g.parent_id, a.depth + 1": (
        "UNION\n        SELECT a.goal_id, g.id, g.parent_id"
    ),
    "\n        WHERE a.depth < 100": "",
}
FUNCTION = _0018._0015_function("usecases_goal_ancestors_rebuild")
for capped, uncapped in UNCAPPED.items():
    assert FUNCTION.count(capped) == 1, capped
    FUNCTION = FUNCTION.replace(capped, uncapped)
assert "depth" not in FUNCTION

SQL = f"""
{FUNCTION}

DO $$
DECLARE
    changed bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(81502, 0);
    changed := usecases_goal_ancestors_rebuild();
    IF cardinality(changed) > 0 THEN
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT DISTINCT usecase_id FROM usecases_usecase_goals
            WHERE strategicgoal_id = ANY (changed)
        ));
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0022_fact_gin_indexes"),
    ]

    # Going back keeps the closure whole: 0015's own reversal drops the function.
    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
