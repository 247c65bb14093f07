"""A use case's measurements through the API: read by whoever may read the use case; recorded
by the owner or a team member they allowed, with the form and service the page uses."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema, Status

from api.errors import form_refused, problem, problems
from api.schemas import InputSchema
from api.usecases import not_found, router, usecase_by_key
from core.people import person_name
from usecases import permissions, services
from usecases.forms import MeasurementForm

MEASUREMENTS_SHOWN = 500


class MeasurementOut(Schema):
    id: int
    measured_on: date
    value: Decimal
    note: str
    source_url: str
    recorded_by: str
    created_at: datetime


class MeasurementIn(InputSchema):
    measured_on: str
    value: str
    note: str = ""
    source_url: str = ""


def _shown(measurement) -> dict:
    return {
        "id": measurement.pk,
        "measured_on": measurement.measured_on,
        "value": measurement.value,
        "note": measurement.note,
        "source_url": measurement.source_url,
        "recorded_by": person_name(measurement.recorded_by),
        "created_at": measurement.created_at,
    }


@router.get(
    "/usecases/{key}/measurements",
    response={200: list[MeasurementOut], **problems(400, 403, 404)},
    summary="A use case's measurements",
)
def measurement_list(request, key: str):
    """Newest first (at most 500)."""
    usecase = usecase_by_key(key)
    if usecase is None:
        return not_found(key)
    if not permissions.can_view(request.user, usecase):
        return problem(403, "Forbidden", "You may not read this use case.")
    measurements = usecase.measurements.select_related("recorded_by")[:MEASUREMENTS_SHOWN]
    return [_shown(measurement) for measurement in measurements]


@router.post(
    "/usecases/{key}/measurements",
    response={201: MeasurementOut, **problems(400, 403, 404, 409)},
    summary="Record a measurement",
)
def measurement_create(request, key: str, body: MeasurementIn):
    """``value`` as text in the metric's unit (``12.5``, or ``12,5`` where a comma is the decimal
    mark); ``measured_on`` as year-month-day, never in the future."""
    usecase = usecase_by_key(key)
    if usecase is None:
        return not_found(key)
    if not permissions.keeps_measurements(request.user, usecase):
        return problem(403, "Forbidden", f"You may not record measurements of {usecase.key}.")
    form = MeasurementForm(body.model_dump(), usecase=usecase)
    if not form.is_valid():
        return form_refused(form, form.error_text())
    data = form.cleaned_data
    try:
        measurement = services.measurement_record(
            usecase=usecase,
            actor=request.user,
            measured_on=data["measured_on"],
            value=data["value"],
            note=data["note"],
            source_url=data["source_url"],
        )
    except services.NotAllowed as refused:
        return problem(403, "Forbidden", str(refused))
    except services.UseCaseError as refused:
        return problem(409, "Conflict", str(refused))
    return Status(201, _shown(measurement))
