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

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION usecases_goal_ancestors_rebuild() RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS usecases_fresh_ancestors (
        goal_id bigint, ancestor_id bigint
    ) ON COMMIT DROP;
    DELETE FROM usecases_fresh_ancestors;
    INSERT INTO usecases_fresh_ancestors
    WITH RECURSIVE anc (goal_id, ancestor_id, parent_id) AS (
        SELECT id, id, parent_id FROM portfolio_strategicgoal
        UNION
        SELECT a.goal_id, g.id, g.parent_id
        FROM anc a JOIN portfolio_strategicgoal g ON g.id = a.parent_id
    )
    SELECT DISTINCT goal_id, ancestor_id FROM anc;
    changed := ARRAY(
        SELECT DISTINCT coalesce(f.goal_id, a.goal_id)
        FROM usecases_fresh_ancestors f
        FULL JOIN usecases_goalancestor a
            ON a.goal_id = f.goal_id AND a.ancestor_id = f.ancestor_id
        WHERE f.goal_id IS NULL OR a.goal_id IS NULL
    );
    IF cardinality(changed) > 0 THEN
        DELETE FROM usecases_goalancestor WHERE goal_id = ANY (changed);
        INSERT INTO usecases_goalancestor (goal_id, ancestor_id)
        SELECT goal_id, ancestor_id FROM usecases_fresh_ancestors WHERE goal_id = ANY (changed);
    END IF;
    RETURN changed;
END
$$;

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
