"""Deactivating a person who leaves: everything they own is handed over, all or nothing, and each
new owner is asked to sign off."""

import pytest
from django.urls import reverse

from administration.selectors import person_holdings
from administration.services.deactivation import person_deactivate
from portfolio.models import AdminEvent
from tests.conftest import ROLES
from tests.factories import GoalFactory, ProductFactory, UserFactory
from usecases import services
from usecases.choices import NotificationKind, Status
from usecases.models import Notification, OwnershipTransfer, UseCase

SIGN_OFF_REQUESTS = {NotificationKind.OWNERSHIP_TRANSFERRED, NotificationKind.SIGN_OFF_REQUESTED}


@pytest.fixture
def owned_by_owen(org, usecase_in):
    """Owen owns one use case in each status."""
    return {
        status: usecase_in(status, title=f"Use case {status}")
        for status in ("draft", "in_review", "awaiting_sign_off", "active", "declined", "retired")
    }


def _requests_for(user, usecase):
    return Notification.objects.filter(recipient=user, usecase=usecase, kind__in=SIGN_OFF_REQUESTS)


# --- The service ---------------------------------------------------------------------------------


def test_deactivation_hands_over_every_use_case_and_asks_the_new_owner_to_sign(
    org, owned_by_owen, successor, django_capture_on_commit_callbacks
):
    owners = {usecase.pk: successor for usecase in owned_by_owen.values()}
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(person=org.owner, actor=org.admin, usecase_owners=owners, reason="Left")

    org.owner.refresh_from_db()
    assert not org.owner.is_active
    assert not UseCase.objects.filter(owner=org.owner).exists()
    assert UseCase.objects.filter(owner=successor).count() == len(owned_by_owen)

    # The active one went through a transfer: awaiting the new owner's sign-off.
    active = UseCase.objects.get(pk=owned_by_owen["active"].pk)
    assert active.status == Status.AWAITING_SIGN_OFF
    transfer = active.transfers.get(resolved_at__isnull=True)
    assert (transfer.from_owner, transfer.to_owner) == (org.owner, successor)
    # The one awaiting sign-off stays there, now waiting for the successor.
    waiting = UseCase.objects.get(pk=owned_by_owen["awaiting_sign_off"].pk)
    assert waiting.status == Status.AWAITING_SIGN_OFF
    for name in ("active", "awaiting_sign_off"):
        assert _requests_for(successor, owned_by_owen[name]).exists(), name
    # Every handed-over use case told its new owner.
    for usecase in owned_by_owen.values():
        assert Notification.objects.filter(recipient=successor, usecase=usecase).exists()
    # Each new owner can sign what now waits for them.
    for name in ("active", "awaiting_sign_off"):
        signed = services.usecase_sign_off(
            usecase=owned_by_owen[name], actor=successor, accepted=True
        )
        assert (signed.status, signed.owner) == (Status.ACTIVE, successor)

    event = AdminEvent.objects.get(action="user.deactivated")
    assert (event.actor, event.target_id, event.details["reason"]) == (
        org.admin,
        str(org.owner.pk),
        "Left",
    )


def test_no_active_use_case_is_left_with_a_deactivated_owner(org, usecase_in, successor):
    other = UserFactory(username="olga")
    first = usecase_in("active", title="First")
    second = usecase_in("active", title="Second")
    person_deactivate(
        person=org.owner,
        actor=org.admin,
        usecase_owners={first.pk: successor, second.pk: other},
    )
    leftovers = UseCase.objects.filter(
        status__in=[Status.ACTIVE, Status.AWAITING_SIGN_OFF], owner__is_active=False
    )
    assert not leftovers.exists()
    assert _requests_for(successor, first).exists()
    assert _requests_for(other, second).exists()


def test_a_missing_successor_changes_nothing(org, usecase_in, successor):
    first = usecase_in("active", title="First")
    second = usecase_in("active", title="Second")
    with pytest.raises(services.UseCaseError, match=second.key):
        person_deactivate(person=org.owner, actor=org.admin, usecase_owners={first.pk: successor})
    org.owner.refresh_from_db()
    assert org.owner.is_active
    assert UseCase.objects.filter(owner=org.owner, status=Status.ACTIVE).count() == 2
    assert not OwnershipTransfer.objects.exists()
    assert not Notification.objects.filter(recipient=successor).exists()
    assert not AdminEvent.objects.exists()


def test_a_refused_reassignment_rolls_back_the_ones_before_it(org, usecase_in):
    first = usecase_in("active", title="First")
    second = usecase_in("active", title="Second")
    leaver = UserFactory(username="gone", is_active=False)
    good = UserFactory(username="good")
    # ``first`` is handed over before ``second`` (lower number); the second refusal undoes it.
    with pytest.raises(services.UseCaseError, match="deactivated"):
        person_deactivate(
            person=org.owner,
            actor=org.admin,
            usecase_owners={first.pk: good, second.pk: leaver},
        )
    assert UseCase.objects.filter(owner=org.owner, status=Status.ACTIVE).count() == 2
    assert not OwnershipTransfer.objects.exists()
    assert not Notification.objects.filter(recipient=good).exists()
    org.owner.refresh_from_db()
    assert org.owner.is_active


def test_products_and_goals_go_to_their_successors(org, successor):
    product = ProductFactory(team=org.team, manager=org.owner)
    goal = GoalFactory(owner=org.owner)
    person_deactivate(
        person=org.owner,
        actor=org.admin,
        usecase_owners={},
        product_managers={product.pk: successor},
        goal_owners={goal.pk: successor},
    )
    product.refresh_from_db()
    goal.refresh_from_db()
    assert product.manager == successor
    assert goal.owner == successor
    assert {"product.updated", "goal.updated", "user.deactivated"} <= set(
        AdminEvent.objects.values_list("action", flat=True)
    )


