"""The import pages, who may open each and what a bad upload is told: a permission test per role
for every page (anonymous, non-member, member, lead, reviewer, admin, owner), the uploader's run
kept from others, each bad file refused with its message and no run left, and CSRF on every
post. The steps after the upload are in test_import_steps.py, the whole flow (the shared
registers too) in test_import_flow.py."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from administration.services import teams
from imports.models import ImportRun, RunStatus
from tests.conftest import ROLES
from tests.factories import MembershipFactory, UserFactory
from tests.imports.pages import START_URL, error_summary, upload, upload_run, url
from tests.imports.registers import us_2025_csv
from tests.imports.test_bad_files import PNG
from tests.markup import Markup, form_values, text
from usecases.models import UseCase

pytestmark = pytest.mark.usefixtures("database_tasks")


def expect_refused(response, role):
    """Anonymous is sent to sign in; anyone else signed in who may not is told 403."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 403


# -- Who may open each page ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_team_leads_open_the_upload_page(as_role, org, role):
    response = as_role(role).get(START_URL)

    if role in ("lead", "admin"):
        assert response.status_code == 200
        assert 'type="file"' in response.content.decode()
    else:
        expect_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_the_list_offers_the_import_only_to_who_may_import(as_role, org, role):
    if role == "anonymous":
        return
    html = as_role(role).get(reverse("usecases:usecase_list")).content.decode()

    assert ("Import a register" in html) == (role in ("lead", "admin"))


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_team_leads_can_upload(as_role, org, role):
    response = upload(as_role(role), us_2025_csv(), "inventory.csv", team=org.team)

    if role in ("lead", "admin"):
        run = ImportRun.objects.get()
        assert response.status_code == 302
        assert response["Location"] == url("run_mapping", run)
        assert (run.created_by, run.team, run.format) == (getattr(org, role), org.team, "us-2025")
    else:
        expect_refused(response, role)
        assert not ImportRun.objects.exists()


def test_a_lead_cannot_upload_into_a_team_they_do_not_lead(as_user, org):
    response = upload(as_user(org.lead), us_2025_csv(), "inventory.csv", team=org.other_team)

    assert response.status_code == 400
    assert "Put every use case in the team: Choose a team you lead." in error_summary(response)
    assert not ImportRun.objects.exists()


def test_a_lead_must_choose_their_team_the_file_cannot_name_it(as_user, org):
    response = upload(as_user(org.lead), us_2025_csv(), "inventory.csv")

    assert response.status_code == 400
    assert "Choose the team you lead to import into." in error_summary(response)
    assert not ImportRun.objects.exists()


def test_nobody_imports_into_an_archived_team(as_user, org):
    teams.team_set_archived(team=org.team, actor=org.admin, archived=True)

    response = upload(as_user(org.admin), us_2025_csv(), "inventory.csv", team=org.team)

    assert response.status_code == 400
    assert "Put the use cases in: Choose a team that is active." in error_summary(response)
    assert not ImportRun.objects.exists()


def test_an_admin_may_import_into_the_teams_the_file_names(as_user, org):
    response = upload(as_user(org.admin), us_2025_csv(), "inventory.csv")

    assert response.status_code == 302
    assert ImportRun.objects.get().team is None


# The pages of one run, how each is asked for, and whether an admin who did not upload it may.
RUN_PAGES = [
    ("run_mapping", "get", False),
    ("run_preview", "get", False),
    ("run_detail", "get", True),
    ("run_failures", "get", True),
    ("run_discard", "post", False),
]


