"""My work, the home page after sign-in: each section per role, the empty states and the welcome,
the "see all" links against the lists they open, and a query budget that does not grow with the
registry. State is built through the services; only time (expiry and measurement dates) is moved."""

import re
from datetime import timedelta

import pytest
from django.db.models import Case, F, Q, When
from django.urls import resolve, reverse
from django.utils import timezone

from portfolio.choices import MembershipRole
from tests.conftest import ROLES, make_usecase
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from usecases import evidence, services
from usecases.choices import NotificationKind, Status
from usecases.models import Notification, SignOff, UseCase
from usecases.selectors.my_work import (
    MY_WORK_ROWS,
    attestation_due_before,
    my_work,
    sign_off_work_for,
)

pytestmark = pytest.mark.django_db

URL = "/"
# The queries My work takes, whatever the registry's size: a reviewer's page reads the review
# queue too (its list and count), and a member of a team asks what it may create.
BUDGETS = {"reviewer": 15, "member": 14, "lead": 14, "owner": 13, "non_member": 13, "admin": 13}


def section(response, name) -> str:
    """The HTML of one section of the page (its id), to look for text in that section alone."""
    html = response.content.decode()
    match = re.search(rf'<section [^>]*id="{name}".*?</section>', html, re.S)
    assert match, f"no section #{name}"
    return match.group(0)


def has_section(response, name) -> bool:
    return f'id="{name}"' in response.content.decode()


def lapse(usecase, *, days_ahead):
    """Let time pass: the current sign-off lapses ``days_ahead`` days from now (negative: ago)."""
    expires = timezone.now() + timedelta(days=days_ahead)
    current = SignOff.objects.get(usecase=usecase, superseded_at__isnull=True)
    SignOff.objects.filter(pk=current.pk).update(
        signed_at=expires - timedelta(days=180), expires_at=expires
    )
    UseCase.objects.filter(pk=usecase.pk).update(attestation_expires_at=expires)


# A success metric: only a use case with one can have stale evidence.
METRIC = {"metric_name": "Claims decided within 10 days (%)"}


def signed(usecase, *, days_ago):
    """The use case was signed off (first and only time) ``days_ago`` days ago."""
    at = timezone.now() - timedelta(days=days_ago)
    SignOff.objects.filter(usecase=usecase).update(signed_at=at)
    UseCase.objects.filter(pk=usecase.pk).update(signed_off_at=at)


def measured(usecase, *, days_ago):
    """The use case's newest measurement was taken ``days_ago`` days ago."""
    UseCase.objects.filter(pk=usecase.pk).update(
        last_measured_on=timezone.localdate() - timedelta(days=days_ago)
    )


# -- The address, and who may open it --------------------------------------------------------------


def test_my_work_is_the_site_root():
    assert reverse("usecases:my_work") == URL
    assert resolve(URL).view_name == "usecases:my_work"


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_everyone_signed_in_has_their_own(as_role, role):
    response = as_role(role).get(URL)
    assert response.status_code == 200
    assert response.context["work"] is not None


