"""The admins' webhook pages: who may see them, adding an endpoint, its log, redelivering."""

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from portfolio.models import AdminEvent
from tests.conftest import ROLES, advance_usecase, make_usecase
from tests.imports.pages import run_queued_tasks
from webhooks.models import Delivery, DeliveryState, Endpoint

GOOD = {"url": "https://hooks.example.org/registry", "events": ["usecase.created"]}


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_and_add_endpoints(as_role, org, role):
    client = as_role(role)
    for name in ("webhooks:endpoint_list", "webhooks:endpoint_create"):
        response = client.get(reverse(name))
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == (200 if role == "admin" else 403)
    client.post(reverse("webhooks:endpoint_create"), GOOD)
    assert Endpoint.objects.exists() == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_log_switch_off_and_redeliver(as_role, org, endpoint, role):
    make_usecase(org=org)
    run_queued_tasks()
    delivery = Delivery.objects.get()
    client = as_role(role)
    response = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert response.status_code == {"anonymous": 302, "admin": 200}.get(role, 403)
    client.post(
        reverse("webhooks:endpoint_set_active", args=[endpoint.pk]),
        {"active": "0", "version": endpoint.version},
    )
    client.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk]))
    endpoint.refresh_from_db()
    assert endpoint.active == (role != "admin")
    waiting = DBTaskResult.objects.filter(status="READY").count()
    assert waiting == (1 if role == "admin" else 0)  # redelivery queued


def test_an_admin_adds_an_endpoint_and_sees_its_secret(as_role, org):
    client = as_role("admin")
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {**GOOD, "events": ["usecase.created", "usecase.retired"], "description": "Data lake"},
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.url == GOOD["url"]
    assert endpoint.events == ["usecase.created", "usecase.retired"]
    assert endpoint.active and endpoint.created_by == org.admin
    assert len(endpoint.secret) >= 40
    assert endpoint.secret in response.content.decode()
    assert Endpoint.objects.exclude(secret=endpoint.secret).count() == 0


def test_the_form_offers_the_daily_jobs_events(as_role, org):
    client = as_role("admin")
    form = client.get(reverse("webhooks:endpoint_create")).content.decode()
    assert 'value="usecase.attestation_overdue"' in form
    assert "Attestation overdue" in form
    client.post(
        reverse("webhooks:endpoint_create"),
        {**GOOD, "events": ["usecase.attestation_overdue", "evidence.status_changed"]},
    )
    assert Endpoint.objects.get().events == [
        "evidence.status_changed",
        "usecase.attestation_overdue",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**GOOD, "url": "not a url"}, "Enter a valid URL."),
        ({**GOOD, "url": "http://hooks.example.org/x"}, "Use an https:// address"),
        ({**GOOD, "url": "ftp://hooks.example.org/x"}, "Use an https:// address"),
        ({**GOOD, "events": []}, "Choose at least one event to send."),
        ({**GOOD, "events": ["usecase.exploded"]}, "Select a valid choice."),
    ],
)
def test_bad_input_says_what_is_wrong_and_adds_nothing(as_role, org, data, message):
    response = as_role("admin").post(reverse("webhooks:endpoint_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Endpoint.objects.exists()


def test_http_to_localhost_is_allowed_for_testing(as_role, org):
    as_role("admin").post(
        reverse("webhooks:endpoint_create"), {**GOOD, "url": "http://127.0.0.1:8001/hook"}
    )
    assert Endpoint.objects.get().url == "http://127.0.0.1:8001/hook"


def test_posts_without_the_csrf_token_are_refused(org, endpoint):
    make_usecase(org=org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    assert client.post(reverse("webhooks:endpoint_create"), GOOD).status_code == 403
    response = client.post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]), {**GOOD, "version": 1}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("webhooks:endpoint_set_active", args=[endpoint.pk]),
        {"active": "0", "version": endpoint.version},
    )
    assert response.status_code == 403
    delivery = Delivery.objects.get()
    response = client.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk]))
    assert response.status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.version == 1


def test_a_stale_switch_changes_nothing(as_role, org, endpoint):
    response = as_role("admin").post(
        reverse("webhooks:endpoint_set_active", args=[endpoint.pk]),
        {"active": "0", "version": endpoint.version + 1},
        follow=True,
    )
    assert "Someone changed this endpoint meanwhile" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.active


