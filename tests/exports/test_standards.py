"""The standards' exports: exactly the profile's columns, the standard's words for the values, and
the use cases the standard can't accept left out and listed with why."""

import csv
import io
import json
import zipfile

import pytest

from exports.standard_values import COMPUTED
from exports.standards import _COMPUTED, STANDARDS
from tests.conftest import make_usecase
from tests.exports.test_fields import body
from usecases.profiles import COMPUTED_EXPORT_FIELDS, PROFILES

pytestmark = pytest.mark.django_db


def archive(client, fmt, query=""):
    response = client.get(f"/exports/usecases/{fmt}/{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(body(response)))
    names = files.namelist()
    assert names[1] == "refused.csv"
    standard = files.read(names[0]).decode("utf-8")
    refused = list(csv.DictReader(io.StringIO(files.read("refused.csv").decode("utf-8"))))
    return response, names[0], standard, refused


def records(fmt, text) -> tuple[list[str], list[dict]]:
    """The file's column names and its records."""
    if fmt == "us-2025":
        assert not text.startswith("\ufeff")  # read by machines: no byte-order mark
        reader = csv.DictReader(io.StringIO(text))
        return list(reader.fieldnames), list(reader)
    items = json.loads(text)
    assert isinstance(items, list)
    return (list(items[0]) if items else []), items


def profile_columns(fmt) -> list[str]:
    return [column.name for column in PROFILES[STANDARDS[fmt]].export_columns]


@pytest.mark.parametrize("fmt", STANDARDS)
def test_each_standard_has_exactly_its_profile_s_columns(as_user, org, full_usecase, fmt):
    _, name, text, refused = archive(as_user(org.member), fmt)
    assert name.endswith(".csv" if fmt == "us-2025" else ".json")
    columns, rows = records(fmt, text)
    assert refused == []
    assert len(rows) == 1
    assert columns == profile_columns(fmt)
    for row in rows:
        assert list(row) == profile_columns(fmt)


def test_the_us_inventory_uses_its_own_words(as_user, org, full_usecase):
    _, _, text, _ = archive(as_user(org.member), "us-2025")
    (row,) = records("us-2025", text)[1]
    assert row["id"] == full_usecase.key
    assert row["use_case_name"] == full_usecase.title
    assert row["agency_name"] == "Department"  # the top unit above the team
    assert row["agency_bureau"] == "Claims Processing"
    assert row["agency"] == ""  # the registry holds no agency abbreviation
    assert row["development_stage"] == "Deployed"
    assert row["is_high_impact"] == "High-impact"
    assert row["topic_area"] == "Other"  # "Benefits" is none of the inventory's topics
    assert row["classification"] == "Classical ML"  # one choice: the first technique
    assert row["contracting_usage"] == "Vendor Purchased"
    assert row["has_pii"] == "Yes"
    assert row["pia_url"] == "https://ex.org/dpia"
    assert row["has_custom_code"] == "Yes"  # its code is published
    assert row["operational_date"] == "2024-02-03"
    assert row["hi_testing_conducted"] == "Yes"
    assert row["hi_assessment_completed"] == ""  # a DPIA is no AI impact assessment
    assert row["hi_potential_impacts"] == "Wrongly refused claims."
    assert row["hi_appeal_process"] == "Appeal Process Established"


def test_the_dutch_and_uk_records_are_typed_json_in_their_words(as_user, org, full_usecase):
    client = as_user(org.member)
    (dutch,) = records("nl", archive(client, "nl")[2])[1]
    assert dutch["status"] == "In gebruik"
    assert dutch["organization"] == "Department"
    assert dutch["begin_date"] == "2024-02"
    assert dutch["end_date"] is None
    assert dutch["publication_category"] == "Impactvolle algoritmes"
    assert dutch["impacttoetsen_grouping"] == [
        {"title": "Data Protection Impact Assessment (DPIA)", "link": "https://ex.org/dpia"}
    ]
    assert dutch["lawful_basis_grouping"] == [
        {"title": "Social Security Act, art. 12", "link": "https://example.org/law"}
    ]
    assert dutch["methods_and_models"] == (
        "Classical / predictive machine learning, Natural language processing"
    )
    assert dutch["source_id"] == full_usecase.key
    assert dutch["website"] is None and dutch["lang"] == "nld"
    (british,) = records("uk", archive(client, "uk")[2])[1]
    assert british["phase"] == "Production"
    assert british["publishing_body"] == "Department"
    assert british["url"] is None
    assert british["tool_name"] == "ClaimSense"
    assert british["model_type"] == [
        "Classical / predictive machine learning",
        "Natural language processing",
    ]


@pytest.mark.parametrize("fmt", STANDARDS)
def test_a_use_case_the_standard_cannot_accept_is_left_out_and_listed_with_why(
    as_user, org, full_usecase, fmt
):
    lacking = make_usecase(org=org, title="Half-written idea", problem="")
    response, _, text, refused = archive(as_user(org.member), fmt)
    _, rows = records(fmt, text)
    key_column = {"us-2025": "id"}.get(fmt)
    if key_column:
        assert [row[key_column] for row in rows] == [full_usecase.key]
    assert len(rows) == 1
    assert response["X-Export-Refused"] == "1"
    (refusal,) = refused
    assert refusal["key"] == lacking.key and refusal["title"] == "Half-written idea"
    profile = PROFILES[STANDARDS[fmt]]
    problem = next(r for r in profile.requirements if r.field == "problem")
    assert f"{problem.label} is empty" in refusal["why"]


def test_the_refusals_are_the_list_s_not_reportable_filter(as_user, org, full_usecase):
    make_usecase(org=org, title="Half-written idea", problem="")
    client = as_user(org.member)
    _, _, _, refused = archive(client, "us-2025")
    listed = client.get("/usecases/?not_reportable=us_omb_2025").context["page"].object_list
    assert [row["key"] for row in refused] == [usecase.key for usecase in listed]


def test_a_standard_export_applies_the_list_s_filters(as_user, org, full_usecase):
    make_usecase(org=org, title="Half-written idea", problem="", team=org.other_team)
    _, _, text, refused = archive(as_user(org.member), "us-2025", "?team=digital-platforms")
    assert records("us-2025", text)[1] == [] and len(refused) == 1


def test_every_computed_field_a_profile_may_name_is_worked_out_by_the_exports():
    assert {*_COMPUTED, *COMPUTED, "top_unit"} == COMPUTED_EXPORT_FIELDS
