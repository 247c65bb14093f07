"""Two admins saving the same team or goal at the same moment, on committed data: the row lock
orders the saves, the second reads the first's result and is refused; never both win."""

import time

import pytest

from portfolio import services
from portfolio.models import AdminEvent
from tests.factories import GoalFactory, TeamFactory, admin_user
from tests.portfolio.test_people_admin_transactional import HOLD_SECONDS, at_once

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def paused_after_the_check(monkeypatch):
    """The first to pass the fingerprint check holds its lock a moment, long enough for the other
    to arrive and wait; without the row lock both would pass the check."""
    check = services._refuse_if_changed

    def check_then_pause(**kwargs):
        check(**kwargs)
        time.sleep(HOLD_SECONDS)

    monkeypatch.setattr(services, "_refuse_if_changed", check_then_pause)


def _one_wins(outcomes):
    conflicts = [o for o in outcomes if isinstance(o, services.EditConflict)]
    saved = [o for o in outcomes if not isinstance(o, Exception)]
    assert (len(conflicts), len(saved)) == (1, 1), outcomes
    return saved[0], conflicts[0]


def test_two_team_saves_at_once(paused_after_the_check):
    adam, ada = admin_user(username="adam"), admin_user(username="ada")
    team = TeamFactory(name="Claims Processing", slug="claims")
    loaded = services.state_fingerprint(services.team_state(team))

    def save(actor, data):
        return lambda: services.team_update(team=team, actor=actor, data=data, fingerprint=loaded)

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
    loaded = services.state_fingerprint(services.goal_state(goal))

    def save(actor, data):
        return lambda: services.goal_update(goal=goal, actor=actor, data=data, fingerprint=loaded)

    saved, _ = _one_wins(
        at_once(
            save(adam, {"title": "Decide claims in a week", "parent": None}),
            save(ada, {"title": goal.title, "parent": vision}),
        )
    )
    goal.refresh_from_db()
    assert (goal.title, goal.parent_id) == (saved.title, saved.parent_id)
    assert AdminEvent.objects.filter(action__startswith="goal.").count() == 1
