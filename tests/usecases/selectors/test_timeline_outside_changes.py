"""Reviews and sign-offs changed outside the registry's pages (the Django admin, the shell, a
script) show in the use case's timeline, as changes to the use case itself already do: what
changed, old and new, and who and where when a request made it. The history triggers catch them;
changes through the services show once, as their workflow event."""

from datetime import timedelta

import pghistory
import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape

from tests.factories import reviewer
from usecases import services
from usecases.models import Review, Revision, SignOff, UseCase
from usecases.selectors.history import usecase_timeline

pytestmark = pytest.mark.django_db

REVIEW_CHANGED = "Review changed outside the registry's pages"
SIGN_OFF_CHANGED = "Sign-off changed outside the registry's pages"


def outside_entries(usecase):
    return [e for e in usecase_timeline(usecase) if e.source == "outside"]


def changes_of(entry) -> dict[str, tuple[str, str]]:
    return {change.label: (change.old, change.new) for change in entry.changes}


def shown(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


def test_a_review_comment_changed_with_an_orm_update_shows(org, usecase_in):
    usecase = usecase_in("declined")
    review = usecase.reviews.get()

    Review.objects.filter(pk=review.pk).update(comment="Not a fit, and no budget this year.")

    (entry,) = outside_entries(usecase)
    assert entry.title == REVIEW_CHANGED
    assert entry.actor is None
    assert changes_of(entry) == {
        "Comment": ("Not a fit for this year.", "Not a fit, and no budget this year.")
    }


def test_a_review_decided_in_the_shell_shows_who_and_what(org, usecase_in):
    rob = reviewer(username="rob", first_name="Rob", last_name="Reviewer")
    usecase = usecase_in("in_review")
    review = usecase.reviews.get()
    decided_at = timezone.now()

    Review.objects.filter(pk=review.pk).update(
        reviewer=rob, decision="approved", decided_at=decided_at
    )

    (entry,) = outside_entries(usecase)
    assert changes_of(entry) == {
        "Reviewer": ("", "Rob Reviewer"),
        "Decision": ("", "Approved"),
        "Decided": ("", shown(decided_at)),
    }


def test_a_sign_off_changed_in_the_admin_shows_who_and_where(org, usecase_in):
    usecase = usecase_in("active")
    sign_off = usecase.sign_offs.get()
    later = sign_off.expires_at + timedelta(days=30)

    with pghistory.context(user=org.admin.pk, url="/admin/usecases/signoff/1/change/"):
        SignOff.objects.filter(pk=sign_off.pk).update(expires_at=later)

    (entry,) = outside_entries(usecase)
    assert entry.title == SIGN_OFF_CHANGED
    assert entry.actor == org.admin
    assert entry.via == "/admin/usecases/signoff/1/change/"
    assert changes_of(entry) == {"Expires": (shown(sign_off.expires_at), shown(later))}


def test_a_sign_off_saved_in_a_shell_shows_the_new_signer(org, usecase_in):
    usecase = usecase_in("active")
    sign_off = SignOff.objects.get(usecase=usecase)
    sign_off.owner = org.lead
    sign_off.save()

    (entry,) = outside_entries(usecase)
    assert changes_of(entry) == {"Signed by": ("Owen Owner", "Leo Lead")}


def test_a_review_created_outside_the_services_shows_what_it_was_created_with(org, usecase):
    revision = Revision.objects.create(
        usecase=usecase, number=1, version=1, reason="submitted", data={}
    )

    Review.objects.create(usecase=usecase, revision=revision, submitted_by=org.lead)

    (entry,) = outside_entries(usecase)
    assert entry.title == "Review created outside the registry's pages"
    changes = changes_of(entry)
    assert changes["Submitted by"] == ("", "Leo Lead")
    assert changes["Revision"] == ("", "Revision 1")
    assert "Reviewer" not in changes  # empty, so no news


def test_a_sign_off_deleted_outside_the_services_shows(org, usecase_in):
    usecase = usecase_in("active")
    sign_off = usecase.sign_offs.get()

    SignOff.objects.filter(pk=sign_off.pk).delete()

    (entry,) = outside_entries(usecase)
    assert entry.title == "Sign-off deleted outside the registry's pages"
    assert changes_of(entry)["Signed by"] == ("Owen Owner", "")


def test_the_page_shows_a_review_changed_outside(as_user, org, usecase_in):
    usecase = usecase_in("declined")
    Review.objects.filter(usecase=usecase).update(comment="Rewritten in the shell.")

    html = as_user(org.member).get(usecase.get_absolute_url()).content.decode()

    assert f"{escape(REVIEW_CHANGED)}</strong> by" in html
    assert "someone not signed in" in html
    assert "Rewritten in the shell." in html


def test_reviews_and_sign_offs_through_the_services_do_not_show_twice(org, usecase):
    usecase = services.usecase_submit(usecase=usecase, actor=org.lead)
    usecase = services.usecase_request_changes(usecase=usecase, actor=org.reviewer, comment="Fix.")
    usecase = services.usecase_submit(usecase=usecase, actor=org.lead)
    usecase = services.usecase_approve(usecase=usecase, actor=org.reviewer)
    usecase = services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)
    usecase = services.usecase_reattest(usecase=usecase, actor=org.owner)

    assert outside_entries(usecase) == []


def test_another_use_cases_reviews_stay_out(org, usecase_in):
    usecase = usecase_in("declined")
    other = usecase_in("declined", title="Another claim triage")

    Review.objects.filter(usecase=other).update(comment="Changed elsewhere.")

    assert outside_entries(usecase) == []
    assert len(outside_entries(other)) == 1


def test_a_bookkeeping_change_alone_adds_no_entry(org, usecase_in):
    """A sign-off's link to the one that superseded it is bookkeeping; its date tells the story."""
    usecase = usecase_in("active")
    first = usecase.sign_offs.get()
    services.usecase_reattest(usecase=usecase, actor=org.owner)
    second = usecase.sign_offs.exclude(pk=first.pk).get()

    SignOff.objects.filter(pk=first.pk).update(superseded_by=None)
    SignOff.objects.filter(pk=first.pk).update(superseded_by=second)

    assert outside_entries(usecase) == []


def test_the_detail_page_costs_the_same_with_reviews_and_sign_offs_changed_outside(
    as_user, org, usecase_in, django_assert_max_num_queries
):
    client = as_user(org.member)
    counts = []
    for changes in (1, 12):
        usecase = usecase_in("active")
        review, sign_off = usecase.reviews.get(), usecase.sign_offs.get()
        for n in range(changes):
            with pghistory.context(user=[org.admin, org.lead][n % 2].pk):
                Review.objects.filter(pk=review.pk).update(comment=f"Take {n}")
                SignOff.objects.filter(pk=sign_off.pk).update(
                    expires_at=sign_off.expires_at + timedelta(days=n + 1)
                )
        with django_assert_max_num_queries(20) as captured:
            response = client.get(usecase.get_absolute_url())
        titles = [entry.title for entry in response.context["timeline"]]
        assert titles.count(REVIEW_CHANGED) == titles.count(SIGN_OFF_CHANGED) == changes
        counts.append(len(captured))

    assert counts[0] == counts[1]
    assert UseCase.objects.count() == 2
