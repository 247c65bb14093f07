"""The Django admin (where only a superuser edits people; admins see them read-only there, see
tests/administration/test_django_admin.py) does not bypass the guided handover: unticking "Active" for
someone who owns, wrote, hands over or alone leads anything, or is the last reviewer with reviews
waiting, is refused with a link to the guided deactivation (reviews are a shared queue: with other
reviewers they hold nobody back); for someone who holds nothing it goes through the same service
as our pages, with an AdminEvent."""

import html

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from administration.selectors import held_by
from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole
from portfolio.models import AdminEvent, Membership
from tests.factories import GoalFactory, ProductFactory, UserFactory, reviewer
from usecases import services


def change_url(person):
    return reverse("admin:auth_user_change", args=[person.pk])


def admin_form(person, **overrides) -> dict:
    """What the Django admin's person form posts for ``person`` as saved, with ``overrides``
    (``is_active=False`` unticks the box; ``groups`` takes group names)."""
    person.refresh_from_db()
    joined = person.date_joined
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "groups": list(person.groups.values_list("pk", flat=True)),
        "is_active": "on" if person.is_active else "",
    }
    if "groups" in overrides:
        names = overrides.pop("groups")
        data["groups"] = list(Group.objects.filter(name__in=names).values_list("pk", flat=True))
    if "is_active" in overrides:
        data["is_active"] = "on" if overrides.pop("is_active") else ""
    data.update(overrides)
    return {name: value for name, value in data.items() if value != ""}


def _state(person):
    person.refresh_from_db()
    return (
        person.is_active,
        person.first_name,
        sorted(person.groups.values_list("name", flat=True)),
    )


@pytest.fixture
def admin_client(client, org):
    """Adam, in the Admins group, with superuser rights: only a superuser edits people here."""
    org.admin.is_superuser = True
    org.admin.save(update_fields=["is_superuser"])
    client.force_login(org.admin)
    return client


def test_an_edit_without_deactivating_still_saves(admin_client, org):
    response = admin_client.post(change_url(org.owner), admin_form(org.owner, first_name="Owain"))
    assert response.status_code == 302
    assert _state(org.owner)[1] == "Owain"


@pytest.mark.parametrize(
    ("holder", "build", "said"),
    [
        ("owner", lambda org, usecase_in: usecase_in("active"), "owns 1 use case"),
        ("owner", lambda org, usecase_in: usecase_in("retired"), "owns 1 use case"),
        (
            "member",  # Mia wrote the draft Owen owns
            lambda org, usecase_in: usecase_in("draft"),
            "wrote 1 open use case someone else owns",
        ),
        (
            "reviewer",  # the last active reviewer, with a review waiting
            lambda org, usecase_in: usecase_in("in_review"),
            "is the last active reviewer, and 1 use case waits for a review",
        ),
        (
            "lead",  # Leo is the only lead of Claims Processing
            lambda org, usecase_in: None,
            "is the only lead of Claims Processing",
        ),
        (
            "lead",
            lambda org, usecase_in: ProductFactory(team=org.team, manager=org.lead),
            "manages 1 product",
        ),
        ("lead", lambda org, usecase_in: GoalFactory(owner=org.lead), "owns 1 goal"),
    ],
)
def test_someone_who_holds_anything_is_sent_to_the_guided_deactivation(
    admin_client, org, usecase_in, holder, build, said
):
    build(org, usecase_in)
    person = getattr(org, holder)
    before = _state(person)
    response = admin_client.post(
        change_url(person), admin_form(person, is_active=False, first_name="Changed")
    )
    assert response.status_code == 200  # the form again, with the reason
    text = html.unescape(response.text)
    name = person.get_full_name()
    assert f"{name} still {said}" in text
    assert "so they cannot be deactivated here" in text
    guided = reverse("administration:person_deactivate", args=[person.pk])
    assert f'<a href="{guided}">guided deactivation</a>' in response.text
    assert _state(person) == before  # neither "Active" nor anything else was saved
    assert not AdminEvent.objects.exists()


