"""The review queue offers only what its reader may decide: not what they wrote, and not what
they sent to review themselves (a lead who is also a reviewer)."""

import pytest
from django.contrib.auth.models import Group

from portfolio.choices import REVIEWERS_GROUP
from tests.conftest import make_usecase
from usecases import services
from usecases.models import UseCase

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
