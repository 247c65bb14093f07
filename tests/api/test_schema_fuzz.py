"""Schemathesis against the live OpenAPI document: every operation, with generated input, answers
without a server error and as its schema says (status codes declared, bodies and headers
matching), and a refusal changes nothing. The live server runs in a thread (pytest-django's
``live_server``).

Generated keys and ids name nothing, and a generated ``If-Match`` names no version: alone, the
fuzz would only meet 404 and 428. So the registry is seeded (use cases in several statuses, an
import that ran and two waiting to start) and, for a share of the cases, the path names a real
use case or import and ``If-Match`` carries the version just read, so the writes' success paths
are reached too. Each case is sent with the token of one of the people the workflow needs (the
team lead, the reviewer, the owner, an admin). ``-s`` prints what each operation answered."""

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
import requests
import schemathesis
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from api import tokens
from api.main import api
from imports.models import ImportRun, RunStatus
from tests.conftest import advance_usecase, make_measurable, make_usecase
from tests.imports.registers import us_2025_csv
from tests.task_worker import run_worker
from usecases import permissions
from usecases.choices import Status
from usecases.models import Measurement, Review, UseCase, UseCaseEvent
from usecases.workflow import TRANSITIONS

# A request the schema allows may still be refused by the registry's rules (an action the use case's
# status does not allow, a key no use case has): that refusal is a 4xx the document declares.
BUSINESS_REFUSALS = [checks.positive_data_acceptance]
ROLES = ("lead", "reviewer", "owner", "admin")
EXAMPLES = 25

# The share of cases that name a real use case or import, and send the version just read.
REAL = 0.75

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_tasks"),
]


def state() -> tuple:
    """What a refused request must leave as it was: every use case's version, its links, events,
    measurements and reviews, and every import's status."""
    return (
        tuple(UseCase.objects.order_by("pk").values_list("pk", "version")),
        UseCase.products.through.objects.count(),
        UseCase.goals.through.objects.count(),
        UseCaseEvent.objects.count(),
        Measurement.objects.count(),
        Review.objects.count(),
        tuple(ImportRun.objects.order_by("pk").values_list("pk", "status")),
    )


def _session(user) -> requests.Session:
    _, text = tokens.create(user, name="fuzz", scope="write")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {text}"
    return session


@pytest.fixture
def sessions(live_server, org, settings):
    """A requests session for each role, carrying that person's write token, as a script would;
    and the registry seeded: a draft, one in review, an active one with a success metric, and
    an import that ran and two uploaded, not started."""
    settings.API_RATE_PER_MINUTE = 100_000  # the fuzz is no test of the rate
    sessions = {role: _session(getattr(org, role)) for role in ROLES}
    make_usecase(org=org)
    advance_usecase(make_usecase(org=org), org=org, to="in_review")
    make_measurable(org=org)
    make_measurable(org=org, title="Answer benefit questions by chat")  # one the actions may retire
    for start in (True, False, False):  # one ran; two to start or discard
        run = _upload(org, live_server.url, sessions)
        if start:
            assert sessions["lead"].post(f"{live_server.url}/api/v1/imports/{run}/run").ok
            run_worker()
    return sessions


def _upload(org, base_url, sessions) -> int:
    """An import of three rows uploaded by the lead to their team, not started; its id."""
    uploaded = sessions["lead"].post(
        f"{base_url}/api/v1/imports",
        files={"file": ("inventory.csv", us_2025_csv(3))},
        data={"team": org.team.slug},
    )
    assert uploaded.status_code == 201, uploaded.text
    return uploaded.json()["id"]


def _startable_run(org, base_url, sessions) -> int:
    waiting = ImportRun.objects.filter(status=RunStatus.MAPPING).order_by("pk").first()
    return waiting.pk if waiting else _upload(org, base_url, sessions)


def _people(org) -> dict:
    return {role: get_user_model().objects.get(pk=getattr(org, role).pk) for role in ROLES}


def _aimed_at(case, people: dict) -> list[tuple[str, str, str]]:
    """The (role, key, action) a success needs: each use case with whoever may act on it now,
    an action they may take (a measurement: whoever keeps them)."""
    usecases = list(UseCase.objects.order_by("number"))
    if "action" in case.path_parameters:
        return [
            (role, usecase.key, action)
            for usecase in usecases
            for role, person in people.items()
            for action, step in TRANSITIONS.items()
            if step.allows(person, usecase)
        ]
    if case.path.endswith("/measurements") and case.method == "POST":
        return [
            (role, usecase.key, "")
            for usecase in usecases
            for role, person in people.items()
            if permissions.is_measurable(usecase)
            and permissions.keeps_measurements(person, usecase)
        ]
    return [(role, usecase.key, "") for usecase in usecases for role in ROLES]


def one_of(data, choices: list):
    """One of ``choices``, which the registry's state decides (an action taken by an earlier case
    changes them): drawn as a plain index, so the strategy itself stays the same from case to
    case, as Hypothesis requires."""
    return choices[data.draw(st.integers(0, 10**6)) % len(choices)]


