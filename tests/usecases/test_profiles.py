"""The public standards' profiles: shipped as files that name only real fields; each requirement a
condition, conditional ones (the US inventory's high-impact questions) asked only where they
apply; a use case page says what it lacks under each profile switched on; the dashboard counts
the use cases not yet reportable and its tile's count is the list's count."""

import dataclasses
import json
import re
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from tests.conftest import advance_usecase, make_usecase
from usecases.choices import REGISTER_FIELDS
from usecases.models import EnabledProfile, UseCase
from usecases.profiles import (
    COMPUTED_EXPORT_FIELDS,
    PROFILE_DIR,
    PROFILES,
    load_profile,
    load_profiles,
    loaded_profile_gaps,
    profile_gaps,
)
from usecases.summary_profiles import condition_sql

pytestmark = pytest.mark.django_db

US = "us_omb_2025"
DASHBOARD = reverse("usecases:dashboard")
LIST = reverse("usecases:usecase_list")
HIGH_IMPACT_QUESTIONS = {
    "pre_deployment_testing",
    "impact_assessments",
    "potential_impacts",
    "independent_review",
    "monitoring",
    "operator_training",
    "human_oversight",
    "appeal_route",
    "public_consultation",
}
# What the US inventory asks of every use case, and of one deployed, filled in.
US_BASICS = {
    "business_intent": "Officers reach the urgent claims first.",
    "outputs": "A priority score per claim.",
    "topic_area": "Benefits",
    "techniques": ["classical_ml"],
    "contact_email": "ai-office@example.org",
    "sourcing": "in_house",
    "data_sources": "Past claims and their outcomes.",
    "personal_data": True,
    "in_production_on": date(2024, 5, 1),
}
HIGH_IMPACT_ANSWERS = {
    "pre_deployment_testing": "Shadow run on 2,000 claims.",
    "impact_assessments": [{"kind": "aia", "date": "2024-03-01", "link": ""}],
    "potential_impacts": "Urgent claims ranked low; a caseworker reviews the lowest decile.",
    "independent_review": "Reviewed by the department's AI office.",
    "monitoring": "Monthly drift report.",
    "operator_training": "A half-day course for every officer.",
    "human_oversight": "Officers decide; the score only orders the queue.",
    "appeal_route": "The usual benefits appeal.",
    "public_consultation": "Claimant panel, spring 2024.",
}


def switch_on(*keys):
    for key in keys:
        EnabledProfile.objects.create(key=key)


def lacking(usecase, key=US) -> set[str]:
    (gaps,) = profile_gaps(usecase, [PROFILES[key]])
    return {requirement.field for requirement in gaps.lacking}


def deployed(org, **fields):
    return make_usecase(org=org, **{"lifecycle_stage": "in_production", **US_BASICS, **fields})


# --- The files -------------------------------------------------------------------------------------


def test_the_three_standards_ship_as_profiles_naming_only_real_fields():
    assert set(PROFILES) == {US, "nl_algoritmeregister_1_0", "uk_atrs"}
    model_fields = {field.name for field in UseCase._meta.get_fields()}
    for profile in PROFILES.values():
        assert profile.requirements and profile.export_columns
        assert {r.field for r in profile.requirements} <= model_fields
        assert {c.field for c in profile.export_columns} <= (
            model_fields | COMPUTED_EXPORT_FIELDS | {None}
        )
        # Each export says where the standard's column list comes from, down to the commit.
        assert {"repository", "path", "commit"} <= set(profile.export_source)
    # The US inventory's columns are the export's names, and the risk questions are all asked.
    us = PROFILES[US]
    assert {"use_case_name", "is_high_impact", "hi_appeal_process"} <= {
        c.name for c in us.export_columns
    }
    assert {r.field for r in us.requirements} & set(REGISTER_FIELDS) >= HIGH_IMPACT_QUESTIONS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"requirements": [{"field": "cost_centre"}]}, "no field “cost_centre”"),
        ({"requirements": [{"field": "goals"}]}, "not a column"),
        (
            {"requirements": [{"field": "vendor", "when": {"impact_level": ["severe"]}}]},
            "“when” on impact_level",
        ),
        ({"export": {"columns": [{"name": "x", "field": "budget"}]}}, "no field “budget”"),
        (
            {"export": {"columns": [{"name": "s", "field": "sourcing", "values": {"x": "X"}}]}},
            "are not choices",
        ),
        (
            {"export": {"columns": [{"name": "n", "field": None, "values": {"a": "A"}}]}},
            "no field to read values from",
        ),
        ({"export": {"columns": [{"name": "n", "feld": "title"}]}}, "unknown keys ['feld']"),
    ],
)
def test_a_profile_file_naming_what_the_registry_lacks_fails_to_load(tmp_path, change, message):
    raw = json.loads((PROFILE_DIR / f"{US}.json").read_text())
    path = tmp_path / f"{US}.json"
    path.write_text(json.dumps({**raw, **change}))
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)) as refused:
        load_profiles(tmp_path)
    assert f"{US}.json" in str(refused.value)


