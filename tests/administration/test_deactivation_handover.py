"""What a guided deactivation leaves behind: nothing. Handovers the leaver started fall back to a
successor, not to them; the open use cases they wrote get a new author (so the drafts show in
someone's My work); the teams they alone lead get a new lead; a successor deactivated meanwhile
is refused; a shared review queue is no holding, the last reviewer is warned about."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.urls import reverse

from administration import selectors
from administration.selectors import person_holdings
from administration.services import deactivation
from administration.services.deactivation import HandoverIncomplete, person_deactivate
from portfolio.choices import MembershipRole
from portfolio.models import AdminEvent, Membership
from tests.conftest import ROLES, make_usecase
from tests.factories import MembershipFactory, UserFactory, reviewer
from usecases import services
from usecases.choices import Status
from usecases.models import OwnershipTransfer, UseCase, UseCaseEvent
from usecases.selectors import my_work, usecase_timeline

User = get_user_model()


@pytest.fixture
def patched_deactivate(monkeypatch):
    """Replace the service the view calls with a fake; the test fails if the view never called
    it."""
    calls = []

    def install(fake):
        def counted(**kwargs):
            calls.append(kwargs)
            return fake(**kwargs)

        monkeypatch.setattr(deactivation, "person_deactivate", counted)

    yield install
    assert calls, "the patched person_deactivate never ran"


def deactivate_url(person):
    return reverse("administration:person_deactivate", args=[person.pk])


def _snapshot():
    """Everything a deactivation could change."""
    return (
        list(UseCase.objects.order_by("pk").values_list("pk", "owner", "author", "status")),
        list(Membership.objects.order_by("pk").values_list("pk", "user", "role")),
        list(
            OwnershipTransfer.objects.order_by("pk").values_list(
                "pk", "from_owner", "to_owner", "resolved_at"
            )
        ),
        sorted(User.objects.values_list("pk", "is_active")),
        AdminEvent.objects.count(),
        UseCaseEvent.objects.count(),
    )


# --- Handovers the leaver started ---------------------------------------------------------------


def test_a_decline_after_the_leaver_left_goes_to_the_successor_not_back_to_them(
    org, usecase_in, successor
):
    usecase = usecase_in("active")
    # Owen hands his use case to Mia; Owen leaves before Mia signs.
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=org.member)
    person_deactivate(person=org.owner, actor=org.admin, successor=successor)

    transfer = usecase.transfers.get(resolved_at__isnull=True)
    assert (transfer.from_owner, transfer.to_owner) == (successor, org.member)
    event = UseCaseEvent.objects.filter(usecase=usecase).latest("pk")
    assert "if Mia Member declines ownership, it goes to Sam Successor" in event.note

    services.usecase_decline_ownership(usecase=usecase, actor=org.member, reason="Not mine")
    usecase.refresh_from_db()
    assert usecase.owner == successor
    # Active under Owen's sign-off; or, once the decline asks a fallback who never signed to sign
    # off (the change to ``services.usecase_decline_ownership`` proposed with this), awaiting Sam's.
    assert usecase.status in (Status.ACTIVE, Status.AWAITING_SIGN_OFF)


def test_a_handover_to_the_successor_themselves_keeps_no_one_to_fall_back_to(
    org, usecase_in, successor
):
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=successor)
    person_deactivate(person=org.owner, actor=org.admin, successor=successor)
    transfer = usecase.transfers.get(resolved_at__isnull=True)
    assert transfer.from_owner == org.owner  # unchanged: a decline sends it to its author
    services.usecase_decline_ownership(usecase=usecase, actor=successor, reason="Not mine")
    usecase.refresh_from_db()
    assert (usecase.status, usecase.owner, usecase.author) == (Status.DRAFT, None, org.member)


def test_a_handover_per_row_choice_wins_over_the_default(org, usecase_in, successor):
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=org.member)
    person_deactivate(
        person=org.owner,
        actor=org.admin,
        successor=successor,
        handovers={usecase.pk: org.lead},
    )
    assert usecase.transfers.get(resolved_at__isnull=True).from_owner == org.lead


def test_a_handover_without_anyone_to_fall_back_to_changes_nothing(org, usecase_in):
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=org.member)
    before = _snapshot()
    with pytest.raises(HandoverIncomplete, match=f"to take {usecase.key} back"):
        person_deactivate(person=org.owner, actor=org.admin)
    assert _snapshot() == before


# --- What they wrote -----------------------------------------------------------------------------


def test_a_draft_they_wrote_without_an_owner_goes_to_the_successor_s_my_work(org, successor):
    draft = make_usecase(org=org, author=org.owner, owner=None, title="Orphan draft")
    person_deactivate(person=org.owner, actor=org.admin, successor=successor)
    draft.refresh_from_db()
    assert (draft.author, draft.owner, draft.status) == (successor, None, Status.DRAFT)
    assert [d.pk for d in my_work(successor).drafts] == [draft.pk]
    event = UseCaseEvent.objects.filter(usecase=draft).latest("pk")
    assert event.changes == {"author": ["Owen Owner", "Sam Successor"]}
    assert event.actor == org.admin
    # The timeline shows it as the registry's own change, not one made outside it.
    entries = usecase_timeline(draft)
    assert not [entry for entry in entries if entry.source == "outside"]


def test_what_they_wrote_and_someone_else_owns_goes_to_the_row_s_choice(org, successor):
    reviewing = make_usecase(org=org, author=org.owner, owner=org.lead, title="Theirs to own")
    services.usecase_submit(usecase=reviewing, actor=org.lead)
    draft = make_usecase(org=org, author=org.owner, owner=org.lead, title="Another")
    person_deactivate(
        person=org.owner,
        actor=org.admin,
        successor=successor,
        authors={draft.pk: org.member},
    )
    reviewing.refresh_from_db()
    draft.refresh_from_db()
    assert (reviewing.author, reviewing.status) == (successor, Status.IN_REVIEW)
    assert draft.author == org.member


def test_an_open_use_case_they_wrote_and_owned_gets_its_new_owner_as_author(org, successor):
    mine = make_usecase(org=org, author=org.owner, owner=org.owner, title="All mine")
    person_deactivate(
        person=org.owner,
        actor=org.admin,
        successor=successor,
        usecase_owners={mine.pk: org.lead},
    )
    mine.refresh_from_db()
    assert (mine.owner, mine.author) == (org.lead, org.lead)


def test_a_draft_they_wrote_without_anyone_to_take_it_changes_nothing(org):
    draft = make_usecase(org=org, author=org.owner, owner=None)
    before = _snapshot()
    with pytest.raises(HandoverIncomplete, match=f"{draft.key} as its author"):
        person_deactivate(person=org.owner, actor=org.admin)
    assert _snapshot() == before


def test_nothing_open_is_left_with_a_deactivated_author_or_owner(org, usecase_in, successor):
    """The acceptance rule, on varied data: a leader who owned, wrote and handed over."""
    owned = [usecase_in(status, title=status) for status in ("draft", "active", "in_review")]
    written = make_usecase(org=org, author=org.owner, owner=None, title="Orphan")
    handed = usecase_in("active", title="Handed")
    services.usecase_transfer_ownership(usecase=handed, actor=org.owner, new_owner=org.member)
    person_deactivate(person=org.owner, actor=org.admin, successor=successor)
    open_statuses = selectors.AUTHORED_OPEN
    assert not UseCase.objects.filter(owner__is_active=False).exists()
    assert not UseCase.objects.filter(author__is_active=False, status__in=open_statuses).exists()
    assert len(owned) == UseCase.objects.filter(owner=successor).count()
    assert written.pk in {d.pk for d in my_work(successor).drafts}


# --- Teams they lead -----------------------------------------------------------------------------


def test_the_only_lead_leaving_makes_the_successor_lead(org, successor):
    person_deactivate(person=org.lead, actor=org.admin, successor=successor)
    roles = dict(Membership.objects.filter(team=org.team).values_list("user__username", "role"))
    assert roles == {"mia": "member", "leo": "member", "sam": "lead"}
    actions = list(AdminEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["membership.added", "membership.role_changed", "user.deactivated"]
    added = AdminEvent.objects.get(action="membership.added")
    assert (added.details["person"], added.details["role"]) == ("Sam Successor", "lead")


def test_a_member_can_be_chosen_as_the_new_lead(org, successor):
    person_deactivate(
        person=org.lead, actor=org.admin, successor=successor, team_leads={org.team.pk: org.member}
    )
    roles = dict(Membership.objects.filter(team=org.team).values_list("user__username", "role"))
    assert roles == {"mia": "lead", "leo": "member"}


def test_a_team_can_be_left_without_a_lead_on_purpose(org, successor):
    person_deactivate(
        person=org.lead, actor=org.admin, successor=successor, team_leads={org.team.pk: None}
    )
    assert Membership.objects.get(team=org.team, user=org.lead).role == MembershipRole.LEAD
    assert not Membership.objects.filter(team=org.team, user=successor).exists()


def test_a_team_with_another_active_lead_needs_no_new_one(org, successor):
    MembershipFactory(team=org.team, user=successor, role=MembershipRole.LEAD)
    assert person_holdings(org.lead).led_teams == []
    person_deactivate(person=org.lead, actor=org.admin)
    assert not AdminEvent.objects.filter(action__startswith="membership.").exists()


def test_the_only_lead_leaving_without_a_choice_changes_nothing(org):
    before = _snapshot()
    with pytest.raises(HandoverIncomplete, match="to lead Claims Processing"):
        person_deactivate(person=org.lead, actor=org.admin)
    assert _snapshot() == before


# --- Successors as they are now ------------------------------------------------------------------


def test_a_successor_deactivated_since_the_page_was_loaded_is_refused(org, usecase_in, successor):
    usecase = usecase_in("active")
    loaded = User.objects.get(pk=successor.pk)  # as the form cleaned it
    User.objects.filter(pk=successor.pk).update(is_active=False)
    assert loaded.is_active
    before = _snapshot()
    with pytest.raises(HandoverIncomplete, match="Sam Successor's account is deactivated"):
        person_deactivate(person=org.owner, actor=org.admin, usecase_owners={usecase.pk: loaded})
    assert _snapshot() == before


def test_the_leaver_cannot_be_their_own_successor(org, usecase_in):
    usecase_in("active")
    with pytest.raises(HandoverIncomplete, match="someone other than Owen Owner"):
        person_deactivate(person=org.owner, actor=org.admin, successor=org.owner)


# --- The page ------------------------------------------------------------------------------------


def test_the_page_offers_every_row_and_says_where_a_decline_goes(as_user, org, usecase_in):
    handed = usecase_in("active", title="Handed over")
    services.usecase_transfer_ownership(usecase=handed, actor=org.owner, new_owner=org.member)
    written = make_usecase(org=org, author=org.owner, owner=None, title="Orphan draft")
    MembershipFactory(team=org.team, user=org.owner, role=MembershipRole.LEAD)
    Membership.objects.filter(user=org.lead).update(role=MembershipRole.MEMBER)
    text = as_user(org.admin).get(deactivate_url(org.owner)).text
    assert "falls back to them" not in text
    assert "goes to the person chosen here, not back to Owen Owner" in text
    assert f'name="handover_{handed.pk}"' in text
    assert f'name="author_{written.pk}"' in text
    assert f'name="lead_{org.team.pk}"' in text
    assert "New lead of Claims Processing" in text
    # Suggestions come from the team, once.
    assert text.count(f'<datalist id="team-{org.team.pk}-people">') == 1
    assert f'list="team-{org.team.pk}-people"' in text


def test_the_admin_hands_everything_over_through_the_page(
    as_user, org, usecase_in, successor, django_capture_on_commit_callbacks
):
    handed = usecase_in("active", title="Handed over")
    services.usecase_transfer_ownership(usecase=handed, actor=org.owner, new_owner=org.member)
    written = make_usecase(org=org, author=org.owner, owner=None, title="Orphan draft")
    owned = usecase_in("draft", title="Owned")
    MembershipFactory(team=org.team, user=org.owner, role=MembershipRole.LEAD)
    Membership.objects.filter(user=org.lead).update(role=MembershipRole.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(org.admin).post(
            deactivate_url(org.owner),
            {
                "default_owner": successor.pk,
                f"handover_{handed.pk}": "Leo Lead (leo)",  # as the suggestion list shows it
                f"author_{written.pk}": "MIA",  # usernames are matched without case
                f"lead_{org.team.pk}": org.member.pk,
            },
            follow=True,
        )
    assert response.status_code == 200
    assert "Owen Owner (owen) is deactivated." in response.text
    assert "Mia Member (mia) now leads Claims Processing." in response.text
    assert handed.transfers.get(resolved_at__isnull=True).from_owner == org.lead
    assert UseCase.objects.get(pk=written.pk).author == org.member
    assert UseCase.objects.get(pk=owned.pk).owner == successor
    assert Membership.objects.get(team=org.team, user=org.member).role == MembershipRole.LEAD
    assert Membership.objects.get(team=org.team, user=org.owner).role == MembershipRole.MEMBER


def test_leaving_a_team_without_a_lead_is_an_explicit_choice_on_the_page(as_user, org, successor):
    client = as_user(org.admin)
    before = _snapshot()
    response = client.post(deactivate_url(org.lead), {"default_owner": ""})
    assert response.status_code == 400
    assert "Choose a new lead for Claims Processing" in response.text
    assert _snapshot() == before
    response = client.post(deactivate_url(org.lead), {f"lead_{org.team.pk}": "none"}, follow=True)
    assert "Claims Processing has no lead for now." in response.text
    org.lead.refresh_from_db()
    assert not org.lead.is_active
    assert Membership.objects.get(team=org.team, user=org.lead).role == MembershipRole.LEAD


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("nobody-here", "Nobody active has the username “nobody-here”."),
        ("owen", "Choose someone other than the person leaving."),
        ("gus", "Nobody active has the username “gus”."),  # deactivated
    ],
)
def test_a_bad_username_gets_a_clear_message_and_changes_nothing(
    as_user, org, usecase_in, successor, typed, message
):
    UserFactory(username="gus", is_active=False)
    usecase = usecase_in("active")
    before = _snapshot()
    response = as_user(org.admin).post(
        deactivate_url(org.owner), {"default_owner": successor.pk, f"usecase_{usecase.pk}": typed}
    )
    assert response.status_code == 400
    assert message in response.text
    assert _snapshot() == before


def test_a_successor_deactivated_since_the_page_was_loaded_is_no_longer_offered(
    as_user, org, usecase_in, successor
):
    usecase_in("active")
    client = as_user(org.admin)
    assert f'<option value="{successor.pk}">' in client.get(deactivate_url(org.owner)).text
    User.objects.filter(pk=successor.pk).update(is_active=False)  # by another admin
    before = _snapshot()
    response = client.post(deactivate_url(org.owner), {"default_owner": successor.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert _snapshot() == before


def test_a_lost_race_for_locks_is_a_conflict_with_a_clear_message(
    as_user, org, usecase_in, successor, patched_deactivate
):
    usecase_in("active")

    class DeadlockDetected(Exception):
        sqlstate = "40P01"

    def deadlock(**kwargs):
        try:
            raise DeadlockDetected("deadlock detected")
        except DeadlockDetected as cause:
            raise OperationalError("deadlock detected") from cause

    patched_deactivate(deadlock)
    before = _snapshot()
    response = as_user(org.admin).post(deactivate_url(org.owner), {"default_owner": successor.pk})
    assert response.status_code == 409
    assert "Someone else changed these people or what they hold at the same moment" in (
        response.text
    )
    assert "nothing was changed" in response.text
    assert _snapshot() == before


def test_other_database_errors_are_not_hidden(
    as_user, org, usecase_in, successor, patched_deactivate
):
    usecase_in("active")

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    patched_deactivate(broken)
    with pytest.raises(OperationalError):
        as_user(org.admin).post(deactivate_url(org.owner), {"default_owner": successor.pk})


def test_a_refusal_from_the_service_is_shown_as_a_conflict(
    as_user, org, usecase_in, successor, patched_deactivate
):
    usecase_in("active")

    def refuse(**kwargs):
        raise HandoverIncomplete("Sam Successor's account is deactivated; choose someone else.")

    patched_deactivate(refuse)
    response = as_user(org.admin).post(deactivate_url(org.owner), {"default_owner": successor.pk})
    assert response.status_code == 409
    assert "account is deactivated; choose someone else. Nothing was changed." in response.text


# --- Reviews -------------------------------------------------------------------------------------


def test_the_page_warns_about_the_last_reviewer_and_informs_otherwise(as_user, org, usecase_in):
    usecase_in("in_review")
    client = as_user(org.admin)
    text = client.get(deactivate_url(org.reviewer)).text
    assert "They are the last active reviewer" in text
    reviewer(username="ray")
    text = client.get(deactivate_url(org.reviewer)).text
    assert "last active reviewer" not in text
    assert "Reviews are a shared queue" in text
    # Nothing to hand over: the reviewer leaves with the form as it comes.
    response = client.post(deactivate_url(org.reviewer), {})
    assert response.status_code == 302, re.findall(r'role="alert">(.*?)</', response.text)
    org.reviewer.refresh_from_db()
    assert not org.reviewer.is_active


# --- Permissions and escaping --------------------------------------------------------------------


def test_an_admin_who_is_not_a_superuser_cannot_deactivate_a_superuser(as_user, org):
    root = UserFactory(username="root", is_superuser=True)
    client = as_user(org.admin)
    assert client.get(deactivate_url(root)).status_code == 403
    assert client.post(deactivate_url(root), {}).status_code == 403
    root.refresh_from_db()
    assert root.is_active


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_hand_over_through_the_page(as_role, org, successor, role):
    draft = make_usecase(org=org, author=org.owner, owner=None)
    response = as_role(role).post(deactivate_url(org.owner), {"default_owner": successor.pk})
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role == "admin":
        assert response.status_code == 302
    else:
        assert response.status_code == 403
    draft.refresh_from_db()
    assert (draft.author == successor) == (role == "admin")


def test_names_and_titles_are_escaped(as_user, org, successor):
    mallory = UserFactory(username="mallory", first_name="<b>Mal</b>", last_name="Lory")
    MembershipFactory(team=org.team, user=mallory)
    usecase = make_usecase(org=org, author=org.owner, owner=mallory, title="<script>x</script>")
    text = as_user(org.admin).get(deactivate_url(org.owner)).text
    assert "<script>x</script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    assert "<b>Mal</b>" not in text
    assert re.search(r"&lt;b&gt;Mal&lt;/b&gt;", text)
    assert f'name="author_{usecase.pk}"' in text


def test_the_reads_have_a_fixed_query_count(org, usecase_in, django_assert_max_num_queries):
    for status in ("draft", "active"):
        usecase_in(status)
    with django_assert_max_num_queries(10):
        holdings = person_holdings(org.owner)
    assert {u.status for u in holdings.owned} == {Status.DRAFT, Status.ACTIVE}


def test_whoever_a_declined_handover_falls_back_to_does_not_keep_its_evidence(
    org, usecase_in, successor
):
    """Owen hands his measured use case to Mia and leaves; Sam is named to take it back if Mia
    declines. Sam signed nothing: he may not delete readings or choose recorders. Owen's sign-off
    no longer counts either (he left), so Mia, about to sign, keeps the evidence."""
    from usecases import permissions

    usecase = usecase_in("active", metric_name="Claims decided within 10 days (%)")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=org.member)
    person_deactivate(person=org.owner, actor=org.admin, successor=successor)
    current = UseCase.objects.get(pk=usecase.pk)
    assert current.transfers.get(resolved_at__isnull=True).from_owner == successor
    assert current.evidence_keeper_id == org.member.pk
    assert not permissions.can_manage_recorders(successor, current)
    assert not permissions.can_record_measurement(successor, current)
