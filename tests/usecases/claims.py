"""Imported use cases nobody owns, as an import leaves them, for the claim tests."""

import pytest

from portfolio.choices import MembershipRole
from tests.conftest import make_usecase
from tests.factories import MembershipFactory, UserFactory
from usecases.choices import LifecycleStage, Source, Status
from usecases.models import UseCase

CONTACT_EMAIL = "claire.contact@example.org"


def make_imported(*, org, ref="X-1", contact=CONTACT_EMAIL, **fields):
    """A draft as an import leaves it: read from the US federal inventory, in production, with a
    contact address and no owner; nobody signed anything."""
    usecase = make_usecase(org=org, owner=None, **fields)
    # The importer writes these columns itself (and a register may list several addresses in
    # its contact field, which the form would not take).
    UseCase.objects.filter(pk=usecase.pk).update(
        source=Source.US_FEDERAL_2025,
        external_ref=ref,
        lifecycle_stage=LifecycleStage.IN_PRODUCTION,
        contact_email=contact,
    )
    usecase = UseCase.objects.get(pk=usecase.pk)
    assert (usecase.status, usecase.owner_id) == (Status.DRAFT, None)
    return usecase


@pytest.fixture
def imported(org):
    return make_imported(org=org)


def make_contact():
    """The person the imported use case names as its contact (their address differently cased)."""
    return UserFactory(
        username="claire",
        first_name="Claire",
        last_name="Contact",
        email="Claire.Contact@Example.ORG",
    )


@pytest.fixture
def contact(db):
    return make_contact()


@pytest.fixture
def other_lead(org):
    """A lead of the other team."""
    person = UserFactory(username="olga", first_name="Olga", last_name="Otherlead")
    MembershipFactory(team=org.other_team, user=person, role=MembershipRole.LEAD)
    return person
