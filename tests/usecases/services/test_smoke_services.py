import pytest

from tests.conftest import make_usecase
from usecases import services
from usecases.choices import Status
from usecases.models import UseCase


@pytest.mark.django_db
def test_created_usecase_gets_a_sequential_key_and_a_created_event(org):
    first = make_usecase(org=org)
    second = make_usecase(org=org, title="Second")
    assert first.key.startswith("UC-")
    assert second.number == first.number + 1
    assert first.status == Status.DRAFT
    assert first.events.get().kind == "usecase.created"


@pytest.mark.django_db
def test_keys_are_never_reused_after_a_delete(org):
    first = make_usecase(org=org)
    number = first.number
    first.delete()
    assert make_usecase(org=org).number > number


@pytest.mark.django_db
def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(org, usecase):
    services.usecase_update(
        usecase=usecase, actor=org.lead, data={"title": "Lead's title"}, expected_version=1
    )
    with pytest.raises(services.EditConflict):
        services.usecase_update(
            usecase=usecase, actor=org.member, data={"title": "Member's title"}, expected_version=1
        )
    stored = UseCase.objects.get(pk=usecase.pk)
    assert stored.title == "Lead's title"
    assert stored.version == 2
