"""Who may record a use case's measurements, chosen by its owner among a large team: the panel
carries the first members by name and those allowed now, and past that a search of the team's
members (with JavaScript) or a name typed into the box and posted (without); its page weighs the
same with ten members or three hundred."""

import re

import pytest
from django.contrib.auth import get_user_model

from portfolio.models import Membership
from tests.conftest import ROLES
from tests.usecases.views.test_evidence_views import METRIC, recorders_url
from usecases import services
from usecases.choosers.kinds import FOUND, SHOWN
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

User = get_user_model()

BOX = re.compile(
    r'<input type="checkbox" name="recorders" value="(\d+)" id="evidence-recorders_\d+"( checked)?>'
)


@pytest.fixture
def measured(usecase_in):
    return usecase_in("active", **METRIC)


def _members(team, count: int, *, prefix: str = "Zed") -> list:
    """``count`` more active members of ``team``, named to sort after the fixture's people."""
    start = User.objects.count()
    people = User.objects.bulk_create(
        User(username=f"z{start + n}", first_name=prefix, last_name=f"Member {start + n:05d}")
        for n in range(count)
    )
    Membership.objects.bulk_create(Membership(team=team, user=person) for person in people)
    return people


def _search_url(usecase, q: str, *ticked) -> str:
    chosen = "".join(f"&recorders={pk}" for pk in ticked)
    return (
        f"/choose/people/?scope=recorders&usecase={usecase.key}&name=recorders"
        f"&id=evidence-recorders&key=pk&multiple=1&q={q}{chosen}"
    )


def recorders_panel(page: bytes) -> bytes:
    """The owner's boxes and search box, without the form's CSRF token."""
    found = re.search(rb'<div class="checkbox-list">.*?</fieldset>', page, re.DOTALL)
    assert found, "no tick boxes of who may record"
    return found.group(0)


def _boxes(page: str) -> list[tuple[int, bool]]:
    return [(int(pk), bool(ticked)) for pk, ticked in BOX.findall(page)]


def test_a_large_team_shows_the_first_members_the_allowed_ones_and_a_search(as_user, org, measured):
    """With more members than a chooser carries: the first ``SHOWN`` by name, and an allowed
    member far down the list too (ticked, so saving the boxes as drawn keeps them), and a search
    box asking for this use case's team."""
    people = _members(org.team, SHOWN + 30)
    far_down = people[-1]
    services.measurement_recorders_set(usecase=measured, actor=org.owner, users=[far_down])
    client = as_user(org.owner)
    page = client.get(measured.get_absolute_url()).text

    boxes = _boxes(page)
    assert len(boxes) == SHOWN + 1
    assert (far_down.pk, True) in boxes
    assert [pk for pk, ticked in boxes if ticked] == [far_down.pk]
    assert org.owner.pk not in [pk for pk, _ in boxes]
    assert f"scope=recorders&amp;usecase={measured.key}" in page
    assert 'name="recorders_search"' in page

    # Saved as drawn: who may record stays as it was.
    ticked = [pk for pk, is_ticked in boxes if is_ticked]
    assert client.post(recorders_url(measured), {"recorders": ticked}).status_code == 302
    assert list(UseCase.objects.get(pk=measured.pk).measurement_recorders.all()) == [far_down]


def test_a_small_team_shows_every_member_and_no_search(as_user, org, measured):
    page = as_user(org.owner).get(measured.get_absolute_url()).text
    others = measured.team.memberships.exclude(user=org.owner).values_list("user_id", flat=True)
    assert sorted(pk for pk, _ in _boxes(page)) == sorted(others)
    assert 'name="recorders_search"' not in page


def test_the_owners_page_weighs_the_same_with_a_few_more_members_than_shown_or_three_hundred(
    as_user, org, measured, page_queries
):
    client = as_user(org.owner)
    _members(org.team, SHOWN + 5)
    small = page_queries(client, measured.get_absolute_url(), budget=20)
    small_page = client.get(measured.get_absolute_url()).content
    _members(org.team, 300)
    assert page_queries(client, measured.get_absolute_url(), budget=20) == small
    # The same boxes (the first by name), byte for byte, and a page of the same size (its
    # CSRF token and nonces differ from one answer to the next): the three hundred are a search
    # away.
    large_page = client.get(measured.get_absolute_url()).content
    assert recorders_panel(large_page) == recorders_panel(small_page)
    assert len(large_page) == len(small_page)


