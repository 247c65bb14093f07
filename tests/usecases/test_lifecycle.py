"""The lifecycle stage and its dates: where a use case stands in practice, apart from its approval.

The database holds a known stage and the dates in order for every writer; the form and the edit
service refuse bad input with a message naming the field and write nothing; an edit of the stage
moves the version on (so a stale editor gets a conflict) but is not material, so an active signed
use case stays active and signed. The list filters by stage; the dashboard counts per stage and
tiles "in production without a signed owner", whose count is its list's.
"""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.conftest import ROLES, edit_form_data
from usecases import permissions, services
from usecases.choices import EventKind, LifecycleStage, Status
from usecases.models import Review, UseCase, UseCaseEvent

pytestmark = pytest.mark.django_db

LIST = reverse("usecases:usecase_list")
DASHBOARD = reverse("usecases:dashboard")


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


def edit_url(usecase) -> str:
    return reverse("usecases:usecase_edit", args=[usecase.key])


# --- The database keeps the rule for every writer ------------------------------------------------


def test_a_new_use_case_starts_as_an_idea_with_no_dates(usecase):
    assert (usecase.lifecycle_stage, usecase.started_on, usecase.ended_on) == ("idea", None, None)


@pytest.mark.parametrize(
    "values",
    [
        {"lifecycle_stage": "launched"},
        {"started_on": date(2024, 5, 1), "in_production_on": date(2024, 4, 1)},
        {"in_production_on": date(2024, 5, 1), "ended_on": date(2024, 4, 1)},
        {"started_on": date(2024, 5, 1), "ended_on": date(2024, 4, 1)},
    ],
)
def test_the_database_refuses_an_unknown_stage_and_dates_out_of_order(usecase, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        UseCase.objects.filter(pk=usecase.pk).update(**values)
    assert stored(usecase).version == usecase.version


def test_the_database_takes_dates_in_order_and_equal_dates(usecase):
    UseCase.objects.filter(pk=usecase.pk).update(
        lifecycle_stage=LifecycleStage.RETIRED,
        started_on=date(2023, 1, 1),
        in_production_on=date(2023, 1, 1),
        ended_on=date(2025, 6, 30),
    )
    assert stored(usecase).get_lifecycle_stage_display() == "Retired"


# --- Bad input: refused on the form and in the service, the field named, nothing written ---------

BAD_INPUT = [
    ({"lifecycle_stage": "launched"}, "lifecycle_stage", "Lifecycle stage"),
    ({"started_on": "next spring"}, "started_on", "Started"),
    ({"in_production_on": "2024-02-30"}, "in_production_on", "In production since"),
    ({"ended_on": "9999-01-01"}, "ended_on", "Ended"),
    (
        {"started_on": "2024-05-01", "in_production_on": "2024-04-01"},
        "in_production_on",
        "In production since",
    ),
    ({"in_production_on": "2024-05-01", "ended_on": "2024-04-01"}, "ended_on", "Ended"),
]


@pytest.mark.parametrize(("data", "field", "label"), BAD_INPUT)
def test_the_service_refuses_bad_lifecycle_input_naming_the_field(org, usecase, data, field, label):
    """A shell caller gets the same refusal as the form, and nothing is written."""
    with pytest.raises(services.InvalidValue) as refusal:
        services.usecase_update(
            usecase=usecase, actor=org.member, data=data, expected_version=usecase.version
        )
    assert field in refusal.value.errors
    assert label in str(refusal.value)
    assert stored(usecase).version == usecase.version
    assert not UseCaseEvent.objects.filter(usecase=usecase, kind=EventKind.UPDATED).exists()


def test_the_service_checks_the_order_against_the_dates_already_stored(org, usecase):
    services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"in_production_on": date(2024, 6, 1)},
        expected_version=usecase.version,
    )
    saved = stored(usecase)
    with pytest.raises(services.InvalidValue) as refusal:
        services.usecase_update(
            usecase=saved,
            actor=org.member,
            data={"ended_on": date(2024, 1, 1)},
            expected_version=saved.version,
        )
    assert list(refusal.value.errors) == ["ended_on"]
    assert stored(usecase).ended_on is None


def test_creating_with_a_bad_stage_is_refused_and_creates_nothing(org):
    count = UseCase.objects.count()
    with pytest.raises(services.InvalidValue, match="Lifecycle stage"):
        services.usecase_create(
            actor=org.member, data={"title": "T", "team": org.team, "lifecycle_stage": "x"}
        )
    assert UseCase.objects.count() == count


@pytest.mark.parametrize(("data", "field", "label"), BAD_INPUT)
def test_the_form_refuses_bad_lifecycle_input_naming_the_field(
    as_user, org, usecase, data, field, label
):
    response = as_user(org.member).post(edit_url(usecase), edit_form_data(usecase, **data))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert label in " ".join(form.errors[field])
    assert stored(usecase).version == usecase.version


# --- Edits: versioned, never material ----------------------------------------------------------


def test_an_edit_of_the_stage_moves_the_version_on_and_reads_in_people_s_words(
    as_user, org, usecase
):
    data = edit_form_data(usecase, lifecycle_stage=LifecycleStage.PILOT, started_on="2025-01-15")
    response = as_user(org.member).post(edit_url(usecase), data, follow=True)
    saved = stored(usecase)
    assert (saved.lifecycle_stage, saved.started_on) == ("pilot", date(2025, 1, 15))
    assert saved.version == usecase.version + 1
    event = saved.events.filter(kind=EventKind.UPDATED).get()
    assert event.changes["lifecycle_stage"] == ["Idea", "Pilot"]
    assert event.changes["started_on"] == ["", "2025-01-15"]
    html = response.content.decode()
    assert "Pilot" in html and "15 Jan 2025" in html  # the detail page's lifecycle card
    assert "Lifecycle stage" in html  # the timeline names the field


