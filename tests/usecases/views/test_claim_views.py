"""Claiming drafts nobody owns, through the pages: the detail page's claim panel, asking someone,
accepting and declining from My work, and the dashboard's count of imported orphans. Each view per
role; bad input changes nothing; query budgets."""

import pytest

from tests.conftest import make_usecase
from tests.factories import UserFactory
from tests.usecases.claims import make_imported
from usecases import services
from usecases.choices import Status
from usecases.models import Notification, OwnershipRequest, UseCase

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "non_member",
    "member",
    "lead",
    "other_lead",
    "reviewer",
    "owner",
    "admin",
    "contact",
)


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


@pytest.fixture
def sign_in(client, org, contact, other_lead):
    def as_(role):
        people = {"contact": contact, "other_lead": other_lead}
        if role != "anonymous":
            client.force_login(people.get(role) or getattr(org, role))
        return client

    return as_


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- The detail page -------------------------------------------------------------------------------

SEES = {
    "anonymous": None,
    "non_member": "contact only",
    "owner": "contact only",
    "member": "contact only",
    "lead": "ask",
    "other_lead": "contact only",
    "reviewer": "contact only",
    "admin": "ask",
    "contact": "claim",
}


@pytest.mark.parametrize("role", ROLES)
def test_the_detail_page_offers_what_each_role_may_do(sign_in, imported, contact, role):
    response = sign_in(role).get(imported.get_absolute_url())
    if role == "anonymous":
        assert response.status_code == 302
        return
    page = response.content.decode()
    assert "Nobody owns this yet" in page
    assert "claire.contact@example.org" in page  # everyone sees who the contact is
    assert ("Claim ownership" in page) == (SEES[role] == "claim")
    assert ("This is you?" in page) == (SEES[role] == "claim")
    assert ("Ask someone to own this" in page) == (SEES[role] == "ask")
    if SEES[role] == "ask":
        # The person whose address is the contact's is chosen already.
        assert f'<option value="{contact.pk}" selected>' in page


def test_an_owned_use_case_shows_no_claim_panel(as_user, org, usecase):
    page = as_user(org.lead).get(usecase.get_absolute_url()).content.decode()
    assert "Nobody owns this yet" not in page


@pytest.mark.parametrize("role", ROLES)
def test_claiming_per_role(sign_in, org, imported, contact, role):
    response = sign_in(role).post(f"/usecases/{imported.key}/claim/", {"version": imported.version})
    now = stored(imported)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role == "contact":
        assert response.status_code == 302
        assert (now.owner, now.status) == (contact, Status.DRAFT)
        page = sign_in(role).get(imported.get_absolute_url()).content.decode()
        assert "Took ownership" in page  # the history says who took it
        assert "Claimed as the contact the use case names." in page
        return
    else:
        assert response.status_code == 403
    assert now.owner_id is None and now.version == imported.version


def test_claiming_with_a_stale_version_changes_nothing(sign_in, imported):
    client = sign_in("contact")
    response = client.post(
        f"/usecases/{imported.key}/claim/", {"version": imported.version - 1}, follow=True
    )
    assert stored(imported).owner_id is None
    assert any("changed after you opened it" in message for message in messages_of(response))


def test_claiming_without_a_version_changes_nothing(sign_in, imported):
    response = sign_in("contact").post(f"/usecases/{imported.key}/claim/", {}, follow=True)
    assert stored(imported).owner_id is None
    assert any("missing the version" in message for message in messages_of(response))


REQUEST = {
    "anonymous": "login",
    "non_member": 403,
    "owner": 403,
    "member": 403,
    "lead": "asked",
    "other_lead": 403,
    "reviewer": 403,
    "admin": "asked",
    "contact": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_asking_someone_per_role(sign_in, imported, contact, role):
    response = sign_in(role).post(
        f"/usecases/{imported.key}/ask-owner/", {"person": contact.pk, "version": imported.version}
    )
    expected = REQUEST[role]
    if expected == "asked":
        assert response.status_code == 302
        assert OwnershipRequest.objects.open().get().person == contact
        return
    if expected == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected
    assert not OwnershipRequest.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"version": "x"}, "Choose the person to ask."),
        ({"person": "999999", "version": "1"}, "Choose a person from the list"),
        ({"person": "PERSON"}, "missing the version"),
    ],
)
def test_asking_with_bad_input_changes_nothing(sign_in, imported, contact, data, message):
    data = {key: str(contact.pk) if value == "PERSON" else value for key, value in data.items()}
    response = sign_in("lead").post(f"/usecases/{imported.key}/ask-owner/", data, follow=True)
    assert any(message in shown for shown in messages_of(response))
    assert not OwnershipRequest.objects.exists()
    assert stored(imported).version == imported.version


