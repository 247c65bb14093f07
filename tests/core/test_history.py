"""The audit entry point: every event row and every history mark is a registered name."""

import pghistory
import pytest
from pghistory.models import Context

from core import history
from portfolio.choices import AdminAction
from portfolio.models import AdminEvent
from tests.factories import TeamFactory
from usecases.choices import EventKind
from usecases.models import UseCaseEvent

pytestmark = pytest.mark.django_db


def test_an_event_is_written_to_the_table_its_name_is_registered_for(org):
    event = history.record(
        AdminAction.TEAM_CREATED,
        actor=org.admin,
        target_type="team",
        target_id=str(org.team.pk),
        target_label=str(org.team),
    )
    assert isinstance(event, AdminEvent)
    assert AdminEvent.objects.get().action == "team.created"
    assert history.event_name(EventKind.APPROVED).table is UseCaseEvent


def test_a_name_nobody_registered_writes_no_row(org):
    with pytest.raises(LookupError, match="team.renamed"):
        history.record("team.renamed", actor=org.admin, target_type="team", target_id="1")
    assert not AdminEvent.objects.exists()


def test_a_name_cannot_be_registered_for_two_tables():
    with pytest.raises(ValueError, match="already registered"):
        history.register_events(AdminEvent, [(EventKind.APPROVED, "Approved")])


def test_a_mark_nobody_registered_is_refused_before_anything_is_written():
    with (
        pytest.raises(LookupError, match="team.renamed"),
        history.history_context(service="team.renamed"),
    ):
        TeamFactory()
    assert not Context.objects.exists()


def test_marked_writes_get_a_context_of_their_own_inside_a_request_context():
    """Inside a request's context, the service's rows carry the request's user and URL and its
    mark; a write after it, in the same request, keeps the unmarked request context."""
    with pghistory.context(user=7, url="/usecases/UC-1/"):
        with history.history_context(service=EventKind.APPROVED):
            marked = TeamFactory()
        unmarked = TeamFactory(slug="second")
    marked_context = marked.history.get().pgh_context
    unmarked_context = unmarked.history.get().pgh_context
    assert marked_context.metadata == {
        "user": 7,
        "url": "/usecases/UC-1/",
        "service": "review.approved",
    }
    assert unmarked_context.metadata == {"user": 7, "url": "/usecases/UC-1/"}
    assert marked_context.pk != unmarked_context.pk
