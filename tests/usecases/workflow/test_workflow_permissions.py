"""Who may take which workflow action, through the pages: action × role, each in a state the action
starts from, so the role alone decides. A refusal changes nothing in the database."""

import pytest
from django.urls import reverse

from portfolio.models import Membership
from tests.conftest import advance_usecase, make_usecase
from tests.factories import MembershipFactory, UserFactory, reviewer
from usecases.choices import Action, Status
from usecases.models import UseCase
from usecases.workflow import get_actions

pytestmark = pytest.mark.django_db

MATRIX_ROLES = ("anonymous", "author", "member", "lead", "reviewer", "owner", "other", "admin")

# The state each action is tried from, and the state it leads to.
ACTION_STATES = {
    Action.SUBMIT: ("draft", Status.IN_REVIEW),
    Action.APPROVE: ("in_review", Status.AWAITING_SIGN_OFF),
    Action.REQUEST_CHANGES: ("in_review", Status.DRAFT),
    Action.REJECT: ("in_review", Status.DECLINED),
    Action.SIGN_OFF: ("awaiting_sign_off", Status.ACTIVE),
    Action.DECLINE_OWNERSHIP: ("awaiting_sign_off", Status.DRAFT),
    Action.TRANSFER_OWNERSHIP: ("active", Status.AWAITING_SIGN_OFF),
    Action.REATTEST: ("active", Status.ACTIVE),
    Action.RETIRE: ("active", Status.RETIRED),
    Action.REOPEN: ("declined", Status.DRAFT),
}

# Who may: the design's rules (ARCHITECTURE.md), written out apart from usecases.workflow.
# Everyone else signed in gets 403; anonymous people are sent to sign in.
ALLOWED = {
    Action.SUBMIT: {"lead", "admin"},
    Action.APPROVE: {"reviewer"},
    Action.REQUEST_CHANGES: {"reviewer"},
    Action.REJECT: {"reviewer"},
    Action.SIGN_OFF: {"owner"},
    Action.DECLINE_OWNERSHIP: {"owner"},
    Action.TRANSFER_OWNERSHIP: {"owner", "lead", "admin"},
    Action.REATTEST: {"owner"},
    Action.RETIRE: {"lead", "admin"},
    Action.REOPEN: {"author", "lead", "admin"},
}


def expected(action, role):
    if role == "anonymous":
        return "login"
    return "done" if role in ALLOWED[action] else 403


MATRIX = [(action, role, expected(action, role)) for action in Action for role in MATRIX_ROLES]


@pytest.fixture
def people(org):
    """The matrix's roles: the author is a team member who wrote the use case; "member" is
    another member of the same team; "other" is in another team."""
    author = UserFactory(username="ada", first_name="Ada", last_name="Author")
    MembershipFactory(team=org.team, user=author)
    return {
        "author": author,
        "member": org.member,
        "lead": org.lead,
        "reviewer": org.reviewer,
        "owner": org.owner,
        "other": org.non_member,
        "admin": org.admin,
    }


@pytest.fixture
def newcomer(db):
    return UserFactory(username="nora", first_name="Nora", last_name="Newcomer")


def action_url(usecase, action) -> str:
    return reverse(f"usecases:usecase_{action.value}", args=[usecase.key])


def form_data(action, newcomer) -> dict:
    """What the action's form posts: a note always, the statement ticked, a new owner."""
    data = {"note": "Given in the permission test."}
    if action == Action.SIGN_OFF:
        data["accepted"] = "on"
    if action == Action.TRANSFER_OWNERSHIP:
        data["new_owner"] = newcomer.pk
    return data


def database_state(usecase) -> dict:
    row = UseCase.objects.get(pk=usecase.pk)
    return {
        "row": (row.status, row.version, row.owner_id, row.updated_at, row.changed_since_sign_off),
        "events": list(row.events.values_list("pk", flat=True)),
        "history": list(row.history.values_list("pgh_id", flat=True)),
        "revisions": list(row.revisions.values_list("pk", flat=True)),
        "reviews": list(row.reviews.values_list("pk", "decision", "decided_at")),
        "sign_offs": list(row.sign_offs.values_list("pk", "superseded_at")),
        "transfers": list(row.transfers.values_list("pk", "resolved_at")),
        "notifications": list(row.notifications.values_list("pk", flat=True)),
    }


