"""The team tally (``TeamTally``: per team and writer slot, every count of the dashboard's team
table) always equals the team counts it sums, whoever wrote them: random changes through the
write paths, writers in several sessions at once (their own slots), the slots folded together, a
rebuild, counts written around the summary's functions, and the team counts emptied. The dashboard
reads it only while the rules its triggers count by are the current ones."""

import json
import os
import random
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.concurrency import at_once
from tests.factories import GoalFactory, ProductFactory
from tests.usecases.dashboard.test_summary import (
    WRITE_PATHS,
    assert_dashboards_agree,
    call_command_output,
    rebuild_differences,
    shell_links,
    shell_update,
    through_services,
    write_context,
)
from tests.usecases.dashboard.test_summary_writers import ended_sessions_are_gone
from usecases.dashboard import summary
from usecases.dashboard.summary import (
    advance_summary_clock,
    compact_summary,
    count_rules,
    tally_flags,
)
from usecases.models import (
    SUMMARY_MODELS,
    GoalScopeTally,
    ProductScopeTally,
    TeamCount,
    TeamTally,
    UseCase,
    UseCaseFact,
)
from usecases.services import UseCaseError

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(count_rules(), 0)


def counted_by_team_and_slot() -> dict:
    """Each team's and slot's counts, summed from the team counts by the current rules."""
    rows = (
        TeamCount.objects.values("team_id", "slot")
        .annotate(**summary._sums(count_rules()))
        .order_by()
    )
    counted = {}
    for row in rows:
        key = (row.pop("team_id"), row.pop("slot"))
        if row != ZERO:
            counted[key] = row
    return counted


def tallied_by_team_and_slot() -> dict:
    tallied = {}
    for row in TeamTally.objects.values("team_id", "slot", *count_rules()):
        key = (row.pop("team_id"), row.pop("slot"))
        if row != ZERO:  # a row counting nothing is as good as none
            tallied[key] = row
    return tallied


def assert_tally_exact() -> None:
    """Every team's and slot's tally equals its team counts' sums, and what the dashboard reads
    per team equals ``_team_counts_query``'s sums. A team counting nothing may come with zeros
    from either (a team count of 0 left by a writer, a tally row emptied), or not at all: the
    dashboard reads both alike (``Counts.zero()``)."""
    assert tallied_by_team_and_slot() == counted_by_team_and_slot()
    new = by_team(summary._team_tally_query)
    assert all(type(value) is int for row in new.values() for value in row.values())
    assert counting(new) == counting(by_team(summary._team_counts_query))


def counting(rows: dict) -> dict:
    return {team: counts for team, counts in rows.items() if counts != ZERO}


def by_team(build, team_ids=None) -> dict:
    """The rows of ``build`` per team, named as ``team_counts`` names them."""
    names = ("team_id", *count_rules())
    rows = summary.read_rows(build, team_ids, org_wide=False, names=names)
    return {row.pop("team_id"): row for row in rows}


def team_counts(team_ids=None) -> dict:
    """What the dashboard reads per team, at the summary's clock (nothing to correct)."""
    now = timezone.now()
    advance_summary_clock(moment=now)
    counts, corrections = summary.team_counts(team_ids, now)
    assert corrections == []
    return counts


