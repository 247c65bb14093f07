"""Measurements through the API: the owner records (``12,5`` read as twelve and a half, as the
page reads it), others may not, a date in the future is refused; everyone who reads the use case
reads them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import make_measurable
from usecases.models import Measurement

pytestmark = pytest.mark.django_db


def record(client, usecase, **body):
    return client.post(
        f"/api/v1/usecases/{usecase.key}/measurements", body, content_type="application/json"
    )


def test_the_owner_records_a_measurement_and_everyone_reads_it(as_user, org):
    usecase = make_measurable(org=org)
    today = timezone.localdate().isoformat()

    response = record(as_user(org.owner), usecase, measured_on=today, value="12,5")

    assert response.status_code == 201 and Decimal(response.json()["value"]) == Decimal("12.5")
    listed = as_user(org.non_member).get(f"/api/v1/usecases/{usecase.key}/measurements")
    assert [Decimal(m["value"]) for m in listed.json()] == [Decimal("12.5")]


def test_someone_else_or_a_future_date_is_refused_and_nothing_recorded(as_user, org):
    usecase = make_measurable(org=org)
    today = timezone.localdate()

    other = record(as_user(org.non_member), usecase, measured_on=today.isoformat(), value="10")
    future = record(
        as_user(org.owner), usecase, measured_on=(today + timedelta(days=2)).isoformat(), value="10"
    )
    bad = record(as_user(org.owner), usecase, measured_on="soon", value="ten")

    assert other.status_code == 403
    assert future.status_code == 400 and "future" in future.json()["detail"]
    assert bad.status_code == 400 and {"measured_on", "value"} <= set(bad.json()["errors"])
    assert not Measurement.objects.exists()
