"""The database keeps the registry consistent, keys read the way people type them, search finds."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portfolio.models import Membership, StrategicGoal
from tests.conftest import make_usecase
from tests.factories import GoalFactory, MembershipFactory
from usecases.choices import Source, Status
from usecases.models.usecase import UseCase, parse_key
from usecases.selectors.lists import search_usecases

pytestmark = pytest.mark.django_db


# -- Constraints the database enforces, whoever writes ------------------------------------------


@pytest.mark.parametrize("field", ["business_value", "effort"])
@pytest.mark.parametrize("value", [0, 6])
def test_priority_inputs_outside_one_to_five_are_refused_by_the_database(usecase, field, value):
    with pytest.raises(IntegrityError, match=f"usecase_{field}_1_to_5"), transaction.atomic():
        UseCase.objects.filter(pk=usecase.pk).update(**{field: value})


@pytest.mark.parametrize("field", ["business_value", "effort"])
def test_priority_inputs_at_the_ends_of_the_scale_and_empty_are_stored(usecase, field):
    for value in (1, 5, None):
        UseCase.objects.filter(pk=usecase.pk).update(**{field: value})
        assert getattr(UseCase.objects.get(pk=usecase.pk), field) == value


def test_priority_input_out_of_range_is_refused_on_a_plain_save_too(usecase):
    usecase.business_value = 9
    with pytest.raises(IntegrityError), transaction.atomic():
        usecase.save(update_fields=["business_value"])


def test_an_unknown_status_is_refused_by_the_database(usecase):
    with pytest.raises(IntegrityError, match="usecase_status_valid"), transaction.atomic():
        UseCase.objects.filter(pk=usecase.pk).update(status="approved-by-accident")


def test_the_same_external_reference_cannot_be_imported_twice_from_one_source(org):
    first = make_usecase(org=org, title="Imported once")
    second = make_usecase(org=org, title="Imported twice")
    UseCase.objects.filter(pk=first.pk).update(
        source=Source.US_FEDERAL_2025, external_ref="DOJ-0001"
    )
    with pytest.raises(IntegrityError, match="usecase_unique_external_ref"), transaction.atomic():
        UseCase.objects.filter(pk=second.pk).update(
            source=Source.US_FEDERAL_2025, external_ref="DOJ-0001"
        )


def test_the_same_external_reference_may_appear_in_different_sources(org):
    first = make_usecase(org=org, title="From the US inventory")
    second = make_usecase(org=org, title="From the UK records")
    UseCase.objects.filter(pk=first.pk).update(source=Source.US_FEDERAL_2025, external_ref="REF-1")
    UseCase.objects.filter(pk=second.pk).update(source=Source.UK_ATRS, external_ref="REF-1")
    assert UseCase.objects.filter(external_ref="REF-1").count() == 2


def test_blank_external_references_may_repeat(org):
    for title in ("Typed in by hand", "Also typed in by hand"):
        make_usecase(org=org, title=title)
    assert UseCase.objects.filter(source=Source.MANUAL, external_ref="").count() == 2


def test_a_person_is_a_member_of_a_team_only_once(org):
    with pytest.raises(IntegrityError, match="membership_unique_team_user"), transaction.atomic():
        MembershipFactory(team=org.team, user=org.member)
    assert Membership.objects.filter(team=org.team, user=org.member).count() == 1


def test_a_person_may_belong_to_several_teams(org):
    MembershipFactory(team=org.other_team, user=org.member)
    assert set(org.member.teams.all()) == {org.team, org.other_team}


def test_a_goal_cannot_be_its_own_parent():
    goal = GoalFactory(title="Serve citizens faster")
    with pytest.raises(IntegrityError, match="goal_not_own_parent"), transaction.atomic():
        StrategicGoal.objects.filter(pk=goal.pk).update(parent=goal)


def test_a_goal_may_have_another_goal_as_parent():
    vision = GoalFactory(title="A responsive public service")
    goal = GoalFactory(title="Decide within ten days", parent=vision)
    assert list(vision.children.all()) == [goal]


# -- Keys ----------------------------------------------------------------------------------------


def test_a_usecase_key_is_uc_dash_its_number(usecase):
    assert usecase.key == f"UC-{usecase.number}"
    assert str(usecase) == f"UC-{usecase.number} Triage incoming benefit claims"
    assert usecase.get_absolute_url() == f"/usecases/UC-{usecase.number}/"


@pytest.mark.parametrize(
    ("typed", "number"),
    [("UC-1001", 1001), ("uc-1001", 1001), ("1001", 1001), ("  UC-1001 ", 1001), ("UC-0042", 42)],
)
def test_parse_key_accepts_the_ways_people_type_a_key(typed, number):
    assert parse_key(typed) == number


@pytest.mark.parametrize(
    "junk", ["", "UC-", "UC", "claims", "UC-12a", "UC 12", "-12", "12.5", "UC--12", "²", "UC-²"]
)
def test_parse_key_rejects_anything_that_is_not_a_key(junk):
    assert parse_key(junk) is None


def test_a_number_past_the_columns_range_is_no_key():
    """No use case can have a number past a 64-bit column's range: read as none, it is never put
    to the database (which would compare every row's number as a decimal to find it)."""
    assert parse_key(f"UC-{2**63 - 1}") == 2**63 - 1
    assert parse_key(f"UC-{2**63}") is None
    assert parse_key("UC-99999999999999999999") is None


def test_by_key_finds_the_usecase_however_the_key_is_typed(org):
    usecase = make_usecase(org=org)
    make_usecase(org=org, title="Another one")
    for typed in (usecase.key, usecase.key.lower(), str(usecase.number)):
        assert list(UseCase.objects.by_key(typed)) == [usecase]


@pytest.mark.parametrize("junk", ["claims", "UC-", "UC-99999999999999999999999", "²"])
def test_by_key_with_junk_finds_nothing(usecase, junk):
    assert list(UseCase.objects.by_key(junk)) == []


# -- Full-text search ----------------------------------------------------------------------------


@pytest.fixture
def catalogue(org):
    """Three use cases with distinct words in title, who and problem."""
    return {
        "triage": make_usecase(
            org=org,
            title="Triage incoming benefit claims",
            who="Claims officers in regional offices",
            problem="Claims wait weeks before anyone reads them.",
        ),
        "forecast": make_usecase(
            org=org,
            title="Forecast call-centre demand",
            who="Workforce planners",
            problem="Rosters are drawn up from last year's spreadsheets.",
        ),
        "translate": make_usecase(
            org=org,
            title="Translate letters to citizens",
            who="Caseworkers writing to non-native speakers",
            problem="Letters are misunderstood and appeals follow.",
        ),
    }


def search(text):
    return set(search_usecases(UseCase.objects.all(), text))


@pytest.mark.parametrize("typed", ["triag", "Triage", "TRIAGE", "tri", "triage inc"])
def test_search_matches_title_prefixes_while_typing(catalogue, typed):
    assert search(typed) == {catalogue["triage"]}


def test_search_matches_who(catalogue):
    assert search("workforce plan") == {catalogue["forecast"]}


def test_search_matches_problem(catalogue):
    assert search("spreadsheet") == {catalogue["forecast"]}
    assert search("appeals") == {catalogue["translate"]}


def test_search_needs_every_word_to_match(catalogue):
    assert search("letters rosters") == set()


def test_search_does_not_match_fields_outside_title_who_and_problem(catalogue):
    # success_signal is the same "Median days ..." for all three; it is not indexed.
    assert search("median") == set()


@pytest.mark.parametrize("form", ["{key}", "{key_lower}", "{number}"])
def test_search_by_key_finds_that_usecase(catalogue, form):
    wanted = catalogue["forecast"]
    typed = form.format(key=wanted.key, key_lower=wanted.key.lower(), number=wanted.number)
    assert search(typed) == {wanted}


@pytest.mark.parametrize(
    "junk",
    [
        "a & | ! ( :*",
        "claims & | ! ( :*",
        "'",
        "\\",
        "((((",
        "!!!",
        "<->",
        "::*:*",
        "x" * 3000,
        "é ü ø 日本語",
        "²",
        "   ",
    ],
)
def test_search_with_tsquery_syntax_or_odd_characters_does_not_error(catalogue, junk):
    search(junk)  # evaluating the queryset runs the SQL; an error would raise here


def test_search_with_tsquery_operators_around_real_words_still_finds(catalogue):
    assert search("triag & | ! ( :*") == {catalogue["triage"]}


@pytest.mark.parametrize("stop_words", ["the", "the and of", "a"])
def test_search_with_only_stop_words_does_not_error(catalogue, stop_words):
    search(stop_words)


def test_stop_words_next_to_a_real_word_are_ignored(catalogue):
    assert search("the triage") == {catalogue["triage"]}


def test_empty_search_returns_everything(catalogue):
    assert search("") == set(catalogue.values())


def test_search_prefix_that_is_a_stop_word_still_matches_while_typing(catalogue):
    assert search("in") >= {catalogue["triage"]}


def test_only_a_draft_may_lack_an_owner(usecase):
    from django.db import IntegrityError, transaction

    UseCase.objects.filter(pk=usecase.pk).update(owner=None)  # a draft: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        UseCase.objects.filter(pk=usecase.pk).update(status="active")


def test_the_overdue_rule_reads_the_same_on_a_row(org):
    """``UseCase.attestation_overdue`` (a loaded row) and ``UseCase.objects.overdue()`` (the
    query) give the same answer for every status and expiry: past, just past, future, none."""
    now = timezone.now()
    expiries = [None, now - timedelta(days=30), now - timedelta(seconds=5), now + timedelta(days=1)]
    rows = []
    for status in Status.values:
        for expires in expiries:
            usecase = make_usecase(org=org, title=f"{status} {expires}")
            UseCase.objects.filter(pk=usecase.pk).update(
                status=status, attestation_expires_at=expires
            )
            rows.append(usecase.pk)
    overdue_by_query = set(
        UseCase.objects.overdue().filter(pk__in=rows).values_list("pk", flat=True)
    )
    overdue_on_row = {
        row.pk for row in UseCase.objects.filter(pk__in=rows) if row.attestation_overdue
    }
    assert overdue_on_row == overdue_by_query
    assert len(overdue_by_query) == 2  # active, and expired a month or five seconds ago
