"""Every core, register and custom field comes out, typed in JSON and as cells in CSV and XLSX."""

import csv
import io
import json

import openpyxl
import pytest

from exports.records import CORE_COLUMNS
from tests.exports.conftest import REGISTER_VALUES
from usecases.choices import REGISTER_FIELDS

pytestmark = pytest.mark.django_db

CUSTOM_COLUMNS = [
    "cf_audited",
    "cf_budget",
    "cf_cost_centre",
    "cf_headcount",
    "cf_regions",
    "cf_review_on",
    "cf_steward",
]


def download(client, fmt, query=""):
    response = client.get(f"/exports/usecases/{fmt}/{query}")
    assert response.status_code == 200, response.content[:500]
    return response


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return b"".join(response)


def test_json_holds_every_field_typed(as_user, org, full_usecase):
    response = download(as_user(org.member), "json")
    assert response.streaming
    (record,) = json.loads(body(response))
    assert list(record) == [*CORE_COLUMNS, *REGISTER_FIELDS, *CUSTOM_COLUMNS]
    for name, value in REGISTER_VALUES.items():
        assert record[name] == value, name
    assert record["key"] == full_usecase.key
    assert record["team"] == "Claims Processing"
    assert record["team_path"] == "Department › Agency › Claims Processing"
    assert record["owner"] == "owen"
    assert record["author"] == "mia"
    assert record["products"] == ["Claims Portal"]
    assert record["goals"] == ["Decide claims faster"]
    assert record["status"] == "draft"
    assert record["lifecycle_stage"] == "in_production"
    assert record["in_production_on"] == "2024-02-03"
    assert record["metric_baseline"] == 40.5 and record["metric_target"] == 10
    assert record["source"] == "manual" and record["external_ref"] == ""
    assert record["cf_headcount"] == 12
    assert record["cf_budget"] == 9.5
    assert record["cf_audited"] is False
    assert record["cf_regions"] == ["North", "East"]
    assert record["cf_review_on"] == "2025-01-31"
    assert record["cf_steward"] == "owen"
    assert record["cf_cost_centre"] == "CC-200"


def test_csv_has_a_bom_and_every_field_as_a_cell(as_user, org, full_usecase):
    response = download(as_user(org.member), "csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    assert list(row) == [*CORE_COLUMNS, *REGISTER_FIELDS, *CUSTOM_COLUMNS]
    assert row["team_path"] == "Department › Agency › Claims Processing"
    assert row["products"] == "Claims Portal"
    assert row["personal_data"] == "Yes"
    assert (
        row["techniques"] == "Classical / predictive machine learning, Natural language processing"
    )
    assert row["impact_assessments"] == "DPIA 2024-03-01 https://ex.org/dpia"
    assert row["documentation_urls"] == "https://docs.example.org/a\nhttps://docs.example.org/b"
    assert row["sourcing"] == "vendor"
    assert row["metric_baseline"] == "40.5"
    assert row["cf_regions"] == "North; East"
    assert row["cf_audited"] == "No"
    assert row["cf_review_on"] == "2025-01-31"
    assert row["cf_steward"] == "owen"


def test_xlsx_holds_every_field_with_numbers_and_dates_typed(as_user, org, full_usecase):
    response = download(as_user(org.member), "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True).active
    header, row = (list(values) for values in sheet.iter_rows(values_only=True))
    assert header == [*CORE_COLUMNS, *REGISTER_FIELDS, *CUSTOM_COLUMNS]
    cells = dict(zip(header, row, strict=True))
    assert cells["key"] == full_usecase.key
    assert cells["cf_headcount"] == 12
    assert cells["cf_budget"] == 9.5
    assert cells["cf_review_on"].date().isoformat() == "2025-01-31"
    assert cells["personal_data"] is True
    assert cells["techniques"].startswith("Classical")


def test_an_archived_custom_field_is_no_column(as_user, org, full_usecase):
    (record,) = json.loads(body(download(as_user(org.member), "json")))
    assert "cf_old_code" not in record


def test_a_person_who_was_deleted_is_an_empty_cell_not_an_id(as_user, org, full_usecase):
    from django.contrib.auth import get_user_model

    from usecases.models import UseCase

    gone = get_user_model().objects.create_user("gone", "gone@example.org", "x")
    stored = {**full_usecase.custom_values, "steward": gone.pk}
    UseCase.objects.filter(pk=full_usecase.pk).update(custom_values=stored)
    gone.delete()
    client = as_user(org.member)

    (record,) = json.loads(body(download(client, "json")))
    (row,) = csv.DictReader(io.StringIO(body(download(client, "csv")).decode("utf-8-sig")))

    assert record["cf_steward"] is None
    assert row["cf_steward"] == ""
