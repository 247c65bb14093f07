"""Shared fixtures: a small organisation with one person per role, and use cases built through services."""

from dataclasses import dataclass

import pytest

from portfolio.choices import MembershipRole
from tests.factories import (
    GoalFactory,
    MembershipFactory,
    ProductFactory,
    TeamFactory,
    UserFactory,
    admin_user,
    reviewer,
)
from usecases import services


@dataclass
class Org:
    team: object
    other_team: object
    product: object
    goal: object
    member: object
    lead: object
    non_member: object
    reviewer: object
    admin: object
    owner: object


@pytest.fixture
def org(db):
    team = TeamFactory(name="Claims Processing", slug="claims-processing")
    other_team = TeamFactory(name="Digital Platforms", slug="digital-platforms")
    member = UserFactory(username="mia", first_name="Mia", last_name="Member")
    lead = UserFactory(username="leo", first_name="Leo", last_name="Lead")
    MembershipFactory(team=team, user=member)
    MembershipFactory(team=team, user=lead, role=MembershipRole.LEAD)
    non_member = UserFactory(username="nina", first_name="Nina", last_name="Outsider")
    MembershipFactory(team=other_team, user=non_member)
    return Org(
        team=team,
        other_team=other_team,
        product=ProductFactory(name="Claims Portal", slug="claims-portal", team=team),
        goal=GoalFactory(title="Decide claims faster"),
        member=member,
        lead=lead,
        non_member=non_member,
        reviewer=reviewer(username="rita", first_name="Rita", last_name="Reviewer"),
        admin=admin_user(username="adam", first_name="Adam", last_name="Admin"),
        owner=UserFactory(username="owen", first_name="Owen", last_name="Owner"),
    )


def make_usecase(*, org, author=None, **fields):
    """A draft created through the service, as a person would create it."""
    data = {
        "title": "Triage incoming benefit claims",
        "who": "Claims officers in regional offices",
        "problem": "Claims wait weeks before anyone reads them.",
        "success_signal": "Median days from receipt to first decision below 10.",
        "team": org.team,
        "owner": org.owner,
        "products": [org.product],
        "goals": [org.goal],
    }
    data.update(fields)
    return services.usecase_create(actor=author or org.member, data=data)


@pytest.fixture
def usecase(org):
    return make_usecase(org=org)


@pytest.fixture
def as_user(client):
    """Sign the test client in as the given user and return it."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
