"""The dashboard's summary tables and the triggers that keep them exact (see
``usecases.models.summary``). The SQL is written here, frozen with the migration."""

import django.contrib.postgres.fields
from django.db import migrations, models

# The functions and triggers that keep the summary tables exact (see usecases.models.summary).
MEASURED = "('awaiting_sign_off', 'active')"
LIVE = "('draft', 'in_review', 'awaiting_sign_off', 'active')"

# Moving each fact's contribution into every count table, from a ``delta`` of (d, fact...) rows
# (d = 1 adds, -1 takes away): used by the refresh (old and new facts) and by the rebuild (every
# fact). Keys are written in order, so concurrent writers lock rows in one order; the per-goal,
# per-product, per-area and per-profile counts keep organisation-wide rows (team 0) beside each
# team's (GROUPING SETS), which the unfiltered dashboard reads.
COUNT_CTES = f"""
    team AS (
        INSERT INTO usecases_teamcount AS s (
            team_id, status, lifecycle_stage, evidence_status, owner_state, imported,
            changed, no_goal, phase, n
        )
        SELECT team_id, status, lifecycle_stage, evidence_status, owner_state, imported,
            changed, no_goal, phase, sum(d)
        FROM delta GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(d) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (team_id, status, lifecycle_stage, evidence_status, owner_state, imported,
            changed, no_goal, phase)
        DO UPDATE SET n = s.n + EXCLUDED.n
    ),
    goal AS (
        INSERT INTO usecases_goalcount AS s (team_id, goal_id, status, signable, phase, n)
        SELECT coalesce(team_id, 0), g, status, signable, phase, sum(d)
        FROM (
            SELECT d, team_id, g, status, owner_state IN ('ok', 'away') AND NOT changed AS signable,
                phase
            FROM delta, unnest(goal_closure) g
        ) rows
        GROUP BY GROUPING SETS ((team_id, g, status, signable, phase), (g, status, signable, phase))
        HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (team_id, goal_id, status, signable, phase)
        DO UPDATE SET n = s.n + EXCLUDED.n
    ),
    goal_evidence AS (
        INSERT INTO usecases_goalevidencecount AS s (team_id, goal_id, evidence_status, n)
        SELECT coalesce(team_id, 0), g, evidence_status, sum(d)
        FROM delta, unnest(goal_ids) g WHERE status IN {MEASURED}
        GROUP BY GROUPING SETS ((team_id, g, evidence_status), (g, evidence_status))
        HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (team_id, goal_id, evidence_status) DO UPDATE SET n = s.n + EXCLUDED.n
    ),
    product AS (
        INSERT INTO usecases_productcount AS s (
            team_id, product_id, live, measured, evidence_status, n
        )
        SELECT coalesce(team_id, 0), p, live, measured, evidence_status, sum(d)
        FROM (
            SELECT d, team_id, p, status IN {LIVE} AS live, status IN {MEASURED} AS measured,
                evidence_status
            FROM delta, unnest(product_ids) p
        ) rows
        GROUP BY GROUPING SETS (
            (team_id, p, live, measured, evidence_status), (p, live, measured, evidence_status)
        )
        HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (team_id, product_id, live, measured, evidence_status)
        DO UPDATE SET n = s.n + EXCLUDED.n
    ),
    profile AS (
        INSERT INTO usecases_profilecount AS s (team_id, profile, n)
        SELECT coalesce(team_id, 0), p, sum(d) FROM delta, unnest(unreportable) p
        GROUP BY GROUPING SETS ((team_id, p), (p)) HAVING sum(d) <> 0 ORDER BY 1, 2
        ON CONFLICT (team_id, profile) DO UPDATE SET n = s.n + EXCLUDED.n
    ),
    area AS (
        INSERT INTO usecases_areacount AS s (team_id, evidence_area, evidence_status, n)
        SELECT coalesce(team_id, 0), evidence_area, evidence_status, sum(d)
        FROM delta WHERE status IN {MEASURED}
        GROUP BY GROUPING SETS ((team_id, evidence_area, evidence_status),
                                (evidence_area, evidence_status))
        HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (team_id, evidence_area, evidence_status) DO UPDATE SET n = s.n + EXCLUDED.n
    )
"""

