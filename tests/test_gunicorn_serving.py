"""The README's production command as it serves: ``gunicorn config.wsgi`` from the project folder
(so ``gunicorn.conf.py`` applies), on a free local port, against the test database."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from portfolio.models import Membership
from tests.conftest import make_measurable
from tests.smtp import unused_port
from tests.usecases.views.test_recorder_chooser import _members

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def gunicorn():
    """The registry served by gunicorn with its own settings file, two workers."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    port = unused_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1", "WEB_CONCURRENCY": "2"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
         "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(30)


def test_a_chooser_search_carrying_hundreds_of_ticked_boxes_is_answered(org, gunicorn):
    """A search sends the boxes ticked so far with it: with 450 people allowed to record, the
    owner's search still answers (gunicorn's default request line, 4,094 bytes, refused it past
    some 250 boxes: 414) and keeps every one of them ticked."""
    measured = make_measurable(org=org)
    people = _members(org.team, 450)
    ticked = "".join(f"&recorders={person.pk}" for person in people)
    path = (
        f"/choose/people/?scope=recorders&usecase={measured.key}&name=recorders"
        f"&id=evidence-recorders&key=pk&multiple=1&q=nobody{ticked}"
    )
    assert len(path) > 4094
    client = Client()
    client.force_login(org.owner)
    cookie = client.cookies["sessionid"].value
    server = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    server.request("GET", path, headers={"Host": "localhost", "Cookie": f"sessionid={cookie}"})
    response = server.getresponse()
    body = response.read().decode()
    assert response.status == 200, body[:300]
    assert body.count(" checked>") == len(people)
    assert Membership.objects.filter(team=org.team).count() > len(people)
