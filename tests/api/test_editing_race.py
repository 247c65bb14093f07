"""Two clients with one ETag at the same moment, each on its own connection: both pass the
view's If-Match check before either writes, so only the service's check under the row lock can
tell them apart. Exactly one change is written; the other client gets 412."""

import time

import pytest
from django.test import Client

from api import editing
from tests.concurrency import HOLD_SECONDS, at_once
from tests.conftest import make_usecase
from usecases.models import UseCase

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_clients_at_once_with_one_etag_one_wins_the_other_gets_412(org, monkeypatch):
    usecase = make_usecase(org=org)
    check = editing.if_match
    passed = []

    def check_then_pause(request, found):
        seen = check(request, found)
        passed.append(seen)
        time.sleep(HOLD_SECONDS)  # the other arrives and passes the same check meanwhile
        return seen

    monkeypatch.setattr(editing, "if_match", check_then_pause)
    clients = []
    for person in (org.member, org.lead):
        client = Client()
        client.force_login(person)
        clients.append(client)

    def change(client, title):
        return lambda: (
            client.patch(
                f"/api/v1/usecases/{usecase.key}",
                {"title": title},
                content_type="application/json",
                headers={"If-Match": f'"{usecase.version}"'},
            ).status_code
        )

    outcomes = at_once(change(clients[0], "First"), change(clients[1], "Second"))

    assert passed == [usecase.version, usecase.version], "both must pass the view's check"
    assert sorted(outcomes) == [200, 412], outcomes
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert fresh.version == usecase.version + 1
    assert fresh.title == ("First" if outcomes[0] == 200 else "Second")
