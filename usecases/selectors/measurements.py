"""Success-signal evidence: the detail page's evidence panel and its chart."""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.compiled import compiled_values, hold_links, statement
from core.formats import day_text
from core.people import NAME_FIELDS, named_person
from usecases import charts, evidence, permissions
from usecases.choices import MEASURABLE_STATUSES
from usecases.choosers.kinds import KINDS, first_and_chosen, recorder_candidates
from usecases.display import display_value
from usecases.models import Measurement, UseCase

User = get_user_model()


class MeasurementRow(NamedTuple):
    measurement: object  # a ``Reading``
    value_text: str  # as entered: 12.5, not 12.5000
    can_delete: bool


class Reading:
    """A measurement as the panel reads it: ``pk``, ``measured_on``, ``value``, ``note``,
    ``source_url``, ``recorded_by_id`` and who that is, by name only (``recorded_by``)."""

    __slots__ = (
        "pk",
        "measured_on",
        "value",
        "note",
        "source_url",
        "recorded_by_id",
        "recorded_by",
    )

    def __init__(self, values: tuple, recorded_by):
        self.pk, self.measured_on, self.value, self.note, self.source_url = values[:5]
        self.recorded_by_id, self.recorded_by = values[5], recorded_by


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
    # Team members the owner may allow (only for the owner): the first ``SHOWN`` by name, one
    # more if there are more (the chooser then offers its search), and every one allowed now.
    recorder_choices: list


def _has_line(usecase: UseCase) -> bool:
    """Baseline, target and target date are set: a line runs from baseline to target, and the
    status is judged on it."""
    return (
        usecase.metric_baseline is not None
        and usecase.metric_target is not None
        and usecase.metric_target_date is not None
    )


def _evidence_chart(usecase: UseCase, readings: list, *, today: date):
    """Measurements (oldest first) against the line from baseline to target."""
    unit = usecase.metric_unit
    # The line starts at the baseline's date, or else at the first measurement.
    start = usecase.metric_baseline_date or (readings[0].measured_on if readings else None)
    return charts.line_chart(
        _chart_series(usecase, readings, start=start),
        width=640,
        height=260,
        y_label=f"{usecase.metric_name} ({unit})" if unit else usecase.metric_name,
        x_label="Date measured",
        unit=unit,
        title=f"{usecase.metric_name}: measurements against the expected line",
        description=_chart_description(usecase, readings, start=start),
        empty_text="No measurements yet, and no line from baseline to target to draw.",
        chart_id=f"evidence-chart-{usecase.pk}",
    )


def _chart_series(usecase: UseCase, readings: list, *, start: date | None) -> list:
    """The expected line (if it runs forward), the target (a point on its date, or else a level
    across the measurements), and the measurements."""
    series = []
    if _has_line(usecase) and start is not None and start < usecase.metric_target_date:
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
                    (readings[0].measured_on, usecase.metric_target),
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
    return series


def _chart_description(usecase: UseCase, readings: list, *, start: date | None) -> str:
    """The chart in words, for those who cannot see it: the measurements, the line, the status."""
    shown_unit = f" {usecase.metric_unit}" if usecase.metric_unit else ""
    if readings:
        first_on, latest = readings[0].measured_on, readings[-1]
        measured = (
            f"{len(readings)} measurement{'s' if len(readings) != 1 else ''} from "
            f"{day_text(first_on)} to {day_text(latest.measured_on)}; "
            f"the latest is {display_value(latest.value)}{shown_unit} on "
            f"{day_text(latest.measured_on)}."
        )
    else:
        measured = "No measurements yet."
    if _has_line(usecase):
        line = (
            f" Expected: from {display_value(usecase.metric_baseline)}{shown_unit}"
            + (f" on {day_text(start)}" if start else "")
            + f" to {display_value(usecase.metric_target)}{shown_unit} by "
            f"{day_text(usecase.metric_target_date)}."
        )
    elif usecase.metric_target is not None:
        line = f" Target: {display_value(usecase.metric_target)}{shown_unit}."
    else:
        line = ""
    return measured + line + f" Status: {usecase.get_evidence_status_display()}."


def _readings(usecase: UseCase) -> list:
    """The use case's measurements, oldest first, each with who recorded it, by name only: read
    as values (``Reading``), and a hundred readings by two people carry two people, not a
    hundred (``core.people.named_person``)."""
    people = {}
    return [
        Reading(values, named_person(people, values[5:]))
        for values in compiled_values(_readings_query, usecase.pk)
    ]


def _readings_query(usecase_pk: int, limit: None):
    return (
        Measurement.objects.filter(usecase_id=usecase_pk)
        .order_by("measured_on", "pk")
        .values_list(
            "pk", "measured_on", "value", "note", "source_url", "recorded_by_id",
            *(f"recorded_by__{name}" for name in NAME_FIELDS),
        )
    )  # fmt: skip


