"""The review queue offers only what its reader may decide: not what they wrote, and not what
they sent to review themselves (a lead who is also a reviewer). Its pages keep the order it always
had and page like the use-case list: Next, Previous, First and Last by keyset at any depth, a count
exact up to a cap, a clear message for a damaged link, the same queries whatever waits."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portfolio.choices import REVIEWERS_GROUP
from tests.conftest import ROLES, make_usecase
from usecases import services
from usecases.choices import RevisionReason, Status
from usecases.models import Review, Revision, UseCase
from usecases.selectors import list_pages, reviews_waiting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewing_lead(org):
    org.lead.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return org.lead


def test_a_review_one_sent_is_not_in_ones_queue(as_user, org, reviewing_lead):
    sent = services.usecase_submit(usecase=make_usecase(org=org), actor=reviewing_lead)
    other = services.usecase_submit(
        usecase=make_usecase(org=org, title="Sent by Rita's colleague"), actor=org.member
    )

    assert list(UseCase.objects.reviewable_by(reviewing_lead)) == [other]
    assert sent in UseCase.objects.reviewable_by(org.reviewer)

    page = as_user(reviewing_lead).get("/reviews/")
    assert [uc.pk for uc in page.context["page"].object_list] == [other.pk]
    assert sent.key not in page.content.decode()
    # What the queue leaves out, the action refuses: the two agree.
    assert as_user(reviewing_lead).post(f"/usecases/{sent.key}/approve/").status_code == 403


def test_an_older_review_one_sent_does_not_hide_the_current_one(org, reviewing_lead):
    usecase = services.usecase_submit(usecase=make_usecase(org=org), actor=reviewing_lead)
    usecase = services.usecase_request_changes(
        usecase=usecase, actor=org.reviewer, comment="Say who decides."
    )
    usecase = services.usecase_submit(usecase=usecase, actor=org.member)
    assert usecase in UseCase.objects.reviewable_by(reviewing_lead)


# -- The queue's order, read a page at a time ------------------------------------------------------


def waiting_in_review(org, count, *, rounds: bool, submitted_by=None, author=None, start=0):
    """``count`` use cases in review straight into the tables, written by Mia: with an open review
    round each (begun in scattered order, some at the same moment) or, like bulk-loaded rows,
    without one."""
    usecases = UseCase.objects.bulk_create(
        UseCase(
            title=f"Waiting {start + n}",
            team=org.team,
            author=author or org.member,
            owner=org.owner,
            status=Status.IN_REVIEW,
        )
        for n in range(count)
    )
    if rounds:
        revisions = Revision.objects.bulk_create(
            Revision(usecase=uc, number=1, version=1, reason=RevisionReason.SUBMITTED, data={})
            for uc in usecases
        )
        reviews = Review.objects.bulk_create(
            Review(usecase=uc, revision=revision, submitted_by=submitted_by or org.member)
            for uc, revision in zip(usecases, revisions, strict=True)
        )
        now = timezone.now()
        for n, review in enumerate(reviews):
            review.submitted_at = now - timedelta(hours=(start + n) * 7 % 4)
        Review.objects.bulk_update(reviews, ["submitted_at"])
    return usecases


def queue_as_it_was(user):
    """The queue as one query sorting on a subquery per row: the order the pages keep."""
    open_review = Review.objects.filter(usecase=OuterRef("pk"), decided_at__isnull=True)
    return (
        UseCase.objects.reviewable_by(user)
        .annotate(waiting_since=Subquery(open_review.values("submitted_at")[:1]))
        .order_by("waiting_since", "number")
    )


def test_every_slice_of_the_queue_is_the_one_it_always_was(org, reviewing_lead):
    waiting_in_review(org, 7, rounds=True)
    waiting_in_review(org, 5, rounds=False, start=7)
    waiting_in_review(org, 3, rounds=True, submitted_by=reviewing_lead, start=12)  # not theirs
    expected = [(uc.pk, uc.waiting_since) for uc in queue_as_it_was(reviewing_lead)]
    assert len(expected) == 12
    assert expected[-1][1] is None  # the ones without a round really come last
    queue = reviews_waiting_for(reviewing_lead)
    assert queue.count() == 12
    for start in range(13):
        for stop in range(start, 14):
            shown = [(uc.pk, uc.waiting_since) for uc in queue[start:stop]]
            assert shown == expected[start:stop], (start, stop)
    # A page across both runs reads each row's own team, author and owner.
    across = [(uc.title, uc.team.pk, uc.author.pk, uc.owner.pk) for uc in queue[5:9]]
    assert across == [
        (uc.title, uc.team_id, uc.author_id, uc.owner_id)
        for uc in queue_as_it_was(reviewing_lead)[5:9]
    ]


def test_the_reviews_page_pages_through_the_same_order(as_user, org, settings):
    settings.USECASE_PAGE_SIZE = 4
    waiting_in_review(org, 6, rounds=True)
    waiting_in_review(org, 5, rounds=False, start=6)
    expected = [uc.pk for uc in queue_as_it_was(org.reviewer)]
    client = as_user(org.reviewer)
    shown = []
    for number in (1, 2, 3):
        page = client.get(f"/reviews/?page={number}").context["page"]
        assert page.paginator.count == 11
        shown += [uc.pk for uc in page.object_list]
    assert shown == expected


@pytest.mark.parametrize("url", ["/reviews/", "/", "/reviews/?page=2"])
def test_the_queue_costs_the_same_queries_with_5_and_60_waiting(as_user, org, page_queries, url):
    """Both kinds of waiting use case on every page: with a round, and without one."""
    client = as_user(org.reviewer)
    waiting_in_review(org, 3, rounds=True)
    waiting_in_review(org, 2, rounds=False, start=3)
    if url.endswith("page=2"):
        waiting_in_review(org, 25, rounds=True, start=5)
    few = page_queries(client, url, budget=20)
    waiting_in_review(org, 30, rounds=True, start=30)
    waiting_in_review(org, 30, rounds=False, start=60)
    assert page_queries(client, url, budget=20) == few


# -- Pages at any depth: Next, Previous, First and Last by keyset ------------------------------------

REVIEWS_URL = "/reviews/"


@pytest.fixture
def small_pages(settings, monkeypatch):
    """Four rows a page, the first two pages by number and the rest by cursor."""
    settings.USECASE_PAGE_SIZE = 4
    monkeypatch.setattr(list_pages, "NUMBERED_PAGES", 2)


def pks_of(response) -> list[int]:
    return [usecase.pk for usecase in response.context["page"].object_list]


def follow(client, link: str):
    response = client.get(f"{REVIEWS_URL}?{link}")
    assert response.status_code == 200
    assert not response.context["page"].notice
    return response


def walk_forward(client) -> list[int]:
    response = client.get(REVIEWS_URL)
    seen = pks_of(response)
    while (page := response.context["page"]).has_next():
        response = follow(client, page.next)
        seen += pks_of(response)
    return seen


def walk_back_from_last(client) -> list[int]:
    response = follow(client, "page=last")
    pages = [pks_of(response)]
    while (page := response.context["page"]).has_previous():
        response = follow(client, page.previous)
        pages.insert(0, pks_of(response))
    return [pk for pks in pages for pk in pks]


def test_next_and_previous_walk_the_whole_queue_once_in_its_order(
    as_user, org, reviewing_lead, small_pages
):
    """Rounds begun at the same moment, use cases without a round after them, and what the
    reader sent themselves left out: every page deep past the numbered ones."""
    waiting_in_review(org, 17, rounds=True)
    waiting_in_review(org, 6, rounds=False, start=17)
    waiting_in_review(org, 3, rounds=True, submitted_by=reviewing_lead, start=23)
    expected = [uc.pk for uc in queue_as_it_was(reviewing_lead)]
    assert len(expected) == 23
    client = as_user(reviewing_lead)

    assert walk_forward(client) == expected
    assert walk_back_from_last(client) == expected


def test_deep_pages_are_read_by_key_and_say_where_they_are(as_user, org, small_pages):
    waiting_in_review(org, 18, rounds=True)
    waiting_in_review(org, 2, rounds=False, start=18)
    expected = [uc.pk for uc in queue_as_it_was(org.reviewer)]
    client = as_user(org.reviewer)
    second = follow(client, "page=2")

    with CaptureQueriesContext(connection) as queries:
        third = follow(client, second.context["page"].next)
        last = follow(client, "page=last")

    assert pks_of(third) == expected[8:12]
    assert "Page 3 of 5" in third.content.decode()
    assert re.search(r'href="\?cursor=[^"&]+" rel="next"', third.content.decode())
    assert 'href="?page=2" rel="prev"' in third.content.decode()
    assert pks_of(last) == expected[16:]
    assert "Page 5 of 5" in last.content.decode()
    read = [query["sql"] for query in queries if "usecases_usecasefact" in query["sql"]]
    assert read and not any("OFFSET" in sql for sql in read)


def test_past_the_lists_cap_the_queue_still_counts_exactly_and_the_pages_walk(
    as_user, org, settings, small_pages
):
    """The queue's count costs what the reader is a party to, not what waits (the summary's
    per-team counts less their own), so it stays exact where the use-case list says "More than"."""
    settings.USECASE_COUNT_CAP = 5
    waiting_in_review(org, 5, rounds=True)
    waiting_in_review(org, 4, rounds=True, start=5)
    waiting_in_review(org, 2, rounds=False, start=9)
    client = as_user(org.reviewer)
    past = client.get(REVIEWS_URL)
    html = past.content.decode()
    expected = [uc.pk for uc in queue_as_it_was(org.reviewer)]
    assert not past.context["page"].paginator.more
    assert f"{len(expected)} use cases waiting for review" in html
    assert "More than" not in html
    assert f"Page 1 of {-(-len(expected) // 4)}" in html
    assert walk_forward(client) == expected
    assert walk_back_from_last(client) == expected


def test_the_queue_leaves_out_what_the_reader_wrote_or_sent_from_its_count(
    as_user, org, usecase_in, small_pages
):
    """Every use case in review but those the reader wrote, whose open round they sent, or both
    (left out once): the count the page says is the rows it walks."""
    waiting_in_review(org, 3, rounds=True)
    waiting_in_review(org, 2, rounds=True, submitted_by=org.reviewer, start=3)  # sent
    waiting_in_review(org, 1, rounds=True, submitted_by=org.reviewer, author=org.reviewer, start=5)
    usecase_in("in_review", author=org.reviewer)  # wrote, sent by the lead
    queue = reviews_waiting_for(org.reviewer)
    expected = [uc.pk for uc in queue_as_it_was(org.reviewer)]
    assert queue.count() == len(expected) == UseCase.objects.filter(status="in_review").count() - 4
    client = as_user(org.reviewer)
    assert (
        f"{len(expected)} use cases waiting for review" in client.get(REVIEWS_URL).content.decode()
    )
    assert walk_forward(client) == expected


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJzb3J0IjoiIn0:1tZ:bad", "a" * 500, "%00", "[]", "<b>x</b>"]
)
def test_a_damaged_cursor_gets_a_clear_message_and_the_first_page(
    as_user, org, small_pages, cursor
):
    waiting_in_review(org, 10, rounds=True)
    response = as_user(org.reviewer).get(REVIEWS_URL, {"cursor": cursor})

    assert response.status_code == 200
    html = response.content.decode()
    assert "That page link no longer fits this list" in html
    assert "<b>x</b>" not in html
    assert pks_of(response) == [uc.pk for uc in queue_as_it_was(org.reviewer)][:4]


def test_a_use_case_list_cursor_does_not_page_the_queue(as_user, org, small_pages):
    """Both pages sign their cursors alike; each reads only its own."""
    waiting_in_review(org, 12, rounds=True)
    client = as_user(org.reviewer)
    list_cursor = client.get("/usecases/?page=2").context["page"].next
    assert list_cursor.startswith("cursor=")

    response = client.get(f"{REVIEWS_URL}?{list_cursor}")

    assert "That page link no longer fits this list" in response.content.decode()
    assert pks_of(response) == [uc.pk for uc in queue_as_it_was(org.reviewer)][:4]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_queue_is_for_reviewers_only(as_role, org, role, small_pages):
    waiting_in_review(org, 14, rounds=True)
    reviewer_client = as_role("reviewer")
    third = reviewer_client.get(f"{REVIEWS_URL}?page=2").context["page"].next
    reviewer_client.logout()

    for link in ("page=last", third, "page=2"):
        response = as_role(role).get(f"{REVIEWS_URL}?{link}")
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=/reviews/")
        else:
            assert response.status_code == (200 if role == "reviewer" else 403)


@pytest.mark.parametrize("link", ["", "page=last", "cursor"])
def test_every_kind_of_page_costs_the_same_queries_with_3_and_60_waiting(
    as_user, org, page_queries, settings, monkeypatch, link
):
    """Two rows a page, the second reached by cursor; both kinds of waiting use case."""
    settings.USECASE_PAGE_SIZE = 2
    monkeypatch.setattr(list_pages, "NUMBERED_PAGES", 1)
    client = as_user(org.reviewer)
    waiting_in_review(org, 2, rounds=True)
    waiting_in_review(org, 1, rounds=False, start=2)

    def url():
        if link != "cursor":
            return f"{REVIEWS_URL}?{link}"
        return f"{REVIEWS_URL}?{client.get(REVIEWS_URL).context['page'].next}"

    assert url().startswith(f"{REVIEWS_URL}?cursor=") or link != "cursor"
    few = page_queries(client, url(), budget=20)
    waiting_in_review(org, 30, rounds=True, start=3)
    waiting_in_review(org, 27, rounds=False, start=33)
    assert reviews_waiting_for(org.reviewer).count() == 60
    assert page_queries(client, url(), budget=20) == few
