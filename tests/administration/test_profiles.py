"""The standards' profiles page: admins see the three profiles, what each asks, and switch one on
or off for the organisation, recorded in the administration history; nobody else sees or
switches; a bad post changes nothing and says so."""

import pytest
from django.test import Client
from django.urls import reverse

from portfolio.models import AdminEvent
from tests.conftest import ROLES, expect_admin_only
from usecases.models import EnabledProfile

pytestmark = pytest.mark.django_db

PAGE = reverse("administration:profile_list")
US = "us_omb_2025"


def switch_url(key=US) -> str:
    return reverse("administration:profile_switch", args=[key])


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_profiles(as_role, role):
    expect_admin_only(as_role(role).get(PAGE), role)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_switch_a_profile_on(as_role, role):
    expect_admin_only(as_role(role).post(switch_url(), {"enabled": "1"}), role, ok=(302,))
    assert EnabledProfile.objects.filter(key=US).exists() == (role == "admin")
    assert AdminEvent.objects.filter(action="profile.enabled").count() == (role == "admin")


def test_an_admin_switches_a_profile_on_and_off_and_the_history_says_so(as_user, org):
    client = as_user(org.admin)
    page = client.get(PAGE).content.decode()
    for name in ("US federal AI use-case inventory", "Dutch algorithm register", "UK Algorithmic"):
        assert name in page
    assert "only where lifecycle stage: in production and impact level: high impact" in page

    response = client.post(switch_url(), {"enabled": "1"}, follow=True)
    assert shown_messages(response) == [
        "US federal AI use-case inventory (OMB M-25-21, 2025 data dictionary): switched on."
    ]
    assert list(EnabledProfile.objects.values_list("key", "enabled_by")) == [(US, org.admin.pk)]
    client.post(switch_url(), {"enabled": "1"})  # already on: nothing more
    client.post(switch_url(), {"enabled": "0"})
    assert not EnabledProfile.objects.exists()
    events = AdminEvent.objects.order_by("pk")
    assert [(e.action, e.target_type, e.target_id, e.actor) for e in events] == [
        ("profile.enabled", "profile", US, org.admin),
        ("profile.disabled", "profile", US, org.admin),
    ]
    history = client.get(reverse("administration:adminevent_list") + "?kind=profile")
    assert "switched off" in history.content.decode()


@pytest.mark.parametrize(
    ("key", "data", "message"),
    [
        (US, {"enabled": "maybe"}, "Choose to switch the profile on or off. Nothing was changed."),
        (US, {}, "Choose to switch the profile on or off. Nothing was changed."),
        ("eu_ai_act", {"enabled": "1"}, "There is no profile “eu_ai_act”. Nothing was changed."),
    ],
)
def test_a_bad_switch_changes_nothing_and_says_why(as_user, org, key, data, message):
    response = as_user(org.admin).post(switch_url(key), data, follow=True)
    assert shown_messages(response) == [message]
    assert not EnabledProfile.objects.exists() and not AdminEvent.objects.exists()


def test_the_switch_needs_a_csrf_token_and_a_post(org, as_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    assert client.post(switch_url(), {"enabled": "1"}).status_code == 403
    assert as_user(org.admin).get(switch_url()).status_code == 405
    assert not EnabledProfile.objects.exists()


def test_the_page_takes_a_fixed_number_of_queries(as_user, org, page_queries):
    client = as_user(org.admin)
    off = page_queries(client, PAGE, budget=8)
    EnabledProfile.objects.create(key=US)
    EnabledProfile.objects.create(key="uk_atrs")
    assert page_queries(client, PAGE, budget=8) == off


def test_the_administration_index_links_to_the_profiles(as_user, org):
    page = as_user(org.admin).get(reverse("administration:administration")).content.decode()
    assert f'href="{PAGE}"' in page