def test_an_edit_of_the_stage_from_a_stale_version_is_a_conflict(org, usecase):
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"lifecycle_stage": LifecycleStage.IN_DEVELOPMENT},
        expected_version=usecase.version,
    )
    with pytest.raises(services.EditConflict):
        services.usecase_update(
            usecase=usecase,
            actor=org.member,
            data={"lifecycle_stage": LifecycleStage.PILOT},
            expected_version=usecase.version,
        )
    assert stored(usecase).lifecycle_stage == LifecycleStage.IN_DEVELOPMENT


def test_a_stale_stage_edit_on_the_form_gets_the_conflict_page(as_user, org, usecase):
    typed = edit_form_data(usecase, lifecycle_stage=LifecycleStage.PILOT)
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"lifecycle_stage": LifecycleStage.IN_DEVELOPMENT},
        expected_version=usecase.version,
    )
    response = as_user(org.member).post(edit_url(usecase), typed)
    assert response.status_code == 409
    assert "In development" in response.content.decode()


def test_a_stage_change_keeps_an_active_signed_use_case_active_and_signed(org, usecase_in):
    active = usecase_in("active")
    edited = services.usecase_update(
        usecase=active,
        actor=org.member,
        data={
            "lifecycle_stage": LifecycleStage.IN_PRODUCTION,
            "started_on": date(2024, 1, 1),
            "in_production_on": date(2024, 9, 1),
        },
        expected_version=active.version,
    )
    saved = stored(active)
    assert edited.status == saved.status == Status.ACTIVE
    assert saved.version == active.version + 1
    assert saved.changed_since_sign_off is False
    assert not Review.objects.filter(usecase=active, decided_at__isnull=True).exists()


def test_a_stage_changed_from_the_shell_moves_the_version_but_does_not_flag(usecase_in):
    active = usecase_in("active")
    UseCase.objects.filter(pk=active.pk).update(
        lifecycle_stage=LifecycleStage.RETIRED, ended_on=date(2025, 1, 1)
    )
    saved = stored(active)
    assert saved.version == active.version + 1
    assert saved.changed_since_sign_off is False


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_the_stage_is_who_may_edit_the_use_case(as_role, org, usecase, role):
    client = as_role(role)
    data = edit_form_data(usecase, lifecycle_stage=LifecycleStage.PILOT)
    response = client.post(edit_url(usecase), data)
    user = getattr(org, role, None)
    allowed = user is not None and permissions.can_edit(user, usecase)
    assert (stored(usecase).lifecycle_stage == LifecycleStage.PILOT) is allowed
    assert response.status_code == (302 if allowed or role == "anonymous" else 403)


# --- The list and the dashboard ----------------------------------------------------------------


def _at_stage(usecase, stage, **fields):
    UseCase.objects.filter(pk=usecase.pk).update(lifecycle_stage=stage, **fields)


def test_the_list_filters_by_stage_and_shows_it_in_the_row(as_user, org, usecase_in):
    piloted, idea = usecase_in("draft"), usecase_in("draft", title="Still an idea")
    _at_stage(piloted, LifecycleStage.PILOT)
    response = as_user(org.member).get(LIST, {"stage": "pilot"})
    assert [row.pk for row in response.context["page"].object_list] == [piloted.pk]
    assert 'data-label="Stage">Pilot<' in response.content.decode()
    assert idea.pk not in {row.pk for row in response.context["page"].object_list}


def test_the_tile_counts_in_production_use_cases_without_a_signed_owner(as_user, org, usecase_in):
    signed, draft, overdue = usecase_in("active"), usecase_in("draft"), usecase_in("active")
    for usecase in (signed, draft, overdue):
        _at_stage(usecase, LifecycleStage.IN_PRODUCTION)
    UseCase.objects.filter(pk=overdue.pk).update(attestation_expires_at=overdue.signed_off_at)
    client = as_user(org.reviewer)
    tiles = {tile.key: tile for tile in client.get(DASHBOARD).context["tiles"]}
    tile = tiles["in_production_unsigned"]
    assert tile.count == 2
    listed = client.get(tile.url).context["page"]
    assert {row.pk for row in listed.object_list} == {draft.pk, overdue.pk}
    assert listed.paginator.count == tile.count


def test_the_stage_counts_follow_the_team_scope(as_user, org, usecase_in):
    ours = usecase_in("draft")
    theirs = usecase_in("draft", team=org.other_team)
    _at_stage(ours, LifecycleStage.PILOT)
    _at_stage(theirs, LifecycleStage.PILOT)
    client = as_user(org.reviewer)
    everyone = {cell.label: cell.count for cell in client.get(DASHBOARD).context["stages"]}
    scoped = client.get(DASHBOARD, {"team": org.team.slug}).context["stages"]
    assert everyone["Pilot"] == 2
    assert {cell.label: cell.count for cell in scoped} == {
        "Idea": 0,
        "In development": 0,
        "Pilot": 1,
        "In production": 0,
        "Retired": 0,
    }
    pilot = next(cell for cell in scoped if cell.label == "Pilot")
    assert client.get(pilot.url).context["page"].paginator.count == 1
