"""Two admins saving the same team or goal at the same moment, on committed data: the row lock
orders the saves, the second reads the first's result and is refused; never both win."""

import time

import pytest

from administration.services import editing, goals, teams
from portfolio.models import AdminEvent
from tests.concurrency import HOLD_SECONDS, at_once
from tests.factories import GoalFactory, TeamFactory, admin_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def paused_after_the_check(monkeypatch):
    """The first to pass the fingerprint check holds its lock a moment, long enough for the other
    to arrive and wait; without the row lock both would pass the check."""
    check = editing.refuse_if_changed
    paused = []

    def check_then_pause(**kwargs):
        check(**kwargs)
        paused.append(True)
        time.sleep(HOLD_SECONDS)

    monkeypatch.setattr(editing, "refuse_if_changed", check_then_pause)
    yield
    assert paused, "the patched fingerprint check never ran: the race was not tested"


def _one_wins(outcomes):
    conflicts = [o for o in outcomes if isinstance(o, editing.EditConflict)]
    saved = [o for o in outcomes if not isinstance(o, Exception)]
    assert (len(conflicts), len(saved)) == (1, 1), outcomes
    return saved[0], conflicts[0]


def test_two_team_saves_at_once(paused_after_the_check):
    adam, ada = admin_user(username="adam"), admin_user(username="ada")
    team = TeamFactory(name="Claims Processing", slug="claims")
    loaded = editing.state_fingerprint(teams.team_state(team))

    def save(actor, data):
        return lambda: teams.team_update(team=team, actor=actor, data=data, fingerprint=loaded)

    saved, conflict = _one_wins(
        at_once(save(adam, {"name": "Claims"}), save(ada, {"description": "End to end"}))
    )
    assert conflict.changed in (["name"], ["description"])
    team.refresh_from_db()
    assert (team.name, team.description) == (saved.name, saved.description)
    assert AdminEvent.objects.filter(action="team.updated").count() == 1


def test_a_move_and_an_edit_of_the_same_goal_at_once(paused_after_the_check):
    adam, ada = admin_user(username="adam"), admin_user(username="ada")
    vision = GoalFactory(title="Vision")
    goal = GoalFactory(title="Decide claims faster")
    loaded = editing.state_fingerprint(goals.goal_state(goal))

    def save(actor, data):
        return lambda: goals.goal_update(goal=goal, actor=actor, data=data, fingerprint=loaded)

    saved, _ = _one_wins(
        at_once(
            save(adam, {"title": "Decide claims in a week", "parent": None}),
            save(ada, {"title": goal.title, "parent": vision}),
        )
    )
    goal.refresh_from_db()
    assert (goal.title, goal.parent_id) == (saved.title, saved.parent_id)
    assert AdminEvent.objects.filter(action__startswith="goal.").count() == 1
