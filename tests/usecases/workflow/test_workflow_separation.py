"""Rules found by review: separation of duties, owner changes only by transfer, long notes,
incomplete edits of active use cases, and transfers whose previous owner has left."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portfolio.choices import REVIEWERS_GROUP
from tests.conftest import edit_form_data
from tests.factories import UserFactory
from usecases import services
from usecases.choices import NotificationKind, Status
from usecases.models import Notification, Review, UseCase

pytestmark = pytest.mark.django_db


def make_reviewer(user):
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return type(user).objects.get(pk=user.pk)  # fresh, without cached role facts


def test_a_reviewer_cannot_decide_on_the_version_their_own_edit_sent_to_review(org, usecase_in):
    usecase = usecase_in("active")
    member = make_reviewer(org.member)
    services.usecase_update(
        usecase=usecase,
        actor=member,
        data={"problem": "A problem restated by the member."},
        expected_version=usecase.version,
    )
    with pytest.raises(services.NotAllowed):
        services.usecase_approve(usecase=usecase, actor=member)
    assert UseCase.objects.get(pk=usecase.pk).status == Status.IN_REVIEW


def test_a_lead_who_reviews_cannot_approve_what_they_submitted(org, client, usecase_in):
    usecase = usecase_in("draft")
    lead = make_reviewer(org.lead)
    services.usecase_submit(usecase=usecase, actor=lead)
    client.force_login(lead)
    response = client.post(reverse("usecases:usecase_approve", args=[usecase.key]))
    assert response.status_code == 403
    assert Review.objects.get(usecase=usecase).decided_at is None
    page = client.get(usecase.get_absolute_url()).content.decode()
    assert f"usecases/{usecase.key}/approve/" not in page


def test_the_submitter_is_not_asked_to_review_their_own_submission(org, usecase_in):
    lead = make_reviewer(org.lead)
    usecase = services.usecase_submit(usecase=usecase_in("draft"), actor=lead)
    asked = Notification.objects.filter(usecase=usecase, kind=NotificationKind.REVIEW_REQUESTED)
    assert lead.pk not in set(asked.values_list("recipient_id", flat=True))
    assert asked.filter(recipient=org.reviewer).exists()


def test_the_owner_of_an_active_use_case_changes_only_through_a_transfer(org, client, usecase_in):
    usecase = usecase_in("active")
    client.force_login(org.member)
    someone = UserFactory(username="someone")
    response = client.post(
        reverse("usecases:usecase_edit", args=[usecase.key]),
        edit_form_data(usecase, owner=someone.pk, title="Renamed"),
    )
    assert response.status_code == 302
    saved = UseCase.objects.get(pk=usecase.pk)
    assert saved.owner == org.owner  # the disabled field ignored the forged value
    assert saved.title == "Renamed"
    assert saved.status == Status.ACTIVE


def test_a_long_review_comment_is_kept_whole_and_the_notice_is_shortened(org, usecase_in):
    usecase = usecase_in("in_review")
    comment = "Please measure it. " * 40  # 760 characters
    services.usecase_request_changes(usecase=usecase, actor=org.reviewer, comment=comment)
    assert Review.objects.get(usecase=usecase).comment == comment.strip()
    notice = Notification.objects.get(usecase=usecase, kind=NotificationKind.REVIEW_DECIDED)
    assert len(notice.message) <= 300
    assert notice.message.endswith("…")


def test_emptying_what_was_signed_on_an_active_use_case_is_refused_with_a_message(
    org, client, usecase_in
):
    usecase = usecase_in("active")
    client.force_login(org.member)
    response = client.post(
        reverse("usecases:usecase_edit", args=[usecase.key]),
        edit_form_data(usecase, who="", problem="A new problem."),
    )
    assert response.status_code == 400
    assert "Missing: Who" in response.content.decode()
    saved = UseCase.objects.get(pk=usecase.pk)
    assert (saved.status, saved.problem) == (Status.ACTIVE, usecase.problem)


def test_declining_a_transfer_whose_previous_owner_left_returns_the_use_case_to_its_author(
    org, usecase_in
):
    usecase = usecase_in("active")
    newcomer = UserFactory(username="newcomer")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=newcomer)
    type(org.owner).objects.filter(pk=org.owner.pk).update(is_active=False)
    services.usecase_decline_ownership(usecase=usecase, actor=newcomer, reason="Not mine.")
    saved = UseCase.objects.get(pk=usecase.pk)
    assert (saved.status, saved.owner) == (Status.DRAFT, None)