def test_a_profile_file_is_named_by_its_key(tmp_path):
    path = tmp_path / "us.json"
    path.write_text((PROFILE_DIR / f"{US}.json").read_text())
    with pytest.raises(ImproperlyConfigured, match="its key must be"):
        load_profile(path)


# --- The rule ------------------------------------------------------------------------------------


def test_the_high_impact_questions_are_asked_only_of_deployed_high_impact_use_cases(org):
    high_deployed = deployed(org, impact_level="high")
    assert lacking(high_deployed) == HIGH_IMPACT_QUESTIONS
    # The same use case in a pilot, or deployed but not high impact: none of them.
    high_pilot = make_usecase(org=org, lifecycle_stage="pilot", impact_level="high", **US_BASICS)
    not_high = deployed(org, impact_level="not_high")
    assert lacking(high_pilot) == set()
    assert lacking(not_high) == set()
    answered = deployed(org, impact_level="high", **HIGH_IMPACT_ANSWERS)
    assert lacking(answered) == set()
    assert profile_gaps(answered, [PROFILES[US]])[0].reportable


def test_other_conditions_follow_the_inventory(org):
    idea = make_usecase(org=org)  # an idea: the basics only
    assert lacking(idea) == {
        "business_intent",
        "outputs",
        "topic_area",
        "techniques",
        "impact_level",
        "contact_email",
    }
    presumed = deployed(org, impact_level="presumed_not_high", sourcing="vendor")
    assert lacking(presumed) == {"impact_justification", "vendor"}


def test_a_retired_or_declined_use_case_is_never_counted_not_reportable(org):
    switch_on(US)
    retired_stage = deployed(org, impact_level="high", lifecycle_stage="retired")
    declined = advance_usecase(deployed(org, impact_level="high"), org=org, to="declined")
    (gaps,) = profile_gaps(retired_stage, [PROFILES[US]])
    assert not gaps.in_scope and not gaps.reportable
    assert not UseCase.objects.filter(PROFILES[US].not_reportable).exists()
    assert lacking(declined)  # what it lacks is still known, but it is not asked for


# --- The use case page -----------------------------------------------------------------------------


def test_the_page_shows_what_the_use_case_lacks_under_each_profile_switched_on(as_user, org):
    usecase = deployed(org, impact_level="high", **{**HIGH_IMPACT_ANSWERS, "appeal_route": ""})
    client = as_user(org.member)
    page = client.get(usecase.get_absolute_url())
    assert page.context["profile_gaps"] == [] and b"Public standards" not in page.content

    switch_on(US, "uk_atrs")
    page = client.get(usecase.get_absolute_url()).content.decode()
    us_part = page.split('data-profile="us_omb_2025"')[1].split("</li>\n        \n")[0]
    assert "Not reportable" in us_part
    assert "Appeal route" in us_part and "hi_appeal_process" in us_part
    assert "Monitoring" not in us_part
    assert (
        'data-profile="uk_atrs"' in page and 'data-profile="nl_algoritmeregister_1_0"' not in page
    )


def test_the_page_costs_no_query_more_with_every_profile_on(as_user, org, page_queries):
    usecase = deployed(org, impact_level="high")
    client = as_user(org.member)
    off = page_queries(client, usecase.get_absolute_url(), budget=30)
    switch_on(*PROFILES)
    on = page_queries(client, usecase.get_absolute_url(), budget=30)
    # The profiles switched on are read either way; the gaps off the row the page loaded.
    assert on == off


