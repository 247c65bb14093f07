"""Bulk assignment from the list: tick drafts, choose a person to ask and/or a team, see what will
happen to each row (or why not) and confirm; each row is done on its own, a row changed meanwhile
is refused as stale."""

import pytest

from portfolio.choices import MembershipRole
from tests.conftest import make_usecase
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.usecases.claims import make_imported
from usecases import services
from usecases.models import Notification, OwnershipRequest, UseCase

pytestmark = pytest.mark.django_db

URL = "/usecases/bulk-assign/"
ROLES = ("anonymous", "non_member", "member", "lead", "other_lead", "reviewer", "owner", "admin")


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


def row(usecase) -> str:
    return f"{usecase.key}:{usecase.version}"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def sign_in(client, org, other_lead):
    def as_(role):
        if role != "anonymous":
            client.force_login(other_lead if role == "other_lead" else getattr(org, role))
        return client

    return as_


@pytest.fixture
def orphans(org):
    return [make_imported(org=org, ref=f"X-{n}") for n in range(3)]


# -- The list --------------------------------------------------------------------------------------

TICK_BOXES = {
    "non_member": False,
    "owner": False,
    "member": False,
    "lead": True,
    "other_lead": False,
    "reviewer": False,
    "admin": True,
}


@pytest.mark.parametrize("role", TICK_BOXES)
def test_the_list_offers_tick_boxes_on_drafts_of_teams_they_lead(sign_in, org, orphans, role):
    active = make_usecase(org=org)
    services.usecase_submit(usecase=active, actor=org.lead)
    page = sign_in(role).get("/usecases/").content.decode()
    assert (f'value="{row(orphans[0])}"' in page) == TICK_BOXES[role]
    assert ('id="bulk-assign"' in page) == (role in ("lead", "admin", "other_lead"))
    assert f'id="select-{active.key}"' not in page  # in review: not assignable


# -- Per role --------------------------------------------------------------------------------------

CONFIRM_PAGE = {
    "anonymous": "login",
    "non_member": 403,  # a member of another team, not a lead
    "owner": 403,  # in no team
    "member": 403,
    "lead": "will do",
    "other_lead": "refused",  # leads a team, not this one
    "reviewer": 403,
    "admin": "will do",
}


@pytest.mark.parametrize("role", ROLES)
def test_the_confirm_page_per_role(sign_in, orphans, contact, role):
    response = sign_in(role).post(URL, {"row": [row(u) for u in orphans], "owner": contact.pk})
    expected = CONFIRM_PAGE[role]
    if expected == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif expected in (403,):
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        refusals = [r.refusal for r in response.context["rows"]]
        if expected == "will do":
            assert refusals == ["", "", ""]
            assert "Confirm for 3 use cases" in response.content.decode()
        else:
            assert all("You don't lead its team" in refusal for refusal in refusals)
    # The confirm page changes nothing.
    assert not OwnershipRequest.objects.exists()
    assert [stored(u).version for u in orphans] == [u.version for u in orphans]


def test_confirming_asks_the_person_for_each_row_and_moves_them(sign_in, org, orphans, contact):
    led_too = TeamFactory(name="Benefits Analytics", slug="benefits-analytics")
    MembershipFactory(team=led_too, user=org.lead, role=MembershipRole.LEAD)
    data = {"row": [row(u) for u in orphans], "owner": contact.pk, "team": led_too.pk}

    response = sign_in("lead").post(URL, {**data, "confirm": "1"})

    assert response.status_code == 200
    assert [r.done for r in response.context["rows"]] == [True, True, True]
    for usecase in orphans:
        now = stored(usecase)
        assert (now.team, now.owner_id) == (led_too, None)  # asked, not made owner
    assert OwnershipRequest.objects.open().filter(person=contact).count() == 3
    assert Notification.objects.filter(recipient=contact).count() == 3
    assert "3 use cases done, 0 refused" in response.content.decode()


