"""Unknown URLs answer the site's 404 page for everyone, and the browser's own request for
/favicon.ico finds an icon (issue 8, item 1)."""

import pytest
from django.contrib.staticfiles import finders

from tests.conftest import ROLES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", ["/no-such-page/", "/usecases/UC-1/no-such-action/", "/apple-touch-icon.png"]
)
def test_an_unknown_url_is_the_sites_404_page(as_role, role, path):
    response = as_role(role).get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Nothing here</h1>" in html
    if role != "anonymous":
        # The navigation still renders, with no entry marked current.
        assert "My work</a>" in html
        assert 'aria-current="page"' not in html


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_the_favicon_is_served(as_role, role):
    client = as_role(role)
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert finders.find("img/favicon.svg")


def test_pages_name_the_icon(as_role):
    html = as_role("member").get("/").content.decode()
    assert 'rel="icon"' in html