@pytest.mark.parametrize(("action", "role", "outcome"), MATRIX)
def test_workflow_action_per_role(client, org, people, newcomer, action, role, outcome):
    from_status, to_status = ACTION_STATES[action]
    usecase = advance_usecase(
        make_usecase(org=org, author=people["author"]), org=org, to=from_status
    )
    if role != "anonymous":
        client.force_login(people[role])
    url = action_url(usecase, action)
    before = database_state(usecase)

    response = client.post(url, {**form_data(action, newcomer), "version": usecase.version})

    if outcome == "login":
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"
        assert database_state(usecase) == before
    elif outcome == 403:
        assert response.status_code == 403
        assert database_state(usecase) == before
    else:
        assert response.status_code == 302
        assert response.url == usecase.get_absolute_url()
        after = UseCase.objects.get(pk=usecase.pk)
        assert after.status == to_status
        assert after.version > usecase.version
        assert after.events.first().actor == people[role]


@pytest.mark.parametrize(("action", "role", "outcome"), [m for m in MATRIX if m[1] != "anonymous"])
def test_the_status_panel_offers_exactly_the_allowed_actions(org, people, action, role, outcome):
    from_status, _ = ACTION_STATES[action]
    usecase = advance_usecase(
        make_usecase(org=org, author=people["author"]), org=org, to=from_status
    )

    offered = {button.name for button in get_actions(usecase, people[role])}

    assert (action.value in offered) == (outcome == "done")


# -- Separation of duties, the acceptance cases ----------------------------------------------------


@pytest.mark.parametrize("action", [Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT])
def test_an_author_who_is_a_reviewer_cannot_decide_on_their_own_use_case(client, org, action):
    writing_reviewer = reviewer(username="raf", first_name="Raf", last_name="Writer")
    Membership.objects.create(team=org.team, user=writing_reviewer)
    usecase = advance_usecase(
        make_usecase(org=org, author=writing_reviewer), org=org, to="in_review"
    )
    client.force_login(writing_reviewer)
    before = database_state(usecase)

    response = client.post(action_url(usecase, action), {"note": "Looks fine to me."})

    assert response.status_code == 403
    assert database_state(usecase) == before
    assert action.value not in {b.name for b in get_actions(usecase, writing_reviewer)}


@pytest.mark.parametrize("role", ["author", "member", "lead", "reviewer", "other", "admin"])
def test_nobody_but_the_named_owner_can_sign_off(client, org, people, role):
    usecase = advance_usecase(
        make_usecase(org=org, author=people["author"]), org=org, to="awaiting_sign_off"
    )
    client.force_login(people[role])
    before = database_state(usecase)

    response = client.post(action_url(usecase, Action.SIGN_OFF), {"accepted": "on"})

    assert response.status_code == 403
    assert database_state(usecase) == before


def test_a_superuser_who_is_not_the_owner_cannot_sign_off_either(client, org):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="awaiting_sign_off")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    before = database_state(usecase)

    response = client.post(action_url(usecase, Action.SIGN_OFF), {"accepted": "on"})

    assert response.status_code == 403
    assert database_state(usecase) == before


# -- Bad input through the page changes nothing ----------------------------------------------------


@pytest.mark.parametrize(
    ("action", "role", "from_status", "data", "message"),
    [
        (Action.REQUEST_CHANGES, "reviewer", "in_review", {"note": ""}, "Say what needs to change"),
        (Action.REJECT, "reviewer", "in_review", {"note": " "}, "Give the rationale"),
        (Action.SIGN_OFF, "owner", "awaiting_sign_off", {}, "to sign off"),
        (Action.DECLINE_OWNERSHIP, "owner", "awaiting_sign_off", {}, "Say why you decline"),
        (Action.TRANSFER_OWNERSHIP, "lead", "active", {}, "Choose the new owner."),
        (Action.RETIRE, "lead", "active", {"note": ""}, "Say why it is retired"),
    ],
)
def test_an_allowed_action_with_missing_input_says_what_is_missing_and_changes_nothing(
    client, org, people, action, role, from_status, data, message
):
    usecase = advance_usecase(
        make_usecase(org=org, author=people["author"]), org=org, to=from_status
    )
    client.force_login(people[role])
    before = database_state(usecase)

    response = client.post(action_url(usecase, action), {**data, "version": usecase.version})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert database_state(usecase) == before
