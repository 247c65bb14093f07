"""Writers of the summary never wait on one another: each adds to count rows of its own slot, so
two transactions touching the same counts in opposite orders both land (no deadlock), one that
holds its rows until it commits (an import) holds nobody up, and the repair command folds the
slots together without waiting either; a rebuild started while a folding runs waits for it
without a deadlock. Refreshes larger than a chunk are split, and the dashboard reads every count
from one snapshot. After each, the summary equals a fresh count."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests.concurrency import HOLD_SECONDS, at_once
from tests.conftest import advance_usecase, make_usecase
from tests.usecases.dashboard.test_summary import call_command_output, rebuild_differences
from usecases.choices import LifecycleStage
from usecases.dashboard.summary import compact_summary
from usecases.models import TeamCount, UseCase

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def move_to_pilot(usecase) -> None:
    UseCase.objects.filter(pk=usecase.pk).update(lifecycle_stage=LifecycleStage.PILOT)


def test_two_writers_moving_the_same_counts_in_opposite_orders_both_land(org):
    """Each moves a draft and a use case in review to the pilot stage, one in each order, and
    neither commits before the other has moved its first: with shared count rows the second
    statements would wait on each other (a deadlock, one transaction refused)."""
    drafts = [make_usecase(org=org, lifecycle_stage=LifecycleStage.IDEA) for _ in range(2)]
    in_review = [
        advance_usecase(
            make_usecase(org=org, lifecycle_stage=LifecycleStage.IDEA), org=org, to="in_review"
        )
        for _ in range(2)
    ]
    halfway = threading.Barrier(2, timeout=10)

    def writer(first, second):
        def write():
            with transaction.atomic():
                move_to_pilot(first)
                halfway.wait()
                move_to_pilot(second)
            return "landed"

        return write

    outcomes = at_once(writer(drafts[0], in_review[0]), writer(in_review[1], drafts[1]))
    assert outcomes == ["landed", "landed"]
    assert UseCase.objects.filter(lifecycle_stage=LifecycleStage.PILOT).count() == 4
    assert rebuild_differences() == 0


def test_a_writer_holding_its_counts_until_it_commits_holds_nobody_up(org):
    """An import's transaction keeps its count rows until it commits; someone saving a use case
    with the same counts meanwhile is not kept waiting (a lock wait would hit lock_timeout)."""
    usecases = [make_usecase(org=org, lifecycle_stage=LifecycleStage.IDEA) for _ in range(2)]
    moved = threading.Event()

    def slow_import():
        with transaction.atomic():
            move_to_pilot(usecases[0])
            moved.set()
            time.sleep(HOLD_SECONDS * 3)
        return "committed"

    def meanwhile():
        assert moved.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '50ms'")
            move_to_pilot(usecases[1])
        return "saved"

    assert at_once(slow_import, meanwhile) == ["committed", "saved"]
    assert rebuild_differences() == 0


def ended_sessions_are_gone(seconds: float = 10) -> None:
    """Wait until no slot's session is still listed: a closed connection's server process ends
    a moment after the client has gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        slots = set(TeamCount.objects.exclude(slot=0).values_list("slot", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [list(slots)])
            if not cursor.fetchall():
                return
        connection.close()
        time.sleep(0.05)
    raise AssertionError("the closed sessions are still listed")


def test_folding_takes_ended_sessions_slots_and_never_holds_up_a_live_one(org):
    """Writers leave rows in their own slots; folding (``repair_summaries --clock``, hourly)
    moves the rows of sessions that have ended into one per key and leaves a live session's
    alone: that session writing again meanwhile is not kept waiting (a wait would hit
    lock_timeout), and once it ends its rows are folded too."""
    first, second, third, fourth = (
        make_usecase(org=org, lifecycle_stage=LifecycleStage.IDEA) for _ in range(4)
    )
    at_once(lambda: move_to_pilot(first), lambda: move_to_pilot(second))  # two sessions, ended
    assert len(set(TeamCount.objects.values_list("slot", flat=True)) - {0}) >= 3  # and this one
    wrote, folding, written = threading.Event(), threading.Event(), threading.Event()

    def live_writer():
        move_to_pilot(third)
        wrote.set()
        assert folding.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")  # this connection's; closed after
        try:
            move_to_pilot(fourth)  # the same count rows of its own slot
        finally:
            written.set()
        return "written"

    def fold_and_hold():
        assert wrote.wait(10)
        with transaction.atomic():
            removed = compact_summary()
            folding.set()
            assert written.wait(10)
        return removed

    written_, removed = at_once(live_writer, fold_and_hold)
    assert written_ == "written"
    assert removed > 0
    connection.close()  # this test's own session ends too
    ended_sessions_are_gone()
    assert "count rows folded together" in call_command_output("repair_summaries", "--clock")
    assert set(TeamCount.objects.values_list("slot", flat=True)) == {0}
    assert rebuild_differences() == 0


def chunks_refreshed(change) -> int:
    """How many chunks the summary refreshed while ``change`` ran, 2 use cases a chunk (the
    setting the refresh reads; 20,000 in service), counted by PostgreSQL's function statistics
    (``track_functions``, a superuser's setting: the tests run as the server's superuser)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")
        cursor.execute("SET LOCAL usecases.summary_chunk = '2'")
        change()
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
            " WHERE funcname = 'usecases_summary_refresh_chunk'"
        )
        return cursor.fetchone()[0]


def test_a_refresh_larger_than_a_chunk_is_split_and_stays_exact(org):
    """One statement changing more use cases than a chunk holds is refreshed a chunk at a time
    (no array of facts nears PostgreSQL's 1 GB value limit), each use case counted once."""
    usecases = [make_usecase(org=org, lifecycle_stage=LifecycleStage.IDEA) for _ in range(7)]
    pks = [usecase.pk for usecase in usecases]
    moved = chunks_refreshed(
        lambda: UseCase.objects.filter(pk__in=pks[:5]).update(lifecycle_stage=LifecycleStage.PILOT)
    )
    assert moved == 3  # 2 + 2 + 1
    assert rebuild_differences() == 0
    everything = UseCase.objects.filter(pk__in=pks)
    develop = LifecycleStage.IN_DEVELOPMENT
    assert chunks_refreshed(lambda: everything.update(lifecycle_stage=develop)) >= 4
    assert rebuild_differences() == 0
    chunks_refreshed(everything.delete)  # the links' cascades refresh too
    assert rebuild_differences() == 0


def dashboard_numbers(response) -> dict:
    assert response.status_code == 200
    return {
        "tiles": {tile.key: tile.count for tile in response.context["tiles"]},
        "teams": response.context["teams"].total.counts["total"],
        "goals": [row.counts["total"] for row in response.context["goal_tree"]],
    }


def test_the_dashboard_reads_every_count_from_one_moment(as_user, org):
    """A use case added while the dashboard is between reading its team counts and its goal
    counts: the page shows the registry as it was when it began, every number of it, and the
    next page shows the new use case everywhere."""
    make_usecase(org=org)
    client = as_user(org.reviewer)
    url = reverse("usecases:dashboard")
    before = dashboard_numbers(client.get(url))
    added = []

    def add_after_team_counts(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "usecases_teamcount" in sql and not added:
            added.append(at_once(lambda: make_usecase(org=org, title="Added meanwhile")))
        return result

    with connection.execute_wrapper(add_after_team_counts):
        during = dashboard_numbers(client.get(url))
    assert added and not isinstance(added[0][0], Exception)
    assert during == before
    after = dashboard_numbers(client.get(url))
    assert after["teams"] == before["teams"] + 1
    assert after["goals"][0] == before["goals"][0] + 1


def test_a_rebuild_waits_for_a_folding_before_it_empties_the_tables(org):
    """A rebuild (``repair_summaries``) takes the unit lock before it empties the count tables
    (``usecases`` migration 0025). A folding takes that lock, shared, and then reads and writes
    those tables; started first, it goes on while the rebuild waits, and then the rebuild runs.
    Had the rebuild emptied the tables first, each would wait for the other: a deadlock, one of
    them refused."""
    for _ in range(2):
        at_once(lambda: move_to_pilot(make_usecase(org=org, lifecycle_stage=LifecycleStage.IDEA)))
    holding, rebuilder = threading.Event(), Session()

    def fold():
        with transaction.atomic():
            with connection.cursor() as cursor:
                # The folding's locks, as ``usecases_summary_compact`` takes them first.
                cursor.execute("SELECT pg_advisory_xact_lock(81503, 0)")
                cursor.execute("SELECT pg_advisory_xact_lock_shared(81504, 0)")
                holding.set()
                rebuilder.waits_on_a_lock(cursor)
            return compact_summary()

    def rebuild():
        rebuilder.started()
        assert holding.wait(10)
        return rebuild_differences()

    folded, differed = at_once(fold, rebuild)
    assert not isinstance(folded, Exception), folded
    assert differed == 0
    assert rebuild_differences() == 0


def hold_the_clock(cursor) -> int:
    """Lock the summary clock's row, as the clock job and a rebuild do first; its window in days."""
    cursor.execute("SELECT usecases_summary_clock_ensure()")
    cursor.execute("SELECT due_within_days FROM usecases_summaryclock WHERE id = 1 FOR UPDATE")
    return cursor.fetchone()[0]


class Session:
    """Another thread's database session, which this one waits to see waiting on a lock: its own
    server process, not any session whose statement looks alike."""

    def __init__(self):
        self.pid, self.known = None, threading.Event()

    def started(self) -> None:
        """Called in that thread, before the statement that is to wait."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
        self.known.set()

    def waits_on_a_lock(self, cursor, seconds: float = 10) -> None:
        assert self.known.wait(seconds)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            # Within a transaction the server shows the activity it first read, unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                [self.pid],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
        raise AssertionError(f"session {self.pid} never waited on a lock")


def test_a_goal_moved_while_the_clock_job_or_a_rebuild_runs_waits_for_it(org):
    """The clock job (``repair_summaries --clock``) and a rebuild lock the summary clock's row,
    then the goals' lock; a goal added, moved or removed takes them in that order too (``usecases``
    migration 0028), so it waits for them and they never wait for it. Taking the goals' lock first,
    as it did, it held that lock while waiting for the clock's row, which the rebuild held while
    waiting for the goals' lock: a deadlock, one of them refused."""
    from portfolio.models import StrategicGoal

    make_usecase(org=org, goals=[org.goal])  # its facts change with the goal's place
    parent = StrategicGoal.objects.create(title="New parent")
    clock_held, mover = threading.Event(), Session()

    def move_goal():
        mover.started()
        assert clock_held.wait(10)
        StrategicGoal.objects.filter(pk=org.goal.pk).update(parent=parent)
        return "moved"

    def rebuild():
        with transaction.atomic(), connection.cursor() as cursor:
            hold_the_clock(cursor)
            clock_held.set()
            mover.waits_on_a_lock(cursor)
            cursor.execute("SELECT usecases_summary_rebuild()")
            return cursor.fetchone()[0]

    moved, differed = at_once(move_goal, rebuild)
    assert moved == "moved", moved
    assert differed == 0
    assert rebuild_differences() == 0


@pytest.mark.parametrize("change", ["a membership added", "the owner switched off"])
def test_a_person_changed_while_the_clock_job_runs_waits_for_it(org, change):
    """The clock job locks the summary clock's row and then, reading again the phase of the use
    cases whose attestation window it moves, the lock of each of their owners; a membership added
    or a person switched on or off takes the clock's row before the person's lock too (``usecases``
    migration 0029), so it waits for the job. Taking the person's lock first, as it did, it held
    that lock while waiting for the clock's row, which the job held while waiting for the
    person's lock: a deadlock, one of them refused."""
    from django.contrib.auth import get_user_model

    from portfolio.models import Membership
    from tests.factories import TeamFactory

    advance_usecase(make_usecase(org=org), org=org, to="active")  # the owner's, signed
    team = TeamFactory(name="Another team")
    make_usecase(org=org, team=team, owner=org.owner)  # refreshed when they join that team
    clock_held, changer = threading.Event(), Session()

    def change_person():
        changer.started()
        assert clock_held.wait(10)
        if change == "a membership added":
            Membership.objects.create(team=team, user=org.owner, role="member")
        else:
            get_user_model().objects.filter(pk=org.owner.pk).update(is_active=False)
        return "changed"

    def clock_job():
        with transaction.atomic(), connection.cursor() as cursor:
            days = hold_the_clock(cursor)
            clock_held.set()
            changer.waits_on_a_lock(cursor)
            # Another window: every active use case's phase is read again, its owner locked.
            cursor.execute("SELECT usecases_summary_advance(now(), %s)", [days + 1])
            return cursor.fetchone()[0]

    changed, refreshed = at_once(change_person, clock_job)
    assert changed == "changed", changed
    assert refreshed >= 1, refreshed
    assert rebuild_differences() == 0


def test_a_goal_edited_while_a_use_case_serving_it_is_saved_waits_for_it(org):
    """Saving a use case that serves a goal holds the goals' lock (shared) and, as it commits,
    checks that the goal is there (a share of its key). An admin editing goals locks their rows
    without their key (``select_for_update(no_key=True)``) and then, in the goals' trigger, waits
    for the goals' lock; the save commits past the row lock. Locking the whole row, the edit held
    up the save's check while the save held up the edit's trigger: a deadlock."""
    from administration.services.goals import goal_update

    saved, editor = threading.Event(), Session()

    def save_use_case():
        with transaction.atomic():
            make_usecase(org=org, goals=[org.goal])
            saved.set()
            editor.waits_on_a_lock(connection.cursor())
        return "saved"

    def edit_goal():
        editor.started()
        assert saved.wait(10)
        goal_update(goal=org.goal, actor=org.admin, data={"title": "Renamed while in use"})
        return "edited"

    assert at_once(save_use_case, edit_goal) == ["saved", "edited"]
    assert rebuild_differences() == 0


def test_memberships_moved_between_two_people_both_ways_at_once_both_land(org):
    """A membership handed from one person to another locks both people, the lower id first, as
    every writer of a person's lock does (``usecases`` migration 0030). One that locked the new
    person and then the old held the one while waiting for the other; a change the other way
    round, holding the lower id (as it takes it first) and reaching for the higher, waited for it
    in turn: a deadlock, one of them refused."""
    from portfolio.models import Membership
    from tests.factories import TeamFactory, UserFactory

    first, second = sorted([UserFactory(), UserFactory()], key=lambda person: person.pk)
    here, there = TeamFactory(name="Here"), TeamFactory(name="There")
    moved_up = Membership.objects.create(team=here, user=first, role="member")
    moved_down = Membership.objects.create(team=there, user=second, role="member")
    make_usecase(org=org, team=here, owner=first)
    make_usecase(org=org, team=there, owner=second)
    lower_held, upward = threading.Event(), Session()

    def hand_upwards():
        upward.started()
        assert lower_held.wait(10)
        Membership.objects.filter(pk=moved_up.pk).update(user=second)  # first -> second
        return "handed up"

    def hand_downwards():
        with transaction.atomic(), connection.cursor() as cursor:
            # The lower id's lock, as this change's own trigger takes it first.
            cursor.execute("SELECT pg_advisory_xact_lock(81501, %s)", [first.pk])
            lower_held.set()
            upward.waits_on_a_lock(cursor)
            Membership.objects.filter(pk=moved_down.pk).update(user=first)  # second -> first
            return "handed down"

    up, down = at_once(hand_upwards, hand_downwards)
    assert up == "handed up", up
    assert down == "handed down", down
    assert rebuild_differences() == 0
