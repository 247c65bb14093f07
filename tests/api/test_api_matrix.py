"""The API's permission matrix, mirroring the pages' one: every operation of the live OpenAPI
document, asked by everyone a matrix covers (nobody; each role through a write token, a read
token and a signed-in session; revoked, expired and deactivated credentials), on use cases in
every state, in the team and in another, and on import runs (a lead's upload, an admin's, one
that ran).

What each person should get comes from the predicates the pages ask (``usecases.permissions``,
``usecases.workflow``, ``portfolio.permissions``, ``exports.permissions``, ``imports.permissions``),
never from the API's own answer; a test below holds those expectations to the pages' own matrix
(``tests/usecases/views/test_views.py``), and each signed-in person's write is also posted to the
page that makes it (an upload to the upload page, a run's start and discard to its buttons): the
API changes something exactly when the page does. A request answered with more than the pages allow is an escalation;
every refusal is a problem+json (401 for nobody, never a redirect) and leaves the registry
exactly as it was. Each request runs in a savepoint rolled back after it, so one organisation,
built once for the module, serves every case.

Two clients sending one ``ETag``: ``tests/api/test_editing_api.py`` (one wins, the other 412)."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api import tokens
from api.main import api
from api.models import AccessToken
from exports import exporting
from exports.permissions import can_export
from imports import permissions as import_permissions
from imports.models import ImportRow, ImportRun, RunStatus, SavedMapping
from imports.running import execute
from imports.runs import new_run, read_upload
from portfolio.models import Team
from portfolio.permissions import can_view_portfolio
from tests.conftest import (
    ROLES,
    Org,
    advance_usecase,
    build_org,
    create_form_data,
    edit_form_data,
    make_measurable,
    make_usecase,
)
from tests.factories import MembershipFactory, ProductFactory, UserFactory
from tests.imports.registers import us_2025_csv
from tests.usecases.views.test_views import CREATE_FOR_TEAM, EDIT, READ
from usecases import permissions, services, workflow
from usecases.choices import Action
from usecases.models import (
    Comment,
    Measurement,
    Notification,
    OwnershipTransfer,
    Revision,
    UseCase,
    UseCaseEvent,
)
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# 32 characters: a CSRF secret as Django's cookie holds it, sent back in X-CSRFToken.
CSRF = "matrixcsrfsecretmatrixcsrfsecret"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PEOPLE = tuple(role for role in ROLES if role != "anonymous")  # each an attribute of ``Org``


# -- The organisation, built once ----------------------------------------------------------------


@dataclass
class World:
    org: Org
    usecases: dict[str, str]  # keys, by a label saying where each use case stands
    tokens: dict[str, str] = field(default_factory=dict)  # token text by principal name
    inactive: object = None
    runs: dict[str, int] = field(default_factory=dict)  # import runs' ids, by label


REGISTER = "inventory.csv"  # a register of the US 2025 inventory's columns, two use cases


def _uploaded(person, team) -> ImportRun:
    """A register uploaded as the upload form keeps it (``runs.new_run``): mapped, not started."""
    content = us_2025_csv(2)
    register = read_upload(content, REGISTER)
    return new_run(data=content, name=REGISTER, register=register, actor=person, team=team)


def _import_runs(org: Org) -> dict[str, int]:
    """An upload by the lead into their team and one by an admin into the teams the file names,
    neither started; and one of the lead's that ran (written by the import itself), its rows
    kept."""
    ran = _uploaded(org.lead, org.team)
    execute(ran)
    return {
        "uploaded by the lead": _uploaded(org.lead, org.team).pk,
        "uploaded by an admin": _uploaded(org.admin, None).pk,
        "already run": ran.pk,
    }


def _build_world() -> World:
    org = build_org()
    draft = make_usecase(org=org)
    elsewhere = make_usecase(
        org=org,
        author=org.non_member,
        team=org.other_team,
        products=[ProductFactory(name="Appeals Desk", slug="appeals-desk", team=org.other_team)],
        title="Route appeals",
    )
    active = make_measurable(org=org, title="Measure claim decisions")
    # The owner lets one team member record measurements too (the recorder path).
    services.measurement_recorders_set(usecase=active, actor=org.owner, users=[org.member])
    usecases = {
        "draft": draft,
        "draft in another team": elsewhere,
        "active, measured": active,
        **{
            status: advance_usecase(make_usecase(org=org, title=status), org=org, to=status)
            for status in ("in_review", "awaiting_sign_off", "declined", "retired")
        },
    }
    world = World(org=org, usecases={label: usecase.key for label, usecase in usecases.items()})
    world.runs = _import_runs(org)
    for role in PEOPLE:
        person = getattr(org, role)
        world.tokens[f"{role} token"] = tokens.create(person, name="matrix", scope="write")[1]
        world.tokens[f"{role} read token"] = tokens.create(person, name="matrix", scope="read")[1]
    revoked, world.tokens["revoked token"] = tokens.create(org.admin, name="gone", scope="write")
    tokens.revoke(org.admin, revoked.pk)
    expired, world.tokens["expired token"] = tokens.create(org.admin, name="old", scope="write")
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    # A former lead of the team: their token and session outlive their account.
    world.inactive = UserFactory(username="ivy", first_name="Ivy", last_name="Left")
    MembershipFactory(team=org.team, user=world.inactive, role="lead")
    world.tokens["inactive person's token"] = tokens.create(
        world.inactive, name="left behind", scope="write"
    )[1]
    world.inactive.is_active = False
    world.inactive.save(update_fields=["is_active"])
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The organisation, its use cases and credentials, in a transaction rolled back after the
    module; each test's own transaction nests inside it."""
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=md5),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