def test_an_admin_cannot_deactivate_themselves_or_someone_already_gone(org):
    with pytest.raises(Exception, match="your own account"):
        person_deactivate(person=org.admin, actor=org.admin, usecase_owners={})
    org.member.is_active = False
    org.member.save()
    with pytest.raises(Exception, match="already deactivated"):
        person_deactivate(person=org.member, actor=org.admin, usecase_owners={})


def test_an_open_transfer_to_the_leaver_is_redirected(org, usecase_in, successor):
    usecase = usecase_in("active")
    # Owen hands it to Mia; Mia leaves before signing.
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=org.member)
    person_deactivate(person=org.member, actor=org.admin, usecase_owners={usecase.pk: successor})
    usecase.refresh_from_db()
    assert (usecase.status, usecase.owner) == (Status.AWAITING_SIGN_OFF, successor)
    transfer = usecase.transfers.get(resolved_at__isnull=True)
    assert (transfer.from_owner, transfer.to_owner) == (org.owner, successor)
    assert _requests_for(successor, usecase).exists()
    # If the successor declines, it falls back to Owen, who is still here.
    services.usecase_decline_ownership(usecase=usecase, actor=successor, reason="Not mine")
    usecase.refresh_from_db()
    assert (usecase.status, usecase.owner) == (Status.ACTIVE, org.owner)


def test_holdings_list_what_they_own_write_and_review(
    org, usecase_in, django_assert_max_num_queries
):
    owned = usecase_in("active")
    written = usecase_in("draft", owner=org.lead)  # authored by Mia (the member)
    with django_assert_max_num_queries(8):
        holdings = person_holdings(org.member)
    assert [usecase.pk for usecase in holdings.authored] == [written.pk]
    assert person_holdings(org.owner).owned == [owned]
    reviewer = person_holdings(org.reviewer)
    assert reviewer.is_reviewer


# --- The pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["administration", "person_list", "person_deactivate"])
def test_only_admins_open_the_people_pages(as_role, org, role, page):
    args = [org.owner.pk] if page == "person_deactivate" else []
    url = reverse(f"administration:{page}", args=args)
    response = as_role(role).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "member", "lead", "reviewer", "owner"])
def test_a_non_admin_post_changes_nothing(as_role, org, usecase_in, successor, role):
    usecase = usecase_in("active")
    as_role(role).post(
        reverse("administration:person_deactivate", args=[org.owner.pk]),
        {"default_owner": successor.pk},
    )
    org.owner.refresh_from_db()
    assert org.owner.is_active
    assert UseCase.objects.get(pk=usecase.pk).owner == org.owner


def test_the_page_lists_what_they_hold(as_user, org, usecase_in):
    usecase = usecase_in("active")
    response = as_user(org.admin).get(
        reverse("administration:person_deactivate", args=[org.owner.pk])
    )
    assert usecase.key in response.text
    assert "New owner must sign off" in response.text


def test_the_admin_deactivates_through_the_page(
    as_user, org, usecase_in, successor, django_capture_on_commit_callbacks
):
    active = usecase_in("active", title="First")
    draft = usecase_in("draft", title="Second")
    client = as_user(org.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("administration:person_deactivate", args=[org.owner.pk]),
            {
                "default_owner": successor.pk,
                f"usecase_{draft.pk}": org.lead.username,  # someone else, by username
                "reason": "Left",
            },
            follow=True,
        )
    assert response.status_code == 200
    assert "is deactivated" in response.text
    org.owner.refresh_from_db()
    assert not org.owner.is_active
    assert UseCase.objects.get(pk=active.pk).owner == successor
    assert UseCase.objects.get(pk=draft.pk).owner == org.lead
    assert _requests_for(successor, active).exists()


def test_without_a_successor_the_page_says_so_and_changes_nothing(as_user, org, usecase_in):
    usecase = usecase_in("active")
    response = as_user(org.admin).post(
        reverse("administration:person_deactivate", args=[org.owner.pk]), {"default_owner": ""}
    )
    assert response.status_code == 400
    assert f"Choose a new owner for {usecase.key}" in response.text
    org.owner.refresh_from_db()
    assert org.owner.is_active


def test_a_bad_successor_id_is_refused(as_user, org, usecase_in):
    usecase_in("active")
    response = as_user(org.admin).post(
        reverse("administration:person_deactivate", args=[org.owner.pk]),
        {"default_owner": "999999"},
    )
    assert response.status_code == 400
    org.owner.refresh_from_db()
    assert org.owner.is_active


def test_the_deactivation_post_needs_a_csrf_token(org, successor, usecase_in):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    usecase_in("active")
    response = client.post(
        reverse("administration:person_deactivate", args=[org.owner.pk]),
        {"default_owner": successor.pk},
    )
    assert response.status_code == 403
    org.owner.refresh_from_db()
    assert org.owner.is_active


def test_the_people_pages_cost_the_same_with_more_to_hand_over(
    as_user, org, usecase_in, django_assert_max_num_queries
):
    client = as_user(org.admin)
    url = reverse("administration:person_deactivate", args=[org.owner.pk])
    usecase_in("active")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for status in ("active", "draft", "awaiting_sign_off", "active"):
        usecase_in(status)
    ProductFactory(team=org.team, manager=org.owner)
    GoalFactory(owner=org.owner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(15):
        client.get(reverse("administration:person_list"))
