"""The use-case form: clear messages for bad input, and only the choices a person may make."""

import pytest

from tests.conftest import create_form_data, edit_form_data, make_usecase
from tests.factories import GoalFactory, MembershipFactory, ProductFactory, TeamFactory
from usecases.forms import UseCaseForm

pytestmark = pytest.mark.django_db


def test_title_is_required_with_a_message_in_the_domains_words(org):
    form = UseCaseForm(create_form_data(org=org, title=""), user=org.member)
    assert not form.is_valid()
    assert form.errors["title"] == ["Give the use case a title."]


def test_a_complete_new_usecase_is_valid(org):
    form = UseCaseForm(create_form_data(org=org), user=org.member)
    assert form.is_valid(), form.errors
    assert form.domain_data()["team"] == org.team
    assert list(form.domain_data()["products"]) == [org.product]


def test_team_choices_are_the_members_own_teams(org):
    TeamFactory(name="Archived Unit", slug="archived-unit", is_archived=True)
    form = UseCaseForm(user=org.member)
    assert list(form.fields["team"].queryset) == [org.team]


def test_a_member_of_one_team_finds_it_chosen_already(org):
    assert UseCaseForm(user=org.member).fields["team"].initial == org.team.pk


def test_a_member_of_two_teams_chooses_between_them(org):
    MembershipFactory(team=org.other_team, user=org.member)
    form = UseCaseForm(user=org.member)
    assert list(form.fields["team"].queryset) == [org.team, org.other_team]
    assert form.fields["team"].initial is None


def test_an_archived_team_is_not_offered_to_its_members(org):
    org.team.is_archived = True
    org.team.save()
    assert list(UseCaseForm(user=org.member).fields["team"].queryset) == []


def test_admin_may_choose_any_active_team(org):
    TeamFactory(name="Archived Unit", slug="archived-unit", is_archived=True)
    form = UseCaseForm(user=org.admin)
    assert list(form.fields["team"].queryset) == [org.team, org.other_team]


def test_posting_a_team_the_person_is_not_in_is_refused(org):
    form = UseCaseForm(create_form_data(org=org, team=org.other_team.pk), user=org.member)
    assert not form.is_valid()
    assert "team" in form.errors


def test_a_deactivated_person_cannot_be_made_owner(org):
    org.owner.is_active = False
    org.owner.save()
    form = UseCaseForm(create_form_data(org=org), user=org.member)
    assert not form.is_valid()
    assert "owner" in form.errors
    assert org.owner not in form.fields["owner"].queryset


def test_editing_a_usecase_whose_owner_was_deactivated_names_that_owner_and_asks_for_another(
    org, usecase
):
    """The owner must not silently fall back to "Not decided yet" when the form is opened."""
    org.owner.is_active = False
    org.owner.save()
    form = UseCaseForm(instance=usecase, user=org.member)
    assert org.owner in form.fields["owner"].queryset
    assert f'<option value="{org.owner.pk}" selected>' in str(form["owner"])

    form = UseCaseForm(edit_form_data(usecase), instance=usecase, user=org.member)
    assert not form.is_valid()
    assert form.errors["owner"] == ["This person's account is deactivated; choose someone else."]


@pytest.mark.parametrize("numbers", [{"metric_baseline": "14"}, {"metric_target": "9.5"}])
def test_baseline_or_target_without_a_metric_name_is_refused(org, numbers):
    form = UseCaseForm(create_form_data(org=org, metric_name="", **numbers), user=org.member)
    assert not form.is_valid()
    assert form.errors["metric_name"] == ["Name the metric the baseline and target refer to."]


def test_baseline_and_target_with_a_metric_name_are_accepted(org):
    data = create_form_data(
        org=org, metric_name="Days to decision", metric_baseline="14", metric_target="9.5"
    )
    form = UseCaseForm(data, user=org.member)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("field", ["business_value", "effort"])
def test_priority_inputs_outside_one_to_five_are_refused_by_the_form(org, field):
    form = UseCaseForm(create_form_data(org=org, **{field: "6"}), user=org.member)
    assert not form.is_valid()
    assert field in form.errors


def test_archived_products_are_not_offered_for_a_new_usecase(org):
    ProductFactory(name="Old Mainframe", slug="old-mainframe", team=org.team, is_archived=True)
    form = UseCaseForm(user=org.member)
    assert list(form.fields["products"].queryset) == [org.product]


def test_an_archived_product_already_linked_stays_in_the_choices_on_edit(org, usecase):
    org.product.is_archived = True
    org.product.save()
    ProductFactory(name="Other Mainframe", slug="other-mainframe", is_archived=True)

    form = UseCaseForm(instance=usecase, user=org.member)
    assert list(form.fields["products"].queryset) == [org.product]
    assert form["products"].value() == [org.product.pk]

    form = UseCaseForm(edit_form_data(usecase), instance=usecase, user=org.member)
    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["products"]) == [org.product]


def test_a_dropped_goal_already_linked_stays_in_the_choices_on_edit(org):
    dropped = GoalFactory(title="Paper-free by 2020", status="dropped")
    usecase = make_usecase(org=org, goals=[org.goal, dropped])
    assert dropped not in UseCaseForm(user=org.member).fields["goals"].queryset
    assert dropped in UseCaseForm(instance=usecase, user=org.member).fields["goals"].queryset


def test_edit_form_carries_the_version_it_was_opened_at(org, usecase):
    form = UseCaseForm(instance=usecase, user=org.member)
    assert form["version"].value() == usecase.version
    assert 'type="hidden" name="version" value="1"' in str(form["version"])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"metric_direction": "increase", "metric_baseline": "100", "metric_target": "50"},
            "metric_target",
            "Higher is better, so the target should not be below the baseline.",
        ),
        (
            {"metric_direction": "decrease", "metric_baseline": "10", "metric_target": "40"},
            "metric_target",
            "Lower is better, so the target should not be above the baseline.",
        ),
        (
            {"metric_baseline_date": "2026-06-01", "metric_target_date": "2026-01-01"},
            "metric_target_date",
            "The target date should come after the baseline date.",
        ),
        (
            {"metric_target_date": "9999-12-31"},
            "metric_target_date",
            "Give the target date between 1900 and 2199.",
        ),
        (
            {"metric_baseline_date": "0001-01-01"},
            "metric_baseline_date",
            "Give the baseline date between 1900 and 2199.",
        ),
    ],
)
def test_a_metric_that_contradicts_itself_is_refused(org, fields, field, message):
    data = create_form_data(org=org, metric_name="Days to decision", **fields)
    form = UseCaseForm(data, user=org.member)
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_a_target_equal_to_the_baseline_is_a_metric_to_hold(org):
    data = create_form_data(
        org=org,
        metric_name="Uptime",
        metric_direction="increase",
        metric_baseline="99.9",
        metric_target="99.9",
    )
    assert UseCaseForm(data, user=org.member).is_valid()