def test_each_row_is_refused_for_its_own_reason(sign_in, org, usecase_in, contact):
    orphan, changed, owned = (make_imported(org=org, ref=f"R-{n}") for n in range(3))
    seen_changed = row(changed)
    services.usecase_update(
        usecase=changed,
        actor=org.member,
        data={"title": "Changed"},
        expected_version=changed.version,
    )
    services.usecase_claim(usecase=owned, actor=UserFactory(email="claire.contact@example.org"))
    in_review = usecase_in("in_review")
    elsewhere = make_usecase(org=org, owner=None, team=org.other_team)
    selection = [row(orphan), seen_changed, f"{owned.key}:{stored(owned).version}"]
    selection += [row(in_review), row(elsewhere), "UC-999999:1"]

    response = sign_in("lead").post(URL, {"row": selection, "owner": contact.pk, "confirm": "1"})

    reasons = {r.key: r.refusal for r in response.context["rows"]}
    assert reasons[orphan.key] == ""
    assert "Changed by someone else" in reasons[changed.key]
    assert "already has an owner" in reasons[owned.key]
    assert "not a draft" in reasons[in_review.key]
    assert "You don't lead its team" in reasons[elsewhere.key]
    assert reasons["UC-999999"] == "There is no such use case."
    assert list(OwnershipRequest.objects.values_list("usecase", flat=True)) == [orphan.pk]
    assert stored(changed).title == "Changed"


def test_a_row_changed_between_the_confirm_page_and_confirming_is_refused(
    sign_in, org, orphans, contact
):
    client = sign_in("lead")
    page = client.post(URL, {"row": [u.key for u in orphans], "owner": contact.pk})
    carried = [r.selection for r in page.context["doable"]]
    assert carried == [row(u) for u in orphans]
    services.usecase_update(
        usecase=orphans[1],
        actor=org.member,
        data={"title": "Meanwhile"},
        expected_version=orphans[1].version,
    )

    response = client.post(URL, {"row": carried, "owner": contact.pk, "confirm": "1"})

    assert [r.done for r in response.context["rows"]] == [True, False, True]
    assert "Changed by someone else" in response.context["rows"][1].refusal
    assert not OwnershipRequest.objects.filter(usecase=orphans[1]).exists()


def test_a_lead_cannot_move_into_a_team_they_do_not_lead(sign_in, org, orphans):
    response = sign_in("lead").post(
        URL, {"row": [row(orphans[0])], "team": org.other_team.pk, "confirm": "1"}, follow=True
    )
    assert any("Choose one of the teams you lead" in m for m in messages_of(response))
    assert stored(orphans[0]).team == org.team


# -- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"owner": "PERSON"}, "Select at least one use case"),
        ({"row": ["ROW"]}, "Choose a person to ask, a team to move to, or both."),
        ({"row": ["ROW"], "owner": "999999"}, "Choose a person from the list"),
        ({"row": ["ROW"], "team": "nonsense"}, "Choose one of the teams you lead."),
    ],
)
def test_bad_input_changes_nothing(sign_in, orphans, contact, data, message):
    fill = {"PERSON": str(contact.pk), "ROW": row(orphans[0])}
    data = {
        key: [fill.get(v, v) for v in value] if isinstance(value, list) else fill.get(value, value)
        for key, value in data.items()
    }
    response = sign_in("lead").post(URL, {**data, "confirm": "1"}, follow=True)
    assert any(message in shown for shown in messages_of(response))
    assert not OwnershipRequest.objects.exists()
    assert stored(orphans[0]).version == orphans[0].version


def test_too_many_rows_are_refused_with_a_clear_message(sign_in, orphans, contact):
    selection = [f"UC-{n}:1" for n in range(1, services.BULK_LIMIT + 2)]
    response = sign_in("lead").post(URL, {"row": selection, "owner": contact.pk}, follow=True)
    assert any(f"at most {services.BULK_LIMIT}" in m for m in messages_of(response))


def test_a_get_is_not_allowed(sign_in):
    assert sign_in("lead").get(URL).status_code == 405


# -- Query budget ----------------------------------------------------------------------------------

BUDGET = 12


def test_the_confirm_page_costs_the_same_for_more_rows(
    sign_in, org, contact, django_assert_max_num_queries
):
    client = sign_in("lead")
    few = [make_imported(org=org, ref=f"F-{n}") for n in range(2)]
    many = few + [make_imported(org=org, ref=f"M-{n}") for n in range(30)]
    counts = []
    for selection in (few, many):
        with django_assert_max_num_queries(BUDGET) as captured:
            response = client.post(URL, {"row": [row(u) for u in selection], "owner": contact.pk})
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_list_costs_the_same_for_a_lead(sign_in, org, page_queries):
    client = sign_in("lead")
    for n in range(3):
        make_imported(org=org, ref=f"L-{n}")
    few = page_queries(client, "/usecases/", budget=18)
    for n in range(30):
        make_imported(org=org, ref=f"K-{n}")
    assert page_queries(client, "/usecases/", budget=18) == few
