"""Claiming a draft nobody owns through the services: a lead asks someone, who accepts or declines;
the contact claims directly; the claimed draft then goes through review and sign-off like any
other, and is never active before its owner signs."""

import pytest

from tests.conftest import make_usecase
from tests.factories import UserFactory
from tests.usecases.claims import make_imported
from usecases import services
from usecases.choices import EventKind, NotificationKind, Status
from usecases.contacts import contact_addresses
from usecases.models import Notification, OwnershipRequest, UseCase, UseCaseEvent

pytestmark = pytest.mark.django_db


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


def notices(person, kind):
    return list(
        Notification.objects.filter(recipient=person, kind=kind).values_list("message", flat=True)
    )


def events(usecase):
    return list(
        UseCaseEvent.objects.filter(usecase=usecase)
        .order_by("version")
        .values_list("kind", flat=True)
    )


# -- Contacts -------------------------------------------------------------------------------------


def test_contact_addresses_are_split_trimmed_and_lower_cased():
    text = " A@X.org; b@x.org,c@x.org  <D@x.org>\nnot-an-address "
    assert contact_addresses(text) == {"a@x.org", "b@x.org", "c@x.org", "d@x.org"}
    assert contact_addresses("") == frozenset()


def test_imported_is_what_an_import_brought_in(org, imported):
    manual = make_usecase(org=org)
    assert set(UseCase.objects.imported()) == {imported}
    assert imported.is_imported and not manual.is_imported


# -- Asking someone --------------------------------------------------------------------------------


def test_a_lead_asks_someone_to_own_an_unowned_draft(org, imported, contact):
    before = imported.version

    request = services.usecase_request_ownership(
        usecase=imported, actor=org.lead, person=contact, expected_version=before
    )

    now = stored(imported)
    assert now.owner_id is None and now.status == Status.DRAFT
    assert now.version == before + 1
    assert (request.person, request.requested_by, request.resolved_at) == (contact, org.lead, None)
    assert events(now)[-1] == EventKind.OWNERSHIP_REQUESTED
    [message] = notices(contact, NotificationKind.OWNERSHIP_REQUESTED)
    assert f"asks you to own {now.key}" in message


@pytest.mark.parametrize("who", ["member", "non_member", "reviewer", "owner", "other_lead"])
def test_only_leads_of_its_team_and_admins_may_ask(org, imported, contact, other_lead, who):
    actor = other_lead if who == "other_lead" else getattr(org, who)
    with pytest.raises(services.NotAllowed):
        services.usecase_request_ownership(usecase=imported, actor=actor, person=contact)
    assert not OwnershipRequest.objects.exists()
    assert stored(imported).version == imported.version


def test_an_admin_may_ask(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.admin, person=contact)
    assert OwnershipRequest.objects.open().get().person == contact


def test_asking_a_deactivated_person_is_refused(org, imported, contact):
    contact.is_active = False
    contact.save()
    with pytest.raises(services.UseCaseError, match="deactivated"):
        services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    assert not OwnershipRequest.objects.exists()


def test_asking_about_an_owned_use_case_or_one_past_drafting_is_refused(org, usecase_in, contact):
    owned = make_usecase(org=org)
    in_review = usecase_in("in_review")
    for usecase in (owned, in_review):
        with pytest.raises(services.InvalidTransition):
            services.usecase_request_ownership(usecase=usecase, actor=org.lead, person=contact)
    assert not OwnershipRequest.objects.exists()


def test_asking_on_a_stale_version_is_refused(org, imported, contact):
    services.usecase_update(
        usecase=imported,
        actor=org.member,
        data={"title": "Renamed meanwhile"},
        expected_version=imported.version,
    )
    with pytest.raises(services.StaleVersion):
        services.usecase_request_ownership(
            usecase=imported, actor=org.lead, person=contact, expected_version=imported.version
        )
    assert not OwnershipRequest.objects.exists()


def test_asking_someone_else_withdraws_the_open_request(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=org.member)
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)

    first, second = OwnershipRequest.objects.order_by("pk")
    assert (first.accepted, first.resolved_at is not None) == (False, True)
    assert second.resolved_at is None and second.person == contact
    assert Notification.objects.get(recipient=org.member).read_at is not None
    with pytest.raises(services.UseCaseError, match="already asked"):
        services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)


# -- Accepting, declining, claiming ----------------------------------------------------------------


