"""The dashboard's counts through the API: the tiles and stages the page shows, in its filters."""

import pytest
from django.test import Client

from tests.conftest import advance_usecase, make_usecase

pytestmark = pytest.mark.django_db


def test_the_counts_are_the_page_s_and_follow_its_filters(as_user, org):
    make_usecase(org=org, owner=None)  # a draft nobody owns
    advance_usecase(make_usecase(org=org, title="Signed"), org=org, to="active")
    signed_in = as_user(org.member)

    everything = signed_in.get("/api/v1/dashboard").json()
    elsewhere = signed_in.get("/api/v1/dashboard", {"team": org.other_team.slug}).json()

    tiles = {tile["key"]: tile["count"] for tile in everything["tiles"]}
    assert tiles["unowned_draft"] == 1 and tiles["active"] == 1
    assert all(tile["url"].startswith("/") for tile in everything["tiles"])
    assert sum(stage["count"] for stage in everything["stages"]) == 2
    assert sum(stage["count"] for stage in elsewhere["stages"]) == 0
    assert signed_in.get("/api/v1/dashboard", {"team": "nowhere"}).status_code == 400
    assert Client().get("/api/v1/dashboard").status_code == 401
