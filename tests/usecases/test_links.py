"""Links to outside the registry only where they are web addresses (issue 8, item 7)."""

from datetime import date
from decimal import Decimal

import pytest

from usecases.models import Measurement
from usecases.templatetags.links import is_web_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "linked"),
    [
        ("https://reports.example.org/42", True),
        ("HTTP://reports.example.org/q?x=1", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("ftp://files.example.org/report.csv", False),
        ("//evil.example/x", False),
        ("https:///no-host", False),
        ("reports.example.org", False),
        ("", False),
    ],
)
def test_only_http_and_https_addresses_count_as_links(value, linked):
    assert is_web_url(value) is linked


@pytest.mark.parametrize(
    "stored",
    ["javascript:alert(document.cookie)", "data:text/html,hi", "ftp://files.example.org/r"],
)
def test_a_source_that_is_no_web_address_shows_as_text_however_it_was_stored(
    as_user, org, usecase_in, stored
):
    measured = usecase_in("active", metric_name="Days", metric_baseline=40, metric_target=10)
    # Written past the form, as the shell, an import or SQL could.
    Measurement.objects.create(
        usecase=measured,
        measured_on=date(2026, 1, 5),
        value=Decimal(30),
        source_url=stored,
        recorded_by=org.owner,
    )
    html = as_user(org.member).get(measured.get_absolute_url()).content.decode()
    assert f'href="{stored}' not in html
    assert "Source: " in html


def test_a_web_source_is_a_link(as_user, org, usecase_in):
    measured = usecase_in("active", metric_name="Days", metric_baseline=40, metric_target=10)
    Measurement.objects.create(
        usecase=measured,
        measured_on=date(2026, 1, 5),
        value=Decimal(30),
        source_url="https://reports.example.org/42",
        recorded_by=org.owner,
    )
    html = as_user(org.member).get(measured.get_absolute_url()).content.decode()
    assert 'href="https://reports.example.org/42" rel="noopener noreferrer nofollow"' in html


def test_the_form_takes_web_addresses_only(as_user, org, usecase_in):
    measured = usecase_in("active", metric_name="Days", metric_baseline=40, metric_target=10)
    response = as_user(org.owner).post(
        f"/usecases/{measured.key}/measurements/",
        {
            "measured_on": "2026-01-05",
            "value": "30",
            "note": "",
            "source_url": "ftp://files.example.org/r",
        },
    )
    assert response.status_code == 400
    assert "Enter a full web address" in response.content.decode()
    assert not Measurement.objects.exists()