def test_the_log_shows_each_delivery_and_redeliver_sends_it_again(
    as_role, org, endpoint, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.answers = [410]
    make_usecase(org=org)
    run_queued_tasks()
    client = as_role("admin")
    page = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert "Use case created" in page and "HTTP 410" in page and "Gave up" in page
    delivery = Delivery.objects.get()
    client.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk]))
    assert len(receiver.received) == 1  # queued, sent by the worker
    run_queued_tasks()
    assert len(receiver.received) == 2
    assert receiver.received[1].json["id"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED


def test_the_pages_take_a_fixed_number_of_queries(
    as_role, org, endpoint, django_assert_max_num_queries
):
    for _ in range(5):
        make_usecase(org=org)
    client = as_role("admin")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("webhooks:endpoint_list")).status_code == 200
    for name in ("webhooks:endpoint_detail", "webhooks:endpoint_edit"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name, args=[endpoint.pk])).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_edit_an_endpoint(as_role, org, endpoint, role):
    client = as_role(role)
    url = reverse("webhooks:endpoint_edit", args=[endpoint.pk])
    response = client.get(url)
    assert response.status_code == {"anonymous": 302, "admin": 200}.get(role, 403)
    client.post(url, {**GOOD, "version": endpoint.version})
    endpoint.refresh_from_db()
    assert (endpoint.url == GOOD["url"]) == (role == "admin")


def test_an_edit_sends_new_events_to_the_new_address(as_role, org, endpoint, receiver):
    as_role("admin").post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"url": receiver.url, "events": ["usecase.submitted"], "version": endpoint.version},
    )
    advance_usecase(make_usecase(org=org), org=org, to="in_review")
    run_queued_tasks()
    assert receiver.events == ["usecase.submitted"]


def test_an_edit_over_someone_elses_changes_nothing(as_role, org, endpoint):
    response = as_role("admin").post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {**GOOD, "version": endpoint.version - 1},
        follow=True,
    )
    assert "Someone changed this endpoint meanwhile" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url != GOOD["url"]


def test_bad_input_in_an_edit_is_shown_and_changes_nothing(as_role, org, endpoint):
    response = as_role("admin").post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"url": "nope", "events": [], "version": endpoint.version},
    )
    page = response.content.decode()
    assert "Enter a valid URL." in page and "Choose at least one event to send." in page
    endpoint.refresh_from_db()
    assert endpoint.version == 1


def test_the_administration_index_links_to_webhooks(as_role, org):
    page = as_role("admin").get(reverse("administration:administration")).content.decode()
    assert reverse("webhooks:endpoint_list") in page


def test_every_change_to_an_endpoint_is_in_the_administration_history(as_role, org):
    """Where the registry's data goes is an admin's decision: registering, moving, switching and
    resending are each kept with who did it, and the history's Webhooks filter shows them."""
    client = as_role("admin")
    client.post(reverse("webhooks:endpoint_create"), GOOD)
    endpoint = Endpoint.objects.get()
    moved = {
        **GOOD,
        "url": "https://elsewhere.example.net/T0/B1/secret",
        "version": endpoint.version,
    }
    client.post(reverse("webhooks:endpoint_edit", args=[endpoint.pk]), moved)
    endpoint.refresh_from_db()
    client.post(
        reverse("webhooks:endpoint_set_active", args=[endpoint.pk]),
        {"active": "0", "version": endpoint.version},
    )

    events = AdminEvent.objects.filter(target_type="endpoint").order_by("pk")
    assert [(event.action, event.actor) for event in events] == [
        ("endpoint.created", org.admin),
        ("endpoint.updated", org.admin),
        ("endpoint.switched_off", org.admin),
    ]
    assert events[1].details["previous_address"] == "https://hooks.example.org"
    assert "secret" not in str(list(events.values_list("target_label", "details")))
    page = client.get(reverse("administration:adminevent_list"), {"kind": "endpoint"})
    assert "endpoint.updated" in page.content.decode()
    assert "https://elsewhere.example.net" in page.content.decode()
