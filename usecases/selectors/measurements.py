"""Success-signal evidence: the detail page's evidence panel and its chart."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format

from usecases import charts, evidence, permissions
from usecases.choices import MEASURABLE_STATUSES
from usecases.display import display_value
from usecases.models import UseCase

User = get_user_model()


# --- Success-signal evidence: the detail page's evidence panel -----------------------------------


@dataclass(frozen=True)
class MeasurementRow:
    measurement: object  # a Measurement, with ``recorded_by``
    value_text: str  # as entered: 12.5, not 12.5000
    can_delete: bool


@dataclass(frozen=True)
class EvidencePanel:
    """The success metric's evidence on the detail page: status, chart, readings, and what this
    person may do. ``status`` is the stored column the dashboards count (kept by the services and
    the daily ``recompute_evidence``)."""

    status: str
    status_label: str
    tone: str
    stale: bool
    stale_days: int
    last_measured_on: date | None
    rows: list  # MeasurementRow, newest first
    chart: object  # charts.LineChart
    latest: object  # the newest Measurement, or None
    latest_text: str
    expected_latest_text: (
        str  # the line's value on the newest measurement's date, if there is a line
    )
    has_line: bool  # baseline, target and target date are set: the status is judged on the line
    can_record: bool
    can_manage_recorders: bool
    recorders: list
    recorder_choices: list  # team members the owner may allow (only for the owner)


def _evidence_chart(usecase: UseCase, readings: list, *, today: date):
    """Measurements (oldest first) against the line from baseline to target."""
    unit = usecase.metric_unit
    series = []
    first_on = readings[0].measured_on if readings else None
    start = usecase.metric_baseline_date or first_on
    has_line = (
        usecase.metric_baseline is not None
        and usecase.metric_target is not None
        and usecase.metric_target_date is not None
    )
    if has_line and start is not None and start < usecase.metric_target_date:
        series.append(
            charts.Series(
                "Expected",
                [
                    (start, usecase.metric_baseline),
                    (usecase.metric_target_date, usecase.metric_target),
                ],
                style="reference",
                key="expected",
            )
        )
    if usecase.metric_target is not None and usecase.metric_target_date is not None:
        series.append(
            charts.Series(
                "Target",
                [(usecase.metric_target_date, usecase.metric_target)],
                style="points",
                key="target",
            )
        )
    elif usecase.metric_target is not None and len({r.measured_on for r in readings}) > 1:
        series.append(
            charts.Series(
                "Target",
                [
                    (first_on, usecase.metric_target),
                    (readings[-1].measured_on, usecase.metric_target),
                ],
                style="reference",
                key="target",
            )
        )
    series.append(
        charts.Series(
            "Measured",
            [(reading.measured_on, reading.value) for reading in readings],
            style="line",
            key="measured",
        )
    )

    shown_unit = f" {unit}" if unit else ""
    if readings:
        latest = readings[-1]
        measured = (
            f"{len(readings)} measurement{'s' if len(readings) != 1 else ''} from "
            f"{date_format(first_on, 'j M Y')} to {date_format(latest.measured_on, 'j M Y')}; "
            f"the latest is {display_value(latest.value)}{shown_unit} on "
            f"{date_format(latest.measured_on, 'j M Y')}."
        )
    else:
        measured = "No measurements yet."
    if has_line:
        line = (
            f" Expected: from {display_value(usecase.metric_baseline)}{shown_unit}"
            + (f" on {date_format(start, 'j M Y')}" if start else "")
            + f" to {display_value(usecase.metric_target)}{shown_unit} by "
            f"{date_format(usecase.metric_target_date, 'j M Y')}."
        )
    elif usecase.metric_target is not None:
        line = f" Target: {display_value(usecase.metric_target)}{shown_unit}."
    else:
        line = ""
    return charts.line_chart(
        series,
        width=640,
        height=260,
        y_label=f"{usecase.metric_name} ({unit})" if unit else usecase.metric_name,
        x_label="Date measured",
        unit=unit,
        title=f"{usecase.metric_name}: measurements against the expected line",
        description=measured + line + f" Status: {usecase.get_evidence_status_display()}.",
        empty_text="No measurements yet, and no line from baseline to target to draw.",
        chart_id=f"evidence-chart-{usecase.pk}",
    )


def evidence_panel(usecase: UseCase, *, user, today: date | None = None) -> EvidencePanel:
    """At most two queries whatever the number of measurements: the readings with who recorded
    them, and the recorders (for the owner, the team's members marked if allowed; for a team
    member, the allowed recorders; for anyone else, nothing)."""
    today = today or timezone.localdate()
    readings = list(
        usecase.measurements.select_related("recorded_by").order_by("measured_on", "pk")
    )
    by_name = ("first_name", "last_name", "username")
    can_manage = permissions.can_manage_recorders(user, usecase)
    choices, recorders = [], []
    if can_manage:
        # The owner's form, in one query: the team's members, each marked if allowed. Someone
        # allowed who has since left the team no longer counts, and is not listed.
        allowed = UseCase.measurement_recorders.through.objects.filter(
            usecase=usecase, user=OuterRef("pk")
        )
        choices = list(
            User.objects.filter(is_active=True, memberships__team_id=usecase.team_id)
            .exclude(pk=usecase.owner_id)
            .annotate(is_recorder=Exists(allowed))
            .distinct()
            .order_by(*by_name)
        )
        recorders = [person for person in choices if person.is_recorder]
    elif permissions.is_member(user, usecase.team_id):
        # Only a team member can be a recorder: prefetched, so the permission check below reads
        # them without asking again. For anyone else there is nothing to ask.
        prefetch_related_objects(
            [usecase],
            Prefetch("measurement_recorders", queryset=User.objects.order_by(*by_name)),
        )
        recorders = list(usecase.measurement_recorders.all())
    can_record = permissions.can_record_measurement(user, usecase)
    latest = readings[-1] if readings else None
    has_line = (
        usecase.metric_baseline is not None
        and usecase.metric_target is not None
        and usecase.metric_target_date is not None
    )
    expected_latest = ""
    if latest is not None and has_line:
        expected_latest = evidence.expected_value(
            baseline=usecase.metric_baseline,
            baseline_date=usecase.metric_baseline_date or readings[0].measured_on,
            target=usecase.metric_target,
            target_date=usecase.metric_target_date,
            on=latest.measured_on,
        )
    return EvidencePanel(
        status=usecase.evidence_status,
        status_label=usecase.get_evidence_status_display(),
        tone=usecase.evidence_tone,
        # Flagged only where measuring is expected: approved, not retired.
        stale=usecase.status in MEASURABLE_STATUSES and evidence.usecase_is_stale(usecase, today),
        stale_days=evidence.stale_days(),
        last_measured_on=usecase.last_measured_on,
        rows=[
            MeasurementRow(
                reading,
                display_value(reading.value),
                can_record and permissions.can_delete_measurement(user, reading, usecase),
            )
            for reading in reversed(readings)
        ],
        chart=_evidence_chart(usecase, readings, today=today),
        latest=latest,
        latest_text=display_value(latest.value) if latest else "",
        expected_latest_text=display_value(expected_latest),
        has_line=has_line,
        can_record=can_record,
        can_manage_recorders=can_manage,
        recorders=recorders,
        recorder_choices=choices,
    )
