"""A use-case edit and an admin's change of a custom field's type at the same moment, on committed
data: the edit checks its values by the definitions and holds them until it commits, so either the
edit lands and the type change is refused (values are held), or the type changes first and the edit
is checked by the new type. Never a value of the old type under the new one."""

import time

import pytest

from administration.services.custom_fields import customfield_update
from administration.services.errors import AdminError
from tests.concurrency import HOLD_SECONDS, at_once
from tests.factories import TeamFactory, UserFactory, admin_user
from usecases import services
from usecases.models import CustomField, CustomFieldType, UseCase
from usecases.services import editing

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def paused_after_the_check(monkeypatch):
    """The edit holds a moment after checking its custom values, long enough for the admin's
    change to arrive; without the lock on the definitions both would pass their checks."""
    check = editing.checked_custom_values
    paused = []

    def check_then_pause(*args, **kwargs):
        outcome = check(*args, **kwargs)
        paused.append(True)
        time.sleep(3 * HOLD_SECONDS)
        return outcome

    monkeypatch.setattr(editing, "checked_custom_values", check_then_pause)
    yield
    assert paused, "the patched check never ran: the race was not tested"


def test_an_edit_and_a_type_change_at_once_never_both_win(paused_after_the_check):
    field = CustomField.objects.create(name="code", label="Code", type=CustomFieldType.TEXT)
    author = UserFactory(username="mia")
    usecase = services.usecase_create(
        actor=author, data={"title": "Triage claims", "team": TeamFactory()}
    )
    adam = admin_user(username="adam")

    def edit():
        return services.usecase_update(
            usecase=usecase,
            actor=author,
            data={"custom_values": {"code": "abc"}},
            expected_version=usecase.version,
        )

    def retype():
        time.sleep(HOLD_SECONDS)  # arrives while the edit holds, past its check
        return customfield_update(field=field, actor=adam, data={"type": CustomFieldType.INTEGER})

    outcomes = at_once(edit, retype)
    failed = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(failed) == 1, outcomes
    assert isinstance(failed[0], AdminError | services.InvalidValue), failed
    stored = UseCase.objects.get(pk=usecase.pk).custom_values
    field.refresh_from_db()
    if field.type == CustomFieldType.INTEGER:
        assert stored == {}
    else:
        assert stored == {"code": "abc"}