def evidence_panel(usecase: UseCase, *, user, today: date | None = None) -> EvidencePanel:
    """At most two queries whatever the number of measurements: the readings with who recorded
    them, and the recorders (for the owner, the team's members marked if allowed; for a team
    member, the allowed recorders; for anyone else, nothing)."""
    today = today or timezone.localdate()
    readings = _readings(usecase)
    can_manage = permissions.can_manage_recorders(user, usecase)
    choices, recorders = _recorders(usecase, user, can_manage=can_manage)
    can_record = permissions.can_record_measurement(user, usecase)
    can_delete = permissions.measurement_deletable(user, usecase)
    latest = readings[-1] if readings else None
    return EvidencePanel(
        status=usecase.evidence_status,
        status_label=usecase.get_evidence_status_display(),
        tone=usecase.evidence_tone,
        # Flagged only where measuring is expected: approved, not retired.
        stale=usecase.status in MEASURABLE_STATUSES and evidence.usecase_is_stale(usecase, today),
        stale_days=evidence.stale_days(),
        last_measured_on=usecase.last_measured_on,
        rows=[
            MeasurementRow(reading, display_value(reading.value), can_delete(reading))
            for reading in reversed(readings)
        ],
        chart=_evidence_chart(usecase, readings, today=today),
        latest=latest,
        latest_text=display_value(latest.value) if latest else "",
        expected_latest_text=display_value(_expected_on_latest(usecase, readings)),
        has_line=_has_line(usecase),
        can_record=can_record,
        can_manage_recorders=can_manage,
        recorders=recorders,
        recorder_choices=choices,
    )


def evidence_statements(usecase: UseCase, *, user) -> list:
    """What ``evidence_panel`` reads, for ``core.compiled.read_ahead``: nothing without a metric
    (the page reads no evidence then)."""
    if not usecase.metric_name:
        return []
    reads = [statement(_readings_query, usecase.pk)]
    recorders = _recorders_read(
        usecase, user, can_manage=permissions.can_manage_recorders(user, usecase)
    )
    if recorders is not None:
        reads.append(statement(*recorders))
    return reads


def _recorders_read(usecase: UseCase, user, *, can_manage: bool) -> tuple | None:
    """The query of the recorders ``user`` is shown and its keys (``build, *keys``): for the
    owner, the team's members, each marked if allowed; for a team member, the allowed recorders;
    for anyone else, None (no query)."""
    if can_manage:
        # Who keeps the evidence (the owner, or while it is handed over the outgoing owner) is
        # not offered. Nobody's id is 0: with nobody keeping it, nobody is left out.
        keeper = usecase.evidence_keeper_id or 0
        return _team_members_query, usecase.pk, usecase.team_id, keeper
    if permissions.is_member(user, usecase.team_id):
        # Only a team member can be a recorder; for anyone else there is nothing to ask.
        return _recorders_query, usecase.pk
    return None


def _recorders(usecase: UseCase, user, *, can_manage: bool) -> tuple[list, list]:
    """(the owner's choices, the allowed recorders), as ``_recorders_read`` reads them: the
    owner's in one query, someone allowed who has since left the team no longer counted, nor
    listed; a member's prefetched, so the permission check after this reads them without asking
    again."""
    read = _recorders_read(usecase, user, can_manage=can_manage)
    if read is None:
        return [], []
    build, *keys = read
    if build is _recorders_query:
        hold_links(usecase, measurement_recorders=build)
        return [], list(usecase.measurement_recorders.all())
    choices = []
    for *values, is_recorder in compiled_values(build, *keys):
        person = User.from_db(User.objects.db, ("id", *NAME_FIELDS), values)
        person.is_recorder = is_recorder
        choices.append(person)
    return choices, [person for person in choices if person.is_recorder]


def _recorders_query(usecase_pk: int, limit: None):
    """The people allowed to record the use case's measurements, by name."""
    allowed = UseCase.measurement_recorders.through.objects.filter(usecase_id=usecase_pk)
    return User.objects.filter(pk__in=allowed.values("user_id")).order_by(*KINDS["people"].order)


def _team_members_query(usecase_pk: int, team_id: int, keeper_id: int, limit: None):
    """Who may be allowed to record (``recorder_candidates``), each with whether they may now
    (``is_recorder``): ``(id, *NAME_FIELDS, is_recorder)``. Not all of a large team: the first
    ``SHOWN`` and one more, and those allowed (``first_and_chosen``, as a chooser reads its rows)."""
    allowed = UseCase.measurement_recorders.through.objects.filter(usecase_id=usecase_pk)
    members = recorder_candidates(team_id, keeper_id)
    return (
        first_and_chosen(members, members.filter(pk__in=allowed.values("user_id")))
        .annotate(is_recorder=Exists(allowed.filter(user=OuterRef("pk"))))
        .values_list("pk", *NAME_FIELDS, "is_recorder")
    )


def _expected_on_latest(usecase: UseCase, readings: list):
    """The line's value on the newest measurement's date; "" without a line or a measurement."""
    if not readings or not _has_line(usecase):
        return ""
    return evidence.expected_value(
        baseline=usecase.metric_baseline,
        baseline_date=usecase.metric_baseline_date or readings[0].measured_on,
        target=usecase.metric_target,
        target_date=usecase.metric_target_date,
        on=readings[-1].measured_on,
    )
