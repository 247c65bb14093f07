"""Each person's own pages: the inbox and its navigation badge, Reviews, Sign-offs, and the daily
attestation reminder. State is built through the services, as people would build it."""

import re
from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import ROLES, lapse, make_usecase
from tests.factories import UserFactory, reviewer
from usecases import services
from usecases.choices import NotificationKind, ReviewDecision, Status
from usecases.models import Notification, Review, UseCase
from usecases.selectors import sign_off_requested_at, sign_off_work_for

pytestmark = pytest.mark.django_db

INBOX_URL = "/inbox/"
COUNT_URL = "/inbox/count/"
MARK_ALL_URL = "/inbox/mark-all-read/"
REVIEWS_URL = "/reviews/"
SIGN_OFFS_URL = "/sign-offs/"


def open_url(notice):
    return f"/inbox/{notice.pk}/open/"


def submitted(org, **fields):
    usecase = make_usecase(org=org, **fields)
    return services.usecase_submit(usecase=usecase, actor=org.lead)


def approved(org, **fields):
    return services.usecase_approve(usecase=submitted(org, **fields), actor=org.reviewer)


def active(org, **fields):
    return services.usecase_sign_off(
        usecase=approved(org, **fields), actor=org.owner, accepted=True
    )


def nav_count(response) -> str | None:
    """The number in the navigation bar's Inbox badge; None when the badge is empty."""
    match = re.search(r'<span class="nav-count">(\d+)<', response.content.decode())
    return match.group(1) if match else None


# -- Who may open each page ------------------------------------------------------------------------

EVERYONE_SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": "login"}
REVIEWERS_ONLY = {role: 403 for role in ROLES} | {"anonymous": "login", "reviewer": 200}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (INBOX_URL, EVERYONE_SIGNED_IN),
        (COUNT_URL, EVERYONE_SIGNED_IN),
        (SIGN_OFFS_URL, EVERYONE_SIGNED_IN),
        (REVIEWS_URL, REVIEWERS_ONLY),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_page(as_role, role, url, expected):
    response = as_role(role).get(url)
    if expected[role] == "login":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize("url", [MARK_ALL_URL, "/inbox/1/open/"])
def test_anonymous_posts_are_sent_to_sign_in(client, org, url):
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [MARK_ALL_URL, "/inbox/1/open/"])
def test_inbox_writes_refuse_get(as_user, org, url):
    assert as_user(org.member).get(url).status_code == 405


# -- Navigation --------------------------------------------------------------------------------------


def test_nav_shows_reviews_to_reviewers_only_and_sign_offs_and_inbox_to_everyone(as_user, org):
    page = as_user(org.reviewer).get("/usecases/").content.decode()
    assert 'href="/reviews/"' in page
    assert 'href="/sign-offs/"' in page
    assert 'href="/inbox/"' in page
    page = as_user(org.member).get("/usecases/").content.decode()
    assert 'href="/reviews/"' not in page
    assert 'href="/sign-offs/"' in page


def test_nav_marks_the_current_page(as_user, org):
    page = as_user(org.reviewer).get(REVIEWS_URL).content.decode()
    assert re.search(r'href="/reviews/"\s+aria-current="page"', page)
    assert not re.search(r'href="/usecases/"\s+aria-current="page"', page)


def test_nav_badge_counts_unread_notices(as_user, org):
    client = as_user(org.reviewer)
    assert nav_count(client.get("/usecases/")) is None
    submitted(org)
    submitted(org, title="Second")
    assert nav_count(client.get("/usecases/")) == "2"
    # The fragment htmx refreshes the badge with, on usecaseChanged and inboxChanged.
    fragment = client.get(COUNT_URL, headers={"HX-Request": "true"})
    assert nav_count(fragment) == "2"
    assert 'hx-trigger="usecaseChanged from:body, inboxChanged from:body"' in fragment.text
    assert "<nav" not in fragment.text
    services.notifications_mark_all_read(actor=org.reviewer)
    assert nav_count(client.get(COUNT_URL)) is None


def test_nav_badge_counts_only_ones_own_notices(as_user, org):
    submitted(org)  # notifies the reviewer, nobody else
    assert nav_count(as_user(org.member).get("/usecases/")) is None


