"""The lifecycle rule, written once: a known stage, real dates within the registry's range, and
started ≤ in production ≤ ended where given. The use-case form and the edit services both check
it (so a shell caller is refused too, with the field named); database constraints hold the stage
and the order for every other writer.

The lifecycle says where a use case stands in practice; it is no part of the approval status and
never moves the workflow.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models

from usecases.choices import LIFECYCLE_DATES, LifecycleStage
from usecases.dates import out_of_bounds

LIFECYCLE_FIELDS = ("lifecycle_stage", *LIFECYCLE_DATES)
# The dates as people name them: the form's labels and every refusal.
LIFECYCLE_LABELS = {
    "lifecycle_stage": "Lifecycle stage",
    "started_on": "Started",
    "in_production_on": "In production since",
    "ended_on": "Ended",
}


def _parsed_date(name: str, value) -> date | None:
    if value in (None, ""):
        return None
    try:
        parsed = models.DateField().to_python(value)
    except ValidationError:
        parsed = None
    if parsed is None:
        raise ValueError(
            f"{LIFECYCLE_LABELS[name]}: enter a date as year-month-day, e.g. 2025-03-31."
        )
    if problem := out_of_bounds(parsed, f"the date for “{LIFECYCLE_LABELS[name]}”"):
        raise ValueError(problem)
    return parsed


def order_errors(values: dict) -> dict[str, str]:
    """The dates out of order, each refusal on the later field: started ≤ in production ≤ ended."""
    errors = {}
    given = [(name, values.get(name)) for name in LIFECYCLE_DATES if values.get(name)]
    for (earlier, first), (later, second) in zip(given, given[1:], strict=False):
        if second < first:
            errors[later] = (
                f"{LIFECYCLE_LABELS[later]} can't come before "
                f"{LIFECYCLE_LABELS[earlier].lower()} ({first.isoformat()})."
            )
    return errors


def checked_lifecycle(values: dict) -> tuple[dict, dict[str, str]]:
    """``values``' lifecycle fields parsed (a stage value, dates as dates), and the refusals by
    field name. Fields not in ``values`` are left out of both."""
    parsed, errors = {}, {}
    if "lifecycle_stage" in values:
        stage = values["lifecycle_stage"]
        if stage not in LifecycleStage.values:
            errors["lifecycle_stage"] = (
                f"Lifecycle stage: “{stage}” is not a stage; choose one of "
                f"{', '.join(label.lower() for label in LifecycleStage.labels)}."
            )
        else:
            parsed["lifecycle_stage"] = stage
    for name in LIFECYCLE_DATES:
        if name in values:
            try:
                parsed[name] = _parsed_date(name, values[name])
            except ValueError as problem:
                errors[name] = str(problem)
    return parsed, errors