def test_a_search_keeps_every_ticked_member_however_many(as_user, org, measured):
    """The boxes ticked when the owner searches come back ticked, all of them, ahead of what
    the search finds: saving after a search never drops someone allowed."""
    people = _members(org.team, SHOWN + 10)
    ticked = people[: FOUND + 5]
    html = (
        as_user(org.owner)
        .get(_search_url(measured, "nobody-matches", *(person.pk for person in ticked)))
        .text
    )
    assert _boxes(html) == [(person.pk, True) for person in ticked]


def test_during_a_handover_the_outgoing_owner_may_allow_the_incoming_one(as_user, org, measured):
    """Who keeps the evidence while ownership is handed over is the outgoing owner: they are
    not offered to themselves, and the incoming owner, a member of the team, is, and may be
    allowed."""
    services.usecase_transfer_ownership(usecase=measured, actor=org.lead, new_owner=org.member)
    outgoing = as_user(org.owner)
    boxes = [pk for pk, _ in _boxes(outgoing.get(measured.get_absolute_url()).text)]
    assert org.member.pk in boxes
    assert org.owner.pk not in boxes
    search = outgoing.get(_search_url(measured, org.member.username)).text
    assert f'value="{org.member.pk}"' in search

    assert outgoing.post(recorders_url(measured), {"recorders": [org.member.pk]}).status_code == 302
    assert list(UseCase.objects.get(pk=measured.pk).measurement_recorders.all()) == [org.member]


def test_the_search_finds_the_teams_active_members_but_the_owner(as_user, org, measured):
    """Only who may be allowed: not the owner, not someone outside the team, not a deactivated
    member; the ticked ones kept first."""
    people = _members(org.team, SHOWN + 5, prefix="Quentin")
    gone = people[0]
    User.objects.filter(pk=gone.pk).update(is_active=False)
    outsider = _members(org.other_team, 1, prefix="Quentin")[0]
    html = as_user(org.owner).get(_search_url(measured, "quentin", people[3].pk)).text
    found = [int(pk) for pk in re.findall(r'name="recorders" value="(\d+)"', html)]
    assert found[0] == people[3].pk
    assert f'value="{people[3].pk}" id="evidence-recorders_0" checked' in html
    assert len(found) == 1 + FOUND
    assert gone.pk not in found and outsider.pk not in found
    assert org.owner.pk not in found

    owner_search = as_user(org.owner).get(_search_url(measured, org.owner.username)).text
    assert f'value="{org.owner.pk}"' not in owner_search
    assert "No person matches" in owner_search


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_searches_who_may_record(as_role, org, measured, role):
    response = as_role(role).get(_search_url(measured, "mia"))
    if role == "anonymous":
        assert response.status_code == 302
    elif role == "owner":
        assert response.status_code == 200
        assert org.member.username in response.text
    else:
        assert response.status_code == 403


def test_an_unknown_use_case_is_not_found(as_user, org, measured):
    client = as_user(org.owner)
    assert client.get(_search_url(UseCase(number=999_999), "mia")).status_code == 404
    url = _search_url(measured, "mia").replace(measured.key, "nonsense")
    assert client.get(url).status_code == 404


def test_without_javascript_a_typed_username_allows_that_member(as_user, org, measured):
    """Typed into the search box and posted with the boxes: the member it names is allowed too;
    a name outside the team is refused and nothing changes."""
    person = _members(org.team, SHOWN + 5)[-1]
    client = as_user(org.owner)
    response = client.post(
        recorders_url(measured), {"recorders": [org.member.pk], "recorders_search": person.username}
    )
    assert response.status_code == 302
    allowed = UseCase.objects.get(pk=measured.pk).measurement_recorders.all()
    assert sorted(p.pk for p in allowed) == sorted([org.member.pk, person.pk])

    response = client.post(
        recorders_url(measured),
        {"recorders": [org.member.pk], "recorders_search": org.non_member.username},
    )
    assert response.status_code == 400
    assert "No person here matches" in response.text
    # Drawn again as posted, open: the box as ticked, the name as typed.
    assert '<details class="evidence-recorders" open>' in response.text
    assert re.search(rf'name="recorders" value="{org.member.pk}"[^>]* checked>', response.text)
    assert (
        f'name="recorders_search" id="evidence-recorders_search" value="{org.non_member.username}"'
        in response.text
    )
    allowed = UseCase.objects.get(pk=measured.pk).measurement_recorders.all()
    assert sorted(p.pk for p in allowed) == sorted([org.member.pk, person.pk])