# -- Who asks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    name: str
    kind: str  # anonymous, token, read token, session, session without CSRF, dead
    role: str | None = None  # the ``Org`` attribute whose rights apply


PRINCIPALS = (
    Principal("anonymous", "anonymous"),
    *(Principal(f"{role} token", "token", role) for role in PEOPLE),
    *(Principal(f"{role} read token", "read token", role) for role in PEOPLE),
    *(Principal(f"{role} session", "session", role) for role in PEOPLE),
    Principal("admin session without CSRF token", "session without CSRF", "admin"),
    Principal("revoked token", "dead"),
    Principal("expired token", "dead"),
    Principal("inactive person's token", "dead"),
    Principal("inactive person's session", "dead session"),
)


def _client(principal: Principal, world: World) -> tuple[Client, dict]:
    """A client and the headers every request of ``principal`` carries."""
    client = Client(enforce_csrf_checks=True)
    headers = {}
    if principal.name in world.tokens:
        headers["Authorization"] = f"Bearer {world.tokens[principal.name]}"
    elif principal.kind in ("session", "session without CSRF"):
        client.force_login(getattr(world.org, principal.role))
        if principal.kind == "session":
            client.cookies["csrftoken"] = CSRF
            headers["X-CSRFToken"] = CSRF
    elif principal.kind == "dead session":
        client.force_login(world.inactive)
    return client, headers


# -- What each operation is asked, and what the pages' rules say it answers ----------------------


@dataclass
class Call:
    label: str
    params: dict
    body: dict | None = None
    usecase: UseCase | None = None
    team: Team | None = None
    run: ImportRun | None = None
    file: bytes | None = None  # sent as the multipart ``file``, with ``body`` as its fields


@dataclass
class Operation:
    calls: Callable[[World], list[Call]]
    # The answers the pages' predicates allow ``user`` for ``call``.
    expect: Callable[[object, Call], set[int]]


def _fresh(world: World) -> dict[str, UseCase]:
    """The world's use cases as stored now, by label."""
    return {label: UseCase.objects.by_key(key).get() for label, key in world.usecases.items()}


def _on_each_usecase(body: dict | None = None):
    def calls(world: World) -> list[Call]:
        return [
            Call(label, {"key": usecase.key}, body, usecase)
            for label, usecase in _fresh(world).items()
        ]

    return calls


def _once(world: World) -> list[Call]:
    return [Call("", {})]


def _allowed(rule: Callable[[object, Call], bool], ok: int = 200):
    return lambda user, call: {ok} if rule(user, call) else {403}


