"""A person's role facts (groups and team roles), which every page reads: one query per request
for all the questions a page asks, archived teams left out, and read afresh when forgotten."""

import pytest
from django.contrib.auth import get_user_model

from portfolio import permissions
from portfolio.choices import MembershipRole
from tests.factories import MembershipFactory, TeamFactory, UserFactory, admin_user, reviewer

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The person as a new request reads them: nothing known yet."""
    return get_user_model().objects.get(pk=user.pk)


def test_groups_and_roles_in_live_teams_are_read_in_one_query(django_assert_num_queries):
    person = reviewer()
    led, joined, archived = TeamFactory(), TeamFactory(), TeamFactory(is_archived=True)
    MembershipFactory(user=person, team=led, role=MembershipRole.LEAD)
    MembershipFactory(user=person, team=joined)
    MembershipFactory(user=person, team=archived, role=MembershipRole.LEAD)
    MembershipFactory(team=led)  # someone else's membership is not theirs
    person = _fresh(person)
    with django_assert_num_queries(1):
        assert permissions.is_reviewer(person)
        assert not permissions.is_admin(person)
        assert permissions.team_roles(person) == {
            led.pk: MembershipRole.LEAD,
            joined.pk: MembershipRole.MEMBER,
        }
        assert permissions.is_lead(person, led.pk)
        assert not permissions.is_lead(person, joined.pk)
        assert not permissions.is_member(person, archived.pk)


def test_each_person_reads_their_own_facts():
    """The query is compiled once per process: the next person's key is put in, not the first's."""
    first, second = admin_user(), UserFactory()
    team = TeamFactory()
    MembershipFactory(user=second, team=team, role=MembershipRole.LEAD)
    assert permissions.is_admin(_fresh(first))
    assert permissions.team_roles(_fresh(first)) == {}
    second = _fresh(second)
    assert not permissions.is_admin(second)
    assert permissions.team_roles(second) == {team.pk: MembershipRole.LEAD}


def test_forgotten_facts_are_read_again():
    person = _fresh(UserFactory())
    assert permissions.team_roles(person) == {}
    team = TeamFactory()
    MembershipFactory(user=person, team=team)
    assert permissions.team_roles(person) == {}  # kept for the request
    permissions.forget_role_facts(person)
    assert permissions.team_roles(person) == {team.pk: MembershipRole.MEMBER}


def test_a_person_deleted_meanwhile_has_no_roles():
    person = reviewer()
    MembershipFactory(user=person)
    stale = _fresh(person)
    get_user_model().objects.filter(pk=person.pk).delete()
    assert permissions.team_roles(stale) == {}
    assert not permissions.is_reviewer(stale)
