"""Schemathesis against the live OpenAPI document, with a team lead's write token: every operation, with
generated input, answers without a server error and as its schema says (status codes declared,
bodies matching), and a refusal changes nothing. The live server runs in a thread (pytest-django's ``live_server``)."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api import tokens
from tests.conftest import make_usecase
from usecases.models import Measurement, Review, UseCase, UseCaseEvent

# A request the schema allows may still be refused by the registry's rules (an action the use case's
# status does not allow, a key no use case has): that refusal is a 4xx the document declares.
BUSINESS_REFUSALS = [checks.positive_data_acceptance]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def state() -> tuple:
    """What a refused request must leave as it was: every use case's version, its links, events,
    measurements and reviews."""
    return (
        tuple(UseCase.objects.order_by("pk").values_list("pk", "version")),
        UseCase.products.through.objects.count(),
        UseCase.goals.through.objects.count(),
        UseCaseEvent.objects.count(),
        Measurement.objects.count(),
        Review.objects.count(),
    )


@pytest.fixture
def signed_in_session(live_server, org):
    """A requests session carrying a lead's write token, as a script would."""
    _, text = tokens.create(org.lead, name="fuzz", scope="write")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {text}"
    make_usecase(org=org)
    return session


def test_every_operation_answers_within_its_schema(live_server, signed_in_session):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            before = state()
            response = case.call(session=signed_in_session, base_url=live_server.url)
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
    assert failures == []