def _create_calls(world: World) -> list[Call]:
    return [
        Call(
            f"in {team.name}",
            {},
            {"title": "Route appeals to the right office", "team": team.slug},
            team=team,
        )
        for team in (world.org.team, world.org.other_team)
    ]


def _create_expected(user, call: Call) -> set[int]:
    """The create page: who may create at all (else 403), and the team field offering only the
    person's teams (another team: refused naming the field, 400)."""
    if not permissions.can_create(user):
        return {403}
    teams = permissions.creatable_team_ids(user)
    return {201} if teams is None or call.team.pk in teams else {400}


def _edit_calls(world: World) -> list[Call]:
    """Every use case renamed; the draft and the active one also moved to another team."""
    calls = _on_each_usecase({"title": "Renamed through the API"})(world)
    usecases = _fresh(world)
    elsewhere = world.org.other_team
    for label in ("draft", "active, measured"):
        usecase = usecases[label]
        body = {"team": elsewhere.slug}
        calls.append(
            Call(
                f"{label} moved to {elsewhere.name}", {"key": usecase.key}, body, usecase, elsewhere
            )
        )
    return calls


def _edit_expected(user, call: Call) -> set[int]:
    """The edit page: who may edit (else 403); its team field offers the person's own teams and
    the one the use case is in (another: refused naming the field, 400)."""
    if not permissions.can_edit(user, call.usecase):
        return {403}
    teams = permissions.creatable_team_ids(user)
    moved = call.team is not None and call.team.pk != call.usecase.team_id
    return {400} if moved and teams is not None and call.team.pk not in teams else {200}


def _action_calls(world: World) -> list[Call]:
    """Each action on every use case in a state it starts from, and on one in a state it does not
    (a draft; for a submit, one in review): the API must refuse it there whoever asks."""
    body = {
        "note": "Given through the API.",
        "accepted": True,
        "new_owner": world.org.lead.username,
    }
    usecases = _fresh(world)
    calls = []
    for action in Action.values:
        step = workflow.transition(action)
        elsewhere = "in_review" if step.starts_from(usecases["draft"]) else "draft"
        for label, usecase in usecases.items():
            if label == elsewhere or step.starts_from(usecase):
                calls.append(
                    Call(f"{action} {label}", {"key": usecase.key, "action": action}, body, usecase)
                )
    return calls


def _action_expected(user, call: Call) -> set[int]:
    """The action's page: its transition's rule; from a state it does not start from, refused
    whoever asks."""
    step = workflow.transition(call.params["action"])
    if step.allows(user, call.usecase):
        return {200}
    return {403} if step.starts_from(call.usecase) else {403, 409}


def _measurement_expected(user, call: Call) -> set[int]:
    """The evidence panel: the owner or an allowed recorder (else 403); told why at a moment that
    takes no measurement."""
    if not permissions.keeps_measurements(user, call.usecase):
        return {403}
    return {201} if permissions.can_record_measurement(user, call.usecase) else {400, 409}


def _measurement_calls(world: World) -> list[Call]:
    body = {"measured_on": timezone.localdate().isoformat(), "value": "20"}
    return _on_each_usecase(body)(world)


def _portfolio(user, call: Call) -> bool:
    return can_view_portfolio(user)


def _export_calls(world: World) -> list[Call]:
    """A plain format, a standard's (a ZIP) and one the export page does not offer."""
    return [Call(name, {"format": name}) for name in ("csv", "us-2025", "pdf")]


def _export_expected(user, call: Call) -> set[int]:
    """The export page: a format it does not offer is 404 for anyone; else whoever may export."""
    if call.params["format"] not in exporting.FORMATS:
        return {404}
    return {200} if can_export(user) else {403}


def _upload_calls(world: World) -> list[Call]:
    """The register uploaded into the team, into another, and into the teams the file names."""
    return [
        Call(
            f"into {team.name}" if team else "into the teams the file names",
            {},
            {"team": team.slug if team else ""},
            team=team,
            file=us_2025_csv(2),
        )
        for team in (world.org.team, world.org.other_team, None)
    ]