def test_a_reviewer_is_not_held_by_the_shared_review_queue(admin_client, org, usecase_in):
    """Reviews wait for any reviewer: with another one active, a reviewer leaves freely."""
    usecase_in("in_review")
    reviewer(username="ray", first_name="Ray", last_name="Second")
    assert held_by(org.reviewer) == []
    response = admin_client.post(
        change_url(org.reviewer), admin_form(org.reviewer, is_active=False)
    )
    assert response.status_code == 302
    assert _state(org.reviewer)[0] is False


def test_a_lead_with_another_active_lead_is_not_held_by_the_team(admin_client, org):
    second = UserFactory(username="lara", first_name="Lara", last_name="Lead")
    Membership.objects.create(team=org.team, user=second, role=MembershipRole.LEAD)
    response = admin_client.post(change_url(org.lead), admin_form(org.lead, is_active=False))
    assert response.status_code == 302
    assert _state(org.lead)[0] is False


def test_someone_who_holds_nothing_is_deactivated_with_an_event(admin_client, org):
    assert held_by(org.non_member) == []
    response = admin_client.post(
        change_url(org.non_member), admin_form(org.non_member, is_active=False)
    )
    assert response.status_code == 302
    assert _state(org.non_member)[0] is False
    event = AdminEvent.objects.get()
    assert (event.action, event.actor, event.target_id) == (
        "user.deactivated",
        org.admin,
        str(org.non_member.pk),
    )
    assert "Django admin" in event.details["reason"]

    # And back: reactivating there is recorded as well.
    response = admin_client.post(
        change_url(org.non_member), admin_form(org.non_member, is_active=True)
    )
    assert response.status_code == 302
    assert _state(org.non_member)[0] is True
    assert AdminEvent.objects.order_by("-pk").first().action == "user.reactivated"


def test_once_handed_over_the_django_admin_lets_them_go(admin_client, org, usecase_in):
    usecase = usecase_in("draft")
    assert held_by(org.owner) == ["owns 1 use case"]
    services.usecase_reassign_owner(usecase=usecase, actor=org.lead, new_owner=org.lead)
    assert held_by(org.owner) == []
    response = admin_client.post(change_url(org.owner), admin_form(org.owner, is_active=False))
    assert response.status_code == 302
    assert _state(org.owner)[0] is False


def test_an_admin_cannot_deactivate_themselves_in_the_django_admin(admin_client, org):
    response = admin_client.post(change_url(org.admin), admin_form(org.admin, is_active=False))
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.text
    assert _state(org.admin)[0] is True
    assert not AdminEvent.objects.exists()


def test_an_admin_cannot_leave_the_admins_group_in_the_django_admin(admin_client, org):
    response = admin_client.post(
        change_url(org.admin), admin_form(org.admin, groups=[REVIEWERS_GROUP])
    )
    assert response.status_code == 200
    assert "You cannot take yourself out of the Admins group" in response.text
    assert _state(org.admin)[2] == [ADMINS_GROUP]
    # Taking someone else out is fine.
    other = UserFactory(username="ada", groups=[ADMINS_GROUP])
    response = admin_client.post(change_url(other), admin_form(other, groups=[]))
    assert response.status_code == 302
    assert _state(other)[2] == []


def test_the_refusal_escapes_the_name(admin_client, org, usecase_in):
    mallory = UserFactory(username="mallory", first_name="<b>Mal</b>", last_name="Lory")
    usecase_in("draft", owner=mallory)
    response = admin_client.post(change_url(mallory), admin_form(mallory, is_active=False))
    assert response.status_code == 200
    assert "&lt;b&gt;Mal&lt;/b&gt; Lory still owns 1 use case" in response.text
    assert _state(mallory)[0] is True


def test_held_by_costs_a_fixed_number_of_queries(org, usecase_in, django_assert_max_num_queries):
    usecase_in("active")
    with django_assert_max_num_queries(10) as few:
        held_by(org.owner)
    for status in ("draft", "awaiting_sign_off", "active", "retired"):
        usecase_in(status)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert held_by(org.owner) == ["owns 5 use cases"]
