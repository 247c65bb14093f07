import pytest

pytestmark = pytest.mark.django_db


def test_an_htmx_request_after_the_session_expired_sends_the_whole_page_to_sign_in(client):
    response = client.get("/usecases/?q=claims", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_a_plain_request_after_the_session_expired_is_redirected_as_usual(client):
    response = client.get("/usecases/")
    assert response.status_code == 302
    assert "HX-Redirect" not in response