FUNCTIONS = f"""
-- The profiles a use case is not reportable under: replaced after every migrate by the
-- conditions of the profiles loaded (``usecases.summary_profiles``).
CREATE OR REPLACE FUNCTION usecases_unreportable(u usecases_usecase) RETURNS varchar[]
LANGUAGE sql IMMUTABLE AS $$ SELECT '{{}}'::varchar[] $$;

CREATE OR REPLACE FUNCTION usecases_phase(
    status text, expires timestamptz, phased_at timestamptz, due_days integer
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN status <> 'active' OR expires IS NULL THEN ''
        WHEN expires < phased_at THEN 'overdue'
        WHEN expires < phased_at + make_interval(hours => 24 * due_days) THEN 'due_soon'
        ELSE 'current'
    END
$$;

-- The clock row, made again if a flush emptied the table (the phases then refer to now).
CREATE OR REPLACE FUNCTION usecases_summary_clock_ensure() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM usecases_summaryclock WHERE id = 1;
    IF NOT FOUND THEN
        INSERT INTO usecases_summaryclock (id, phased_at, due_within_days)
        VALUES (1, now(), 30) ON CONFLICT (id) DO NOTHING;
    END IF;
END
$$;

-- What each use case contributes, computed from the use case, its owner, the owner's
-- membership of its team, its goals' closure, its open review or transfer and the clock.
CREATE OR REPLACE VIEW usecases_fact_source AS
SELECT
    u.id AS usecase_id,
    u.team_id,
    u.status,
    u.lifecycle_stage,
    u.evidence_status,
    u.evidence_area,
    u.owner_id,
    CASE
        WHEN u.owner_id IS NULL THEN 'none'
        WHEN NOT o.is_active THEN 'inactive'
        WHEN EXISTS (
            SELECT 1 FROM portfolio_membership m
            WHERE m.team_id = u.team_id AND m.user_id = u.owner_id
        ) THEN 'ok'
        ELSE 'away'
    END AS owner_state,
    u.source NOT IN ('manual', 'demo') AS imported,
    u.changed_since_sign_off AS changed,
    u.goal_ids = '{{}}' AS no_goal,
    u.goal_ids,
    ARRAY(
        SELECT DISTINCT a.ancestor_id FROM usecases_goalancestor a
        WHERE a.goal_id = ANY (u.goal_ids) ORDER BY 1
    )::bigint[] AS goal_closure,
    u.product_ids,
    u.attestation_expires_at AS expires_at,
    usecases_phase(u.status, u.attestation_expires_at, c.phased_at, c.due_within_days) AS phase,
    CASE u.status
        WHEN 'in_review' THEN (
            SELECT r.submitted_at FROM usecases_review r
            WHERE r.usecase_id = u.id AND r.decided_at IS NULL
            ORDER BY r.submitted_at DESC LIMIT 1
        )
        WHEN 'awaiting_sign_off' THEN COALESCE(
            (
                SELECT t.requested_at FROM usecases_ownershiptransfer t
                WHERE t.usecase_id = u.id AND t.resolved_at IS NULL
                ORDER BY t.requested_at DESC LIMIT 1
            ),
            (
                SELECT r.decided_at FROM usecases_review r
                WHERE r.usecase_id = u.id AND r.decision = 'approved'
                ORDER BY r.decided_at DESC LIMIT 1
            )
        )
    END AS waiting_since,
    usecases_unreportable(u) AS unreportable
FROM usecases_usecase u
LEFT JOIN auth_user o ON o.id = u.owner_id
CROSS JOIN usecases_summaryclock c
WHERE c.id = 1;

-- What a fact reads from other tables is held still until this transaction ends, and the
-- writers of those tables take the same locks exclusively before choosing the use cases they
-- refresh: the clock (moved under FOR UPDATE), each owner (their state and memberships, key
-- 81501) and the goal hierarchy (key 81502). Whoever comes second waits, then reads what the
-- first committed. The facts are updated in place, so a refresh waiting on another's lock reads
-- the row it left, never a deleted one.
CREATE OR REPLACE FUNCTION usecases_summary_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    old_rows usecases_usecasefact[];
    new_rows usecases_usecasefact[];
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM usecases_summary_clock_ensure();
    PERFORM 1 FROM usecases_summaryclock WHERE id = 1 FOR SHARE;
    PERFORM pg_advisory_xact_lock_shared(81502, 0);
    PERFORM pg_advisory_xact_lock_shared(81501, owner.id) FROM (
        SELECT DISTINCT owner_id::integer AS id FROM usecases_usecase
        WHERE id = ANY (ids) AND owner_id IS NOT NULL ORDER BY 1
    ) owner;
    old_rows := ARRAY(
        SELECT f FROM usecases_usecasefact f
        WHERE f.usecase_id = ANY (ids) ORDER BY f.usecase_id FOR UPDATE
    );
    new_rows := ARRAY(
        SELECT ROW(s.*)::usecases_usecasefact FROM usecases_fact_source s
        WHERE s.usecase_id = ANY (ids)
    );
    PERFORM usecases_summary_add(old_rows, new_rows);
    DELETE FROM usecases_usecasefact f WHERE f.usecase_id = ANY (ids)
        AND NOT EXISTS (SELECT 1 FROM unnest(new_rows) n WHERE n.usecase_id = f.usecase_id);
    INSERT INTO usecases_usecasefact SELECT * FROM unnest(new_rows)
    ON CONFLICT (usecase_id) DO UPDATE SET (
        team_id, status, lifecycle_stage, evidence_status, evidence_area, owner_id, owner_state, imported, changed, no_goal, goal_ids, goal_closure, product_ids, expires_at, phase, waiting_since, unreportable
    ) = (
        EXCLUDED.team_id, EXCLUDED.status, EXCLUDED.lifecycle_stage, EXCLUDED.evidence_status, EXCLUDED.evidence_area, EXCLUDED.owner_id, EXCLUDED.owner_state, EXCLUDED.imported, EXCLUDED.changed, EXCLUDED.no_goal, EXCLUDED.goal_ids, EXCLUDED.goal_closure, EXCLUDED.product_ids, EXCLUDED.expires_at, EXCLUDED.phase, EXCLUDED.waiting_since, EXCLUDED.unreportable
    );
END
$$;

-- Add the contribution of ``new_rows`` to every count table and take away that of ``old_rows``,
-- rows locked in key order so that concurrent writers queue rather than deadlock.
CREATE OR REPLACE FUNCTION usecases_summary_add(
    old_rows usecases_usecasefact[], new_rows usecases_usecasefact[]
) RETURNS void LANGUAGE sql AS $$
    WITH delta AS (
        SELECT -1 AS d, o.* FROM unnest(old_rows) o
        UNION ALL
        SELECT 1 AS d, n.* FROM unnest(new_rows) n
    ),
{COUNT_CTES}    SELECT NULL::void
$$;

-- Goals whose closure (the goal and everything above it) changed; the closure table rebuilt.
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
    WITH RECURSIVE anc (goal_id, ancestor_id, parent_id, depth) AS (
        SELECT id, id, parent_id, 0 FROM portfolio_strategicgoal
        UNION ALL
        SELECT a.goal_id, g.id, g.parent_id, a.depth + 1
        FROM anc a JOIN portfolio_strategicgoal g ON g.id = a.parent_id
        WHERE a.depth < 100
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

-- Every count row and fact as (table, key, count), for comparing a rebuild with what was kept.
CREATE OR REPLACE VIEW usecases_summary_rows AS
SELECT 'team' AS t, to_jsonb(s) - 'id' - 'n' AS k, n FROM usecases_teamcount s WHERE n <> 0
UNION ALL SELECT 'goal', to_jsonb(s) - 'id' - 'n', n FROM usecases_goalcount s WHERE n <> 0
UNION ALL SELECT 'goal_evidence', to_jsonb(s) - 'id' - 'n', n
    FROM usecases_goalevidencecount s WHERE n <> 0
UNION ALL SELECT 'product', to_jsonb(s) - 'id' - 'n', n FROM usecases_productcount s WHERE n <> 0
UNION ALL SELECT 'area', to_jsonb(s) - 'id' - 'n', n FROM usecases_areacount s WHERE n <> 0
UNION ALL SELECT 'profile', to_jsonb(s) - 'id' - 'n', n FROM usecases_profilecount s WHERE n <> 0
UNION ALL SELECT 'fact', to_jsonb(s) - 'usecase_id', usecase_id FROM usecases_usecasefact s;

-- Every summary table rebuilt from the use cases; returns how many rows differed from what the
-- triggers had kept (0 unless something wrote around them).
CREATE OR REPLACE FUNCTION usecases_summary_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    differed bigint;
BEGIN
    PERFORM usecases_summary_clock_ensure();
    PERFORM 1 FROM usecases_summaryclock WHERE id = 1 FOR UPDATE;
    PERFORM pg_advisory_xact_lock(81502, 0);
    PERFORM usecases_goal_ancestors_rebuild();
    DROP TABLE IF EXISTS usecases_summary_before;
    CREATE TEMP TABLE usecases_summary_before ON COMMIT DROP AS
        SELECT * FROM usecases_summary_rows;
    TRUNCATE usecases_usecasefact, usecases_teamcount, usecases_goalcount,
        usecases_goalevidencecount, usecases_productcount, usecases_areacount,
        usecases_profilecount;
    INSERT INTO usecases_usecasefact SELECT * FROM usecases_fact_source;
    -- Counted set-based from the facts (no array of every fact: a single value caps at 1 GB).
    WITH delta AS (SELECT 1 AS d, f.* FROM usecases_usecasefact f),
{COUNT_CTES}    SELECT NULL INTO differed;
    SELECT count(*) INTO differed FROM (
        (SELECT * FROM usecases_summary_before EXCEPT ALL SELECT * FROM usecases_summary_rows)
        UNION ALL
        (SELECT * FROM usecases_summary_rows EXCEPT ALL SELECT * FROM usecases_summary_before)
    ) d;
    DROP TABLE usecases_summary_before;
    RETURN differed;
END
$$;

-- Move the clock to ``moment``: the use cases whose phase differs between the two moments (or,
-- with another due-soon window, every active one) are refreshed.
CREATE OR REPLACE FUNCTION usecases_summary_advance(moment timestamptz, due_days integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    was timestamptz;
    was_days integer;
    ids bigint[];
BEGIN
    PERFORM usecases_summary_clock_ensure();
    SELECT phased_at, due_within_days INTO was, was_days
    FROM usecases_summaryclock WHERE id = 1 FOR UPDATE;
    ids := ARRAY(
        SELECT usecase_id FROM usecases_usecasefact
        WHERE status = 'active' AND (
            was_days <> due_days
            OR expires_at >= least(was, moment) AND expires_at < greatest(was, moment)
            OR expires_at >= least(was, moment) + make_interval(hours => 24 * was_days)
               AND expires_at < greatest(was, moment) + make_interval(hours => 24 * due_days)
        )
    );
    UPDATE usecases_summaryclock SET phased_at = moment, due_within_days = due_days WHERE id = 1;
    PERFORM usecases_summary_refresh(ids);
    RETURN cardinality(ids);
END
$$;
"""

