"""Creating people: an account without a password, and an e-mail with a link to choose one."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from administration.services import people
from portfolio.models import AdminEvent, Membership
from tests.conftest import ROLES

User = get_user_model()


DATA = {
    "username": "zara",
    "first_name": "Zara",
    "last_name": "New",
    "email": "zara@example.org",
    "role": "member",
}


def test_user_create_sends_a_set_password_link_after_commit(
    org, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = people.person_create(actor=org.admin, data={**DATA, "team": org.team})
    assert not person.has_usable_password()
    assert Membership.objects.get(user=person).team == org.team
    assert AdminEvent.objects.get().action == "user.created"
    (message,) = mail.outbox
    assert message.to == ["zara@example.org"]
    assert "zara" in message.body
    assert re.search(r"/accounts/reset/[^/]+/[^/]+/", message.body)


def test_the_link_lets_the_new_person_choose_a_password_and_sign_in(
    client, org, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        people.person_create(actor=org.admin, data={**DATA, "team": None})
    path = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    set_url = response.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "a-long-new-pass-2026", "new_password2": "a-long-new-pass-2026"}
    )
    assert response.status_code == 302
    assert client.login(username="zara", password="a-long-new-pass-2026")


def test_no_email_leaves_when_the_transaction_rolls_back(org, immediate_tasks):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        people.person_create(actor=org.admin, data={**DATA, "team": None})
        raise RuntimeError
    assert not mail.outbox
    assert not User.objects.filter(username="zara").exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_people(as_role, org, role, immediate_tasks):
    client = as_role(role)
    response = client.get(reverse("administration:person_create"))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    response = client.post(reverse("administration:person_create"), {**DATA, "team": ""})
    assert User.objects.filter(username="zara").exists() == (role == "admin")


def test_a_taken_username_or_address_is_refused_with_a_message(as_user, org):
    client = as_user(org.admin)
    response = client.post(
        reverse("administration:person_create"), {**DATA, "username": "MIA", "team": ""}
    )
    assert response.status_code == 400
    assert "is taken" in response.text
    response = client.post(
        reverse("administration:person_create"), {**DATA, "email": "mia@example.org", "team": ""}
    )
    assert response.status_code == 400
    assert "already uses" in response.text
    assert not AdminEvent.objects.exists()
