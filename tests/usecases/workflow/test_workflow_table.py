"""The workflow table names, for each action, a service and the keyword its note goes in: both
must exist, or the button would fail only when someone presses it."""

import inspect

import pytest

from usecases import services
from usecases.choices import Action
from usecases.workflow import TRANSITIONS


def test_every_action_has_one_transition():
    assert set(TRANSITIONS) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_the_named_service_exists_and_takes_what_the_view_passes(action):
    step = TRANSITIONS[action]
    service = getattr(services, step.service)
    parameters = inspect.signature(service).parameters
    assert {"usecase", "actor", "expected_version"} <= set(parameters)
    if step.note_argument:
        assert step.note_argument in parameters