TRIGGERS = """
CREATE OR REPLACE FUNCTION usecases_summary_usecases_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usecases_summary_refresh(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM usecases_summary_refresh(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.team_id, n.status, n.lifecycle_stage, n.evidence_status, n.evidence_area,
                   n.owner_id, n.source, n.changed_since_sign_off, n.goal_ids, n.product_ids,
                   n.attestation_expires_at)
            IS DISTINCT FROM
                  (o.team_id, o.status, o.lifecycle_stage, o.evidence_status, o.evidence_area,
                   o.owner_id, o.source, o.changed_since_sign_off, o.goal_ids, o.product_ids,
                   o.attestation_expires_at)
            OR usecases_unreportable(n) IS DISTINCT FROM usecases_unreportable(o)
        ));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION usecases_summary_usecases_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- DELETE, not TRUNCATE: a flush truncates these tables in the same statement.
    DELETE FROM usecases_usecasefact;
    DELETE FROM usecases_teamcount;
    DELETE FROM usecases_goalcount;
    DELETE FROM usecases_goalevidencecount;
    DELETE FROM usecases_productcount;
    DELETE FROM usecases_areacount;
    DELETE FROM usecases_profilecount;
    RETURN NULL;
END
$$;

-- A person switched on or off: every use case they own.
CREATE OR REPLACE FUNCTION usecases_summary_people_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(81501, person.id) FROM (
        SELECT n.id::integer AS id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.is_active IS DISTINCT FROM o.is_active ORDER BY 1
    ) person;
    PERFORM usecases_summary_refresh(ARRAY(
        SELECT u.id FROM usecases_usecase u WHERE u.owner_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.is_active IS DISTINCT FROM o.is_active
        )
    ));
    RETURN NULL;
END
$$;

-- A membership added, removed or moved: the use cases that person owns in that team.
CREATE OR REPLACE FUNCTION usecases_summary_memberships_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_advisory_xact_lock(81501, person.id)
        FROM (SELECT DISTINCT user_id::integer AS id FROM new_rows ORDER BY 1) person;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM pg_advisory_xact_lock(81501, person.id)
        FROM (SELECT DISTINCT user_id::integer AS id FROM old_rows ORDER BY 1) person;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT u.id FROM usecases_usecase u
            JOIN new_rows m ON m.user_id = u.owner_id AND m.team_id = u.team_id
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT u.id FROM usecases_usecase u
            JOIN old_rows m ON m.user_id = u.owner_id AND m.team_id = u.team_id
        ));
    ELSE
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT u.id FROM usecases_usecase u
            JOIN (SELECT user_id, team_id FROM new_rows
                  UNION SELECT user_id, team_id FROM old_rows) m
            ON m.user_id = u.owner_id AND m.team_id = u.team_id
        ));
    END IF;
    RETURN NULL;
END
$$;

-- A review or an ownership transfer opened, decided or removed: when its use case began to wait.
CREATE OR REPLACE FUNCTION usecases_summary_waits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usecases_summary_refresh(ARRAY(SELECT DISTINCT usecase_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM usecases_summary_refresh(ARRAY(SELECT DISTINCT usecase_id FROM old_rows));
    ELSE
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT usecase_id FROM new_rows UNION SELECT usecase_id FROM old_rows
        ));
    END IF;
    RETURN NULL;
END
$$;

-- Memberships, reviews or transfers emptied at once: every use case (none in a flush, which
-- empties the use cases in the same statement).
CREATE OR REPLACE FUNCTION usecases_summary_all_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usecases_summary_refresh(ARRAY(SELECT id FROM usecases_usecase));
    RETURN NULL;
END
$$;

-- A goal added, moved or removed: the use cases serving a goal whose closure changed.
CREATE OR REPLACE FUNCTION usecases_summary_goals_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(81502, 0);
    changed := usecases_goal_ancestors_rebuild();
    IF cardinality(changed) > 0 THEN  -- through the link table's index, not every use case
        PERFORM usecases_summary_refresh(ARRAY(
            SELECT DISTINCT usecase_id FROM usecases_usecase_goals
            WHERE strategicgoal_id = ANY (changed)
        ));
    END IF;
    RETURN NULL;
END
$$;
"""

