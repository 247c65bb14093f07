"""Events reach the endpoints that asked for them, signed, once each, from the task worker."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import (
    advance_usecase,
    create_form_data,
    lapse,
    make_measurable,
    make_usecase,
)
from tests.imports.pages import finished_run, run_queued_tasks
from tests.imports.registers import us_2025_csv
from usecases import services
from usecases.choices import EventKind, MetricDirection
from usecases.models import UseCase
from webhooks.models import Delivery, DeliveryState, WebhookEvent
from webhooks.services import endpoint_create, endpoint_set_active


def test_the_request_does_not_wait_and_the_worker_delivers_signed(as_role, org, endpoint, receiver):
    response = as_role("member").post(reverse("usecases:usecase_create"), create_form_data(org=org))
    assert response.status_code == 302
    assert receiver.received == []  # nothing was sent while the request ran
    assert Delivery.objects.get().state == DeliveryState.PENDING

    run_queued_tasks()

    [request] = receiver.received
    assert request.signed_with(endpoint.secret)
    assert request.headers["X-Registry-Event"] == "usecase.created"
    body = request.json
    delivery = Delivery.objects.get()
    assert body["id"] == request.headers["X-Registry-Delivery"] == str(delivery.pk)
    assert body["event"] == "usecase.created"
    assert body["usecase"]["title"] == "Route benefit claims to the right office"
    assert body["usecase"]["url"].endswith(f"/{body['usecase']['key']}/")
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.last_status_code == 200
    assert delivery.attempts.get().duration_ms >= 0


def test_each_workflow_event_arrives_once(org, endpoint, receiver):
    usecase = make_usecase(org=org)
    advance_usecase(usecase, org=org, to="active")
    run_queued_tasks()
    run_queued_tasks()  # nothing left: no event is sent twice
    assert receiver.events == [
        "usecase.created",
        "usecase.submitted",
        "usecase.approved",
        "usecase.signed_off",
    ]
    assert all(request.signed_with(endpoint.secret) for request in receiver.received)
    assert [request.json["usecase"]["status"] for request in receiver.received][-1] == "active"


def test_a_failed_delivery_is_retried_later_then_delivered(org, endpoint, receiver):
    receiver.answers = [500]
    make_usecase(org=org)
    run_queued_tasks()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_status_code, delivery.attempt_count) == (
        DeliveryState.PENDING,
        500,
        1,
    )
    run_queued_tasks()  # the retry waits for its time: not due yet
    assert len(receiver.received) == 1
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_queued_tasks()
    assert len(receiver.received) == 2
    assert receiver.received[0].json["id"] == receiver.received[1].json["id"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status_code, delivery.attempt_count) == (
        DeliveryState.DELIVERED,
        200,
        2,
    )
    assert [attempt.status_code for attempt in delivery.attempts.order_by("at")] == [500, 200]


def test_disabled_or_not_subscribed_endpoints_get_nothing(org, receiver):
    off = endpoint_create(actor=org.admin, url=receiver.url, events=list(WebhookEvent.values))
    endpoint_set_active(actor=org.admin, endpoint_id=off.pk, active=False, version=off.version)
    endpoint_create(actor=org.admin, url=receiver.url, events=["usecase.retired"])
    advance_usecase(make_usecase(org=org), org=org, to="active")
    run_queued_tasks()
    assert receiver.received == []
    assert not Delivery.objects.exists()


def test_switched_off_before_the_worker_ran_sends_nothing(org, endpoint, receiver):
    make_usecase(org=org)
    endpoint_set_active(
        actor=org.admin, endpoint_id=endpoint.pk, active=False, version=endpoint.version
    )
    run_queued_tasks()
    assert receiver.received == []


def test_a_measurement_that_moves_the_evidence_status_sends_both(org, receiver):
    usecase = make_measurable(org=org)
    endpoint = endpoint_create(
        actor=org.admin,
        url=receiver.url,
        events=["measurement.recorded", "evidence.status_changed"],
    )
    services.measurement_record(
        usecase=usecase, actor=org.owner, measured_on=timezone.localdate(), value=Decimal(38)
    )
    run_queued_tasks()
    assert sorted(receiver.events) == ["evidence.status_changed", "measurement.recorded"]
    [evidence] = [
        request.json
        for request in receiver.received
        if request.json["event"] == "evidence.status_changed"
    ]
    usecase.refresh_from_db()
    assert evidence["evidence_status"]["value"] == usecase.evidence_status
    assert evidence["evidence_status"]["from"] != evidence["evidence_status"]["to"]
    assert all(request.signed_with(endpoint.secret) for request in receiver.received)


def test_an_endpoint_deleted_before_the_worker_ran_sends_nothing(org, endpoint, receiver):
    make_usecase(org=org)
    endpoint.delete()
    run_queued_tasks()
    assert receiver.received == []


def test_a_transfer_of_ownership_is_sent(org, receiver):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    endpoint_create(actor=org.admin, url=receiver.url, events=["usecase.transferred"])
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=org.lead)
    run_queued_tasks()
    [request] = receiver.received
    assert request.json["event"] == "usecase.transferred"
    assert request.json["kind"] == "ownership.transfer_requested"
    assert request.json["usecase"]["owner"] == person(org.lead)
    assert request.json["usecase"]["previous_owner"] == person(org.owner)

    services.usecase_decline_ownership(
        usecase=usecase, actor=org.lead, reason="Not my team's service."
    )
    run_queued_tasks()
    [_, declined] = receiver.received  # ownership went back: one more, naming the old owner
    assert declined.json["event"] == "usecase.transferred"
    assert declined.json["kind"] == "signoff.declined"
    assert declined.json["usecase"]["owner"] == person(org.owner)
    assert declined.json["usecase"]["previous_owner"] == person(org.lead)
    assert declined.json["usecase"]["status"] == "active"


def test_an_admins_reassignment_of_the_owner_is_sent_as_transferred(org, receiver):
    usecase = make_usecase(org=org)  # a draft, owned by Owen
    endpoint_create(actor=org.admin, url=receiver.url, events=["usecase.transferred"])
    services.usecase_reassign_owner(usecase=usecase, actor=org.admin, new_owner=org.lead)
    run_queued_tasks()
    [request] = receiver.received
    assert (request.json["event"], request.json["kind"]) == (
        "usecase.transferred",
        "usecase.updated",
    )
    assert request.json["usecase"]["owner"] == person(org.lead)
    assert request.json["usecase"]["previous_owner"] == person(org.owner)
    assert request.json["actor"] == org.admin.username


def person(user) -> dict:
    return {"username": user.username, "name": user.get_full_name()}


def test_every_event_names_the_owner(org, endpoint, receiver):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    run_queued_tasks()
    assert len(receiver.received) == 4
    assert all(
        request.json["usecase"]["owner"] == person(usecase.owner) for request in receiver.received
    )


def on_track_then_edited(org, receiver, data: dict):
    """A measurable use case on track (25, on the line down from 40 to 10) whose owner then edits
    ``data``, with an endpoint for evidence moves registered in between."""
    usecase = make_measurable(org=org)
    services.measurement_record(
        usecase=usecase, actor=org.owner, measured_on=timezone.localdate(), value=Decimal(25)
    )
    endpoint = endpoint_create(
        actor=org.admin, url=receiver.url, events=["evidence.status_changed"]
    )
    usecase.refresh_from_db()
    services.usecase_update(
        usecase=usecase, actor=org.owner, data=data, expected_version=usecase.version
    )
    run_queued_tasks()
    return usecase, endpoint


def test_an_edit_of_the_metric_that_moves_the_evidence_status_is_recorded_and_sent(org, receiver):
    # Now 25 is far below a baseline of 40 on the way up to 60.
    data = {"metric_direction": MetricDirection.INCREASE, "metric_target": Decimal(60)}
    usecase, endpoint = on_track_then_edited(org, receiver, data)
    [request] = receiver.received
    assert request.signed_with(endpoint.secret)
    body = request.json
    assert (body["event"], body["kind"]) == ("evidence.status_changed", "evidence.status_changed")
    assert body["evidence_status"] == {"from": "On track", "to": "Off track", "value": "off_track"}
    assert body["actor"] == org.owner.username
    event = usecase.events.get(kind=EventKind.EVIDENCE_CHANGED)  # the timeline shows it
    assert event.changes == {"evidence_status": ["On track", "Off track"]}


def test_an_edit_of_the_metric_that_keeps_the_evidence_status_records_no_move(org, receiver):
    usecase, _ = on_track_then_edited(org, receiver, {"metric_name": "Median days to decide"})
    assert receiver.received == []
    assert usecase.events.filter(kind=EventKind.UPDATED).exists()
    assert not usecase.events.filter(kind=EventKind.EVIDENCE_CHANGED).exists()


def test_a_lapsed_attestation_is_sent_once_as_overdue(org, receiver):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    endpoint = endpoint_create(
        actor=org.admin, url=receiver.url, events=["usecase.attestation_overdue"]
    )
    lapse(usecase, days_ago=1)
    call_command("send_attestation_reminders", stdout=StringIO())
    call_command("send_attestation_reminders", stdout=StringIO())  # the next day: nothing new
    run_queued_tasks()
    run_queued_tasks()
    [request] = receiver.received
    assert request.signed_with(endpoint.secret)
    body = request.json
    assert body["event"] == request.headers["X-Registry-Event"] == "usecase.attestation_overdue"
    assert body["kind"] == "signoff.lapsed"
    assert body["actor"] is None
    assert (body["usecase"]["key"], body["usecase"]["status"]) == (usecase.key, "active")


def test_a_move_by_the_daily_recompute_is_sent_once(org, receiver):
    usecase = make_measurable(org=org)
    services.measurement_record(
        usecase=usecase, actor=org.owner, measured_on=timezone.localdate(), value=Decimal(25)
    )  # on the line: on track
    endpoint = endpoint_create(
        actor=org.admin, url=receiver.url, events=["evidence.status_changed"]
    )
    later = (timezone.localdate() + timedelta(days=51)).isoformat()  # past the target date
    call_command("recompute_evidence", "--today", later, stdout=StringIO())
    call_command("recompute_evidence", "--today", later, stdout=StringIO())
    run_queued_tasks()
    run_queued_tasks()
    [request] = receiver.received
    assert request.signed_with(endpoint.secret)
    body = request.json
    assert body["event"] == "evidence.status_changed"
    assert body["kind"] == "evidence.status_changed"
    assert body["evidence_status"] == {"from": "On track", "to": "Off track", "value": "off_track"}
    assert (body["usecase"]["key"], body["usecase"]["title"]) == (usecase.key, usecase.title)


def test_an_imports_rows_are_each_sent_as_created(org, receiver):
    endpoint = endpoint_create(actor=org.admin, url=receiver.url, events=["usecase.created"])
    finished_run(org.lead, team=org.team, content=us_2025_csv(4))
    created = set(UseCase.objects.values_list("number", flat=True))
    assert len(created) == 4
    run_queued_tasks()  # the batch's one task queues a task per delivery
    run_queued_tasks()  # which the worker sends
    run_queued_tasks()
    assert receiver.events == ["usecase.created"] * 4
    assert all(request.signed_with(endpoint.secret) for request in receiver.received)
    assert {request.json["usecase"]["key"] for request in receiver.received} == {
        f"UC-{number}" for number in created
    }
    assert all(request.json["actor"] for request in receiver.received)
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 4