@pytest.mark.parametrize(("page", "method", "admin_sees"), RUN_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_a_run_is_seen_by_its_uploader_and_admins_and_changed_by_its_uploader(
    client, as_role, org, role, page, method, admin_sees
):
    run = upload_run(org.lead, team=org.team)

    response = getattr(as_role(role), method)(url(page, run))

    if role == "lead":
        assert response.status_code == (302 if method == "post" else 200)
    elif role == "admin" and admin_sees:
        assert response.status_code == 200
    else:
        expect_refused(response, role)
    assert ImportRun.objects.filter(pk=run.pk).exists() == (role != "lead" or page != "run_discard")


@pytest.mark.parametrize(("page", "method", "admin_sees"), RUN_PAGES)
def test_another_lead_of_the_same_team_cannot_open_someone_elses_run(
    as_user, org, page, method, admin_sees
):
    second_lead = UserFactory(username="lena")
    MembershipFactory(team=org.team, user=second_lead, role="lead")
    run = upload_run(org.lead, team=org.team)

    response = getattr(as_user(second_lead), method)(url(page, run))

    assert response.status_code == 403
    assert ImportRun.objects.filter(pk=run.pk, status=RunStatus.MAPPING).exists()


def test_an_admin_sees_a_leads_run_but_cannot_start_it(as_user, org):
    run = upload_run(org.lead, team=org.team)
    client = as_user(org.admin)

    assert client.get(START_URL).content.decode().count(url("run_mapping", run)) == 1
    assert client.post(url("run_mapping", run), {}).status_code == 403
    assert client.post(url("run_preview", run)).status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.MAPPING
    assert not DBTaskResult.objects.exists()


def test_a_lead_sees_only_their_own_runs_on_the_upload_page(as_user, org):
    second_lead = UserFactory(username="lena")
    MembershipFactory(team=org.team, user=second_lead, role="lead")
    theirs = upload_run(second_lead, team=org.team, name="theirs.csv")
    mine = upload_run(org.lead, team=org.team, name="mine.csv")

    html = as_user(org.lead).get(START_URL).content.decode()

    assert mine.file_name in html and theirs.file_name not in html


# -- Bad uploads: a clear message, status 400, and no run -----------------------------------------

BROKEN_DEEP_DOWN = b"\xef\xbb\xbftitle,team\n" + b"Triage,Claims\n" * 3000 + b"Caf\xe9,Claims\n"
# What a person may upload by mistake, and what the page tells them.
BAD_UPLOADS = {
    "png-named-csv": (PNG, "register.csv", "register.csv is a PNG image, not a register."),
    "empty": (b" \r\n\t\n", "register.csv", "register.csv holds no data, only white space."),
    "zero-bytes": (b"", "register.csv", "The submitted file is empty."),
    "no-header": (b"1,Chatbot,Claims\n2,Triage,IT\n", "register.csv", "has no header row"),
    "json-object": (b'{"title": "A"}', "register.json", "is JSON but not a list of records"),
    "json-numbers": (b"[1, 2, 3]", "register.json", "is JSON but not a list of records"),
    # A UTF-8 byte-order mark, and 3,000 rows down a Windows-1252 byte: found at the upload.
    "broken-deep-down": (
        BROKEN_DEEP_DOWN,
        "register.csv",
        "register.csv is not all utf-8-sig as it says near line",
    ),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_a_bad_upload_is_refused_with_a_clear_message(as_user, org, case):
    content, name, message = BAD_UPLOADS[case]

    response = upload(as_user(org.admin), content, name)

    assert response.status_code == 400
    assert message in error_summary(response)
    assert not ImportRun.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(as_user, org, settings):
    settings.IMPORT_MAX_BYTES = 1024

    response = upload(as_user(org.admin), us_2025_csv(20), "big.csv")

    assert response.status_code == 400
    assert "big.csv is 4.2 KB; the import takes files up to 1.0 KB." in error_summary(response)
    assert not ImportRun.objects.exists()
    # The form says the limit in force.
    assert "CSV, XLSX or JSON, up to 1.0 KB" in text(Markup(response.content.decode()).root)


def workbook(*rows) -> bytes:
    import openpyxl  # noqa: PLC0415 (only these tests write a workbook)

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_formula_cell_is_not_stored_and_the_preview_says_so(as_user, org):
    content = workbook(
        ["title", "problem"],
        ["Chatbot", '=HYPERLINK("http://evil.example/","Open the case")'],
        ["Triage", "Claims wait weeks."],
    )
    client = as_user(org.lead)
    response = upload(client, content, "register.xlsx", team=org.team)
    assert response.status_code == 302
    run = ImportRun.objects.get()

    preview = client.get(url("run_preview", run)).content.decode()

    problems = text(Markup(preview).one("section", **{"aria-labelledby": "row-issues"}))
    assert (
        '2 problem =HYPERLINK("http://evil.example/","Open the case") A spreadsheet formula, not '
        "a value: it is not stored. goes in"
    ) in problems
    counts = text(Markup(preview).one("dl", class_="summary-counts"))
    assert "Created 2" in counts
    assert not UseCase.objects.exists()


# -- CSRF ----------------------------------------------------------------------------------------


def test_every_post_form_on_the_import_pages_carries_the_csrf_token(as_user, org):
    run = upload_run(org.lead, team=org.team)
    client = as_user(org.lead)

    for page_url in (START_URL, url("run_mapping", run), url("run_preview", run)):
        forms = Markup(client.get(page_url).content.decode()).all("form", method="post")
        assert forms, page_url
        for form in forms:
            tokens = [n for n in form.children if getattr(n, "name", "") == "input"]
            assert any(dict(n.attributes).get("name") == "csrfmiddlewaretoken" for n in tokens)


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(org):
    run = upload_run(org.lead, team=org.team)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.lead)

    assert upload(client, us_2025_csv(), "again.csv", team=org.team).status_code == 403
    assert client.post(url("run_mapping", run), {"col_3": "title"}).status_code == 403
    assert client.post(url("run_preview", run)).status_code == 403
    assert client.post(url("run_discard", run)).status_code == 403
    assert list(ImportRun.objects.values_list("status", flat=True)) == [RunStatus.MAPPING]
    assert not DBTaskResult.objects.exists()


def test_an_upload_with_the_token_the_page_rendered_is_accepted(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.lead)
    rendered = form_values(client.get(START_URL).content.decode(), START_URL)

    data = {"file": SimpleUploadedFile("inventory.csv", us_2025_csv()), "team": org.team.pk}
    response = client.post(START_URL, {**rendered, **data})

    assert response.status_code == 302 and ImportRun.objects.count() == 1