# (table, function, operation): one statement trigger each.
TRIGGERED = (
    [
        ("usecases_usecase", "usecases_summary_usecases_written", op)
        for op in ("INSERT", "UPDATE", "DELETE")
    ]
    + [
        ("auth_user", "usecases_summary_people_changed", "UPDATE"),
    ]
    + [
        ("portfolio_membership", "usecases_summary_memberships_changed", op)
        for op in ("INSERT", "UPDATE", "DELETE")
    ]
    + [
        (table, "usecases_summary_waits_changed", op)
        for table in ("usecases_review", "usecases_ownershiptransfer")
        for op in ("INSERT", "UPDATE", "DELETE")
    ]
    + [
        ("portfolio_strategicgoal", "usecases_summary_goals_changed", op)
        for op in ("INSERT", "UPDATE", "DELETE")
    ]
)

# Tables whose TRUNCATE changes what the facts read (the use cases' own empties the summary).
TRUNCATED = ("portfolio_membership", "usecases_review", "usecases_ownershiptransfer")
TRIGGER_FUNCTIONS = (
    "usecases_summary_usecases_written",
    "usecases_summary_usecases_truncated",
    "usecases_summary_people_changed",
    "usecases_summary_memberships_changed",
    "usecases_summary_waits_changed",
    "usecases_summary_all_changed",
    "usecases_summary_goals_changed",
)

REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def trigger_name(table: str, operation: str) -> str:
    return f"summary_{table}_{operation.lower()}"


def create_triggers() -> str:
    statements = [TRIGGERS]
    for table, function, operation in TRIGGERED:
        referencing = "" if table == "portfolio_strategicgoal" else REFERENCING[operation]
        statements.append(
            f"CREATE TRIGGER {trigger_name(table, operation)} AFTER {operation} ON {table} "
            f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        )
    statements.append(
        "CREATE TRIGGER summary_usecases_usecase_truncate AFTER TRUNCATE ON usecases_usecase "
        "FOR EACH STATEMENT EXECUTE FUNCTION usecases_summary_usecases_truncated();"
    )
    statements += [
        f"CREATE TRIGGER summary_{table}_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION usecases_summary_all_changed();"
        for table in TRUNCATED
    ]
    return "\n".join(statements)


def drop_triggers() -> str:
    statements = [
        f"DROP TRIGGER IF EXISTS {trigger_name(table, operation)} ON {table};"
        for table, _, operation in TRIGGERED
    ]
    statements.append(
        "DROP TRIGGER IF EXISTS summary_usecases_usecase_truncate ON usecases_usecase;"
    )
    statements += [
        f"DROP TRIGGER IF EXISTS summary_{table}_truncate ON {table};" for table in TRUNCATED
    ]
    statements += [f"DROP FUNCTION IF EXISTS {name}();" for name in TRIGGER_FUNCTIONS]
    return "\n".join(statements)


DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS usecases_summary_advance(timestamptz, integer);
DROP FUNCTION IF EXISTS usecases_summary_rebuild();
DROP VIEW IF EXISTS usecases_summary_rows;
DROP FUNCTION IF EXISTS usecases_goal_ancestors_rebuild();
DROP FUNCTION IF EXISTS usecases_summary_refresh(bigint[]);
DROP FUNCTION IF EXISTS usecases_summary_add(usecases_usecasefact[], usecases_usecasefact[]);
DROP VIEW IF EXISTS usecases_fact_source;
DROP FUNCTION IF EXISTS usecases_summary_clock_ensure();
DROP FUNCTION IF EXISTS usecases_phase(text, timestamptz, timestamptz, integer);
DROP FUNCTION IF EXISTS usecases_unreportable(usecases_usecase);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0014_attestation_lapsed"),
        ("portfolio", "0004_team_parent"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="SummaryClock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("phased_at", models.DateTimeField()),
                ("due_within_days", models.PositiveIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="AreaCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("evidence_area", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("team_id", "evidence_area", "evidence_status"), name="areacount_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GoalAncestor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("goal_id", models.BigIntegerField()),
                ("ancestor_id", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("goal_id", "ancestor_id"), name="goalancestor_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GoalCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("goal_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("signable", models.BooleanField()),
                ("phase", models.CharField(blank=True, max_length=10)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("team_id", "goal_id", "status", "signable", "phase"),
                        name="goalcount_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GoalEvidenceCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("goal_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("evidence_status", models.CharField(max_length=20)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("team_id", "goal_id", "evidence_status"),
                        name="goalevidencecount_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProductCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("product_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("live", models.BooleanField()),
                ("measured", models.BooleanField()),
                ("evidence_status", models.CharField(max_length=20)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("team_id", "product_id", "live", "measured", "evidence_status"),
                        name="productcount_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TeamCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("lifecycle_stage", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("owner_state", models.CharField(max_length=8)),
                ("imported", models.BooleanField()),
                ("changed", models.BooleanField()),
                ("no_goal", models.BooleanField()),
                ("phase", models.CharField(blank=True, max_length=10)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "team_id",
                            "status",
                            "lifecycle_stage",
                            "evidence_status",
                            "owner_state",
                            "imported",
                            "changed",
                            "no_goal",
                            "phase",
                        ),
                        name="teamcount_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="UseCaseFact",
            fields=[
                ("usecase_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("team_id", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("lifecycle_stage", models.CharField(max_length=30)),
                ("evidence_status", models.CharField(max_length=20)),
                ("evidence_area", models.CharField(max_length=30)),
                ("owner_id", models.BigIntegerField(null=True)),
                (
                    "owner_state",
                    models.CharField(
                        choices=[
                            ("none", "No owner"),
                            ("ok", "Active member of the team"),
                            ("inactive", "Deactivated"),
                            ("away", "Not a member of the team"),
                        ],
                        max_length=8,
                    ),
                ),
                ("imported", models.BooleanField()),
                ("changed", models.BooleanField()),
                ("no_goal", models.BooleanField()),
                (
                    "goal_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None
                    ),
                ),
                (
                    "goal_closure",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None
                    ),
                ),
                (
                    "product_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None
                    ),
                ),
                ("expires_at", models.DateTimeField(null=True)),
                (
                    "phase",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not active or never signed"),
                            ("current", "Current"),
                            ("due_soon", "Due soon"),
                            ("overdue", "Overdue"),
                        ],
                        max_length=10,
                    ),
                ),
                ("waiting_since", models.DateTimeField(null=True)),
                (
                    "unreportable",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=40), size=None
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "active")),
                        fields=["expires_at", "team_id"],
                        name="usecasefact_active_expiry",
                    ),
                    models.Index(
                        condition=models.Q(("waiting_since__isnull", False)),
                        fields=["status", "team_id", "waiting_since"],
                        name="usecasefact_waiting",
                    ),
                    models.Index(
                        condition=models.Q(("waiting_since__isnull", False)),
                        fields=["status", "waiting_since"],
                        name="usecasefact_waiting_all",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ProfileCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("profile", models.CharField(max_length=40)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("team_id", "profile"), name="profilecount_key")
                ],
            },
        ),
        migrations.CreateModel(
            name="SummaryProfile",
            fields=[
                ("key", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("condition", models.TextField()),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO usecases_summaryclock (id, phased_at, due_within_days) "
            "VALUES (1, now(), 30)",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(create_triggers(), drop_triggers()),
        # No rebuild here: the post_migrate hook installs the profiles' conditions and then
        # rebuilds once (``usecases.summary_profiles.install_profile_conditions``).
    ]
