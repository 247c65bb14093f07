"""The daily job records each sign-off that ran out, once, on its use case's timeline."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.concurrency import at_once
from tests.conftest import advance_usecase, lapse, make_usecase
from usecases import services
from usecases.choices import EventKind
from usecases.models import UseCaseEvent


def daily_job() -> str:
    out = StringIO()
    call_command("send_attestation_reminders", stdout=out)
    return out.getvalue()


def lapsed_events(usecase):
    return UseCaseEvent.objects.filter(usecase=usecase, kind=EventKind.ATTESTATION_LAPSED)


def test_a_lapsed_sign_off_is_recorded_once_and_shown_on_the_timeline(as_user, org):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    lapse(usecase, days_ago=1)

    assert "Recorded 1 lapsed attestation " in daily_job()
    assert "Recorded 0 lapsed attestations" in daily_job()  # the next day's run adds nothing
    [event] = lapsed_events(usecase)
    assert event.actor is None
    assert event.version == usecase.version

    page = as_user(org.owner).get(usecase.get_absolute_url()).content.decode()
    assert "<strong>Attestation lapsed</strong> by" in page
    assert "it is overdue until they re-attest" in page


def test_a_re_attested_sign_off_lapses_again_in_its_turn(org):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    lapse(usecase, days_ago=3)
    services.record_lapsed_attestations()
    services.usecase_reattest(usecase=usecase, actor=org.owner)
    assert services.record_lapsed_attestations() == 0  # the new sign-off holds
    lapse(usecase, days_ago=1)
    assert services.record_lapsed_attestations() == 1
    assert lapsed_events(usecase).count() == 2


def test_sign_offs_still_valid_or_retired_use_cases_record_nothing(org):
    valid = advance_usecase(make_usecase(org=org), org=org, to="active")
    lapse(valid, days_ahead=2)  # due soon: reminded, not lapsed
    retired = advance_usecase(make_usecase(org=org, title="Retired"), org=org, to="active")
    lapse(retired, days_ago=5)
    services.usecase_retire(usecase=retired, actor=org.owner, reason="Replaced.")
    assert "Recorded 0 lapsed attestations" in daily_job()
    assert not UseCaseEvent.objects.filter(kind=EventKind.ATTESTATION_LAPSED).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_record_the_lapse_once(org):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    lapse(usecase, days_ago=1)
    outcomes = at_once(services.record_lapsed_attestations, services.record_lapsed_attestations)
    assert sorted(outcomes) == [0, 1]
    assert lapsed_events(usecase).count() == 1
