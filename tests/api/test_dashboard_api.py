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


@pytest.mark.parametrize("scope", ["everything", "product"])
def test_a_switched_on_profile_counts_through_the_api_as_on_the_page_and_the_list(
    as_user, org, scope
):
    """With a profile switched on, its tile comes through the API with the page's count (from
    the summary unfiltered, from the facts of the use cases selected under a product filter), and
    its link lists exactly those use cases."""
    from usecases.models import EnabledProfile
    from usecases.profiles import PROFILES

    key = next(iter(PROFILES))
    EnabledProfile.objects.create(key=key, enabled_by=org.admin)
    for title in ("First", "Second"):  # open, and lacking what the profile asks for
        make_usecase(org=org, title=title)
    make_usecase(org=org, title="Elsewhere", products=[])
    query = {"product": org.product.slug} if scope == "product" else {}
    signed_in = as_user(org.member)

    tiles = {
        tile["key"]: tile for tile in signed_in.get("/api/v1/dashboard", query).json()["tiles"]
    }
    page = signed_in.get("/dashboard/", query)
    tile = tiles[f"not_reportable_{key}"]
    shown = {tile.key: tile.count for tile in page.context["tiles"]}
    assert tile["count"] == shown[f"not_reportable_{key}"] == (2 if query else 3)
    listed = signed_in.get(tile["url"], headers={"HX-Request": "true"})
    assert listed.context["page"].paginator.count == tile["count"]
