"""Recording measurements, who may, and how the use case's evidence status follows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from portfolio.models import Membership
from tests.factories import MembershipFactory, UserFactory
from usecases import permissions, selectors, services
from usecases.choices import EventKind, EvidenceStatus, MetricDirection, Status
from usecases.evidence import is_stale, stale_q
from usecases.models import Measurement, UseCase, UseCaseEvent
from usecases.models.history import MeasurementHistory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days: int):
    return TODAY - timedelta(days=days)


# Days to a decision: 40 fifty days ago, 10 in fifty days; the line falls 0.3 a day, so 25 is
# expected today and the tolerance is 3.
METRIC = {
    "metric_name": "Median days to a decision",
    "metric_unit": "days",
    "metric_direction": MetricDirection.DECREASE,
    "metric_baseline": Decimal(40),
    "metric_baseline_date": ago(50),
    "metric_target": Decimal(10),
    "metric_target_date": TODAY + timedelta(days=50),
}


@pytest.fixture
def measured(usecase_in):
    """An active use case with the metric above, owned by Owen, no measurements yet."""
    return usecase_in("active", **METRIC)


@pytest.fixture
def recorder(org, measured):
    """Mia, a member of the owning team, allowed by the owner to record."""
    services.measurement_recorders_set(usecase=measured, actor=org.owner, users=[org.member])
    return org.member


def record(usecase, actor, value, *, on=TODAY, **extra):
    return services.measurement_record(
        usecase=usecase, actor=actor, measured_on=on, value=Decimal(str(value)), **extra
    )


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


def events(usecase, kind):
    return list(UseCaseEvent.objects.filter(usecase=usecase, kind=kind).order_by("pk"))


# -- Recording ----------------------------------------------------------------------------------


def test_the_owner_records_a_measurement_and_the_status_follows(org, measured):
    assert stored(measured).evidence_status == EvidenceStatus.NO_DATA

    measurement = record(
        measured, org.owner, 24, note="From the March report", source_url="https://example.org/r"
    )

    assert measurement.recorded_by == org.owner
    assert measurement.note == "From the March report"
    after = stored(measured)
    assert after.evidence_status == EvidenceStatus.ON_TRACK  # 24 days, 25 expected
    assert after.last_measured_on == TODAY
    assert after.version == measured.version  # a reading is not an edit: no conflict for editors
    [event] = events(measured, EventKind.MEASUREMENT_RECORDED)
    assert event.actor == org.owner
    assert event.note.startswith("24 days on ")
    assert event.note.endswith(": From the March report")
    assert event.changes == {"evidence_status": ["No measurements", "On track"]}


def test_three_measurements_move_the_status(org, measured):
    seen = []
    for days_ago, value in [(40, 40), (20, 26), (5, 35)]:
        record(measured, org.owner, value, on=ago(days_ago))
        seen.append(stored(measured).evidence_status)
    # 40 when 37 was expected (short 3: at risk); 26 when 31 was (ahead); 35 when 26.5 was.
    assert seen == [EvidenceStatus.AT_RISK, EvidenceStatus.ON_TRACK, EvidenceStatus.OFF_TRACK]
    assert stored(measured).last_measured_on == ago(5)


def test_an_older_reading_does_not_replace_the_latest(org, measured):
    record(measured, org.owner, 20, on=ago(1))
    record(measured, org.owner, 40, on=ago(30))  # filled in late
    after = stored(measured)
    assert after.last_measured_on == ago(1)
    assert after.evidence_status == EvidenceStatus.ON_TRACK


def test_an_allowed_team_member_records(org, measured, recorder):
    record(measured, recorder, 30)
    assert Measurement.objects.get(usecase=measured).recorded_by == recorder


@pytest.mark.parametrize("role", ["member", "lead", "reviewer", "admin", "non_member"])
def test_others_may_not_record(org, measured, role):
    with pytest.raises(services.NotAllowed):
        record(measured, getattr(org, role), 30)
    assert not Measurement.objects.exists()
    assert stored(measured).evidence_status == EvidenceStatus.NO_DATA


def test_a_recorder_who_left_the_team_may_not_record(org, measured, recorder):
    Membership.objects.filter(user=recorder, team=org.team).delete()
    with pytest.raises(services.NotAllowed):
        record(measured, recorder, 30)
    assert not Measurement.objects.exists()


def as_request_user(person):
    """The person as a request holds them: a lazy wrapper around the user."""
    return SimpleLazyObject(lambda: person)


def test_the_service_asks_again_under_the_lock_not_what_the_page_read(org, measured, recorder):
    """The page asked a moment ago (and kept the answer on the request's person); the recorder
    left the team before the service took the lock: the service reads the team afresh."""
    actor = as_request_user(recorder)
    assert permissions.keeps_measurements(actor, measured)  # the page's question
    Membership.objects.filter(user=recorder, team=org.team).delete()
    with pytest.raises(services.NotAllowed):
        record(measured, actor, 30)
    assert not Measurement.objects.exists()


def test_a_delete_asks_again_under_the_lock_too(org, measured, recorder):
    own = record(measured, recorder, 30)
    actor = as_request_user(recorder)
    assert permissions.keeps_measurement(actor, own, measured)  # the page's question
    Membership.objects.filter(user=recorder, team=org.team).delete()
    with pytest.raises(services.NotAllowed):
        services.measurement_delete(measurement=own, actor=actor)
    assert Measurement.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize(
    ("write", "mark"),
    [
        (lambda org, usecase: record(usecase, org.owner, 30), EventKind.MEASUREMENT_RECORDED),
        (
            lambda org, usecase: services.measurement_delete(
                measurement=record(usecase, org.owner, 30), actor=org.owner
            ),
            EventKind.MEASUREMENT_DELETED,
        ),
    ],
    ids=["record", "delete"],
)
def test_a_measurement_service_marks_the_history_rows_it_writes(org, measured, write, mark):
    """The timeline tells the registry's own writes from changes made elsewhere by this mark."""
    write(org, measured)
    latest = MeasurementHistory.objects.select_related("pgh_context").order_by("-pgh_id").first()
    assert latest.pgh_context.metadata["service"] == mark


def test_a_future_date_is_refused(org, measured):
    with pytest.raises(services.UseCaseError, match="future"):
        record(measured, org.owner, 30, on=TODAY + timedelta(days=1))
    assert not Measurement.objects.exists()
    assert not events(measured, EventKind.MEASUREMENT_RECORDED)


def test_no_metric_no_measurement(org, usecase_in):
    usecase = usecase_in("active")
    with pytest.raises(services.UseCaseError, match="no success metric"):
        record(usecase, org.owner, 30)
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("status", ["draft", "in_review", "declined", "retired"])
def test_only_approved_use_cases_are_measured(org, usecase_in, status):
    usecase = usecase_in(status, **METRIC)
    with pytest.raises(services.UseCaseError, match="once it is approved"):
        record(usecase, org.owner, 30)
    assert not Measurement.objects.exists()


def test_awaiting_sign_off_is_measured(org, usecase_in):
    usecase = usecase_in("awaiting_sign_off", **METRIC)
    record(usecase, org.owner, 27)
    assert stored(usecase).evidence_status == EvidenceStatus.AT_RISK  # 27 when 25 was expected


# -- Deleting -----------------------------------------------------------------------------------


def test_the_owner_deletes_any_measurement_and_the_status_follows_back(org, measured, recorder):
    record(measured, org.owner, 40, on=ago(40))
    latest = record(measured, recorder, 10, on=ago(2))
    assert stored(measured).evidence_status == EvidenceStatus.ON_TRACK

    services.measurement_delete(measurement=latest, actor=org.owner)

    after = stored(measured)
    assert after.last_measured_on == ago(40)
    assert after.evidence_status == EvidenceStatus.AT_RISK
    [event] = events(measured, EventKind.MEASUREMENT_DELETED)
    assert event.note.startswith("10 days on ")
    assert event.changes == {"evidence_status": ["On track", "At risk"]}


def test_deleting_the_only_measurement_leaves_no_data(org, measured):
    only = record(measured, org.owner, 30)
    services.measurement_delete(measurement=only, actor=org.owner)
    after = stored(measured)
    assert (after.evidence_status, after.last_measured_on) == (EvidenceStatus.NO_DATA, None)


def test_a_recorder_deletes_their_own_and_not_the_owners(org, measured, recorder):
    own = record(measured, recorder, 30)
    owners = record(measured, org.owner, 31)
    with pytest.raises(services.NotAllowed):
        services.measurement_delete(measurement=owners, actor=recorder)
    services.measurement_delete(measurement=own, actor=recorder)
    assert list(Measurement.objects.values_list("pk", flat=True)) == [owners.pk]


def test_deleting_twice_says_so(org, measured):
    measurement = record(measured, org.owner, 30)
    services.measurement_delete(measurement=measurement, actor=org.owner)
    with pytest.raises(services.UseCaseError, match="already deleted"):
        services.measurement_delete(measurement=measurement, actor=org.owner)


@pytest.mark.parametrize("role", ["member", "lead", "admin"])
def test_others_may_not_delete(org, measured, role):
    measurement = record(measured, org.owner, 30)
    with pytest.raises(services.NotAllowed):
        services.measurement_delete(measurement=measurement, actor=getattr(org, role))
    assert Measurement.objects.filter(pk=measurement.pk).exists()


# -- Who may record -----------------------------------------------------------------------------


def test_the_owner_allows_team_members_and_the_change_is_recorded(org, measured):
    services.measurement_recorders_set(
        usecase=measured, actor=org.owner, users=[org.member, org.lead]
    )
    assert set(stored(measured).measurement_recorders.all()) == {org.member, org.lead}
    [event] = events(measured, EventKind.RECORDERS_CHANGED)
    assert event.actor == org.owner
    assert event.changes == {"measurement_recorders": ["", "Leo Lead, Mia Member"]}

    services.measurement_recorders_set(usecase=measured, actor=org.owner, users=[org.lead])
    assert list(stored(measured).measurement_recorders.all()) == [org.lead]
    assert events(measured, EventKind.RECORDERS_CHANGED)[-1].changes == {
        "measurement_recorders": ["Leo Lead, Mia Member", "Leo Lead"]
    }


def test_setting_the_same_recorders_again_records_nothing(org, measured, recorder):
    services.measurement_recorders_set(usecase=measured, actor=org.owner, users=[recorder])
    assert len(events(measured, EventKind.RECORDERS_CHANGED)) == 1


def test_the_owner_needs_no_permission_of_their_own(org, measured):
    MembershipFactory(team=org.team, user=org.owner)
    services.measurement_recorders_set(
        usecase=measured, actor=org.owner, users=[org.owner, org.member]
    )
    assert list(stored(measured).measurement_recorders.all()) == [org.member]


def test_only_team_members_may_be_allowed(org, measured):
    gone = UserFactory(username="gus", first_name="Gus", last_name="Gone", is_active=False)
    MembershipFactory(team=org.team, user=gone)
    for outsider, name in [(org.non_member, "Nina Outsider"), (gone, "Gus Gone")]:
        with pytest.raises(services.UseCaseError, match=name):
            services.measurement_recorders_set(
                usecase=measured, actor=org.owner, users=[org.member, outsider]
            )
    assert not stored(measured).measurement_recorders.exists()
    assert not events(measured, EventKind.RECORDERS_CHANGED)


@pytest.mark.parametrize("role", ["member", "lead", "admin", "reviewer"])
def test_only_the_owner_chooses_recorders(org, measured, role):
    with pytest.raises(services.NotAllowed):
        services.measurement_recorders_set(
            usecase=measured, actor=getattr(org, role), users=[org.member]
        )
    assert not stored(measured).measurement_recorders.exists()


# -- Time passes: the daily recompute -------------------------------------------------------------


def test_recompute_moves_the_status_as_the_line_moves(org, measured):
    record(measured, org.owner, 25)  # on the line today
    assert stored(measured).evidence_status == EvidenceStatus.ON_TRACK
    assert services.evidence_recompute(today=TODAY) == 0

    # A month on, nothing new measured: the use case is judged on the same reading, still dated
    # today, so on the line. Past the target date, it is off track.
    assert services.evidence_recompute(today=TODAY + timedelta(days=30)) == 0
    assert services.evidence_recompute(today=TODAY + timedelta(days=51)) == 1
    assert stored(measured).evidence_status == EvidenceStatus.OFF_TRACK
    assert services.evidence_recompute(today=TODAY + timedelta(days=51)) == 0


def test_recompute_repairs_columns_written_outside_the_services(org, measured, usecase_in):
    Measurement.objects.create(
        usecase=measured, measured_on=ago(1), value=Decimal(50), recorded_by=org.owner
    )
    no_metric = usecase_in("active")
    UseCase.objects.filter(pk=no_metric.pk).update(evidence_status=EvidenceStatus.AT_RISK)
    untouched = usecase_in("active", title="Never measured", **METRIC)

    assert services.evidence_recompute(today=TODAY) == 2

    assert stored(measured).evidence_status == EvidenceStatus.OFF_TRACK
    assert stored(measured).last_measured_on == ago(1)
    assert stored(no_metric).evidence_status == EvidenceStatus.NO_DATA
    assert stored(untouched).evidence_status == EvidenceStatus.NO_DATA


def test_recompute_works_in_batches(org, measured, usecase_in):
    others = [usecase_in("active", title=f"Batch {n}", **METRIC) for n in range(3)]
    for usecase in [measured, *others]:
        record(usecase, org.owner, 25)
    assert services.evidence_recompute(today=TODAY + timedelta(days=60), batch_size=2) == 4
    assert {stored(uc).evidence_status for uc in [measured, *others]} == {EvidenceStatus.OFF_TRACK}


def test_the_daily_command(org, measured, capsys):
    record(measured, org.owner, 25)
    later = (TODAY + timedelta(days=60)).isoformat()
    call_command("recompute_evidence", "--today", later)
    assert "changed for 1 use case." in capsys.readouterr().out
    assert stored(measured).evidence_status == EvidenceStatus.OFF_TRACK


def test_a_move_by_the_recompute_is_recorded_once_on_the_timeline(org, measured):
    record(measured, org.owner, 25)
    later = TODAY + timedelta(days=51)
    services.evidence_recompute(today=later)
    services.evidence_recompute(today=later)  # the next run moves nothing: nothing recorded
    [event] = events(measured, EventKind.EVIDENCE_CHANGED)
    assert event.changes == {"evidence_status": ["On track", "Off track"]}
    assert event.actor is None
    assert event.version == stored(measured).version
    [entry] = [
        entry
        for entry in selectors.usecase_timeline(stored(measured))
        if entry.title == "Evidence status changed"
    ]
    assert entry.text.startswith(f"Recomputed on {later.day} {later:%b %Y}")


def test_a_repaired_measurement_date_alone_records_no_event(org, measured):
    record(measured, org.owner, 25)
    UseCase.objects.filter(pk=measured.pk).update(last_measured_on=ago(3))
    assert services.evidence_recompute(today=TODAY) == 1
    assert stored(measured).last_measured_on == TODAY
    assert events(measured, EventKind.EVIDENCE_CHANGED) == []


def test_the_recompute_records_a_batch_in_a_fixed_number_of_queries(org, usecase_in):
    def moved(count):
        batch = [usecase_in("active", title=f"Batch {count} {n}", **METRIC) for n in range(count)]
        for usecase in batch:
            record(usecase, org.owner, 25)
        return batch

    def recompute_queries(batch, day):
        with CaptureQueriesContext(connection) as queries:
            services.evidence_recompute(today=TODAY + timedelta(days=day))
        assert {stored(usecase).evidence_status for usecase in batch} == {EvidenceStatus.OFF_TRACK}
        return len(queries)

    small = recompute_queries(moved(1), 51)
    UseCase.objects.update(evidence_status=EvidenceStatus.ON_TRACK)
    assert recompute_queries(moved(4), 52) == small


def test_editing_the_target_rejudges_at_once(org, measured):
    record(measured, org.owner, 25)
    assert stored(measured).evidence_status == EvidenceStatus.ON_TRACK
    current = stored(measured)
    services.usecase_update(
        usecase=current,
        actor=org.lead,
        data={"metric_target_date": TODAY + timedelta(days=5)},
        expected_version=current.version,
    )
    # The line now falls 30 over 55 days: about 12.7 expected today; 25 is far off.
    assert stored(measured).evidence_status == EvidenceStatus.OFF_TRACK


# -- Staleness and history ----------------------------------------------------------------------


def test_stale_after_ninety_days(org, measured):
    record(measured, org.owner, 40, on=ago(91))
    after = stored(measured)
    assert is_stale(after.last_measured_on, TODAY)
    assert list(UseCase.objects.filter(stale_q(TODAY), pk=measured.pk)) == [after]

    record(measured, org.owner, 25, on=ago(90))
    after = stored(measured)
    assert not is_stale(after.last_measured_on, TODAY)
    assert not UseCase.objects.filter(stale_q(TODAY), pk=measured.pk).exists()


def test_the_timeline_shows_measurements_as_registry_events_only(org, measured, recorder):
    record(measured, org.owner, 30)
    services.measurement_delete(
        measurement=record(measured, recorder, 20, on=ago(3)), actor=recorder
    )
    entries = selectors.usecase_timeline(stored(measured))
    titles = [entry.title for entry in entries]
    assert "Measurement recorded" in titles
    assert "Measurement deleted" in titles
    assert "Changed who may record measurements" in titles
    # The status columns the services keep are not "changed outside the registry's pages".
    assert all(entry.source != "outside" for entry in entries)
    assert stored(measured).status == Status.ACTIVE


def test_values_are_kept_to_the_columns_precision(org, measured):
    assert record(measured, org.owner, "12.34567").value == Decimal("12.3457")
    with pytest.raises(services.UseCaseError, match="below a trillion"):
        record(measured, org.owner, "1000000000000")
    with pytest.raises(services.UseCaseError, match="as a number"):
        record(measured, org.owner, "NaN")
    assert Measurement.objects.count() == 1
