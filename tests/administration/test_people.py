"""People in our own administration pages: editing a person (never over someone else's change),
reactivating a person who returns, and sending a fresh set-password e-mail. Each writes an
AdminEvent; an admin never demotes or deactivates themselves, and nobody grants superuser here."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from administration.services import editing, people
from administration.services.errors import AdminError
from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP
from portfolio.models import AdminEvent
from tests.conftest import ROLES, expect_admin_only
from tests.factories import MembershipFactory, TeamFactory, UserFactory, admin_user, reviewer

User = get_user_model()


@pytest.fixture
def zoe(db):
    return UserFactory(username="zoe", first_name="Zoe", last_name="Quinn", email="zoe@example.org")


@pytest.fixture
def gone(db):
    return UserFactory(
        username="gus", first_name="Gus", last_name="Gone", email="gus@example.org", is_active=False
    )


def _fingerprint(person) -> str:
    return editing.state_fingerprint(people.person_state(person))


def edit_data(person, *, fingerprint=None, **overrides) -> dict:
    """What the browser posts when an admin opens ``person``'s edit form and changes
    ``overrides`` (a role is ticked by True, unticked by False)."""
    state = people.person_state(person)
    values = {name: state[name] for name in people.PERSON_FIELDS}
    values.update(overrides)
    data = {name: value for name, value in values.items() if not isinstance(value, bool)}
    data.update({name: "on" for name, value in values.items() if value is True})
    data["fingerprint"] = editing.state_fingerprint(state) if fingerprint is None else fingerprint
    return data


def fingerprint_on(page: str) -> str:
    return re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)


def _snapshot():
    """Everything an edit, a reactivation or an e-mail could change."""
    return (
        list(
            User.objects.order_by("pk").values_list(
                "pk", "first_name", "last_name", "email", "is_active", "is_superuser"
            )
        ),
        sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        AdminEvent.objects.count(),
    )


def edit_url(person):
    return reverse("administration:person_edit", args=[person.pk])


def reactivate_url(person):
    return reverse("administration:person_reactivate", args=[person.pk])


def send_url(person):
    return reverse("administration:person_send_password_email", args=[person.pk])


# --- Services ------------------------------------------------------------------------------------


def test_user_update_saves_names_address_and_roles_with_an_event(org, zoe):
    people.person_update(
        user=zoe,
        actor=org.admin,
        data={
            "first_name": "Zoë",
            "last_name": "Quinn",
            "email": "zoe.quinn@example.org",
            "is_admin": False,
            "is_reviewer": True,
        },
        fingerprint=_fingerprint(zoe),
    )
    zoe.refresh_from_db()
    assert (zoe.first_name, zoe.email) == ("Zoë", "zoe.quinn@example.org")
    assert list(zoe.groups.values_list("name", flat=True)) == [REVIEWERS_GROUP]
    event = AdminEvent.objects.get()
    assert (event.action, event.actor, event.target_id) == ("user.updated", org.admin, str(zoe.pk))
    assert event.details["changes"] == {
        "first_name": ["Zoe", "Zoë"],
        "email": ["zoe@example.org", "zoe.quinn@example.org"],
        "Reviewers group": ["not a member", "member"],
    }


def test_saving_the_unchanged_form_records_nothing(org, zoe):
    data = {name: people.person_state(zoe)[name] for name in people.PERSON_FIELDS}
    people.person_update(user=zoe, actor=org.admin, data=data, fingerprint=_fingerprint(zoe))
    assert not AdminEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda person: User.objects.filter(pk=person.pk).update(email="z@example.org"), "e-mail"),
        (lambda person: User.objects.filter(pk=person.pk).update(last_name="Q"), "last name"),
        (
            lambda person: person.groups.add(Group.objects.get(name=REVIEWERS_GROUP)),
            "Reviewers group",
        ),
        (lambda person: User.objects.filter(pk=person.pk).update(is_active=False), "account"),
    ],
)
def test_a_change_since_the_form_was_loaded_is_a_conflict_and_nothing_is_saved(
    org, zoe, change, named
):
    loaded = _fingerprint(zoe)
    change(zoe)  # someone else, after the form was loaded
    before = _snapshot()
    with pytest.raises(editing.EditConflict, match=named) as raised:
        people.person_update(
            user=zoe,
            actor=org.admin,
            data={"first_name": "Zed", "last_name": "Quinn", "email": "zed@example.org"},
            fingerprint=loaded,
        )
    assert [people.PERSON_STATE_LABELS[name] for name in raised.value.changed] == [named]
    assert _snapshot() == before


def test_a_garbled_fingerprint_counts_as_a_conflict(org, zoe):
    with pytest.raises(editing.EditConflict):
        people.person_update(
            user=zoe, actor=org.admin, data={"first_name": "Zed"}, fingerprint="nonsense"
        )
    zoe.refresh_from_db()
    assert zoe.first_name == "Zoe"


def test_an_admin_cannot_take_themselves_out_of_the_admins_group(org):
    with pytest.raises(AdminError, match="yourself out of the Admins group"):
        people.person_update(
            user=org.admin,
            actor=org.admin,
            data={"is_admin": False},
            fingerprint=_fingerprint(org.admin),
        )
    assert org.admin.groups.filter(name=ADMINS_GROUP).exists()
    # Someone else may.
    other = admin_user(username="ada")
    people.person_update(
        user=org.admin, actor=other, data={"is_admin": False}, fingerprint=_fingerprint(org.admin)
    )
    assert not org.admin.groups.filter(name=ADMINS_GROUP).exists()


def test_nobody_grants_superuser_and_only_a_superuser_changes_one(org, zoe):
    people.person_update(
        user=zoe,
        actor=org.admin,
        data={"first_name": "Zoe", "is_superuser": True, "is_staff": True},
        fingerprint=_fingerprint(zoe),
    )
    zoe.refresh_from_db()
    assert not zoe.is_superuser
    assert not zoe.is_staff
    root = UserFactory(username="root", is_superuser=True)
    for call in (
        lambda: people.person_update(
            user=root,
            actor=org.admin,
            data={"email": "me@evil.test"},
            fingerprint=_fingerprint(root),
        ),
        lambda: people.person_send_password_email(user=root, actor=org.admin),
    ):
        with pytest.raises(AdminError, match="Only a superuser"):
            call()
    root.refresh_from_db()
    assert root.email == "root@example.org"


def test_an_address_someone_else_uses_is_refused(org, zoe):
    with pytest.raises(AdminError, match="already uses"):
        people.person_update(
            user=zoe,
            actor=org.admin,
            data={"email": "MIA@example.org"},
            fingerprint=_fingerprint(zoe),
        )
    zoe.refresh_from_db()
    assert zoe.email == "zoe@example.org"


def test_reactivation_lets_them_back_in_with_an_event(org, gone):
    people.person_reactivate(user=gone, actor=org.admin)
    gone.refresh_from_db()
    assert gone.is_active
    event = AdminEvent.objects.get()
    assert (event.action, event.actor, event.target_label) == (
        "user.reactivated",
        org.admin,
        "Gus Gone",
    )
    with pytest.raises(AdminError, match="already active"):
        people.person_reactivate(user=gone, actor=org.admin)
    assert AdminEvent.objects.count() == 1


def test_the_set_password_e_mail_needs_an_active_account_with_an_address(org, gone):
    nobody = UserFactory(username="noaddress", email="")
    with pytest.raises(AdminError, match="reactivate it first"):
        people.person_send_password_email(user=gone, actor=org.admin)
    with pytest.raises(AdminError, match="no e-mail address"):
        people.person_send_password_email(user=nobody, actor=org.admin)
    assert not AdminEvent.objects.exists()


def test_the_e_mail_leaves_only_after_commit(
    org, zoe, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        people.person_send_password_email(user=zoe, actor=org.admin)
    assert not mail.outbox  # not during the transaction
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["zoe@example.org"]
    assert AdminEvent.objects.get().action == "user.password_email_sent"


# --- Permissions per role ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_open_the_edit_page(as_role, org, zoe, role):
    expect_admin_only(as_role(role).get(edit_url(zoe)), role)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_edit_people(as_role, org, zoe, role):
    client = as_role(role)
    before = _snapshot()
    response = client.post(edit_url(zoe), edit_data(zoe, first_name="Changed", is_reviewer=True))
    expect_admin_only(response, role, ok=(302,))
    if role != "admin":
        assert _snapshot() == before
    zoe.refresh_from_db()
    assert (zoe.first_name == "Changed") == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_reactivate_people(as_role, org, gone, role):
    client = as_role(role)
    expect_admin_only(client.get(reactivate_url(gone)), role)
    before = _snapshot()
    expect_admin_only(client.post(reactivate_url(gone), {"send_email": ""}), role, ok=(302,))
    if role != "admin":
        assert _snapshot() == before
    gone.refresh_from_db()
    assert gone.is_active == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_send_set_password_e_mails(
    as_role, org, zoe, role, immediate_tasks, django_capture_on_commit_callbacks
):
    client = as_role(role)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(zoe))
    expect_admin_only(response, role, ok=(302,))
    assert len(mail.outbox) == (1 if role == "admin" else 0)
    assert AdminEvent.objects.filter(action="user.password_email_sent").exists() == (
        role == "admin"
    )


def test_an_admin_cannot_change_a_superuser_here(as_user, org, immediate_tasks):
    root = UserFactory(username="root", is_superuser=True, is_active=True)
    client = as_user(org.admin)
    before = _snapshot()
    assert client.get(edit_url(root)).status_code == 403
    assert client.post(edit_url(root), edit_data(root, email="me@evil.test")).status_code == 403
    assert client.post(send_url(root)).status_code == 403
    assert _snapshot() == before
    assert not mail.outbox


@pytest.mark.parametrize("url", [edit_url, reactivate_url, send_url])
def test_an_unknown_person_is_not_found(as_user, org, url):
    class Nobody:
        pk = 999999

    client = as_user(org.admin)
    response = client.post(url(Nobody)) if url is send_url else client.get(url(Nobody))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "post", [lambda p: (edit_url(p), edit_data(p)), lambda p: (send_url(p), {})]
)
def test_person_posts_need_a_csrf_token(org, zoe, gone, post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    before = _snapshot()
    url, data = post(zoe)
    assert client.post(url, data).status_code == 403
    assert client.post(reactivate_url(gone), {}).status_code == 403
    assert _snapshot() == before


def test_the_send_url_takes_no_get(as_user, org, zoe):
    assert as_user(org.admin).get(send_url(zoe)).status_code == 405


# --- Editing through the page --------------------------------------------------------------------


def test_an_admin_edits_a_person(as_user, org, zoe):
    client = as_user(org.admin)
    page = client.get(edit_url(zoe)).text
    assert 'value="Zoe"' in page
    assert "Deactivate Zoe Quinn" in page
    response = client.post(
        edit_url(zoe),
        {
            "first_name": "Zoë",
            "last_name": "Quinn-Adams",
            "email": "zoe.qa@example.org",
            "is_reviewer": "on",
            "fingerprint": fingerprint_on(page),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("administration:person_list")
    assert "Zoë Quinn-Adams (zoe) saved." in response.text
    zoe.refresh_from_db()
    assert (zoe.get_full_name(), zoe.email) == ("Zoë Quinn-Adams", "zoe.qa@example.org")
    assert zoe.groups.filter(name=REVIEWERS_GROUP).exists()
    assert AdminEvent.objects.get().action == "user.updated"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"email": "leo@example.org"}, "Someone else already uses leo@example.org."),
        ({"fingerprint": ""}, "reload the page"),
        ({"first_name": "x" * 151}, "at most 150 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(as_user, org, zoe, overrides, message):
    client = as_user(org.admin)
    before = _snapshot()
    response = client.post(edit_url(zoe), {**edit_data(zoe, last_name="Changed"), **overrides})
    assert response.status_code == 400
    assert message in response.text
    assert _snapshot() == before


def test_the_second_of_two_admins_is_told_what_changed_and_nothing_of_theirs_is_saved(
    as_user, org, zoe
):
    ada = admin_user(username="ada", first_name="Ada", last_name="Admin")
    adam = as_user(org.admin)
    adams_page = adam.get(edit_url(zoe)).text

    # Ada opens the same form, changes the address and saves first.
    other = Client()
    other.force_login(ada)
    adas_page = other.get(edit_url(zoe)).text
    response = other.post(
        edit_url(zoe),
        edit_data(zoe, fingerprint=fingerprint_on(adas_page), email="zoe.new@example.org"),
    )
    assert response.status_code == 302

    # Adam, still on the form he loaded before, changes the last name and adds a role.
    before = _snapshot()
    response = adam.post(
        edit_url(zoe),
        {
            "first_name": "Zoe",
            "last_name": "Quinn-Adams",
            "email": "zoe@example.org",
            "is_reviewer": "on",
            "fingerprint": fingerprint_on(adams_page),
        },
    )
    assert response.status_code == 409
    text = response.text
    assert "Someone else changed this person while you were editing" in text
    assert "Someone else changed Zoe Quinn after you opened this form (e-mail)." in text
    assert _snapshot() == before  # nothing of Adam's was saved
    zoe.refresh_from_db()
    assert (zoe.last_name, zoe.email) == ("Quinn", "zoe.new@example.org")
    assert not zoe.groups.exists()

    # The form keeps what Adam changed and shows Ada's address, as saved now.
    assert 'value="Quinn-Adams"' in text
    assert 'value="zoe.new@example.org"' in text
    assert re.search(r'name="is_reviewer"[^>]*checked', text)
    # Saving again is deliberate, and now keeps both changes.
    response = adam.post(
        edit_url(zoe),
        {
            "first_name": "Zoe",
            "last_name": "Quinn-Adams",
            "email": "zoe.new@example.org",
            "is_reviewer": "on",
            "fingerprint": fingerprint_on(text),
        },
    )
    assert response.status_code == 302
    zoe.refresh_from_db()
    assert (zoe.last_name, zoe.email) == ("Quinn-Adams", "zoe.new@example.org")
    assert zoe.groups.filter(name=REVIEWERS_GROUP).exists()
    assert AdminEvent.objects.filter(action="user.updated").count() == 2


def test_an_admin_cannot_take_themselves_out_of_admins_on_the_page(as_user, org):
    client = as_user(org.admin)
    page = client.get(edit_url(org.admin)).text
    assert "Deactivate Adam Admin" not in page  # and no way to deactivate themselves
    assert "another admin can" in page  # said before they try
    before = _snapshot()
    response = client.post(edit_url(org.admin), edit_data(org.admin, is_admin=False))
    assert response.status_code == 400
    assert "You cannot take yourself out of the Admins group; another admin can." in response.text
    assert _snapshot() == before
    assert org.admin.groups.filter(name=ADMINS_GROUP).exists()


def test_names_are_escaped(as_user, org):
    mallory = UserFactory(username="mallory", first_name="<script>alert(1)</script>")
    client = as_user(org.admin)
    page = client.get(edit_url(mallory)).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    loaded = fingerprint_on(page)
    User.objects.filter(pk=mallory.pk).update(last_name="<b>x</b>")
    response = client.post(edit_url(mallory), edit_data(mallory, fingerprint=loaded))
    assert response.status_code == 409
    assert "<b>x</b>" not in response.text
    assert "<script>alert(1)</script>" not in response.text


# --- Reactivating and re-sending -----------------------------------------------------------------


def test_an_admin_reactivates_a_person_after_confirming(as_user, org, gone, immediate_tasks):
    client = as_user(org.admin)
    deactivated = client.get(reverse("administration:person_list") + "?show=deactivated").text
    assert reactivate_url(gone) in deactivated
    confirm = client.get(reactivate_url(gone))
    assert "Reactivate Gus Gone?" in confirm.text
    gone.refresh_from_db()
    assert not gone.is_active  # the GET only asks
    response = client.post(reactivate_url(gone), {}, follow=True)
    assert "Gus Gone (gus) is active again and can sign in with the password they had." in (
        response.text
    )
    gone.refresh_from_db()
    assert gone.is_active
    assert AdminEvent.objects.get().action == "user.reactivated"
    assert not mail.outbox


def test_reactivation_can_send_a_set_password_e_mail(
    as_user, org, gone, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(org.admin).post(reactivate_url(gone), {"send_email": "on"}, follow=True)
    assert "a link to choose a password is on its way to gus@example.org" in response.text
    (message,) = mail.outbox
    assert message.to == ["gus@example.org"]
    assert re.search(r"/accounts/reset/[^/]+/[^/]+/", message.body)


def test_reactivating_someone_active_says_so_and_changes_nothing(as_user, org, zoe):
    client = as_user(org.admin)
    before = _snapshot()
    response = client.post(reactivate_url(zoe), {}, follow=True)
    assert "Zoe Quinn (zoe) is already active. Nothing was changed." in response.text
    assert _snapshot() == before


def test_an_admin_re_sends_the_set_password_e_mail(
    as_user, org, zoe, immediate_tasks, django_capture_on_commit_callbacks
):
    client = as_user(org.admin)
    page = client.get(edit_url(zoe)).text
    assert send_url(zoe) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(zoe), follow=True)
    assert response.redirect_chain[-1][0] == edit_url(zoe)
    assert "A link to choose a password is on its way to zoe@example.org." in response.text
    (message,) = mail.outbox
    assert message.to == ["zoe@example.org"]
    assert message.subject == "[Use-case registry] Choose your password"
    event = AdminEvent.objects.get()
    assert (event.action, event.actor) == ("user.password_email_sent", org.admin)


def test_no_e_mail_for_a_deactivated_person_or_one_without_an_address(
    as_user, org, gone, immediate_tasks
):
    nobody = UserFactory(username="noaddress", email="")
    client = as_user(org.admin)
    before = _snapshot()
    response = client.post(send_url(gone), follow=True)
    assert "Gus Gone's account is deactivated; reactivate it first. Nothing was sent." in (
        html.unescape(response.text)
    )
    response = client.post(send_url(nobody), follow=True)
    assert "has no e-mail address; add one first. Nothing was sent." in response.text
    assert _snapshot() == before
    assert not mail.outbox


def test_the_people_list_offers_what_an_admin_may_do(as_user, org, gone):
    root = UserFactory(username="root", first_name="Root", last_name="User", is_superuser=True)
    client = as_user(org.admin)
    active = client.get(reverse("administration:person_list")).text
    assert f'href="{edit_url(org.member)}"' in active
    assert reverse("administration:person_deactivate", args=[org.member.pk]) in active
    assert (
        reverse("administration:person_deactivate", args=[org.admin.pk]) not in active
    )  # themselves
    assert edit_url(root) not in active  # a superuser is a superuser's to change
    deactivated = client.get(reverse("administration:person_list") + "?show=deactivated").text
    assert 'aria-label="Reactivate Gus Gone"' in deactivated


# --- Query budgets: the same with few and many people --------------------------------------------


def _crowd(count: int):
    teams = [TeamFactory() for _ in range(3)]
    for n in range(count):
        person = (reviewer if n % 3 == 0 else UserFactory)(username=f"extra{n}")
        MembershipFactory(team=teams[n % 3], user=person)
        if n % 5 == 0:
            person.is_active = False
            person.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    "request_page",
    [
        pytest.param(lambda client, zoe, gone: client.get(edit_url(zoe)), id="edit"),
        pytest.param(
            lambda client, zoe, gone: client.post(
                edit_url(zoe),
                edit_data(
                    User.objects.get(pk=zoe.pk), first_name=f"Zoe{AdminEvent.objects.count()}"
                ),
            ),
            id="edit-save",
        ),
        pytest.param(lambda client, zoe, gone: client.get(reactivate_url(gone)), id="reactivate"),
        pytest.param(lambda client, zoe, gone: client.post(send_url(zoe)), id="send"),
        pytest.param(
            lambda client, zoe, gone: client.get(reverse("administration:person_list")), id="list"
        ),
        pytest.param(
            lambda client, zoe, gone: client.get(
                reverse("administration:person_list") + "?show=deactivated"
            ),
            id="list-deactivated",
        ),
    ],
)
def test_people_pages_cost_the_same_with_few_and_many_people(
    as_user, org, zoe, gone, request_page, immediate_tasks, django_assert_max_num_queries
):
    client = as_user(org.admin)
    request_page(client, zoe, gone)  # warm the session
    with django_assert_max_num_queries(25) as few:
        response = request_page(client, zoe, gone)
    assert response.status_code in (200, 302)
    _crowd(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = request_page(client, zoe, gone)
    assert response.status_code in (200, 302)
