"""The dashboard's summary tables agree with a fresh count, whoever wrote: random changes through
the services, the admin, a shell (querysets, saves, link managers, deleting), an import's bulk
insert, memberships, people switched off and goals moved leave every summary row equal to what a
rebuild computes, and every number the dashboard shows (tiles, team table, goal tree, evidence,
stages, profiles, the gap lists) equal to the number counted from the use cases themselves, now
and at moments before and after the summary's clock. A difference is a bug, never a tolerance.
"""

import random
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.http import QueryDict
from django.utils import timezone

from administration.services.deactivation import person_deactivate
from administration.services.teams import team_update
from portfolio.models import Membership, StrategicGoal, Team
from portfolio.selectors import sits_under_itself
from tests.concurrency import HOLD_SECONDS, at_once
from tests.conftest import advance_usecase, make_usecase
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.imports.conftest import import_register, us_2025_row, write_us_2025
from tests.usecases.dashboard.test_dashboard_random import filter_combinations, random_registry
from usecases import services
from usecases.choices import EvidenceArea, EvidenceStatus, LifecycleStage, Status
from usecases.dashboard import (
    DashboardScope,
    evidence_panel,
    goal_tree_panel,
    profile_tiles,
    scope_data,
    stages_panel,
    teams_panel,
    tiles_panel,
    unused_products,
)
from usecases.dashboard.summary import advance_summary_clock
from usecases.filters import UseCaseFilter
from usecases.models import OwnershipTransfer, Review, UseCase
from usecases.profiles import PROFILES
from usecases.services import UseCaseError

pytestmark = pytest.mark.django_db

SEEDS = (0, 1, 2)
ROUNDS = 3
CHANGES_PER_ROUND = 12


