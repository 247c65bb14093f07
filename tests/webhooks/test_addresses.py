"""Webhooks are not sent to this machine or the network it is in (no server-side request forgery):
the form refuses such an address, and a delivery whose host resolves to one is never sent."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.conftest import make_usecase
from tests.imports.pages import run_queued_tasks
from webhooks.models import Delivery, DeliveryState, Endpoint
from webhooks.services import endpoint_create

EVENTS = ["usecase.created"]
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


@pytest.fixture
def private_addresses_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.0.0.1/hook", "10.0.0.1, which is private"),
        ("https://192.168.1.20/hook", "192.168.1.20, which is private"),
        ("https://100.64.0.1/hook", "100.64.0.1, which is private"),
        ("https://[fd00::1]/hook", "fd00::1, which is private"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254, which is link-local"),
        ("https://[fe80::1]/hook", "fe80::1, which is link-local"),
        ("https://127.0.0.2/hook", "127.0.0.2, which is loopback (this machine)"),
        ("http://127.0.0.1:8001/hook", "127.0.0.1, which is loopback (this machine)"),
        ("http://localhost:5432/", "127.0.0.1, which is loopback (this machine)"),
        ("https://[::1]/hook", "::1, which is loopback (this machine)"),
        ("https://[::ffff:10.0.0.1]/hook", "::ffff:a00:1, which is private"),
        ("https://0.0.0.0/hook", "0.0.0.0, which is unspecified"),
        ("https://[::]/hook", "::, which is unspecified"),
        ("https://224.0.0.1/hook", "224.0.0.1, which is multicast"),
        ("https://240.0.0.1/hook", "240.0.0.1, which is reserved"),
    ],
)
def test_the_form_refuses_private_addresses_and_says_why(
    as_role, org, private_addresses_refused, url, why
):
    client = as_role("admin")
    response = client.post(reverse("webhooks:endpoint_create"), {"url": url, "events": EVENTS})
    assert response.status_code == 200
    page = response.content.decode()
    assert why in page
    assert "webhooks are not sent to this machine or the network it is in" in page
    assert not Endpoint.objects.exists()


def test_an_edit_to_a_private_address_changes_nothing(as_role, org, private_addresses_refused):
    endpoint = endpoint_create(actor=org.admin, url="https://93.184.215.14/hook", events=EVENTS)
    response = as_role("admin").post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"url": "https://169.254.169.254/", "events": EVENTS, "version": endpoint.version},
    )
    assert "169.254.169.254, which is link-local" in response.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.version) == ("https://93.184.215.14/hook", 1)


def test_a_public_address_is_accepted(as_role, org, private_addresses_refused):
    as_role("admin").post(
        reverse("webhooks:endpoint_create"), {"url": "https://93.184.215.14/hook", "events": EVENTS}
    )
    assert Endpoint.objects.get().url == "https://93.184.215.14/hook"


def test_the_setting_lets_a_local_receiver_be_registered(as_role, org):
    as_role("admin").post(
        reverse("webhooks:endpoint_create"), {"url": "http://localhost:8001/hook", "events": EVENTS}
    )
    assert Endpoint.objects.get().url == "http://localhost:8001/hook"


def test_a_host_that_resolves_private_at_send_time_is_never_sent_to(org, receiver, settings):
    # Registered while its name resolved elsewhere (here: while the setting allowed it); by the
    # time the worker sends, "localhost" answers 127.0.0.1.
    url = receiver.url.replace("127.0.0.1", "localhost")
    endpoint_create(actor=org.admin, url=url, events=EVENTS)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    make_usecase(org=org)
    run_queued_tasks()
    assert receiver.received == []
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING  # a failed attempt, retried as any other
    assert delivery.last_status_code is None
    assert "refused: resolves to a private address (127.0.0.1)" in delivery.last_error
    attempt = delivery.attempts.get()
    assert "refused: resolves to a private address" in attempt.error


def test_the_same_endpoint_is_sent_to_while_the_setting_allows_it(org, receiver):
    endpoint_create(
        actor=org.admin, url=receiver.url.replace("127.0.0.1", "localhost"), events=EVENTS
    )
    make_usecase(org=org)
    run_queued_tasks()
    assert receiver.events == ["usecase.created"]


def test_deliveries_ignore_the_proxy_environment(receiver):
    """A proxy named in the environment would be asked for the endpoint (and could reach what the
    checks refuse): the worker goes straight to the endpoint. A fresh process sends under a proxy
    that answers nothing."""
    env = {key: value for key, value in os.environ.items() if key.lower() not in PROXY_VARIABLES}
    proxy = "http://127.0.0.1:9"
    env |= {"HTTP_PROXY": proxy, "http_proxy": proxy, "HTTPS_PROXY": proxy, "https_proxy": proxy}
    env["REGISTRY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "1"  # the receiver is on 127.0.0.1
    script = (
        "import django; django.setup(); from webhooks.tasks import send; "
        f"assert send({receiver.url!r}, b'{{}}', {{}}) == 200"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    assert len(receiver.received) == 1


def test_the_delivery_goes_to_the_address_that_was_checked(org, receiver, monkeypatch):
    """The name is looked up once, checked, and the connection goes to that very address with
    the name kept as the Host: a DNS answer that changes between the check and the connection
    (public, then private) cannot redirect it. Here the name resolves nowhere but through the
    check, so a second lookup would fail the delivery."""
    from webhooks import addresses

    looked_up = []

    def resolve(host, port):
        looked_up.append(host)
        return [addresses.ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(addresses, "resolve", resolve)
    port = receiver.server.server_port
    endpoint_create(
        actor=org.admin, url=f"http://hooks.registry.invalid:{port}/hook", events=EVENTS
    )
    looked_up.clear()
    make_usecase(org=org)
    run_queued_tasks()

    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    assert looked_up == ["hooks.registry.invalid"]
    assert receiver.received[0].headers["Host"] == f"hooks.registry.invalid:{port}"


def test_a_host_that_does_not_resolve_is_a_failed_attempt(org, monkeypatch):
    endpoint_create(actor=org.admin, url="https://hooks.registry.invalid/hook", events=EVENTS)
    make_usecase(org=org)
    run_queued_tasks()

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.tries == 1
    assert delivery.attempts.get().error  # logged, with why
