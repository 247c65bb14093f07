"""The review queue offers only what its reader may decide: not what they wrote, and not what
they sent to review themselves (a lead who is also a reviewer)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from portfolio.choices import REVIEWERS_GROUP
from tests.conftest import make_usecase
from usecases import services
from usecases.choices import RevisionReason, Status
from usecases.models import Review, Revision, UseCase
from usecases.selectors import reviews_waiting_for

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


def waiting_in_review(org, count, *, rounds: bool, submitted_by=None, start=0):
    """``count`` use cases in review straight into the tables, written by Mia: with an open review
    round each (begun in scattered order, some at the same moment) or, like bulk-loaded rows,
    without one."""
    usecases = UseCase.objects.bulk_create(
        UseCase(
            title=f"Waiting {start + n}",
            team=org.team,
            author=org.member,
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
