"""The download: who may export, exactly the list's use cases for the same filters, bad input
refused with nothing exported, and queries that do not grow with the rows."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from tests.conftest import ROLES, make_usecase
from tests.exports.test_fields import body
from tests.usecases.views.test_query_budget import add_usecases
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "xlsx", "json", "us-2025", "nl", "uk")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_export_per_role(as_role, org, usecase, role, fmt):
    response = as_role(role).get(f"/exports/usecases/{fmt}/")
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        # Everyone signed in reads the whole list, so everyone may export it.
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]


def test_an_inactive_person_may_not_export(client, org, usecase):
    org.member.is_active = False
    org.member.save()
    client.force_login(org.member)
    assert client.get("/exports/usecases/csv/").status_code in (302, 403)


def test_an_unknown_format_is_not_found(as_user, org):
    assert as_user(org.member).get("/exports/usecases/pdf/").status_code == 404


def test_a_filter_not_understood_exports_nothing_and_says_which(as_user, org, usecase):
    response = as_user(org.member).get("/exports/usecases/csv/?status=bogus&team=nowhere")
    assert response.status_code == 400
    assert not response.get("Content-Disposition")
    text = response.content.decode()
    assert "Nothing exported" in text
    assert "status" in text and "team" in text
    assert "bogus is not one of the available choices" in text


def test_only_get(as_user, org):
    assert as_user(org.member).post("/exports/usecases/csv/").status_code == 405


def _json_keys(client, query) -> list[str]:
    return [
        record["key"] for record in json.loads(body(client.get(f"/exports/usecases/json/?{query}")))
    ]


def _csv_keys(client, query) -> list[str]:
    text = body(client.get(f"/exports/usecases/csv/?{query}")).decode("utf-8-sig")
    return [row["key"] for row in csv.DictReader(io.StringIO(text))]


def _list_keys(client, query) -> list[str]:
    keys, page = [], 1
    while True:
        context = client.get(f"/usecases/?{query}&page={page}").context
        keys += [usecase.key for usecase in context["page"].object_list]
        if not context["page"].has_next():
            return keys
        page += 1


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=triage",
        "status=draft&sort=title",
        "team=claims-processing&owner=owen",
        "stage=in_production",
        "sort=-updated",
        "not_reportable=us_omb_2025",
    ],
)
def test_the_export_holds_exactly_the_list_for_the_same_query(as_user, org, usecase_in, query):
    make_usecase(org=org, title="Triage appeals", lifecycle_stage="in_production")
    make_usecase(org=org, title="Answer letters", team=org.other_team, owner=org.lead)
    usecase_in("active", title="Archive scans")
    usecase_in("in_review", title="Triage post")
    client = as_user(org.member)
    listed = _list_keys(client, query)
    assert _json_keys(client, query) == listed
    assert _csv_keys(client, query) == listed


def test_the_list_links_each_format_with_its_filters(as_user, org, usecase):
    response = as_user(org.member).get("/usecases/?status=draft&sort=title")
    text = response.content.decode()
    for fmt in FORMATS:
        assert f'href="/exports/usecases/{fmt}/?status=draft&amp;sort=title"' in text
    assert "Export:" in text


def test_the_links_follow_the_filters_when_the_results_are_swapped_in(as_user, org, usecase):
    response = as_user(org.member).get("/usecases/?team=claims-processing", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<form" not in text  # the results alone, as the filters' htmx swap asks
    assert 'href="/exports/usecases/csv/?team=claims-processing"' in text


def test_text_that_would_run_as_a_formula_never_runs(as_user, org):
    make_usecase(
        org=org,
        title='=HYPERLINK("http://evil.example","click")',
        who="+cmd|' /C calc'!A0",
        problem="-2+3",
        success_signal="@SUM(A1)",
        metric_baseline=-5,
    )
    client = as_user(org.member)
    (row,) = csv.DictReader(
        io.StringIO(body(client.get("/exports/usecases/csv/")).decode("utf-8-sig"))
    )
    assert row["title"].startswith("'=HYPERLINK")
    assert row["who"] == "'+cmd|' /C calc'!A0"
    assert row["problem"] == "'-2+3"
    assert row["success_signal"] == "'@SUM(A1)"
    assert row["metric_baseline"] == "-5"  # a number stays a number

    # A workbook has typed cells: the text is the stored text, in a string cell, never a formula.
    sheet = openpyxl.load_workbook(io.BytesIO(body(client.get("/exports/usecases/xlsx/")))).active
    header, cells = (list(row) for row in sheet.iter_rows())
    cells = dict(zip((cell.value for cell in header), cells, strict=True))
    assert cells["title"].value == '=HYPERLINK("http://evil.example","click")'
    assert cells["title"].data_type == "s"
    assert cells["who"].value == "+cmd|' /C calc'!A0"
    assert cells["success_signal"].value == "@SUM(A1)"
    assert cells["metric_baseline"].value == -5
    # JSON is data, not a spreadsheet: the text stays as it was written.
    (record,) = json.loads(body(client.get("/exports/usecases/json/")))
    assert record["title"].startswith("=HYPERLINK")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_queries_do_not_grow_with_the_rows(
    as_user, org, custom_fields, django_assert_max_num_queries, fmt
):
    client = as_user(org.member)

    def count() -> int:
        with django_assert_max_num_queries(15) as captured:
            response = client.get(f"/exports/usecases/{fmt}/")
            assert response.status_code == 200
            body(response)  # a streamed response runs its queries as it is read
        return len(captured)

    def add(number):
        # Each with custom values, a person among them (read once per chunk, not per row).
        ids = [usecase.pk for usecase in add_usecases(org, number)]
        UseCase.objects.filter(pk__in=ids).update(
            custom_values={"steward": org.owner.pk, "headcount": 3, "regions": ["North"]}
        )

    add(10)
    with_ten = count()
    add(190)
    assert count() == with_ten