def _upload_expected(user, call: Call) -> set[int]:
    """The upload page: who may import (else 403); its team field offering an admin every team
    or none (the file's own), a lead only a team they lead (else refused naming the field, 400)."""
    if not import_permissions.can_import(user):
        return {403}
    return {201} if import_permissions.may_import_into(user, call.team) else {400}


NO_RUN = 2_000_000_000  # an import run's id that none has


def _on_each_run(*, missing: bool):
    """Each import run of the world, as stored now; and, with ``missing``, one that is not."""

    def calls(world: World) -> list[Call]:
        runs = ImportRun.objects.defer("file_data").in_bulk(world.runs.values())
        found = [Call(label, {"run_id": pk}, run=runs[pk]) for label, pk in world.runs.items()]
        return [*found, Call("no such import", {"run_id": NO_RUN})] if missing else found

    return calls


def _run_seen(user, call: Call) -> set[int]:
    """The run's pages: its uploader and admins (else 403); no such run, 404 for anyone."""
    if call.run is None:
        return {404}
    return {200} if import_permissions.can_view_run(user, call.run) else {403}


def _run_changed(ok: int):
    """The run button's and the discard button's rule: the uploader only, still allowed to
    import into its team (else 403), and only while it was never started (else 409)."""

    def expect(user, call: Call) -> set[int]:
        if not import_permissions.can_change_run(user, call.run):
            return {403}
        return {ok} if call.run.status == RunStatus.MAPPING else {409}

    return expect


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/api/v1/usecases"): Operation(_once, _allowed(lambda u, c: permissions.can_view(u))),
    ("POST", "/api/v1/usecases"): Operation(_create_calls, _create_expected),
    ("GET", "/api/v1/usecases/{key}"): Operation(
        _on_each_usecase(), _allowed(lambda u, c: permissions.can_view(u, c.usecase))
    ),
    ("PATCH", "/api/v1/usecases/{key}"): Operation(_edit_calls, _edit_expected),
    ("GET", "/api/v1/usecases/{key}/measurements"): Operation(
        _on_each_usecase(), _allowed(lambda u, c: permissions.can_view(u, c.usecase))
    ),
    ("POST", "/api/v1/usecases/{key}/measurements"): Operation(
        _measurement_calls, _measurement_expected
    ),
    ("POST", "/api/v1/usecases/{key}/actions/{action}"): Operation(_action_calls, _action_expected),
    ("GET", "/api/v1/teams"): Operation(_once, _allowed(_portfolio)),
    ("GET", "/api/v1/products"): Operation(_once, _allowed(_portfolio)),
    ("GET", "/api/v1/goals"): Operation(_once, _allowed(_portfolio)),
    ("GET", "/api/v1/people"): Operation(_once, _allowed(_portfolio)),
    ("GET", "/api/v1/dashboard"): Operation(
        _once, _allowed(lambda u, c: permissions.can_view_dashboard(u))
    ),
    ("GET", "/api/v1/custom-fields"): Operation(
        _once, _allowed(lambda u, c: permissions.can_view(u))
    ),
    ("GET", "/api/v1/exports/{format}"): Operation(_export_calls, _export_expected),
    ("POST", "/api/v1/imports"): Operation(_upload_calls, _upload_expected),
    ("GET", "/api/v1/imports/{run_id}"): Operation(_on_each_run(missing=True), _run_seen),
    ("GET", "/api/v1/imports/{run_id}/rows"): Operation(_on_each_run(missing=True), _run_seen),
    # The writes look the run up before the token's scope (a read token is told 404 of a run
    # that is not, 403 of one that is): they are asked of the runs there are.
    ("POST", "/api/v1/imports/{run_id}/run"): Operation(
        _on_each_run(missing=False), _run_changed(202)
    ),
    ("DELETE", "/api/v1/imports/{run_id}"): Operation(
        _on_each_run(missing=False), _run_changed(204)
    ),
}


def _documented() -> list[tuple[str, str]]:
    """Every operation the live OpenAPI document offers."""
    paths = api.get_openapi_schema()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item]


DOCUMENTED = _documented()