def test_workflow_action_tells_the_badge_to_refresh(as_user, org):
    usecase = submitted(org)
    response = as_user(org.reviewer).post(
        f"/usecases/{usecase.key}/approve/",
        {"note": "", "version": usecase.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "usecaseChanged" in response["HX-Trigger-After-Swap"]


# -- The inbox -----------------------------------------------------------------------------------


def test_inbox_lists_own_notices_newest_first_unread_highlighted(as_user, org):
    first = submitted(org, title="First")
    services.usecase_request_changes(usecase=first, actor=org.reviewer, comment="Name the office.")
    second = submitted(org, title="Second")
    services.usecase_approve(usecase=second, actor=org.reviewer)
    author_notices = Notification.objects.filter(recipient=org.member)
    assert author_notices.count() == 2
    services.notification_mark_read(notification=author_notices.earliest("pk"), actor=org.member)

    response = as_user(org.member).get(INBOX_URL)
    notices = list(response.context["page"].object_list)
    assert [n.usecase.title for n in notices] == ["Second", "First"]
    page = response.content.decode()
    assert page.count('class="notice notice-unread"') == 1
    assert "1 unread notice" in page
    assert f'action="/inbox/{notices[0].pk}/open/"' in page
    assert f"Open {second.key}" in page
    assert "Mark all as read" in page


def test_inbox_is_paginated(as_user, org, settings):
    settings.USECASE_PAGE_SIZE = 2
    for n in range(3):
        submitted(org, title=f"Use case {n}")
    client = as_user(org.reviewer)
    assert len(client.get(INBOX_URL).context["page"].object_list) == 2
    assert len(client.get(f"{INBOX_URL}?page=2").context["page"].object_list) == 1


def test_empty_inbox_says_what_arrives_there(as_user, org):
    page = as_user(org.member).get(INBOX_URL).content.decode()
    assert "Your inbox is empty." in page
    assert "Mark all as read" not in page


def test_opening_a_notice_marks_it_read_and_goes_to_the_use_case(as_user, org):
    usecase = submitted(org)
    notice = Notification.objects.get(recipient=org.reviewer)
    client = as_user(org.reviewer)
    response = client.post(open_url(notice))
    assert response.status_code == 302
    assert response["Location"] == f"/usecases/{usecase.key}/"
    notice.refresh_from_db()
    first_read = notice.read_at
    assert first_read is not None
    # Opening it again (a second tab, a double click) keeps the first reading time.
    assert client.post(open_url(notice)).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at == first_read


@pytest.mark.parametrize("role", ["member", "lead", "owner", "admin", "non_member"])
def test_someone_elses_notice_is_not_found(as_role, org, role):
    submitted(org)
    notice = Notification.objects.get(recipient=org.reviewer)
    assert as_role(role).post(open_url(notice)).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_a_missing_notice_is_not_found(as_user, org):
    assert as_user(org.member).post("/inbox/999999/open/").status_code == 404


def test_mark_read_service_refuses_another_person(org):
    submitted(org)
    notice = Notification.objects.get(recipient=org.reviewer)
    with pytest.raises(services.NotAllowed):
        services.notification_mark_read(notification=notice, actor=org.member)
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_touches_only_ones_own_notices(as_user, org):
    second_reviewer = reviewer(username="ravi")
    submitted(org)
    submitted(org, title="Second")
    newest = Notification.objects.filter(recipient=org.reviewer).latest("pk")
    response = as_user(org.reviewer).post(MARK_ALL_URL, {"up_to": newest.pk, "page": "1"})
    assert response.status_code == 302
    assert response["Location"] == INBOX_URL
    assert not Notification.objects.filter(recipient=org.reviewer).unread().exists()
    assert Notification.objects.filter(recipient=second_reviewer).unread().count() == 2


def test_mark_all_read_leaves_notices_that_arrived_after_the_page_was_drawn(as_user, org):
    submitted(org)
    seen = Notification.objects.get(recipient=org.reviewer)
    submitted(org, title="Arrived later")
    as_user(org.reviewer).post(MARK_ALL_URL, {"up_to": seen.pk})
    unread = Notification.objects.filter(recipient=org.reviewer).unread()
    assert [n.usecase.title for n in unread] == ["Arrived later"]


def test_mark_all_read_with_htmx_redraws_the_inbox_and_refreshes_the_badge(as_user, org):
    submitted(org)
    newest = Notification.objects.get(recipient=org.reviewer)
    response = as_user(org.reviewer).post(
        MARK_ALL_URL, {"up_to": newest.pk, "page": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "inboxChanged" in response["HX-Trigger-After-Swap"]
    assert response.text.lstrip().startswith('<section id="inbox"')
    assert "1 notice marked as read." in response.text
    assert "notice-unread" not in response.text


def test_mark_all_read_ignores_a_malformed_bound(as_user, org):
    submitted(org)
    response = as_user(org.reviewer).post(MARK_ALL_URL, {"up_to": "²", "page": "x"})
    assert response.status_code == 302
    assert response["Location"] == INBOX_URL
    assert not Notification.objects.filter(recipient=org.reviewer).unread().exists()


# -- Reviews -------------------------------------------------------------------------------------


def test_reviews_lists_what_waits_for_the_reviewer_with_how_long(as_user, org):
    waiting = submitted(org, title="Waiting for review")
    make_usecase(org=org, title="Still a draft")
    approved(org, title="Already approved")
    response = as_user(org.reviewer).get(REVIEWS_URL)
    listed = list(response.context["page"].object_list)
    assert [uc.key for uc in listed] == [waiting.key]
    assert listed[0].waiting_since is not None
    page = response.content.decode()
    assert "1 use case waiting for review" in page
    assert "Mia Member" in page  # the author
    assert "Claims Processing" in page  # the team


def test_reviews_leave_out_what_the_reviewer_wrote(as_user, org):
    # A reviewer who is also in the team writes a use case; another reviewer must decide it.
    org.team.memberships.create(user=org.reviewer, role="member")
    submitted(org, author=org.reviewer, title="Written by the reviewer")
    assert list(as_user(org.reviewer).get(REVIEWS_URL).context["page"].object_list) == []


def test_reviews_oldest_first(as_user, org):
    first = submitted(org, title="First in")
    second = submitted(org, title="Second in")
    listed = as_user(org.reviewer).get(REVIEWS_URL).context["page"].object_list
    assert [uc.key for uc in listed] == [first.key, second.key]


def test_reviews_empty_state(as_user, org):
    page = as_user(org.reviewer).get(REVIEWS_URL).content.decode()
    assert "Nothing waits for your review." in page


# -- Sign-offs -----------------------------------------------------------------------------------


def test_sign_offs_lists_what_awaits_the_owners_signature(as_user, org):
    usecase = approved(org, title="Approved, to sign")
    submitted(org, title="Still in review")
    response = as_user(org.owner).get(SIGN_OFFS_URL)
    work = response.context["work"]
    assert [uc.key for uc in work.awaiting] == [usecase.key]
    assert work.awaiting_total == 1
    assert work.awaiting[0].requested_at is not None
    assert work.awaiting[0].is_transfer is False
    page = response.content.decode()
    assert "Review and sign off" in page
    assert "Nothing waits for your sign-off." not in page


def test_sign_offs_show_a_transfer_to_the_new_owner(as_user, org):
    usecase = active(org)
    new_owner = UserFactory(username="nora", first_name="Nora", last_name="New")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.owner, new_owner=new_owner)
    work = as_user(new_owner).get(SIGN_OFFS_URL).context["work"]
    assert [uc.key for uc in work.awaiting] == [usecase.key]
    assert work.awaiting[0].is_transfer is True
    # The previous owner no longer has it waiting.
    assert as_user(org.owner).get(SIGN_OFFS_URL).context["work"].awaiting == []


def test_sign_offs_list_attestations_overdue_or_due_within_30_days(as_user, org):
    overdue = active(org, title="Overdue")
    lapse(overdue, days_ago=3)
    soon = active(org, title="Due soon")
    lapse(soon, days_ahead=20)
    later = active(org, title="Due later")
    lapse(later, days_ahead=60)
    fresh = active(org, title="Just signed")

    response = as_user(org.owner).get(SIGN_OFFS_URL)
    work = response.context["work"]
    assert [uc.key for uc in work.attestations_due] == [overdue.key, soon.key]
    assert work.attestations_due_total == 2
    page = response.content.decode()
    assert "Attestation overdue" in page
    assert f'action="/usecases/{overdue.key}/reattest/"' in page
    assert later.key not in page and fresh.key not in page


def owned_rows(org, count, *, start=0):
    """``count`` use cases awaiting Owen's sign-off and ``count`` active ones of his lapsing
    within the window, straight into the table (rows loaded without a workflow)."""
    soon = timezone.now() + timedelta(days=5)
    UseCase.objects.bulk_create(
        UseCase(
            title=f"Owned {start + n}",
            team=org.team,
            author=org.member,
            owner=org.owner,
            status=status,
            attestation_expires_at=soon if status == Status.ACTIVE else None,
        )
        for n in range(count)
        for status in (Status.AWAITING_SIGN_OFF, Status.ACTIVE)
    )


def awaiting_as_it_was(owner):
    """The awaiting list as one query sorting whole rows on subqueries: the order it keeps."""
    return (
        UseCase.objects.awaiting_sign_off_by(owner)
        .annotate(requested_at=sign_off_requested_at())
        .order_by("requested_at", "number")
    )


def test_sign_offs_keep_their_order_and_cut(org, monkeypatch):
    """Approvals, a transfer and rows loaded without a workflow (no request date), ties on the
    date included; only the first rows, in the same order."""
    # The module, not the function of the same name the package exports.
    monkeypatch.setattr(import_module("usecases.selectors.my_work"), "SIGN_OFF_PAGE_ROWS", 5)
    handed = active(org, title="Handed over")
    newcomer = UserFactory(username="nora")
    services.usecase_transfer_ownership(usecase=handed, actor=org.owner, new_owner=newcomer)
    for n in range(3):
        approved(org, title=f"Approved {n}")
    owned_rows(org, 4)
    approvals = Review.objects.filter(decision=ReviewDecision.APPROVED, usecase__owner=org.owner)
    approvals.filter(usecase__title="Approved 2").update(
        decided_at=approvals.get(usecase__title="Approved 0").decided_at
    )
    for owner in (org.owner, newcomer):
        work = sign_off_work_for(owner)
        expected = list(awaiting_as_it_was(owner))
        assert work.awaiting_total == len(expected)
        assert [(uc.pk, uc.requested_at) for uc in work.awaiting] == [
            (uc.pk, uc.requested_at) for uc in expected[:5]
        ]
    assert [uc.is_transfer for uc in sign_off_work_for(newcomer).awaiting] == [True]


def test_sign_offs_are_personal(as_user, org):
    approved(org)
    lapse(active(org, title="Overdue"), days_ago=1)
    work = as_user(org.member).get(SIGN_OFFS_URL).context["work"]
    assert work.awaiting == [] and work.attestations_due == []
    page = as_user(org.member).get(SIGN_OFFS_URL).content.decode()
    assert "Nothing waits for your sign-off." in page
    assert "No attestation of yours is due in the next 30 days." in page


def test_reattest_from_the_sign_offs_page_comes_back_to_it(as_user, org):
    usecase = active(org)
    lapse(usecase, days_ago=2)
    client = as_user(org.owner)
    response = client.post(
        f"/usecases/{usecase.key}/reattest/", {"next": SIGN_OFFS_URL, "version": usecase.version}
    )
    assert response.status_code == 302
    assert response["Location"] == SIGN_OFFS_URL
    usecase.refresh_from_db()
    assert usecase.attestation_expires_at > timezone.now() + timedelta(days=170)
    follow = client.get(SIGN_OFFS_URL)
    assert follow.context["work"].attestations_due == []
    assert f"{usecase.key} re-attested." in follow.content.decode()


def test_reattest_ignores_a_next_url_off_the_site(as_user, org):
    usecase = active(org)
    response = as_user(org.owner).post(
        f"/usecases/{usecase.key}/reattest/",
        {"next": "https://evil.example/", "version": usecase.version},
    )
    assert response["Location"] == f"/usecases/{usecase.key}/"


# -- Query budgets -------------------------------------------------------------------------------

BUDGET = 20


def grow(org, count):
    """``count`` more of everything the personal pages list, for each person they belong to."""
    for n in range(count):
        submitted(org, title=f"In review {n}")
        approved(org, title=f"To sign {n}")
        lapse(active(org, title=f"Lapsing {n}"), days_ahead=n)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("reviewer", INBOX_URL),
        ("owner", INBOX_URL),
        ("reviewer", COUNT_URL),
        ("reviewer", REVIEWS_URL),
        ("owner", SIGN_OFFS_URL),
    ],
)
def test_personal_pages_cost_the_same_queries_at_two_sizes(as_role, org, page_queries, role, url):
    client = as_role(role)
    grow(org, 1)
    small = page_queries(client, url, budget=BUDGET)
    grow(org, 6)
    assert page_queries(client, url, budget=BUDGET) == small


def test_the_sign_offs_page_costs_the_same_queries_with_5_and_60_rows(as_user, org, page_queries):
    client = as_user(org.owner)
    approved(org, title="Approved through the workflow")
    owned_rows(org, 5)
    few = page_queries(client, SIGN_OFFS_URL, budget=BUDGET)
    owned_rows(org, 55, start=5)
    assert page_queries(client, SIGN_OFFS_URL, budget=BUDGET) == few
    work = client.get(SIGN_OFFS_URL).context["work"]
    assert (work.awaiting_total, work.attestations_due_total) == (61, 60)


# -- Attestation reminders -------------------------------------------------------------------------


def test_reminder_command_sends_once_per_sign_off_period(org, settings):
    settings.SIGN_OFF_VALID_DAYS = 10  # inside the 14-day reminder window from the start
    usecase = active(org)
    out = StringIO()
    call_command("send_attestation_reminders", stdout=out)
    assert "Sent 1 attestation reminder " in out.getvalue()
    reminders = Notification.objects.filter(kind=NotificationKind.ATTESTATION_DUE)
    assert [(n.recipient, n.usecase_id) for n in reminders.all()] == [(org.owner, usecase.pk)]

    out = StringIO()
    call_command("send_attestation_reminders", stdout=out)
    assert "Sent 0 attestation reminders" in out.getvalue()
    assert reminders.count() == 1

    # Re-attesting starts a new period, which is reminded of again when it falls due.
    services.usecase_reattest(usecase=usecase, actor=org.owner)
    call_command("send_attestation_reminders", stdout=StringIO())
    assert reminders.count() == 2


def test_reminder_command_leaves_sign_offs_far_from_expiry_alone(org):
    active(org)
    out = StringIO()
    call_command("send_attestation_reminders", stdout=out)
    assert "Sent 0 attestation reminders" in out.getvalue()


def test_reminder_reaches_the_inbox_and_the_badge(as_user, org, settings):
    settings.SIGN_OFF_VALID_DAYS = 10
    active(org)
    client = as_user(org.owner)
    before = int(nav_count(client.get(INBOX_URL)) or 0)
    call_command("send_attestation_reminders", stdout=StringIO())
    response = client.get(INBOX_URL)
    assert int(nav_count(response)) == before + 1
    assert "Attestation due" in response.content.decode()


@pytest.mark.usefixtures("database_tasks")
def test_reminder_queues_one_email_with_its_notice(
    org, settings, django_capture_on_commit_callbacks
):
    settings.SIGN_OFF_VALID_DAYS = 10
    usecase = active(org)
    assert usecase.status == Status.ACTIVE
    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        services.send_attestation_reminders()
    # Queued in the reminder's own transaction, nothing left waiting for the commit.
    assert callbacks == []
    notice = Notification.objects.get(kind=NotificationKind.ATTESTATION_DUE)
    (task,) = DBTaskResult.objects.order_by("-enqueued_at")[: DBTaskResult.objects.count() - before]
    assert task.args_kwargs["args"] == [notice.pk]