def rebuild_differences() -> int:
    """How many summary rows a rebuild from the use cases changed (and rebuilt them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT usecases_summary_rebuild()")
        return cursor.fetchone()[0]


def shown(rows) -> list:
    """What a team table's or goal tree's rows show (a goal's ``counts`` holds only those)."""
    return [
        (row.name, row.depth, row.muted, row.total, row.cells, row.signed, row.overdue)
        + (row.counts.signed_share,)
        for row in rows
    ]


def dashboard(query: str, *, now, live: bool) -> dict:
    filterset = UseCaseFilter(
        scope_data(QueryDict(query.lstrip("?"))),
        queryset=UseCase.objects.all(),
        custom_fields=False,
    )
    profiles = PROFILES.values()
    scope = DashboardScope.from_filter(filterset, now=now, live=live, profiles=profiles)
    teams = teams_panel(scope)
    return {
        "tiles": tiles_panel(scope),
        "teams": shown([*teams.rows, teams.total]),
        "goals": shown(goal_tree_panel(scope)),
        "evidence": evidence_panel(scope),
        "stages": stages_panel(scope),
        "profiles": profile_tiles(scope),
        "unused": unused_products(scope),
    }


def assert_dashboards_agree(org, registry, *, moments):
    queries = [
        *filter_combinations(org, registry),
        f"?team={org.team.slug}&subunits=none",  # the unit alone; with its sub-unit above
        f"?team={org.other_team.slug}",
        f"?goal={registry.root.pk}&subgoals=on",  # the goal's own count tables
        f"?team={org.team.slug}&subunits=none&goal={registry.child.pk}&subgoals=on",
    ]
    for now in moments:
        for query in queries:
            summarised = dashboard(query, now=now, live=False)
            counted = dashboard(query, now=now, live=True)
            for panel, value in counted.items():
                assert summarised[panel] == value, (query, panel, now)


# --- The write paths ---------------------------------------------------------------------------


def shell_update(ctx, rng):
    """A queryset update, as a shell or a data fix would write it."""
    usecase = rng.choice(list(UseCase.objects.all()))
    field, value = rng.choice(
        [
            ("status", rng.choice(list(Status))),
            ("team", rng.choice(ctx.teams)),
            ("owner", rng.choice(ctx.owners)),
            ("lifecycle_stage", rng.choice(list(LifecycleStage))),
            ("evidence_status", rng.choice(list(EvidenceStatus))),
            ("changed_since_sign_off", rng.random() < 0.5),
            ("attestation_expires_at", ctx.now + timedelta(days=rng.randint(-50, 70))),
            ("source", rng.choice(["manual", "us_federal_2025"])),
            ("problem", rng.choice(["", "Claims wait weeks."])),
            ("evidence_area", rng.choice(["", *EvidenceArea])),
        ]
    )
    UseCase.objects.filter(pk=usecase.pk).update(**{field: value})


def shell_links(ctx, rng):
    usecase = rng.choice(list(UseCase.objects.all()))
    if rng.random() < 0.5:
        usecase.goals.set(rng.sample(ctx.goals, rng.randint(0, 2)))
    else:
        usecase.products.set(rng.sample(ctx.products, rng.randint(0, 2)))


def shell_delete(ctx, rng):
    rng.choice(list(UseCase.objects.all())).delete()


def membership_change(ctx, rng):
    team, person = rng.choice(ctx.teams), rng.choice([o for o in ctx.owners if o])
    removed, _ = Membership.objects.filter(team=team, user=person).delete()
    if not removed:
        MembershipFactory(team=team, user=person)


def person_switch(ctx, rng):
    person = rng.choice([o for o in ctx.owners if o])
    person.is_active = not person.is_active
    person.save(update_fields=["is_active"])


def goal_moved_in_admin(ctx, rng):
    """A goal's parent changed through the Django admin's change form."""
    goal = rng.choice(ctx.goals)
    parents = [None, *(g for g in ctx.goals if g.pk != goal.pk and not is_below(g, goal))]
    parent = rng.choice(parents)
    response = ctx.admin_client.post(
        f"/admin/portfolio/strategicgoal/{goal.pk}/change/",
        {
            "title": goal.title,
            "description": goal.description,
            "owner": goal.owner_id or "",
            "parent": parent.pk if parent else "",
            "period": goal.period,
            "status": goal.status,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    goal.refresh_from_db()


def team_moved(ctx, rng):
    """A team moved under another unit, or to the top, through the team service or a shell's
    queryset update: every unit above it, before and after, counts anew."""
    team = rng.choice(ctx.teams)
    team.refresh_from_db()
    units = [None, *(unit for unit in ctx.teams if not sits_under_itself(team, unit))]
    moves = [unit for unit in units if getattr(unit, "pk", None) != team.parent_id]
    if not moves:  # at the top, with every other team beneath it
        return
    parent = rng.choice(moves)
    way = rng.random()
    if way < 0.4:
        team_update(team=team, actor=ctx.org.admin, data={"parent": parent})
    elif way < 0.7:
        Team.objects.filter(pk=team.pk).update(parent=parent)
    else:  # every team that may go there, in one statement
        movable = [other.pk for other in ctx.teams if not sits_under_itself(other, parent)]
        Team.objects.filter(pk__in=movable).update(parent=parent)


def is_below(goal, ancestor) -> bool:
    goal = StrategicGoal.objects.get(pk=goal.pk)
    while goal.parent_id:
        if goal.parent_id == ancestor.pk:
            return True
        goal = goal.parent
    return False


def through_services(ctx, rng):
    """A draft brought along the workflow, or an active one transferred or retired."""
    action = rng.choice(["advance", "transfer", "retire", "edit"])
    if action == "advance":
        target = rng.choice(["in_review", "awaiting_sign_off", "active"])
        advance_usecase(make_usecase(org=ctx.org), org=ctx.org, to=target)
        return
    active = [u for u in UseCase.objects.filter(status=Status.ACTIVE, owner=ctx.org.owner)]
    if not active:
        return
    usecase = rng.choice(active)
    if action == "transfer":
        services.usecase_transfer_ownership(
            usecase=usecase, actor=ctx.org.lead, new_owner=ctx.org.lead, reason="Moves on"
        )
    elif action == "retire":
        services.usecase_retire(usecase=usecase, actor=ctx.org.owner, reason="Replaced")
    else:
        services.usecase_update(
            usecase=usecase,
            actor=ctx.org.owner,
            data={"problem": f"Changed {rng.random()}"},
            expected_version=usecase.version,
        )


def review_rows(ctx, rng):
    """Reviews and transfers written directly: when a use case began to wait."""
    review = Review.objects.order_by("?").first()
    if review and rng.random() < 0.5:
        decided = {"decided_at": ctx.now, "decision": "approved", "reviewer": ctx.org.reviewer}
        if review.decided_at:
            decided = {"decided_at": None, "decision": "", "reviewer": None}
        Review.objects.filter(pk=review.pk).update(
            submitted_at=ctx.now - timedelta(days=rng.randint(0, 9)), **decided
        )
    transfer = OwnershipTransfer.objects.order_by("?").first()
    if transfer:
        OwnershipTransfer.objects.filter(pk=transfer.pk).update(
            resolved_at=None if transfer.resolved_at else ctx.now
        )


def bulk_import(ctx, rng):
    number = rng.randint(1, 10_000)
    path = write_us_2025(
        ctx.tmp_path / f"us-{number}.csv",
        [us_2025_row(number + offset) for offset in range(3)],
    )
    summary, status = import_register(path, "--team", ctx.org.team.slug)
    assert status == 0, summary


def deactivation(ctx, rng):
    """The guided deactivation: everything the person holds handed to the lead."""
    people = [o for o in ctx.owners if o and o.is_active and o not in (ctx.org.lead, ctx.org.owner)]
    if people:  # Owen and Leo keep the workflow going
        person = rng.choice(people)
        person_deactivate(person=person, actor=ctx.org.admin, successor=ctx.org.lead)
        person.refresh_from_db()


WRITE_PATHS = [
    shell_update,
    shell_update,
    shell_links,
    shell_delete,
    membership_change,
    person_switch,
    goal_moved_in_admin,
    team_moved,
    through_services,
    through_services,
    review_rows,
    bulk_import,
    deactivation,
]


class Context:
    def __init__(self, **items):
        self.__dict__.update(items)


def write_context(org, client, tmp_path, rng) -> Context:
    """A random registry, and what every write path reads to change it: the admin signed in
    (a superuser), the teams, owners, goals and products to pick from."""
    registry = random_registry(org, rng)
    client.force_login(org.admin)
    org.admin.is_superuser = True
    org.admin.save(update_fields=["is_superuser"])
    now = timezone.now()
    ctx = Context(
        org=org,
        registry=registry,
        now=now,
        admin_client=client,
        tmp_path=tmp_path,
        teams=[org.team, org.other_team, TeamFactory(name="Claims Intake", parent=org.other_team)],
        owners=[org.owner, org.lead, None, org.non_member, UserFactory(username="sam")],
        goals=[registry.root, registry.goal, registry.child, registry.dropped, registry.lonely],
        products=[registry.product, registry.second, registry.other, registry.archived],
    )
    return ctx


@pytest.mark.parametrize("seed", SEEDS)
def test_random_changes_through_every_write_path_keep_the_summary_exact(
    org, client, tmp_path, seed
):
    rng = random.Random(seed)
    org.other_team.parent = org.team  # a unit with a sub-unit: the team filter reads both
    org.other_team.save(update_fields=["parent"])
    ctx = write_context(org, client, tmp_path, rng)
    registry, now = ctx.registry, ctx.now
    assert rebuild_differences() == 0
    for _ in range(ROUNDS):
        for _ in range(CHANGES_PER_ROUND):
            try:
                with transaction.atomic():
                    rng.choice(WRITE_PATHS)(ctx, rng)
            except (UseCaseError, ValidationError, IntegrityError):
                pass  # a change the rules or the constraints refuse writes nothing
        assert rebuild_differences() == 0
        assert_dashboards_agree(
            org, registry, moments=[now, now + timedelta(days=45), now - timedelta(days=20)]
        )


def test_the_clock_moves_without_changing_a_count(org, usecase_in):
    """Moving the summary's clock changes which phase is stored, never a count shown."""
    now = timezone.now()
    for days in (-5, 3, 20, 40):
        usecase = usecase_in("active")
        UseCase.objects.filter(pk=usecase.pk).update(
            attestation_expires_at=now + timedelta(days=days)
        )
    before = dashboard("", now=now + timedelta(days=10), live=True)
    for moment in (now + timedelta(days=10), now - timedelta(days=30), now + timedelta(days=60)):
        advance_summary_clock(moment=moment)
        assert dashboard("", now=now + timedelta(days=10), live=False) == before
        assert rebuild_differences() == 0


def test_the_repair_command_says_what_differed_and_mends_it(org, usecase_in):
    usecase_in("active")
    with connection.cursor() as cursor:  # written around the triggers, as a restore might
        cursor.execute("UPDATE usecases_teamcount SET n = n + 7")
    out = call_command_output("repair_summaries")
    assert "differed" in out and "repaired" in out
    assert rebuild_differences() == 0
    assert call_command_output("repair_summaries").startswith("The summary tables agree")


def call_command_output(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_people_moving_use_cases_in_opposite_directions_at_once_neither_wait_forever_nor_fail(
    org,
):
    """Submitting drafts while others send reviews back moves counts between the same summary
    rows in opposite directions, in one team: the rows are locked in one order, so every change
    lands (no deadlock) and the summary still equals a fresh count."""
    drafts = [make_usecase(org=org, title=f"Draft {n}") for n in range(6)]
    reviewed = [advance_usecase(make_usecase(org=org), org=org, to="in_review") for _ in range(6)]
    submit = [
        lambda usecase=usecase: services.usecase_submit(usecase=usecase, actor=org.lead)
        for usecase in drafts
    ]
    send_back = [
        lambda usecase=usecase: services.usecase_request_changes(
            usecase=usecase, actor=org.reviewer, comment="Say who it is for."
        )
        for usecase in reviewed
    ]
    outcomes = at_once(*(call for pair in zip(submit, send_back, strict=True) for call in pair))
    assert [type(outcome).__name__ for outcome in outcomes] == ["UseCase"] * 12
    assert UseCase.objects.filter(status=Status.IN_REVIEW).count() == 6
    assert UseCase.objects.filter(status=Status.DRAFT).count() == 6
    assert rebuild_differences() == 0


def test_another_due_soon_window_counts_as_the_list_does(org, usecase_in, settings):
    """A changed ``ATTESTATION_DUE_WITHIN_DAYS``: the stored phases used the old window; the
    dashboard corrects every sign-off the two windows judge differently."""
    now = timezone.now()
    for days in (3, 12, 25, 40):
        usecase = usecase_in("active")
        UseCase.objects.filter(pk=usecase.pk).update(
            attestation_expires_at=now + timedelta(days=days)
        )
    settings.ATTESTATION_DUE_WITHIN_DAYS = 10
    assert dashboard("", now=now, live=False) == dashboard("", now=now, live=True)
    advance_summary_clock(moment=now)
    assert dashboard("", now=now, live=False) == dashboard("", now=now, live=True)
    assert rebuild_differences() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("second", ["membership", "person", "clock"])
def test_a_change_elsewhere_while_a_use_case_is_written_is_counted_once(org, second):
    """One person gives a use case a new owner and is slow to commit; meanwhile someone removes
    that owner from the team, switches them off, or the summary's clock moves. Whoever comes
    second waits for the first and reads what it committed: the use case is counted once, with
    its owner's state as it ends up."""
    usecase = make_usecase(org=org)
    expires = timezone.now() + timedelta(minutes=5)

    def give_to_lead():
        with transaction.atomic():
            UseCase.objects.filter(pk=usecase.pk).update(
                owner=org.lead, lifecycle_stage=LifecycleStage.PILOT
            )
            time.sleep(HOLD_SECONDS)

    def meanwhile():
        time.sleep(HOLD_SECONDS / 3)
        if second == "membership":
            Membership.objects.filter(team=org.team, user=org.lead).delete()
        elif second == "person":
            type(org.lead).objects.filter(pk=org.lead.pk).update(is_active=False)
        else:
            UseCase.objects.filter(pk=usecase.pk).update(attestation_expires_at=expires)
            advance_summary_clock(moment=expires + timedelta(minutes=1))

    outcomes = at_once(give_to_lead, meanwhile)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert rebuild_differences() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("meanwhile", ["a team beneath", "a use case"])
def test_a_team_moved_while_another_moves_or_a_use_case_is_written_is_counted_once(org, meanwhile):
    """One person moves a division to another directorate (a plain update, as the Django admin or
    a shell writes it) and is slow to commit; meanwhile someone moves a team beneath that
    division elsewhere, or writes a use case of it. The second waits for the first and finds the
    units above by the teams as the first left them: every unit counts what lies beneath it."""
    old_top, new_top, elsewhere = (TeamFactory(name=name) for name in ("North", "South", "East"))
    division = TeamFactory(name="Division", parent=old_top)
    team = TeamFactory(name="Team", parent=division)
    usecase = make_usecase(org=org, team=team)

    def move_division():
        with transaction.atomic():
            Team.objects.filter(pk=division.pk).update(parent=new_top)
            time.sleep(HOLD_SECONDS)

    def then():
        time.sleep(HOLD_SECONDS / 3)
        if meanwhile == "a team beneath":
            Team.objects.filter(pk=team.pk).update(parent=elsewhere)
        else:
            UseCase.objects.filter(pk=usecase.pk).update(lifecycle_stage=LifecycleStage.PILOT)

    outcomes = at_once(move_division, then)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert rebuild_differences() == 0
    for unit in (old_top, new_top, elsewhere):
        query = f"?team={unit.slug}"
        now = timezone.now()
        assert dashboard(query, now=now, live=False) == dashboard(query, now=now, live=True)


def test_a_unit_deleted_from_above_its_teams_no_longer_counts_them_above(org):
    """Raw SQL can delete a unit while a team still sits under it (the parent key is checked at
    commit) and then move the team: the units that were above it no longer count the team."""
    top = TeamFactory(name="North")
    unit = TeamFactory(name="Middle", parent=top)
    team = TeamFactory(name="Team", parent=unit)
    make_usecase(org=org, team=team)
    assert rebuild_differences() == 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portfolio_team WHERE id = %s", [unit.pk])
        cursor.execute("UPDATE portfolio_team SET parent_id = NULL WHERE id = %s", [team.pk])
    assert rebuild_differences() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_team_edited_while_use_cases_move_between_teams_neither_waits_forever_nor_fails(org):
    """Someone moves use cases between teams in one transaction while an administrator renames
    one of those teams through the team page (its form names the parent, unchanged): the edit
    takes the unit rows' lock before the teams' locks, so neither deadlocks."""
    first, second = make_usecase(org=org), make_usecase(org=org)
    team = org.other_team
    data = {"name": f"{team.name} Renamed", "kind": team.kind, "parent": team.parent}

    def move_use_cases():
        with transaction.atomic():
            UseCase.objects.filter(pk=first.pk).update(team=org.other_team)
            time.sleep(HOLD_SECONDS)
            UseCase.objects.filter(pk=second.pk).update(team=org.other_team)

    def rename():
        time.sleep(HOLD_SECONDS / 3)
        return team_update(team=team, actor=org.admin, data=data)

    outcomes = at_once(move_use_cases, rename)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert Team.objects.get(pk=team.pk).name == data["name"]
    assert rebuild_differences() == 0