def expected(world: World, principal: Principal, method: str, operation, call: Call) -> set[int]:
    """What the pages' rules allow ``principal`` for ``call``: nobody (no live credentials) is
    401, a read token's or a session's without its CSRF token's write is 403, and everyone else
    gets what their person may do."""
    if principal.kind in ("anonymous", "dead", "dead session"):
        return {401}
    if method in UNSAFE and principal.kind in ("read token", "session without CSRF"):
        return {403}
    # Read afresh: the predicates keep a person's roles on the object they are asked about.
    user = get_user_model().objects.get(pk=getattr(world.org, principal.role).pk)
    return operation.expect(user, call)


# -- Nothing changed -----------------------------------------------------------------------------


# Every table a use case's change writes to, read whole; the tokens as issued (their last use aside).
WATCHED = (
    UseCase,
    UseCase.products.through,
    UseCase.goals.through,
    UseCase.measurement_recorders.through,
    UseCaseEvent,
    Measurement,
    Revision,
    Comment,
    OwnershipTransfer,
    Notification,
    DBTaskResult,
    Delivery,
    ImportRun,
    ImportRow,
    SavedMapping,
)
_TOKENS = "id, user_id, scope, name, expires_at, revoked_at"


def snapshot() -> dict[str, str]:
    """A digest of every row of each watched table (one query): a refused request must leave
    each as it was."""
    tables = [model._meta.db_table for model in WATCHED]
    digests = [
        f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t)"
        for table in tables
    ]
    digests.append(
        f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) "
        f"FROM (SELECT {_TOKENS} FROM {AccessToken._meta.db_table}) t)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(digests)}")
        row = cursor.fetchone()
    return dict(zip([*tables, AccessToken._meta.db_table], row, strict=True))


# -- The matrix ----------------------------------------------------------------------------------


def _send(client: Client, method: str, path: str, call: Call, headers: dict):
    url = path.format(**call.params)
    if method in UNSAFE and call.usecase is not None:
        headers = {**headers, "If-Match": f'"{call.usecase.version}"'}
    if method == "GET":
        response = client.get(url, headers=headers)
        if response.streaming:  # an export: its file is made as it is read
            b"".join(response.streaming_content)
        return response
    if call.file is not None:
        data = {**call.body, "file": SimpleUploadedFile(REGISTER, call.file)}
        return client.post(url, data, headers=headers)
    body = json.dumps(call.body or {})
    return client.generic(method, url, body, content_type="application/json", headers=headers)


def _page_post(world: World, path: str, call: Call) -> tuple[str, dict]:
    """The page and form data that ask what ``call`` asks of the API."""
    if path == "/api/v1/imports":
        file = SimpleUploadedFile(REGISTER, call.file)
        return "/imports/", {"file": file, "team": call.team.pk if call.team else ""}
    if path.startswith("/api/v1/imports/"):
        button = "preview" if path.endswith("/run") else "discard"  # the run button posts there
        return f"/imports/{call.run.pk}/{button}/", {}
    usecase = call.usecase
    if path == "/api/v1/usecases":
        data = create_form_data(org=world.org, team=call.team.pk, products=[])
        return "/usecases/new/", {**data, "title": call.body["title"]}
    if path == "/api/v1/usecases/{key}":
        if call.team is not None:
            return f"/usecases/{usecase.key}/edit/", edit_form_data(usecase, team=call.team.pk)
        return f"/usecases/{usecase.key}/edit/", edit_form_data(usecase, title=call.body["title"])
    if path.endswith("/measurements"):
        return f"/usecases/{usecase.key}/measurements/", call.body
    action = call.params["action"].replace("_", "-")
    data = {**call.body, "accepted": "on", "new_owner": world.org.lead.pk}
    return f"/usecases/{usecase.key}/{action}/", {**data, "version": usecase.version}


def _undone(send) -> tuple[object, dict[str, str]]:
    """``send()``'s response and the snapshot just after it, in a savepoint rolled back then:
    the next request finds the registry as the module built it."""
    with transaction.atomic():
        response = send()
        after = snapshot()
        transaction.set_rollback(True)
    return response, after