def test_signing_in_lands_on_my_work(client, org):
    response = client.post("/accounts/login/", {"username": "mia", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == URL
    assert client.get(response.url).templates[0].name == "usecases/my_work.html"


def test_nav_lists_my_work_first_and_marks_it_current(as_user, org):
    page = as_user(org.member).get(URL).content.decode()
    links = re.findall(r'<ul class="nav-links">\s*<li><a href="([^"]+)"\s*([^>]*)>([^<]+)<', page)
    assert links == [("/", 'aria-current="page"', "My work")]
    other = as_user(org.member).get("/usecases/").content.decode()
    assert re.search(r'href="/"\s*>My work<', other)


def test_an_htmx_refresh_gets_the_sections_alone(as_user, org):
    response = as_user(org.member).get(URL, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="my-work"' in response.text
    assert 'hx-trigger="usecaseChanged from:body, inboxChanged from:body"' in response.text
    assert "<nav" not in response.text
    assert "HX-Request" in response["Vary"]


# -- My drafts ---------------------------------------------------------------------------------------


def test_author_sees_their_drafts_with_what_is_missing(as_user, org):
    complete = make_usecase(org=org, title="Complete draft")
    incomplete = make_usecase(org=org, title="Half a draft", who="", goals=[], owner=None)
    make_usecase(org=org, author=org.lead, title="Someone else's draft")
    submitted = services.usecase_submit(
        usecase=make_usecase(org=org, title="Submitted one"), actor=org.lead
    )

    response = as_user(org.member).get(URL)
    drafts = section(response, "my-drafts")
    assert 'My drafts <span class="muted">(2)</span>' in drafts
    assert "Complete draft" in drafts and "Half a draft" in drafts
    assert "Someone else" not in drafts
    assert submitted.title not in drafts
    assert "Missing: Who, Owner, at least one goal" in drafts
    rows = {uc.pk: uc for uc in response.context["work"].drafts}
    assert rows[complete.pk].missing == []
    assert rows[incomplete.pk].missing == ["Who", "Owner", "at least one goal"]
    assert "Ready for review" in drafts
    assert 'href="/usecases/?status=draft&amp;author=mia"' in drafts


def test_a_draft_sent_back_by_a_reviewer_says_changes_were_requested(as_user, org):
    draft = services.usecase_submit(usecase=make_usecase(org=org), actor=org.lead)
    services.usecase_request_changes(usecase=draft, actor=org.reviewer, comment="Name a source.")
    drafts = section(as_user(org.member).get(URL), "my-drafts")
    assert "Changes requested" in drafts


def test_drafts_are_capped_newest_first_and_see_all_lists_the_same_number(as_user, org):
    titles = [f"Draft number {n}" for n in range(MY_WORK_ROWS + 2)]
    for title in titles:
        make_usecase(org=org, title=title)
    client = as_user(org.member)
    work = client.get(URL).context["work"]
    assert work.drafts_total == len(titles)
    assert [uc.title for uc in work.drafts] == titles[::-1][:MY_WORK_ROWS]
    listed = client.get("/usecases/", {"status": "draft", "author": "mia"})
    assert listed.context["page"].paginator.count == work.drafts_total


def test_drafts_empty_state_says_how_to_start(as_user, org):
    drafts = section(as_user(org.member).get(URL), "my-drafts")
    assert "You have no drafts." in drafts
    assert "New use case" in drafts


# -- Reviews waiting for me ---------------------------------------------------------------------


def test_reviewer_sees_what_waits_for_their_review(as_user, org):
    waiting = services.usecase_submit(
        usecase=make_usecase(org=org, title="Please review me"), actor=org.lead
    )
    make_usecase(org=org, title="Still a draft")
    reviews = section(as_user(org.reviewer).get(URL), "my-reviews")
    assert 'Waiting for your review <span class="muted">(1)</span>' in reviews
    assert waiting.key in reviews and "Please review me" in reviews
    assert "Still a draft" not in reviews
    assert 'href="/reviews/"' in reviews


def test_reviewer_does_not_see_their_own_use_case_waiting(as_user, org):
    MembershipFactory(team=org.team, user=org.reviewer)
    services.usecase_submit(
        usecase=make_usecase(org=org, author=org.reviewer, title="Mine"), actor=org.lead
    )
    response = as_user(org.reviewer).get(URL)
    assert response.context["work"].reviews_total == 0
    assert "Nothing waits for your review." in section(response, "my-reviews")


@pytest.mark.parametrize("role", ["member", "lead", "owner", "admin", "non_member"])
def test_only_reviewers_have_a_reviews_section(as_role, org, role):
    services.usecase_submit(usecase=make_usecase(org=org), actor=org.lead)
    response = as_role(role).get(URL)
    assert not has_section(response, "my-reviews")
    assert response.context["work"].reviews is None


# -- Sign-offs waiting for me ---------------------------------------------------------------------


def test_owner_sees_approved_use_cases_waiting_for_their_sign_off(as_user, org, usecase_in):
    approved = usecase_in("awaiting_sign_off", title="Sign me")
    usecase_in("in_review", title="Not yet approved")
    response = as_user(org.owner).get(URL)
    sign_offs = section(response, "my-sign-offs")
    assert 'Waiting for your sign-off <span class="muted">(1)</span>' in sign_offs
    assert approved.key in sign_offs and "Approved" in sign_offs
    assert "Not yet approved" not in sign_offs
    assert 'href="/sign-offs/"' in sign_offs
    # Someone else named nothing: empty.
    other = section(as_user(org.member).get(URL), "my-sign-offs")
    assert "Nothing waits for your sign-off." in other


def test_a_transfer_shows_as_ownership_handed_to_you(as_user, org, usecase_in):
    active = usecase_in("active", title="Hand me over")
    services.usecase_transfer_ownership(usecase=active, actor=org.owner, new_owner=org.lead)
    sign_offs = section(as_user(org.lead).get(URL), "my-sign-offs")
    assert "Hand me over" in sign_offs
    assert "Ownership handed to you" in sign_offs


# -- My use cases needing attention -------------------------------------------------------------


def test_owner_sees_attestations_due_and_stale_evidence(as_user, org, usecase_in):
    overdue = usecase_in("active", title="Lapsed last week")
    lapse(overdue, days_ahead=-7)
    measured(overdue, days_ago=5)
    due = usecase_in("active", title="Lapses soon")
    lapse(due, days_ahead=10)
    measured(due, days_ago=5)
    stale = usecase_in("active", title="Measured long ago", **METRIC)
    measured(stale, days_ago=120)
    never = usecase_in("active", title="Never measured", **METRIC)
    signed(never, days_ago=100)
    fine = usecase_in("active", title="In good order", **METRIC)
    measured(fine, days_ago=30)
    # Never measured either, but signed off only last week: nothing could have been due yet.
    signed(usecase_in("active", title="Signed last week", **METRIC), days_ago=7)
    # Nothing to measure: no metric, so never stale.
    signed(usecase_in("active", title="No metric"), days_ago=300)

    response = as_user(org.owner).get(URL)
    work = response.context["work"]
    attention = section(response, "my-attention")
    assert [uc.pk for uc in work.attention] == [overdue.pk, due.pk, never.pk, stale.pk]
    assert (work.attention_total, work.attestations_due_total, work.evidence_stale_total) == (
        4,
        2,
        2,
    )
    assert work.owned_active_total == 7
    assert 'My use cases needing attention <span class="muted">(4)</span>' in attention
    assert "Attestation overdue" in attention
    assert "Attestation due" in attention
    assert attention.count("Evidence stale") == 2
    assert attention.count("last measured") == 1  # the other was never measured
    assert "In good order" not in attention
    assert "Signed last week" not in attention
    assert "No metric" not in attention
    # The evidence status badge of each row.
    assert attention.count('class="badge badge-neutral">No measurements</span>') == 4
    # A one-click re-attest for the two due, coming back here.
    assert attention.count("Re-attest<") == 2
    assert f'action="/usecases/{due.key}/reattest/"' in attention
    assert 'name="next" value="/"' in attention
    # "See all" opens the list of what they own, with the same number.
    assert 'href="/usecases/?status=active&amp;owner=owen"' in attention
    listed = as_user(org.owner).get("/usecases/", {"status": "active", "owner": "owen"})
    assert listed.context["page"].paginator.count == work.owned_active_total


def test_re_attesting_does_not_restart_the_clock_on_a_never_measured_metric(
    as_user, org, usecase_in
):
    usecase = usecase_in("active", title="Never measured, re-attested", **METRIC)
    signed(usecase, days_ago=170)
    assert my_work(org.owner).evidence_stale_total == 1
    current = UseCase.objects.get(pk=usecase.pk)
    services.usecase_reattest(usecase=current, actor=org.owner, expected_version=current.version)
    work = my_work(org.owner)
    assert work.evidence_stale_total == 1
    assert work.attention[0].evidence_stale
    detail = as_user(org.owner).get(f"/usecases/{usecase.key}/").content.decode()
    assert 'id="evidence-stale"' in detail


def test_the_stale_window_follows_the_setting(as_user, org, usecase_in, settings):
    usecase = usecase_in("active", **METRIC)
    measured(usecase, days_ago=20)
    assert my_work(org.owner).attention == []
    settings.EVIDENCE_STALE_DAYS = 10
    work = my_work(org.owner)
    assert [uc.pk for uc in work.attention] == [usecase.pk]
    assert work.attention[0].evidence_stale and not work.attention[0].attestation_due


def test_re_attesting_from_my_work_comes_back_here(as_user, org, usecase_in):
    usecase = usecase_in("active")
    lapse(usecase, days_ahead=3)
    measured(usecase, days_ago=1)
    client = as_user(org.owner)
    response = client.post(
        f"/usecases/{usecase.key}/reattest/", {"version": usecase.version, "next": URL}
    )
    assert response.status_code == 302
    assert response.url == URL
    assert client.get(URL).context["work"].attention == []


def test_attention_empty_states(as_user, org, usecase_in):
    assert "You own no active use case yet." in section(as_user(org.owner).get(URL), "my-attention")
    measured(usecase_in("active"), days_ago=1)
    assert "Your use cases are in order." in section(as_user(org.owner).get(URL), "my-attention")


def test_retired_and_other_peoples_use_cases_need_no_attention(as_user, org, usecase_in):
    usecase_in("retired")
    handed_over = services.usecase_transfer_ownership(
        usecase=usecase_in("active"), actor=org.owner, new_owner=org.lead
    )
    lead_owned = services.usecase_sign_off(usecase=handed_over, actor=org.lead, accepted=True)
    lapse(lead_owned, days_ahead=-1)
    work = as_user(org.owner).get(URL).context["work"]
    assert work.attention == [] and work.attention_total == 0
    assert [uc.pk for uc in as_user(org.lead).get(URL).context["work"].attention] == [lead_owned.pk]


# -- Unread notifications ----------------------------------------------------------------------------


def test_unread_notifications_latest_first_at_most_five(as_user, org):
    for n in range(MY_WORK_ROWS + 2):
        services.usecase_submit(usecase=make_usecase(org=org, title=f"Claim {n}"), actor=org.lead)
    oldest = Notification.objects.filter(recipient=org.reviewer).order_by("created_at").first()
    services.notification_mark_read(notification=oldest, actor=org.reviewer)

    response = as_user(org.reviewer).get(URL)
    work = response.context["work"]
    notices = section(response, "my-notifications")
    assert work.unread_total == MY_WORK_ROWS + 1
    assert len(work.notifications) == MY_WORK_ROWS
    assert all(n.kind == NotificationKind.REVIEW_REQUESTED for n in work.notifications)
    assert oldest.pk not in [n.pk for n in work.notifications]
    created = [n.created_at for n in work.notifications]
    assert created == sorted(created, reverse=True)
    assert 'Unread notifications <span class="muted">(6)</span>' in notices
    assert 'href="/inbox/"' in notices
    assert f'action="/inbox/{work.notifications[0].pk}/open/"' in notices
    # The navigation badge shows the same number, without asking again.
    assert re.search(r'<span class="nav-count">6<', response.content.decode())


def test_no_unread_notifications_empty_state(as_user, org):
    notices = section(as_user(org.member).get(URL), "my-notifications")
    assert "No unread notifications." in notices
    assert "Open your inbox" in notices


# -- A brand-new person ----------------------------------------------------------------------------


def test_new_team_member_is_welcomed_and_invited_to_log_a_use_case(as_user, org):
    newcomer = UserFactory(username="nora")
    MembershipFactory(team=org.team, user=newcomer)
    response = as_user(newcomer).get(URL)
    html = response.content.decode()
    assert response.context["work"].is_new
    assert "Welcome to the use-case registry" in html
    assert re.search(r'href="/usecases/new/">Log your first use case<', html)
    assert "Ask an admin" not in html and "ask an admin" not in html
    assert 'href="/usecases/">Browse use cases<' in html
    assert 'href="/goals/">See the strategic goals<' in html
    # Every section is empty and says what comes there.
    assert "You have no drafts." in html
    assert "Nothing waits for your sign-off." in html
    assert "You own no active use case yet." in html
    assert "No unread notifications." in html


def test_new_person_in_no_team_is_told_to_ask_an_admin(as_user, db):
    loner = UserFactory(username="lonny")
    html = as_user(loner).get(URL).content.decode()
    assert "Welcome to the use-case registry" in html
    assert "ask an admin to add you to a team" in html
    assert "Log your first use case" not in html
    assert "New use case" not in html
    assert 'href="/usecases/">Browse use cases<' in html


def test_no_welcome_once_there_is_work(as_user, org, usecase_in):
    make_usecase(org=org)
    assert not as_user(org.member).get(URL).context["work"].is_new
    # A lead who wrote nothing but is named nowhere is still new ...
    assert as_user(org.lead).get(URL).context["work"].is_new
    # ... an owner whose use case is active and in order is not.
    measured(usecase_in("active"), days_ago=1)
    response = as_user(org.owner).get(URL)
    assert not response.context["work"].is_new
    assert "Welcome to the use-case registry" not in response.content.decode()


def test_lead_of_a_team_can_create_from_my_work(as_user, org):
    lead = UserFactory(username="lena")
    MembershipFactory(team=org.other_team, user=lead, role=MembershipRole.LEAD)
    html = as_user(lead).get(URL).content.decode()
    assert 'href="/usecases/new/">New use case<' in html


# -- Query budget --------------------------------------------------------------------------------


def add_usecases(org, count):
    """``count`` use cases straight into the table, spread over every section's conditions and
    over authors and owners, and as many notices, so a query per row would show."""
    now = timezone.now()
    today = timezone.localdate()
    people = [org.member, org.lead, org.owner, org.reviewer]
    statuses = [Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF, Status.ACTIVE]
    rows = []
    for n in range(count):
        status = statuses[n % len(statuses)]
        owner = people[(n // len(statuses)) % len(people)]
        row = UseCase(
            title=f"Triage claims batch {n}",
            who="Claims officers" if n % 3 else "",
            problem="Claims wait weeks.",
            team=org.team,
            author=people[(n // len(statuses)) % 2],
            owner=owner if status != Status.DRAFT or n % 8 else None,
            status=status,
        )
        if status == Status.ACTIVE:
            row.signed_off_at = now - timedelta(days=170)
            row.attestation_expires_at = now + timedelta(days=(n % 60) - 20)
            row.last_measured_on = today - timedelta(days=n % 200) if n % 5 else None
        rows.append(row)
    usecases = UseCase.objects.bulk_create(rows)
    products = UseCase.products.through
    products.objects.bulk_create(products(usecase=uc, product=org.product) for uc in usecases[::2])
    goals = UseCase.goals.through
    goals.objects.bulk_create(goals(usecase=uc, strategicgoal=org.goal) for uc in usecases[::3])
    Notification.objects.bulk_create(
        Notification(
            recipient=people[n % len(people)],
            usecase=uc,
            kind=NotificationKind.REVIEW_REQUESTED,
            message=f"Review {uc.title}",
            read_at=now if n % 3 == 0 else None,
        )
        for n, uc in enumerate(usecases)
    )


@pytest.mark.parametrize("role", ["member", "lead", "reviewer", "owner", "non_member", "admin"])
def test_query_count_is_the_same_at_ten_and_a_thousand_use_cases(as_role, org, page_queries, role):
    client = as_role(role)
    add_usecases(org, 10)
    with_ten = page_queries(client, URL, budget=BUDGETS[role])
    add_usecases(org, 990)
    with_a_thousand = page_queries(client, URL, budget=BUDGETS[role])
    assert with_ten == with_a_thousand <= BUDGETS[role]
    # The sections really had rows to show (an empty page would prove nothing).
    work = client.get(URL).context["work"]
    if role in ("member", "lead"):
        assert len(work.drafts) == MY_WORK_ROWS
    if role == "reviewer":
        assert len(work.reviews) == MY_WORK_ROWS
    if role in ("owner", "reviewer", "member", "lead"):
        assert len(work.sign_offs) == MY_WORK_ROWS
        assert len(work.attention) == MY_WORK_ROWS
        assert len(work.notifications) == MY_WORK_ROWS


@pytest.mark.parametrize("role", ["member", "lead", "owner"])
def test_counts_and_lists_are_the_ones_a_plain_query_gives(as_role, org, role):
    """Read from the people's own indexes, My work shows what plain queries over the whole table
    give: the same totals, the same first rows in the same order."""
    client = as_role(role)
    add_usecases(org, 200)
    user = client.get(URL).context["user"]
    work = my_work(user)
    today = timezone.localdate()
    due_before = attestation_due_before(timezone.now())
    owned_active = UseCase.objects.filter(owner=user, status=Status.ACTIVE)
    due = Q(attestation_expires_at__lt=due_before)
    stale = evidence.stale_q(today)
    drafts = UseCase.objects.filter(author=user, status=Status.DRAFT)
    assert work.drafts_total == drafts.count()
    assert [d.pk for d in work.drafts] == [
        d.pk for d in drafts.order_by("-updated_at", "-number")[:MY_WORK_ROWS]
    ]
    assert work.owned_active_total == owned_active.count()
    assert work.attestations_due_total == owned_active.filter(due).count()
    assert work.evidence_stale_total == owned_active.filter(stale).count()
    needing = owned_active.filter(due | stale)
    assert work.attention_total == needing.count()
    expected = needing.annotate(due_on=Case(When(due, then=F("attestation_expires_at")))).order_by(
        F("due_on").asc(nulls_last=True), F("last_measured_on").asc(nulls_first=True), "number"
    )
    assert [uc.pk for uc in work.attention] == [uc.pk for uc in expected[:MY_WORK_ROWS]]
    # The sign-offs waiting are the first of the sign-offs page's own list, itself held to a
    # plain query (``test_inbox_pages.py::test_sign_offs_keep_their_order_and_cut``), and as many.
    waiting = sign_off_work_for(user)
    assert work.sign_offs_total == waiting.awaiting_total > MY_WORK_ROWS
    assert [(uc.pk, uc.requested_at, uc.is_transfer) for uc in work.sign_offs] == [
        (uc.pk, uc.requested_at, uc.is_transfer) for uc in waiting.awaiting[:MY_WORK_ROWS]
    ]
    # There was more than a page to choose from.
    assert max(work.drafts_total, work.attention_total) > MY_WORK_ROWS