def test_the_installed_rules_are_the_current_ones():
    """Changing ``count_rules()`` (or how they compile) takes a migration installing the new
    rules in the tally's triggers and recounting the tally; until then the dashboard would count
    every team count on each page (correct, but slow)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT usecases_teamtally_rules()")
        installed = json.loads(cursor.fetchone()[0])  # Django reads jsonb as its text
    current = tally_flags()
    changed = sorted(
        name
        for name in current.keys() | installed.keys()
        if installed.get(name) != current.get(name)
    )
    assert not changed, f"count rules changed without a migration installing them: {changed}"
    fields = [field.name for field in TeamTally._meta.fields]
    assert fields == ["id", "team_id", "slot", *count_rules()]


def test_the_rules_compile_alike_in_every_process():
    """A set of values (``off_track``'s statuses) compiles in one order, whatever the hashing:
    processes with other hash seeds compile the same rules as this one."""
    for name, flag in tally_flags().items():
        assert "frozenset" not in flag and "{" not in flag, name
    assert "IN ('active', 'awaiting_sign_off')" in tally_flags()["off_track"]
    script = (
        "import django, json; django.setup(); "
        "from usecases.dashboard.summary import tally_flags; print(json.dumps(tally_flags()))"
    )
    # The rules are inlined through the connection (psycopg's own quoting): this test's database.
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "DATABASE_URL": database}
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(done.stdout.strip().splitlines()[-1]) == tally_flags(), seed


def test_the_dashboard_reads_the_tally_only_while_its_rules_are_the_current_ones(
    org, usecase_in, django_assert_num_queries
):
    for status in ("draft", "active", "in_review"):
        usecase_in(status)
    linked = usecase_in("active")  # a goal's and a product's own tallies count it alone
    goal, product = GoalFactory(title="Serve citizens"), ProductFactory(name="Citizen Portal")
    linked.goals.add(goal)
    linked.products.add(product)
    withins = [summary.Within("goal", goal.pk), summary.Within("product", product.pk)]
    fresh = by_team(summary._team_counts_query)
    assert fresh and by_team(summary._team_tally_query) == fresh == team_counts()
    own = {within: summary.team_counts(None, timezone.now(), within)[0] for within in withins}
    assert [{team: counts["total"] for team, counts in own[w].items()} for w in withins] == [
        {linked.team_id: 1}
    ] * 2
    with connection.cursor() as cursor:  # written around the triggers: the tally is what is read
        cursor.execute("UPDATE usecases_teamtally SET total = total + 5")
    rows = {team: TeamTally.objects.filter(team_id=team).count() for team in fresh}
    assert {team: counts["total"] for team, counts in team_counts().items()} == {
        team: counts["total"] + 5 * rows[team] for team, counts in fresh.items()
    }
    with connection.cursor() as cursor:  # other rules installed: the team counts are counted
        cursor.execute(
            "CREATE OR REPLACE FUNCTION usecases_teamtally_rules() RETURNS jsonb "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT '{}'::jsonb $$"
        )
    assert list(by_team(summary._team_tally_query)) == [None]  # the tally is not read
    with django_assert_num_queries(3):  # the tally's one row saying so, the team counts, none due
        summary.team_counts(None, timezone.now())
    assert team_counts() == fresh
    assert team_counts([org.team.pk]) == {org.team.pk: fresh[org.team.pk]}
    # A goal's or product's dashboard counts its own team counts, not the organisation's.
    assert {w: summary.team_counts(None, timezone.now(), w)[0] for w in withins} == own
    TeamCount.objects.all().delete()
    assert by_team(summary._team_tally_query) == {} == team_counts()


def test_the_repair_command_mends_a_damaged_tally(usecase_in):
    usecase_in("active")
    usecase_in("draft")
    assert_tally_exact()
    with connection.cursor() as cursor:  # written around the triggers, as a restore might
        cursor.execute("UPDATE usecases_teamtally SET signed = signed + 3")
    assert tallied_by_team_and_slot() != counted_by_team_and_slot()
    out = call_command_output("repair_summaries")
    assert "differed" in out and "repaired" in out
    assert_tally_exact()
    assert call_command_output("repair_summaries").startswith("The summary tables agree")


def test_a_rebuild_recounts_the_tally_when_the_triggers_do_not_fire(usecase_in):
    """A session that skips triggers (``session_replication_role = replica``, as bulk loads set
    it) rebuilds the summary: the tally is recounted from the team counts all the same, and the
    rebuild says it differed."""
    usecase_in("active")
    usecase_in("draft")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE usecases_teamtally SET signed = signed + 3")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT usecases_summary_rebuild()")
        differed = cursor.fetchone()[0]
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert differed > 0
    assert_tally_exact()


def random_writes(ctx, seed: int, count: int, paths) -> str:
    rng = random.Random(seed)
    for _ in range(count):
        try:
            with transaction.atomic():
                rng.choice(paths)(ctx, rng)
        except (UseCaseError, ValidationError, IntegrityError):
            pass  # a change the rules or the constraints refuse writes nothing
    return "written"


def written_around(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("seed", (0, 1))
def test_the_tally_equals_the_team_counts_whoever_writes(org, client, tmp_path, seed):
    rng = random.Random(seed)
    ctx = write_context(org, client, tmp_path, rng)
    registry, now = ctx.registry, ctx.now
    assert_tally_exact()

    # Every write path, one after another, in this session's slot.
    random_writes(ctx, seed, 12, WRITE_PATHS)
    assert_tally_exact()

    # Writers in three sessions at once, each in its own slot.
    paths = [shell_update, shell_update, shell_links, through_services]
    outcomes = at_once(*(lambda n=n: random_writes(ctx, seed * 10 + n, 6, paths) for n in range(3)))
    assert outcomes == ["written"] * 3
    assert len(set(TeamTally.objects.values_list("slot", flat=True))) >= 3
    assert_tally_exact()
    assert_dashboards_agree(org, registry, moments=[now, now + timedelta(days=45)])

    # The ended sessions' slots folded into slot 0: their tally rows count nothing, and go.
    connection.close()
    ended_sessions_are_gone()
    assert compact_summary() > 0
    assert set(TeamTally.objects.values_list("slot", flat=True)) <= {0}
    assert set(TeamCount.objects.values_list("slot", flat=True)) == {0}
    assert_tally_exact()

    # Team counts written around the summary's functions (the triggers see every statement):
    # an update of counts and of a key, an upsert inserting and updating at once, a delete.
    ids = list(TeamCount.objects.order_by("id").values_list("id", flat=True))
    written_around("UPDATE usecases_teamcount SET n = n + 2 WHERE id = ANY(%s)", ids[::2])
    written_around("UPDATE usecases_teamcount SET team_id = -team_id WHERE id = %s", ids[0])
    written_around(
        "INSERT INTO usecases_teamcount AS s (team_id, status, lifecycle_stage, evidence_status,"
        " owner_state, imported, changed, no_goal, phase, slot, n)"
        " SELECT team_id, status, lifecycle_stage, evidence_status, owner_state, imported,"
        " changed, no_goal, phase, slot + k, 3 FROM usecases_teamcount, generate_series(0, 1) k"
        " ON CONFLICT (team_id, status, lifecycle_stage, evidence_status, owner_state, imported,"
        " changed, no_goal, phase, slot) DO UPDATE SET n = s.n + EXCLUDED.n"
    )
    written_around("DELETE FROM usecases_teamcount WHERE id = %s", ids[-1])
    assert_tally_exact()
    assert rebuild_differences() > 0  # the counts were wrong; the rebuild mends both
    assert_tally_exact()
    assert rebuild_differences() == 0

    # The team counts emptied: so is the tally; a rebuild counts both again.
    written_around("TRUNCATE usecases_teamcount")
    assert not TeamTally.objects.exists()
    assert_tally_exact()
    assert rebuild_differences() > 0
    assert TeamTally.objects.exists()
    assert_tally_exact()
    assert_dashboards_agree(org, registry, moments=[now])

    # The use cases emptied (their trigger deletes every count): nothing is tallied.
    written_around("TRUNCATE usecases_usecase CASCADE")
    assert not UseCase.objects.exists()
    assert tallied_by_team_and_slot() == {}
    assert_tally_exact()
    # Every count table emptied with them, a goal's and a product's own too: their dashboards
    # count nothing, as the list does, and a rebuild finds nothing to mend.
    nothing = {TeamTally: ZERO, UseCaseFact: {}, GoalScopeTally: ZERO, ProductScopeTally: ZERO}
    counting = [model.__name__ for model in SUMMARY_MODELS
                if model.objects.exclude(**nothing.get(model, {"n": 0})).exists()]  # fmt: skip
    assert counting == []
    assert_dashboards_agree(org, registry, moments=[now])
    assert rebuild_differences() == 0


def test_emptying_the_goals_and_products_scope_counts_empties_their_tallies(usecase_in):
    usecase_in("active")  # serves the organisation's goal, runs on its product
    assert GoalScopeTally.objects.exists() and ProductScopeTally.objects.exists()
    written_around("TRUNCATE usecases_goalscopecount, usecases_productscopecount")
    assert not GoalScopeTally.objects.exists() and not ProductScopeTally.objects.exists()
    assert rebuild_differences() > 0  # the repair command mends both
    assert GoalScopeTally.objects.exists() and ProductScopeTally.objects.exists()
    assert rebuild_differences() == 0