def test_the_gaps_read_off_a_loaded_row_are_the_databases(org):
    """The page reads the gaps off the row it loaded (``loaded_profile_gaps``), the dashboard and
    the exports ask the database (``Requirement.lacking``): for every profile and every kind of
    use case, empty and filled, texts, lists, JSON, dates, yes/no left unstated, links to people,
    the two agree."""
    made = [
        make_usecase(org=org),
        deployed(org, impact_level="high"),
        deployed(org, impact_level="high", **HIGH_IMPACT_ANSWERS),
        deployed(org, impact_level="presumed_not_high", sourcing="vendor"),
        deployed(org, impact_level="high", lifecycle_stage="retired"),
        advance_usecase(deployed(org, impact_level="high"), org=org, to="declined"),
        make_usecase(org=org, lifecycle_stage="pilot", impact_level="high", **US_BASICS),
    ]
    emptied = deployed(org, impact_level="high", **HIGH_IMPACT_ANSWERS)
    nullable = {
        field.name: None
        for field in UseCase._meta.concrete_fields
        if field.null and not field.primary_key and field.name not in ("owner", "team", "author")
    }
    UseCase.objects.filter(pk=emptied.pk).update(**nullable)
    made.append(emptied)
    for usecase in made:
        loaded = UseCase.objects.get(pk=usecase.pk)
        for profile in PROFILES.values():
            (asked,) = profile_gaps(loaded, [profile])
            (read,) = loaded_profile_gaps(loaded, [profile])
            assert read == asked, (profile.key, usecase.key)
    everything = list(PROFILES.values())
    assert any(
        g.lacking for g in loaded_profile_gaps(UseCase.objects.get(pk=emptied.pk), everything)
    )


# --- The dashboard and the list ----------------------------------------------------------------------


def list_count(client, url) -> int:
    return client.get(url).context["page"].paginator.count


def tile(client, key, query=""):
    tiles = client.get(f"{DASHBOARD}{query}").context["tiles"]
    return next((t for t in tiles if t.key == key), None)


def test_no_profile_on_no_tile(as_user, org):
    deployed(org, impact_level="high")
    tiles = as_user(org.reviewer).get(DASHBOARD).context["tiles"]
    assert not [t for t in tiles if t.key.startswith("not_reportable")]


def test_the_tile_counts_what_its_list_shows_and_clears_when_filled(as_user, org):
    switch_on(US)
    gap = deployed(org, impact_level="high")
    deployed(org, impact_level="high", **HIGH_IMPACT_ANSWERS)  # reportable
    other_team = deployed(org, impact_level="high", team=org.other_team)
    deployed(org, impact_level="high", lifecycle_stage="retired")  # not asked
    client = as_user(org.reviewer)

    us_tile = tile(client, f"not_reportable_{US}")
    assert us_tile.label == "Not reportable under US AI inventory"
    assert us_tile.count == 2 == list_count(client, us_tile.url)
    assert f"not_reportable={US}" in us_tile.url

    scoped = tile(client, f"not_reportable_{US}", f"?team={org.team.slug}")
    assert scoped.count == 1 == list_count(client, scoped.url)
    assert [row.pk for row in client.get(scoped.url).context["page"]] == [gap.pk]

    for usecase in (gap, other_team):
        UseCase.objects.filter(pk=usecase.pk).update(**HIGH_IMPACT_ANSWERS)
    assert tile(client, f"not_reportable_{US}").count == 0


def test_the_dashboard_costs_the_same_with_profiles_on_whatever_the_data(
    as_user, org, page_queries
):
    switch_on(*PROFILES)
    client = as_user(org.reviewer)
    deployed(org, impact_level="high")
    one = page_queries(client, DASHBOARD, budget=22)
    for _ in range(5):
        deployed(org, impact_level="high", team=org.other_team)
    assert page_queries(client, DASHBOARD, budget=22) == one


def test_a_profiles_condition_is_compiled_once_and_each_profile_its_own():
    """The dashboard compares the installed condition with the profile's on every read: the SQL
    is compiled once per profile (the same text object again), and a profile with other
    requirements under the same key gets its own."""
    profile = PROFILES[US]
    assert condition_sql(profile) is condition_sql(profile)
    fewer = dataclasses.replace(profile, requirements=profile.requirements[:1])
    assert condition_sql(fewer) != condition_sql(profile)
    assert condition_sql(fewer) is condition_sql(fewer)
    reloaded = load_profile(PROFILE_DIR / f"{US}.json")  # equal, but another object
    assert condition_sql(reloaded) == condition_sql(profile)