def _cases() -> list:
    """Every documented operation with every principal; a read token's or a CSRF-less session's
    read is its person's read (asked by the other principals), so those ask writes only, but for
    one read token that reads everything."""
    return [
        pytest.param(method, path, principal, id=f"{method} {path}-{principal.name}")
        for method, path in DOCUMENTED
        for principal in PRINCIPALS
        if method in UNSAFE
        or principal.kind not in ("read token", "session without CSRF")
        or principal.name == "member read token"
    ]


@pytest.mark.parametrize("method,path,principal", _cases())
def test_the_api_grants_nobody_more_than_the_pages_and_a_refusal_changes_nothing(
    world, method, path, principal
):
    operation = OPERATIONS.get((method, path))
    assert operation is not None, (
        f"{method} {path} is in the OpenAPI document but not in the API's permission matrix: "
        "say in OPERATIONS (tests/api/test_api_matrix.py) what it is asked and which of the "
        "pages' predicates decide who may."
    )
    client, headers = _client(principal, world)
    # A signed-in person's write is also asked of the page that makes it, on the same use case
    # with the same input: the pages themselves, not only their predicates, are the reference.
    page_client = None
    if principal.kind == "session" and method in UNSAFE:
        page_client = Client()
        page_client.force_login(getattr(world.org, principal.role))
    before = snapshot()
    escalations, denials, changed, unshaped, idle = [], [], [], [], []
    for call in operation.calls(world):
        allowed = expected(world, principal, method, operation, call)
        response, after = _undone(lambda call=call: _send(client, method, path, call, headers))
        status = response.status_code
        said = f"{call.label or path}: {status}, the pages allow {sorted(allowed)}"
        if status not in allowed:
            (escalations if status < 400 else denials).append(said)
        if method in UNSAFE and status < 300 and after == before:
            idle.append(said)
        if status >= 400:
            if after != before:
                changed.append(f"{said}; changed: {[t for t in before if before[t] != after[t]]}")
            if response["Content-Type"] != PROBLEM or response.has_header("Location"):
                unshaped.append(f"{said} as {response['Content-Type']}")
        if page_client is not None:
            url, data = _page_post(world, path, call)
            page, page_after = _undone(lambda url=url, data=data: page_client.post(url, data))
            page_changed = page_after != before
            if status < 300 and not page_changed:
                escalations.append(f"{said}; the page refused it ({page.status_code})")
            elif status >= 300 and page_changed:
                denials.append(f"{said}; the page made it ({page.status_code})")
    for found, what in (
        (escalations, "granted beyond the pages' rules"),
        (denials, "refused what the pages allow"),
        (changed, "refused, yet something changed"),
        (unshaped, "a refusal that is no problem+json (or redirects)"),
        (idle, "a write answered as done that changed nothing"),
    ):
        assert found == [], f"{method} {path} as {principal.name}, {what}:\n" + "\n".join(found)


# -- The expectations are the pages' matrix -----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_expectations_are_the_pages_matrix_for_a_draft(world, role):
    """What the matrix above expects of the draft is what the pages' matrix says of it: read it,
    create one for the team, edit it."""
    principal = (
        Principal("anonymous", "anonymous")
        if role == "anonymous"
        else Principal(f"{role} token", "token", role)
    )
    draft = _fresh(world)["draft"]
    create = next(c for c in _create_calls(world) if c.team == world.org.team)
    answers = {
        name: expected(world, principal, method, OPERATIONS[(method, path)], call)
        for name, method, path, call in (
            ("read", "GET", "/api/v1/usecases/{key}", Call("", {"key": draft.key}, None, draft)),
            ("edit", "PATCH", "/api/v1/usecases/{key}", Call("", {"key": draft.key}, {}, draft)),
            ("create", "POST", "/api/v1/usecases", create),
        )
    }
    pages = {"login": {401}, 200: {200}, 403: {403}, "created": {201}, "team refused": {400}}
    assert answers == {
        "read": pages[READ[role]],
        "edit": pages[EDIT[role]],
        "create": pages[CREATE_FOR_TEAM[role]],
    }
