"""Endpoints that answer badly, slowly or not at all: each attempt ends, is logged as failed and
is retried on the schedule until the last; switching an endpoint on resumes what waited for it;
nothing is ever sent on two chains of retries at once."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_usecase
from tests.imports.pages import finished_run, run_queued_tasks
from tests.imports.registers import us_2025_csv
from tests.webhooks.receiver import start_raw_server
from webhooks.models import Delivery, DeliveryState
from webhooks.services import (
    AlreadyWaiting,
    delivery_redeliver,
    endpoint_create,
    endpoint_set_active,
)


@pytest.fixture
def raw_endpoint(org):
    """Start a raw server answering with ``answer(connection, stopped)``: its endpoint."""
    servers = []

    def start(answer):
        server = start_raw_server(answer)
        servers.append(server)
        return endpoint_create(actor=org.admin, url=server.url, events=["usecase.created"])

    yield start
    for server in servers:
        server.stop()


def waiting_retry() -> DBTaskResult:
    return DBTaskResult.objects.get(status="READY")


def make_due() -> None:
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def assert_failed_once_and_retry_queued(error_part: str) -> Delivery:
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    [attempt] = delivery.attempts.all()
    assert attempt.status_code is None and error_part in attempt.error
    assert delivery.last_error == attempt.error
    assert waiting_retry().run_after > timezone.now()  # retried later, as after a 500
    return delivery


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"GARBAGE NOT HTTP\r\n\r\n", "BadStatusLine"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", "LineTooLong"),
        (b"", "RemoteDisconnected"),
    ],
    ids=["malformed status line", "over-long header", "hang-up"],
)
def test_a_malformed_answer_is_a_failed_attempt_retried_later(org, raw_endpoint, answer, error):
    raw_endpoint(lambda connection, stopped: connection.sendall(answer))
    make_usecase(org=org)
    run_queued_tasks()  # raises nothing out of the task
    assert_failed_once_and_retry_queued(error)


def drip(connection, stopped) -> None:
    """A 200 whose headers never end: a byte every tenth of a second."""
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stopped.is_set():
        connection.sendall(b"X")
        time.sleep(0.1)


def test_a_dripping_endpoint_is_cut_at_the_deadline(org, raw_endpoint, settings):
    settings.WEBHOOK_DEADLINE_SECONDS = 1
    raw_endpoint(drip)
    make_usecase(org=org)
    started = time.monotonic()
    run_queued_tasks()
    assert time.monotonic() - started < 3  # each read was quick: only the deadline ends it
    delivery = assert_failed_once_and_retry_queued("no complete answer within 1 s")
    assert 900 <= delivery.attempts.get().duration_ms < 3000


def retry_delays_until_given_up(org) -> tuple[list[int], Delivery]:
    endpoint = endpoint_create(
        actor=org.admin, url="http://127.0.0.1:9/nothing-here", events=["usecase.created"]
    )
    make_usecase(org=org)
    delays = []
    for _ in range(20):
        run_queued_tasks()
        retry = DBTaskResult.objects.filter(status="READY").first()
        if retry is None:
            break
        delays.append(round((retry.run_after - timezone.now()).total_seconds() / 10) * 10)
        make_due()
    return delays, endpoint.deliveries.get()


def test_a_dead_endpoint_is_retried_for_about_an_hour_then_given_up(org):
    delays, delivery = retry_delays_until_given_up(org)
    assert delays == [30, 60, 120, 240, 480, 960, 1920]  # 8 attempts over 63 minutes
    assert (delivery.state, delivery.attempt_count) == (DeliveryState.FAILED, 8)
    assert "Error" in delivery.last_error


def test_the_attempts_are_a_setting_and_the_delay_stays_at_an_hour(org, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 10
    delays, delivery = retry_delays_until_given_up(org)
    assert delays[-3:] == [1920, 3600, 3600]
    assert (delivery.state, delivery.attempt_count) == (DeliveryState.FAILED, 10)


def test_switching_an_endpoint_on_again_sends_what_waited(org, endpoint, receiver):
    make_usecase(org=org)
    endpoint = endpoint_set_active(
        actor=org.admin, endpoint_id=endpoint.pk, active=False, version=endpoint.version
    )
    run_queued_tasks()  # the task skips it: off
    assert receiver.received == []
    assert Delivery.objects.get().state == DeliveryState.PENDING
    endpoint_set_active(
        actor=org.admin, endpoint_id=endpoint.pk, active=True, version=endpoint.version
    )
    run_queued_tasks()
    [request] = receiver.received
    assert request.json["event"] == "usecase.created"
    assert Delivery.objects.get().state == DeliveryState.DELIVERED


def test_switching_off_and_on_while_a_try_is_queued_sends_once(org, endpoint, receiver):
    receiver.answers = [500]
    make_usecase(org=org)
    run_queued_tasks()  # first attempt fails, its retry is queued
    for active in (False, True):
        endpoint = endpoint_set_active(
            actor=org.admin, endpoint_id=endpoint.pk, active=active, version=endpoint.version
        )
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    make_due()
    run_queued_tasks()
    run_queued_tasks()
    assert len(receiver.received) == 2
    assert Delivery.objects.get().attempt_count == 2


def test_a_delivery_still_being_tried_is_not_redelivered(as_role, org, endpoint, receiver):
    receiver.answers = [500]
    make_usecase(org=org)
    run_queued_tasks()
    delivery = Delivery.objects.get()
    with pytest.raises(AlreadyWaiting):
        delivery_redeliver(actor=org.admin, delivery_id=delivery.pk)
    response = as_role("admin").post(
        reverse("webhooks:delivery_redeliver", args=[delivery.pk]), follow=True
    )
    assert "still being tried" in response.content.decode()
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # one chain of retries
    delivery.refresh_from_db()
    assert (delivery.tries, delivery.state) == (1, DeliveryState.PENDING)
    make_due()
    run_queued_tasks()
    assert len(receiver.received) == 2
    delivery_redeliver(actor=org.admin, delivery_id=delivery.pk)  # delivered: may be sent again
    run_queued_tasks()
    assert len(receiver.received) == 3


def test_switching_off_and_on_before_an_imports_batch_is_queued_sends_once(org, receiver):
    endpoint = endpoint_create(actor=org.admin, url=receiver.url, events=["usecase.created"])
    receiver.answers = [500] * 5  # a second chain of retries would show as a second request
    finished_run(org.lead, team=org.team, content=us_2025_csv(1))  # its batch task is queued
    for active in (False, True):
        endpoint = endpoint_set_active(
            actor=org.admin, endpoint_id=endpoint.pk, active=active, version=endpoint.version
        )
    for _ in range(3):
        run_queued_tasks()
    assert len(receiver.received) == 1
