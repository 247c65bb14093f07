"""The administration forms (team, product, goal, person: create and edit) behave alike: a GET
shows the form, a valid POST calls the service, says so and redirects, bad input and a refusal by
the service re-show the form with a message (400) and change nothing."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from administration.services import editing, goals, people, products, teams
from administration.services.errors import AdminError
from portfolio.models import AdminEvent, Product, StrategicGoal, Team


@dataclass
class FormPage:
    url: Callable  # org -> url
    module: object  # the module that defines the service the view calls
    service: str  # the service the view calls
    valid: Callable  # org -> POST data
    saved: Callable  # org -> the row the POST saved
    location: Callable  # (org, saved) -> where a valid POST redirects
    message: Callable  # saved -> the success message
    title: str  # shown on the GET


FORM_PAGES = {
    "team_create": FormPage(
        url=lambda org: reverse("administration:team_create"),
        module=teams,
        service="team_create",
        valid=lambda org: {"name": "Fraud Analytics", "kind": "it", "description": ""},
        saved=lambda org: Team.objects.get(name="Fraud Analytics"),
        location=lambda org, team: reverse("administration:team_edit", args=[team.slug]),
        message=lambda team: "Team Fraud Analytics created. Add its members below.",
        title="New team",
    ),
    "team_edit": FormPage(
        url=lambda org: reverse("administration:team_edit", args=[org.team.slug]),
        module=teams,
        service="team_update",
        valid=lambda org: {
            "name": "Claims",
            "kind": "it",
            "description": "Renamed.",
            "fingerprint": editing.state_fingerprint(teams.team_state(org.team)),
        },
        saved=lambda org: Team.objects.get(pk=org.team.pk),
        location=lambda org, team: reverse("administration:team_edit", args=[team.slug]),
        message=lambda team: "Team Claims saved.",
        title="Manage Claims Processing",
    ),
    "product_create": FormPage(
        url=lambda org: reverse("administration:product_create"),
        module=products,
        service="product_create",
        valid=lambda org: {"name": "Fraud Radar", "team": org.team.pk, "lifecycle": "live"},
        saved=lambda org: Product.objects.get(name="Fraud Radar"),
        location=lambda org, product: product.get_absolute_url(),
        message=lambda product: "Product Fraud Radar created.",
        title="New product",
    ),
    "product_edit": FormPage(
        url=lambda org: reverse("administration:product_edit", args=[org.product.slug]),
        module=products,
        service="product_update",
        valid=lambda org: {
            "name": "Claims Portal 2",
            "team": org.team.pk,
            "manager": org.lead.pk,
            "lifecycle": "pilot",
            "fingerprint": editing.state_fingerprint(products.product_state(org.product)),
        },
        saved=lambda org: Product.objects.get(pk=org.product.pk),
        location=lambda org, product: product.get_absolute_url(),
        message=lambda product: "Product Claims Portal 2 saved.",
        title="Edit Claims Portal",
    ),
    "goal_create": FormPage(
        url=lambda org: reverse("administration:goal_create"),
        module=goals,
        service="goal_create",
        valid=lambda org: {"title": "Cut waiting times", "status": "active"},
        saved=lambda org: StrategicGoal.objects.get(title="Cut waiting times"),
        location=lambda org, goal: goal.get_absolute_url(),
        message=lambda goal: "Goal “Cut waiting times” created.",
        title="New goal",
    ),
    "goal_edit": FormPage(
        url=lambda org: reverse("administration:goal_edit", args=[org.goal.pk]),
        module=goals,
        service="goal_update",
        valid=lambda org: {
            "title": "Decide claims in a week",
            "status": "active",
            "fingerprint": editing.state_fingerprint(goals.goal_state(org.goal)),
        },
        saved=lambda org: StrategicGoal.objects.get(pk=org.goal.pk),
        location=lambda org, goal: goal.get_absolute_url(),
        message=lambda goal: "Goal “Decide claims in a week” saved.",
        title="Edit goal “Decide claims faster”",
    ),
    "person_create": FormPage(
        url=lambda org: reverse("administration:person_create"),
        module=people,
        service="person_create",
        valid=lambda org: {
            "username": "zara",
            "first_name": "Zara",
            "last_name": "New",
            "email": "zara@example.org",
            "team": "",
            "role": "member",
        },
        saved=lambda org: get_user_model().objects.get(username="zara"),
        location=lambda org, person: reverse("administration:person_create"),
        message=lambda person: (
            "Zara New (zara) created. A link to choose a password is on its way to "
            "zara@example.org."
        ),
        title="New person",
    ),
}


@pytest.fixture(params=sorted(FORM_PAGES))
def page(request):
    return FORM_PAGES[request.param]


def _rows():
    return (
        list(Team.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
        list(StrategicGoal.objects.order_by("pk").values()),
        list(get_user_model().objects.order_by("pk").values()),
    )


def test_the_form_page_opens(as_user, org, page):
    response = as_user(org.admin).get(page.url(org))
    assert response.status_code == 200
    assert page.title in response.text


def test_a_valid_post_saves_says_so_and_redirects(as_user, org, page, immediate_tasks):
    client = as_user(org.admin)
    response = client.post(page.url(org), page.valid(org))
    assert response.status_code == 302
    saved = page.saved(org)
    assert response["Location"] == page.location(org, saved)
    assert page.message(saved) in client.get(response["Location"]).text
    assert AdminEvent.objects.count() == 1


def test_bad_input_re_shows_the_form_and_changes_nothing(as_user, org, page):
    client = as_user(org.admin)
    before = _rows()
    response = client.post(page.url(org), {"name": "", "title": "", "kind": "x"})
    assert response.status_code == 400
    assert "This field is required" in response.text
    assert _rows() == before
    assert not AdminEvent.objects.exists()


def test_an_empty_post_re_shows_the_form(as_user, org, page):
    response = as_user(org.admin).post(page.url(org))
    assert response.status_code == 400
    assert not AdminEvent.objects.exists()


def test_a_refusal_by_the_service_is_shown_and_changes_nothing(as_user, org, page, monkeypatch):
    refused = []

    def refuse(**kwargs):
        refused.append(True)
        raise AdminError("Refused for the test.")

    monkeypatch.setattr(page.module, page.service, refuse)
    client = as_user(org.admin)
    before = _rows()
    response = client.post(page.url(org), page.valid(org))
    assert response.status_code == 400
    assert "Refused for the test. Nothing was changed." in response.text
    assert _rows() == before
    assert refused, "the patched service never ran"