def test_asking_a_deactivated_person_changes_nothing(sign_in, imported):
    gone = UserFactory(is_active=False)
    response = sign_in("lead").post(
        f"/usecases/{imported.key}/ask-owner/",
        {"person": gone.pk, "version": imported.version},
        follow=True,
    )
    assert any("Choose a person from the list" in shown for shown in messages_of(response))
    assert not OwnershipRequest.objects.exists()


# -- My work: accept or decline --------------------------------------------------------------------


@pytest.fixture
def asked(org, imported, contact):
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    return stored(imported)


def test_my_work_lists_the_request_with_accept_and_decline(sign_in, asked):
    page = sign_in("contact").get("/").content.decode()
    assert "Asked to own" in page
    assert asked.key in page
    assert f"/usecases/{asked.key}/claim/" in page
    assert f"/usecases/{asked.key}/decline-request/" in page


def test_accepting_from_my_work(sign_in, asked, contact):
    response = sign_in("contact").post(
        f"/usecases/{asked.key}/claim/", {"version": asked.version, "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert stored(asked).owner == contact
    assert "Asked to own" not in sign_in("contact").get("/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_declining_per_role(sign_in, org, asked, role):
    response = sign_in(role).post(
        f"/usecases/{asked.key}/decline-request/", {"reason": "Not my system."}
    )
    request = OwnershipRequest.objects.get()
    if role == "contact":
        assert response.status_code == 302
        assert (request.accepted, request.answer) == (False, "Not my system.")
        assert Notification.objects.filter(recipient=org.lead).exists()
        return
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403
    assert request.resolved_at is None


def test_declining_without_a_reason_changes_nothing(sign_in, asked):
    response = sign_in("contact").post(
        f"/usecases/{asked.key}/decline-request/", {"reason": " "}, follow=True
    )
    assert any("Say why you decline" in message for message in messages_of(response))
    assert OwnershipRequest.objects.get().resolved_at is None


# -- The dashboard and the list --------------------------------------------------------------------


def test_the_dashboard_counts_imported_orphans_and_links_to_them(as_user, org, imported):
    make_usecase(org=org, owner=None)  # unowned, but entered here
    claimed = make_imported(org=org, ref="X-2")
    services.usecase_claim(usecase=claimed, actor=UserFactory(email="claire.contact@example.org"))

    client = as_user(org.reviewer)
    tile = {tile.key: tile for tile in client.get("/dashboard/").context["tiles"]}[
        "imported_unowned"
    ]
    assert tile.count == 1
    listed = client.get(tile.url).context["page"].object_list
    assert [usecase.key for usecase in listed] == [imported.key]


def test_the_list_filters_by_origin(as_user, org, imported):
    manual = make_usecase(org=org)
    client = as_user(org.member)
    keys = {u.key for u in client.get("/usecases/?imported=yes").context["page"].object_list}
    assert keys == {imported.key}
    keys = {u.key for u in client.get("/usecases/?imported=no").context["page"].object_list}
    assert keys == {manual.key}


# -- Query budgets ---------------------------------------------------------------------------------

BUDGET = 20


def test_the_detail_page_of_an_orphan_costs_the_same_with_more_people(
    sign_in, imported, page_queries
):
    client = sign_in("lead")
    few = page_queries(client, imported.get_absolute_url(), budget=BUDGET)
    UserFactory.create_batch(30)
    assert page_queries(client, imported.get_absolute_url(), budget=BUDGET) == few


def test_my_work_costs_the_same_with_more_requests(sign_in, org, contact, page_queries):
    client = sign_in("contact")
    for n in range(2):
        usecase = make_imported(org=org, ref=f"A-{n}")
        services.usecase_request_ownership(usecase=usecase, actor=org.lead, person=contact)
    few = page_queries(client, "/", budget=BUDGET)
    for n in range(12):
        usecase = make_imported(org=org, ref=f"B-{n}")
        services.usecase_request_ownership(usecase=usecase, actor=org.lead, person=contact)
    assert page_queries(client, "/", budget=BUDGET) == few


# -- The whole way through the pages ---------------------------------------------------------------


def test_asked_accepted_submitted_approved_and_signed_through_the_pages(
    client, org, imported, contact
):
    def post(person, path, data):
        client.force_login(person)
        current = stored(imported)
        response = client.post(
            f"/usecases/{current.key}/{path}/", {"version": current.version, **data}
        )
        assert response.status_code == 302, response.content.decode()[:500]
        return stored(imported)

    post(org.lead, "ask-owner", {"person": contact.pk})
    assert post(contact, "claim", {}).status == Status.DRAFT
    assert post(org.lead, "submit", {}).status == Status.IN_REVIEW
    assert post(org.reviewer, "approve", {}).status == Status.AWAITING_SIGN_OFF
    signed = post(contact, "sign-off", {"accepted": "on"})
    assert (signed.status, signed.owner) == (Status.ACTIVE, contact)
    assert signed.sign_offs.get().owner == contact