def test_accepting_makes_them_the_owner_of_a_draft_and_tells_the_lead(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    version = stored(imported).version

    services.usecase_claim(usecase=imported, actor=contact, expected_version=version)

    now = stored(imported)
    assert (now.owner, now.status, now.version) == (contact, Status.DRAFT, version + 1)
    assert OwnershipRequest.objects.get().accepted is True
    assert events(now)[-1] == EventKind.OWNERSHIP_CLAIMED
    assert notices(org.lead, NotificationKind.OWNERSHIP_CLAIMED)
    # The request in their inbox is answered.
    assert Notification.objects.get(recipient=contact).read_at is not None


def test_declining_needs_a_reason_and_tells_the_lead_why(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    with pytest.raises(services.UseCaseError, match="Say why"):
        services.usecase_decline_ownership_request(usecase=imported, actor=contact, reason="  ")
    assert OwnershipRequest.objects.get().resolved_at is None

    services.usecase_decline_ownership_request(
        usecase=imported, actor=contact, reason="I moved to another unit."
    )

    request = OwnershipRequest.objects.get()
    assert (request.accepted, request.answer) == (False, "I moved to another unit.")
    assert stored(imported).owner_id is None
    [message] = notices(org.lead, NotificationKind.OWNERSHIP_DECLINED)
    assert "I moved to another unit." in message


def test_only_the_person_asked_may_answer(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    with pytest.raises(services.NotAllowed):
        services.usecase_decline_ownership_request(usecase=imported, actor=org.member, reason="No")
    with pytest.raises(services.NotAllowed):
        services.usecase_claim(usecase=imported, actor=org.member)
    assert stored(imported).owner_id is None


@pytest.mark.parametrize(
    "contact_field",
    [
        "claire.contact@example.org",
        " CLAIRE.CONTACT@example.org ",
        "x@y.org; claire.contact@example.org",
    ],
)
def test_the_contact_claims_directly(org, contact, contact_field):
    imported = make_imported(org=org, contact=contact_field)
    services.usecase_claim(usecase=imported, actor=contact, expected_version=imported.version)
    assert stored(imported).owner == contact


def test_someone_else_cannot_claim(org, imported):
    stranger = UserFactory(email="someone@example.org")
    with pytest.raises(services.NotAllowed):
        services.usecase_claim(usecase=imported, actor=stranger)
    assert stored(imported).owner_id is None


def test_a_use_case_entered_here_is_not_claimed_by_its_contact(org, contact):
    manual = make_usecase(org=org, owner=None, contact_email="claire.contact@example.org")
    with pytest.raises(services.NotAllowed):
        services.usecase_claim(usecase=manual, actor=contact)


def test_claiming_twice_or_on_a_stale_version_is_refused(org, imported, contact):
    with pytest.raises(services.StaleVersion):
        services.usecase_claim(
            usecase=imported, actor=contact, expected_version=imported.version - 1
        )
    services.usecase_claim(usecase=imported, actor=contact)
    with pytest.raises(services.InvalidTransition):
        services.usecase_claim(usecase=imported, actor=contact)


# -- The whole way: claimed, reviewed, signed ------------------------------------------------------


def test_a_claimed_use_case_goes_through_review_and_sign_off(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    claimed = services.usecase_claim(usecase=imported, actor=contact)
    assert claimed.status == Status.DRAFT  # no shortcut: never active unsigned

    submitted = services.usecase_submit(usecase=claimed, actor=org.lead)
    approved = services.usecase_approve(
        usecase=submitted, actor=org.reviewer, expected_version=submitted.version
    )
    assert approved.status == Status.AWAITING_SIGN_OFF
    signed = services.usecase_sign_off(
        usecase=approved, actor=contact, accepted=True, expected_version=approved.version
    )

    now = stored(signed)
    assert (now.status, now.owner) == (Status.ACTIVE, contact)
    assert now.signed_off_at is not None
    assert now.sign_offs.get().owner == contact


@pytest.mark.parametrize("how", ["edit", "reassign"])
def test_naming_an_owner_another_way_withdraws_the_request(org, imported, contact, how):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    current = stored(imported)
    if how == "edit":
        services.usecase_update(
            usecase=current,
            actor=org.lead,
            data={"owner": org.owner},
            expected_version=current.version,
        )
    else:
        services.usecase_reassign_owner(usecase=current, actor=org.admin, new_owner=org.owner)

    request = OwnershipRequest.objects.get()
    assert request.accepted is False and "Owen Owner the owner" in request.answer
    assert Notification.objects.get(recipient=contact).read_at is not None
    with pytest.raises(services.InvalidTransition):
        services.usecase_claim(usecase=imported, actor=contact)
