"""Shared fixtures: a small organisation with one person per role, and use cases built through services."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from administration.services import teams
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
from tests.smtp import free_port, mail_server, smtp_settings  # for every test package
from usecases import services
from usecases.choices import MetricDirection
from usecases.forms import UseCaseForm
from usecases.models import SignOff, UseCase

__all__ = ["free_port", "mail_server", "smtp_settings"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords with a cheap hasher: the org fixture creates seven people per test.

    The production hashers stay listed, so hashes made elsewhere still verify.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


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
    return build_org()


def build_org() -> Org:
    """The organisation the ``org`` fixture gives; a module-scoped fixture builds it once."""
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


def make_measurable(*, org, **fields):
    """Active, owned by Owen, with a success metric: median days to a decision, 40 fifty days
    ago, 10 in fifty days; nothing measured yet."""
    today = timezone.localdate()
    usecase = make_usecase(
        org=org,
        metric_name="Median days to a decision",
        metric_unit="days",
        metric_direction=MetricDirection.DECREASE,
        metric_baseline=Decimal(40),
        metric_baseline_date=today - timedelta(days=50),
        metric_target=Decimal(10),
        metric_target_date=today + timedelta(days=50),
        **fields,
    )
    return advance_usecase(usecase, org=org, to="active")


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


# Everyone a permission matrix covers; each name but "anonymous" is an attribute of ``Org``.
ROLES = ("anonymous", "non_member", "member", "lead", "reviewer", "admin", "owner")


@pytest.fixture
def unit_tree(org):
    """Organisation units through the services: Department > Agency > Claims Processing
    (org.team); Digital Platforms stays at the top."""
    department = teams.team_create(actor=org.admin, data={"name": "Department", "kind": "business"})
    agency = teams.team_create(
        actor=org.admin, data={"name": "Agency", "kind": "business", "parent": department}
    )
    teams.team_update(team=org.team, actor=org.admin, data={"parent": agency})
    org.team.refresh_from_db()
    return department, agency, org.team


@pytest.fixture
def as_role(client, org):
    """Sign the test client in as the organisation's person in ``role``; "anonymous" stays out."""

    def sign_in(role):
        if role != "anonymous":
            client.force_login(getattr(org, role))
        return client

    return sign_in


def create_form_data(*, org, **overrides) -> dict:
    """What the browser posts when someone fills in the new-use-case form for ``org.team``."""
    data = {
        "title": "Route benefit claims to the right office",
        "who": "Claims officers in regional offices",
        "problem": "Claims land in the wrong queue and wait.",
        "success_signal": "Nine in ten claims reach the right office first time.",
        "team": org.team.pk,
        "owner": org.owner.pk,
        "products": [org.product.pk],
        "goals": [org.goal.pk],
    }
    data.update(overrides)
    return data


def edit_form_data(usecase, **overrides) -> dict:
    """What the browser posts when someone opens ``usecase``'s edit form and changes ``overrides``."""
    # What the form shows is what a browser posts back: each field as the form renders it.
    data = UseCaseForm(instance=usecase, user=None).field_values()
    data["version"] = usecase.version
    data.update(overrides)
    return data


# -- The review and sign-off workflow (issue 3) --------------------------------------------------

# How a fresh draft reaches each status through the services, one step per person:
# (the Org attribute of who acts, the service, its extra arguments).
_WORKFLOW_STEPS = {
    "submit": ("lead", services.usecase_submit, {}),
    "approve": ("reviewer", services.usecase_approve, {}),
    "reject": ("reviewer", services.usecase_reject, {"rationale": "Not a fit for this year."}),
    "sign_off": ("owner", services.usecase_sign_off, {"accepted": True}),
    "retire": ("lead", services.usecase_retire, {"reason": "Replaced by the new claims system."}),
}
_PATH_TO_STATUS = {
    "draft": (),
    "in_review": ("submit",),
    "awaiting_sign_off": ("submit", "approve"),
    "active": ("submit", "approve", "sign_off"),
    "declined": ("submit", "reject"),
    "retired": ("submit", "approve", "sign_off", "retire"),
}


def lapse(usecase, *, days_ago=0, days_ahead=0):
    """Let time pass: move the use case's current sign-off so it lapses at the given day. Time is
    the one thing the services cannot advance, so the dates are moved instead."""
    expires = timezone.now() - timedelta(days=days_ago) + timedelta(days=days_ahead)
    current = SignOff.objects.get(usecase=usecase, superseded_at__isnull=True)
    SignOff.objects.filter(pk=current.pk).update(
        signed_at=expires - timedelta(days=180), expires_at=expires
    )
    UseCase.objects.filter(pk=usecase.pk).update(attestation_expires_at=expires)


def advance_usecase(usecase, *, org, to: str):
    """Drive a draft to status ``to`` through the services, as the lead, reviewer and owner would."""
    for step in _PATH_TO_STATUS[to]:
        role, service, extra = _WORKFLOW_STEPS[step]
        usecase = service(usecase=usecase, actor=getattr(org, role), **extra)
    return type(usecase).objects.get(pk=usecase.pk)


@pytest.fixture
def usecase_in(org):
    """``usecase_in("active", **fields)``: a new use case brought to that status through the services."""

    def build(status: str, **fields):
        return advance_usecase(make_usecase(org=org, **fields), org=org, to=status)

    return build


@pytest.fixture
def database_tasks(settings):
    """Background tasks go to the database queue the worker reads (whatever the default is)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def page_queries(django_assert_max_num_queries):
    """``page_queries(client, url, budget=N)``: how many queries the page takes to answer 200,
    failing once it takes more than ``budget``. Query budgets compare two sizes of data with it."""

    def count(client, url, *, budget: int) -> int:
        with django_assert_max_num_queries(budget) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    return count


def expect_admin_only(response, role, ok=(200,)):
    """An administration page's answer to ``role``: the admin gets one of ``ok``, anyone else
    signed in 403, and nobody signed in is sent to sign in."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role == "admin":
        assert response.status_code in ok
    else:
        assert response.status_code == 403


@pytest.fixture
def successor(db):
    """Someone to hand use cases over to."""
    return UserFactory(username="sam", first_name="Sam", last_name="Successor")


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run at once, in the request (their delivery through the worker is tested apart)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