def _aim(case, data, role: str, org, base_url, sessions) -> str:
    """For a share of cases: a real use case's key or import's id in the path (with whoever
    may take the action or record the measurement, and a measurement as the form takes one),
    and the version read just before as ``If-Match``. The role the case is sent as."""
    if case.headers:
        case.headers.pop("Authorization", None)  # generated from the security scheme: the token's
    parameters = case.path_parameters or {}
    if "key" in parameters and data.draw(st.floats(0, 1)) < REAL:
        role, parameters["key"], action = one_of(
            data, _aimed_at(case, _people(org)) or [(role, "UC-1", "")]
        )
        if case.path.endswith("/measurements") and case.method == "POST":
            # One a day: a day of the last year, so most are new.
            day = date.today() - timedelta(days=data.draw(st.integers(0, 364)))
            case.body = {"measured_on": day.isoformat(), "value": "12.5"}
        if action:
            parameters["action"] = action
            # What any action may ask for: a note, the sign-off statement, a new owner.
            case.body = {"note": "Read by the fuzz.", "accepted": True, "new_owner": "mia"}
    if "run_id" in parameters and data.draw(st.floats(0, 1)) < REAL:
        runs = list(ImportRun.objects.order_by("pk").values_list("pk", flat=True))
        if case.method == "POST" and case.path.endswith("/run"):
            # As for a key: an import that may be started, by whoever may start it. The uploads
            # the fixture left may all be started or discarded by now: then one more is uploaded.
            role, runs = "lead", [_startable_run(org, base_url, sessions)]
        parameters["run_id"] = one_of(data, runs)
    if case.headers and "If-Match" in case.headers and data.draw(st.floats(0, 1)) < REAL:
        read = sessions[role].get(f"{base_url}/api/v1/usecases/{parameters['key']}")
        if read.ok:
            case.headers["If-Match"] = read.headers["ETag"]
    return role


def test_every_operation_answers_within_its_schema(live_server, org, sessions):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    failures = []
    answered = defaultdict(Counter)
    codes = defaultdict(Counter)
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"

        # Generated, never replayed or shrunk: each case changes the registry, so a replay would
        # meet another state. A failure is reported as it was met, with the request.
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy(), data=st.data())
        def check(case, data):
            role = _aim(
                case, data, data.draw(st.sampled_from(ROLES)), org, live_server.url, sessions
            )
            before = state()
            response = case.call(session=sessions[role], base_url=live_server.url)
            # Called within its loop's turn: ``name`` is this operation's.
            answered[name][f"{response.status_code // 100}xx"] += 1  # noqa: B023
            codes[name][response.status_code] += 1  # noqa: B023
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.text[:300],
            )
            # Status declared, content type and body as the document says, headers as declared.
            case.validate_response(response, excluded_checks=BUSINESS_REFUSALS)
            if 400 <= response.status_code < 500:
                assert state() == before, ("changed on refusal", case.method, case.formatted_path)

        try:
            check()
        except AssertionError as failure:
            failures.append(str(failure)[:500])
    for name, counts in sorted(answered.items()):
        exact = ", ".join(f"{code} {n}" for code, n in sorted(codes[name].items()))
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), f"({exact})")
    assert failures == []
    # The writes were reached, not only refused: each succeeded at least once.
    for name in (
        "PATCH /api/v1/usecases/{key}",
        "POST /api/v1/usecases/{key}/actions/{action}",
        "POST /api/v1/usecases/{key}/measurements",
        "POST /api/v1/imports/{run_id}/run",
    ):
        assert answered[name]["2xx"], (name, answered[name])


def test_the_document_declares_the_headers_the_actions_and_the_filters():
    """What a client generated from the document needs: If-Match required on a change, the
    ETag, Location and Retry-After it gets back, the actions by name and the list's filters."""
    paths = api.get_openapi_schema()["paths"]
    for path, method in (
        ("/usecases/{key}", "patch"),
        ("/usecases/{key}/actions/{action}", "post"),
    ):
        operation = paths[f"/api/v1{path}"][method]
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["If-Match"]["required"] is True
        assert "ETag" in operation["responses"][200]["headers"]
        assert "Retry-After" in operation["responses"][429]["headers"]
    action = paths["/api/v1/usecases/{key}/actions/{action}"]["post"]["parameters"][1]
    assert action["schema"]["enum"] == list(TRANSITIONS)
    assert set(paths["/api/v1/usecases"]["post"]["responses"][201]["headers"]) == {
        "ETag",
        "Location",
    }
    listed = {p["name"]: p for p in paths["/api/v1/usecases"]["get"]["parameters"]}
    assert listed["status"]["schema"]["enum"] == Status.values
    assert listed["team"]["description"] == "Team (by slug)"
    assert "cf_<name>" in paths["/api/v1/usecases"]["get"]["description"]
    dashboard = paths["/api/v1/dashboard"]["get"]["parameters"]
    assert [p["name"] for p in dashboard] == ["team", "subunits", "product", "goal", "subgoals"]
