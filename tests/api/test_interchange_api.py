"""Exports and imports through the API: the export page's files for the list's filters, and an
import uploaded, previewed (nothing written), started and run by the real task worker, its
progress and rows read back; only admins and team leads import, and a run is seen by its own
person and admins, as on the pages."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from api import tokens
from imports.mapping import Mapping
from imports.models import ImportRun, RunStatus
from imports.runs import mapping_save
from tests.conftest import ROLES, make_usecase
from tests.imports.conftest import shared_data  # noqa: F401  (the fixture)
from tests.imports.registers import us_2025_csv
from tests.task_worker import run_worker
from usecases.choices import Status
from usecases.models import UseCase

IMPORTS = "/api/v1/imports"
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def _bearer(user, scope="write") -> Client:
    _, text = tokens.create(user, name=f"{scope} script", scope=scope)
    return Client(headers={"Authorization": f"Bearer {text}"})


def _upload(client, content: bytes, name="inventory.csv", **fields):
    return client.post(IMPORTS, {"file": SimpleUploadedFile(name, content), **fields})


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# -- Exports ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_whoever_reads_the_list_exports_it_and_nobody_else(as_role, org, role):
    make_usecase(org=org)
    response = as_role(role).get("/api/v1/exports/csv")
    if role == "anonymous":
        _problem(response, 401)
    else:
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(_content(response).decode("utf-8-sig"))))
        assert [row["title"] for row in rows] == ["Triage incoming benefit claims"]


@pytest.mark.django_db
def test_each_format_is_the_export_page_s_file_with_its_type_and_name(as_user, org):
    make_usecase(org=org)
    client = as_user(org.member)
    expected = {
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "us-2025": "application/zip",
        "nl": "application/zip",
        "uk": "application/zip",
    }
    for name, content_type in expected.items():
        api = client.get(f"/api/v1/exports/{name}")
        page = client.get(f"/exports/usecases/{name}/")
        assert api.status_code == 200 and api["Content-Type"] == content_type, name
        assert api["Content-Disposition"] == page["Content-Disposition"]
        assert api["Content-Disposition"].startswith("attachment; filename=")
        body = _content(api)
        if name == "xlsx":
            sheet = load_workbook(io.BytesIO(body)).active
            assert sheet.max_row == 2
        elif content_type == "application/zip":
            assert "refused.csv" in zipfile.ZipFile(io.BytesIO(body)).namelist()
            assert api["X-Export-Refused"] == page["X-Export-Refused"]
        elif name == "json":
            assert [record["title"] for record in json.loads(body)] == [
                "Triage incoming benefit claims"
            ]


@pytest.mark.django_db
def test_a_filtered_export_holds_exactly_the_list_endpoint_s_use_cases(as_user, org, usecase_in):
    usecase_in("active", title="Signed and active")
    for number in range(3):
        make_usecase(org=org, title=f"Draft {number}")
    make_usecase(org=org, title="Elsewhere", team=org.other_team, products=[])
    client = as_user(org.member)
    query = {"status": Status.DRAFT, "team": org.team.slug}

    listed = client.get("/api/v1/usecases", query).json()["items"]
    exported = json.loads(_content(client.get("/api/v1/exports/json", query)))

    assert sorted(record["key"] for record in exported) == sorted(i["key"] for i in listed)
    assert len(exported) == 3


@pytest.mark.django_db
def test_a_bad_filter_or_format_is_a_problem_naming_it(as_user, org):
    client = as_user(org.member)

    bad_filter = _problem(client.get("/api/v1/exports/csv", {"status": "bogus"}), 400)
    unknown = _problem(client.get("/api/v1/exports/pdf"), 404)

    assert "status" in bad_filter["errors"]
    assert "pdf" in unknown["detail"]


@pytest.mark.django_db
def test_an_export_takes_fixed_queries_whatever_the_rows(
    as_user, org, django_assert_max_num_queries
):
    client = as_user(org.member)
    make_usecase(org=org)
    for name in ("csv", "xlsx", "us-2025"):
        with django_assert_max_num_queries(25) as few:
            _content(client.get(f"/api/v1/exports/{name}"))
        for number in range(20):
            make_usecase(org=org, title=f"More {name} {number}")
        with django_assert_max_num_queries(len(few)):
            _content(client.get(f"/api/v1/exports/{name}"))


# -- Imports: who, and bad input --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_admins_and_leads_upload_and_see_a_preview_others_are_refused(as_role, org, role):
    client = as_role(role)
    fields = {"team": org.team.slug} if role == "lead" else {}

    response = _upload(client, us_2025_csv(3), **fields)

    if role == "anonymous":
        _problem(response, 401)
    elif role in ("admin", "lead"):
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == RunStatus.MAPPING and body["format"] == "us-2025"
        assert body["counts"] == {**dict.fromkeys(OUTCOMES, 0), "created": 3}
    else:
        _problem(response, 403)
    assert not UseCase.objects.exists()  # a preview writes nothing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "fields", "field", "said"),
    [
        (PNG, "inventory.csv", {}, "file", "PNG"),
        (b"", "inventory.csv", {}, "file", "empty"),
        (b"name,notes\nA,B\n", "ours.csv", {}, "mapping", "not a format"),
        (us_2025_csv(2), "inventory.csv", {"mapping": "Nobody's"}, "mapping", "Nobody's"),
        (us_2025_csv(2), "inventory.csv", {"team": "nowhere"}, "team", ""),
    ],
)
def test_a_bad_upload_is_refused_with_the_reader_s_message_and_nothing_kept(
    as_user, org, content, name, fields, field, said
):
    body = _problem(_upload(as_user(org.admin), content, name, **fields), 400)

    assert field in body["errors"]
    assert said in body["detail"] + body["errors"][field]
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_a_file_of_no_known_format_imports_with_a_saved_mapping_that_fits_it(as_user, org):
    content = b"name,notes\nSort the post,Letters pile up\nRoute calls,\n"
    fits = Mapping(columns={"name": "title", "notes": "problem"}, key=["name"], register="Ours")
    mapping_save("Ours", fits, org.admin)
    mapping_save("No title", Mapping(columns={"notes": "problem"}, key=["name"]), org.admin)
    client = as_user(org.admin)

    refused = _problem(_upload(client, content, "ours.csv", mapping="No title"), 400)
    assert "title" in refused["errors"]["__all__"] and not ImportRun.objects.exists()

    response = _upload(client, content, "ours.csv", mapping="Ours", team=org.team.slug)
    assert response.status_code == 201, response.content
    assert response.json()["counts"] == {**dict.fromkeys(OUTCOMES, 0), "created": 2}
    assert response.json()["format"] == "" and response.json()["team"] == org.team.slug


@pytest.mark.django_db
def test_a_file_over_the_limit_or_a_lead_s_upload_elsewhere_is_refused(as_user, org, settings):
    settings.IMPORT_MAX_BYTES = 100
    big = _problem(_upload(as_user(org.admin), us_2025_csv(5)), 400)
    settings.IMPORT_MAX_BYTES = 10_000_000
    lead = as_user(org.lead)
    nowhere = _problem(_upload(lead, us_2025_csv(2)), 400)
    elsewhere = _problem(_upload(lead, us_2025_csv(2), team=org.other_team.slug), 400)

    assert "takes files up to" in big["detail"]
    assert "team" in nowhere["errors"] and "team" in elsewhere["errors"]
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_a_read_token_uploads_and_starts_nothing(org):
    reader = _bearer(org.admin, "read")
    _problem(_upload(reader, us_2025_csv(2)), 403)
    assert not ImportRun.objects.exists()

    run_id = _upload(_bearer(org.admin), us_2025_csv(2)).json()["id"]
    _problem(reader.post(f"{IMPORTS}/{run_id}/run"), 403)
    assert reader.get(f"{IMPORTS}/{run_id}").status_code == 200
    assert ImportRun.objects.get().status == RunStatus.MAPPING


@pytest.mark.django_db
def test_a_run_is_seen_by_its_person_and_admins_only(as_user, org):
    run_id = _upload(_bearer(org.lead), us_2025_csv(2), team=org.team.slug).json()["id"]
    for person in (org.member, org.non_member, org.reviewer):
        client = as_user(person)
        _problem(client.get(f"{IMPORTS}/{run_id}"), 403)
        _problem(client.get(f"{IMPORTS}/{run_id}/rows"), 403)
        _problem(client.post(f"{IMPORTS}/{run_id}/run"), 403)
    admin = as_user(org.admin)
    assert admin.get(f"{IMPORTS}/{run_id}").json()["status"] == RunStatus.MAPPING
    _problem(admin.post(f"{IMPORTS}/{run_id}/run"), 403)  # starting is the uploader's
    _problem(admin.get(f"{IMPORTS}/{run_id + 1000}"), 404)
    _problem(admin.get(f"{IMPORTS}/{run_id}/rows", {"outcome": "lost"}), 400)
    assert ImportRun.objects.get().status == RunStatus.MAPPING


@pytest.mark.django_db
def test_an_upload_never_started_is_discarded_a_started_one_is_not(as_user, org):
    client = as_user(org.admin)
    first = _upload(client, us_2025_csv(2)).json()["id"]
    second = _upload(client, us_2025_csv(2)).json()["id"]

    assert client.delete(f"{IMPORTS}/{first}").status_code == 204
    assert client.post(f"{IMPORTS}/{second}/run").status_code == 202
    _problem(client.post(f"{IMPORTS}/{second}/run"), 409)
    _problem(client.delete(f"{IMPORTS}/{second}"), 409)
    assert list(ImportRun.objects.values_list("pk", "status")) == [(second, RunStatus.QUEUED)]


@pytest.mark.django_db
def test_the_upload_and_a_run_s_reading_take_fixed_queries(
    as_user, org, django_assert_max_num_queries
):
    client = as_user(org.admin)
    with django_assert_max_num_queries(40) as few:
        small = _upload(client, us_2025_csv(2))
    with django_assert_max_num_queries(len(few)):
        large = _upload(client, us_2025_csv(60))
    assert small.json()["counts"]["created"] == 2 and large.json()["counts"]["created"] == 60
    for path in ("", "/rows"):
        with django_assert_max_num_queries(6) as reads:
            assert client.get(f"{IMPORTS}/{small.json()['id']}{path}").status_code == 200
        with django_assert_max_num_queries(len(reads)):
            assert client.get(f"{IMPORTS}/{large.json()['id']}{path}").status_code == 200


# -- Imports: to the end, through the real task worker ---------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("database_tasks")
def test_a_lead_s_script_imports_a_csv_and_reads_the_failing_row(org):
    client = _bearer(org.lead)
    content = us_2025_csv(5, changed={5: {"use_case_name": ""}})

    uploaded = client.post(
        IMPORTS, {"file": SimpleUploadedFile("inventory.csv", content), "team": org.team.slug}
    )
    assert uploaded.status_code == 201, uploaded.content
    preview = uploaded.json()
    expected = {**dict.fromkeys(OUTCOMES, 0), "created": 4, "failed": 1}
    assert preview["counts"] == expected
    assert any(p["row"] == 6 and p["fails"] for p in preview["problems"])
    assert not UseCase.objects.exists()

    started = client.post(f"{IMPORTS}/{preview['id']}/run")
    assert started.status_code == 202 and started.json()["status"] == RunStatus.QUEUED
    run_worker()

    done = client.get(f"{IMPORTS}/{preview['id']}").json()
    assert done["status"] == RunStatus.DONE and done["counts"] == expected
    assert done["percent"] == 100 and done["rows_done"] == done["rows_total"] == 5
    titles = UseCase.objects.filter(team=org.team).order_by("number").values_list("title")
    assert [t for (t,) in titles] == [f"Map wildfire risk, area {n}" for n in range(1, 5)]

    failed = client.get(f"{IMPORTS}/{preview['id']}/rows", {"outcome": "failed"}).json()
    assert [row["number"] for row in failed["items"]] == [6]
    assert failed["items"][0]["usecase"] is None and failed["items"][0]["notes"]
    created, keys, cursor = [], [], ""
    while True:
        page = client.get(
            f"{IMPORTS}/{preview['id']}/rows", {"outcome": "created", "limit": 3, "cursor": cursor}
        ).json()
        created += [row["number"] for row in page["items"]]
        keys += [row["usecase"] for row in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert created == [2, 3, 4, 5]
    assert set(keys) == {usecase.key for usecase in UseCase.objects.all()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("database_tasks")
def test_an_admin_imports_a_real_register_through_the_api(as_user, org, shared_data):  # noqa: F811
    client = as_user(org.admin)
    name = "uk_atrs_records_2026.json"

    preview = _upload(client, (shared_data / name).read_bytes(), name).json()
    assert preview["counts"] == {**dict.fromkeys(OUTCOMES, 0), "created": 136}
    assert client.post(f"{IMPORTS}/{preview['id']}/run").status_code == 202
    run_worker()

    done = client.get(f"{IMPORTS}/{preview['id']}").json()
    assert done["status"] == RunStatus.DONE and done["counts"]["created"] == 136
    assert UseCase.objects.count() == 136
    again = _upload(client, (shared_data / name).read_bytes(), name).json()
    assert again["counts"] == {**dict.fromkeys(OUTCOMES, 0), "unchanged": 136}
