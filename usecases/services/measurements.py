"""Success-signal evidence: recording and deleting measurements, who else may record, and the daily
recompute of every evidence status.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from core import history
from core.history import history_context
from core.people import person_name
from portfolio.models import Membership
from portfolio.permissions import forget_role_facts
from usecases import evidence, permissions
from usecases.choices import EventKind, EvidenceStatus, HistoryMark
from usecases.display import display_value
from usecases.models import Measurement, UseCase
from usecases.services.errors import InvalidTransition, NotAllowed, UseCaseError
from usecases.services.steps import _lock, _record

# --- Success-signal evidence --------------------------------------------------------------------


# What a measurement's column holds: 16 digits, four of them decimals.
MEASUREMENT_LIMIT = Decimal(10) ** 12


def measurement_text(usecase: UseCase, measured_on, value) -> str:
    """A reading as people say it: "12.5 days on 3 Mar 2025"."""
    unit = f" {usecase.metric_unit}" if usecase.metric_unit else ""
    return f"{display_value(value)}{unit} on {measured_on.day} {measured_on:%b %Y}"


def _refresh_evidence(current: UseCase, *, today=None) -> tuple[str, str]:
    """Recompute ``current``'s evidence status and last measurement date from its measurements
    and save them. Returns the status before and after."""
    today = today or timezone.localdate()
    readings = list(
        Measurement.objects.filter(usecase=current)
        .order_by("measured_on", "pk")
        .values_list("measured_on", "value")
    )
    before = current.evidence_status
    current.evidence_status = evidence_status_of(current, readings, today=today)
    current.last_measured_on = readings[-1][0] if readings else None
    current.save(update_fields=["evidence_status", "last_measured_on"])
    return before, current.evidence_status


def _refresh_evidence_after_edit(current: UseCase, actor) -> None:
    """A new baseline, target, direction or date can move the evidence status: when it does, the
    timeline says so (and the webhook "evidence.status_changed" is sent), as the daily recompute's
    moves are."""
    before, after = _refresh_evidence(current)
    if before != after:
        _record(
            current,
            actor,
            EventKind.EVIDENCE_CHANGED,
            note="The success metric changed: the line from baseline to target moved.",
            changes=_status_change(before, after),
        )


def evidence_status_of(usecase: UseCase, readings, *, today) -> EvidenceStatus:
    """``evidence.evaluate`` on ``usecase``'s metric; a use case without a metric has no data."""
    if not usecase.metric_name:
        return EvidenceStatus.NO_DATA
    return evidence.evaluate(
        direction=usecase.metric_direction,
        baseline=usecase.metric_baseline,
        baseline_date=usecase.metric_baseline_date,
        target=usecase.metric_target,
        target_date=usecase.metric_target_date,
        measurements=readings,
        today=today,
    )


def _status_change(before: str, after: str) -> dict:
    if before == after:
        return {}
    labels = dict(EvidenceStatus.choices)
    return {"evidence_status": [labels.get(before, before), labels.get(after, after)]}


def _guard_measurable(current: UseCase) -> None:
    """Measurements are taken now (``permissions.is_measurable``), or the refusal says why not."""
    if permissions.is_measurable(current):
        return
    if not current.metric_name:
        raise UseCaseError(
            f"{current.key} has no success metric yet; define the metric before recording "
            "measurements."
        )
    raise InvalidTransition(
        f"{current.key} is {current.get_status_display().lower()}; measurements are recorded "
        "once it is approved, until it is retired."
    )


def _still_keeps(actor, current: UseCase) -> bool:
    """``permissions.keeps_measurements`` asked again under the row lock, on role facts read now."""
    forget_role_facts(actor)
    return permissions.keeps_measurements(actor, current)


@history_context(service=EventKind.MEASUREMENT_RECORDED)
def measurement_record(
    *, usecase: UseCase, actor, measured_on, value, note: str = "", source_url: str = ""
) -> Measurement:
    """Record one reading of the success metric and bring the use case's evidence status up to
    date. The owner records, or a team member the owner allowed; never a date in the future."""
    today = timezone.localdate()
    with transaction.atomic():
        current = _lock(usecase)
        _guard_measurable(current)
        if not _still_keeps(actor, current):
            raise NotAllowed(
                f"Only the owner of {current.key}, or a team member they allow, can record "
                "measurements."
            )
        if measured_on > today:
            raise UseCaseError(
                "The date is in the future; record a measurement once it has been taken."
            )
        value = Decimal(str(value))
        if not value.is_finite() or abs(value) >= MEASUREMENT_LIMIT:
            raise UseCaseError(
                "Enter the measured value as a number below a trillion, to at most four decimals."
            )
        value = value.quantize(evidence.VALUE_PRECISION)
        measurement = Measurement.objects.create(
            usecase=current,
            measured_on=measured_on,
            value=value,
            note=(note or "").strip(),
            source_url=(source_url or "").strip(),
            recorded_by=actor,
        )
        before, after = _refresh_evidence(current, today=today)
        _record(
            current,
            actor,
            EventKind.MEASUREMENT_RECORDED,
            note=measurement_text(current, measured_on, value)
            + (f": {measurement.note}" if measurement.note else "."),
            changes=_status_change(before, after),
        )
    return measurement


@history_context(service=EventKind.MEASUREMENT_DELETED)
def measurement_delete(*, measurement: Measurement, actor) -> UseCase:
    """Delete a reading: the owner any, a recorder their own. The evidence status follows."""
    with transaction.atomic():
        current = _lock(measurement.usecase)
        stored = (
            Measurement.objects.select_for_update()
            .filter(pk=measurement.pk, usecase=current)
            .first()
        )
        if stored is None:
            raise UseCaseError("That measurement was already deleted.")
        _guard_measurable(current)
        forget_role_facts(actor)
        if not permissions.keeps_measurement(actor, stored, current):
            raise NotAllowed(
                f"Only the owner of {current.key}, or whoever recorded it, can delete a "
                "measurement."
            )
        text = measurement_text(current, stored.measured_on, stored.value)
        stored.delete()
        before, after = _refresh_evidence(current)
        _record(
            current,
            actor,
            EventKind.MEASUREMENT_DELETED,
            note=f"{text}.",
            changes=_status_change(before, after),
        )
    return current


@history_context(service=EventKind.RECORDERS_CHANGED)
def measurement_recorders_set(*, usecase: UseCase, actor, users) -> UseCase:
    """The owner chooses which members of the owning team may record measurements too. The owner
    always may, so naming them changes nothing."""
    with transaction.atomic():
        current = _lock(usecase)
        if not permissions.can_manage_recorders(actor, current):
            raise NotAllowed(
                f"Only the owner of {current.key} who signed it off can choose who records "
                "measurements."
            )
        wanted = {user.pk: user for user in users if user.pk != current.evidence_keeper_id}
        members = set(
            Membership.objects.filter(
                team_id=current.team_id, user_id__in=wanted, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        outsiders = [user for pk, user in wanted.items() if pk not in members]
        if outsiders:
            names = ", ".join(sorted(person_name(user) for user in outsiders))
            raise UseCaseError(
                f"Only active members of {current.team.name} can record measurements; "
                f"{names} {'is' if len(outsiders) == 1 else 'are'} not."
            )
        previous = list(current.measurement_recorders.all())
        if {user.pk for user in previous} == set(wanted):
            return current
        current.measurement_recorders.set(list(wanted.values()))
        _record(
            current,
            actor,
            EventKind.RECORDERS_CHANGED,
            changes={
                "measurement_recorders": [
                    ", ".join(sorted(person_name(user) for user in previous)),
                    ", ".join(sorted(person_name(user) for user in wanted.values())),
                ]
            },
        )
    return current


@history_context(service=HistoryMark.EVIDENCE_RECOMPUTED)
def evidence_recompute(*, today=None, batch_size: int = 1000) -> int:
    """Bring every use case's evidence status up to ``today`` (the expected line moves with time,
    and the target date passes); run daily. Returns how many use cases changed.

    Only use cases with a measurement, or with a status or date left from one, are read; each
    batch is locked before its measurements are read, so a measurement recorded meanwhile is
    never overwritten with an older status.
    """
    today = today or timezone.localdate()
    candidates = (
        UseCase.objects.filter(
            Exists(Measurement.objects.filter(usecase=OuterRef("pk")))
            | ~Q(evidence_status=EvidenceStatus.NO_DATA)
            | Q(last_measured_on__isnull=False)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pks = list(candidates)
    changed = 0
    for start in range(0, len(pks), batch_size):
        changed += _recompute_batch(pks[start : start + batch_size], today=today)
    return changed


def _recompute_batch(batch: list[int], *, today) -> int:
    """Lock the batch, then read and recompute it; returns how many changed."""
    with transaction.atomic():
        list(UseCase.objects.select_for_update().filter(pk__in=batch).values_list("pk"))
        updated, moved = [], []
        for usecase in _with_readings(UseCase.objects.filter(pk__in=batch)):
            # The rule reads only the first date and the latest reading.
            pairs = (
                [
                    (usecase.first_on, usecase.latest_value),
                    (usecase.latest_on, usecase.latest_value),
                ]
                if usecase.latest_on
                else []
            )
            status = evidence_status_of(usecase, pairs, today=today)
            if (status, usecase.latest_on) != (usecase.evidence_status, usecase.last_measured_on):
                if status != usecase.evidence_status:
                    moved.append(_moved_by_time(usecase, usecase.evidence_status, status, today))
                usecase.evidence_status = status
                usecase.last_measured_on = usecase.latest_on
                updated.append(usecase)
        UseCase.objects.bulk_update(updated, ["evidence_status", "last_measured_on"])
        if moved:
            history.record_many(EventKind.EVIDENCE_CHANGED, moved)
    return len(updated)


def _moved_by_time(usecase: UseCase, before: str, after: str, today) -> dict:
    """The "Evidence status changed" event of a use case the recompute moved: nobody acted, the
    calendar did (the expected line moved on, or the target date passed)."""
    return {
        "usecase": usecase,
        "actor": None,
        "version": usecase.version,
        "note": f"Recomputed on {today.day} {today:%b %Y}: the line from baseline to target "
        "moved on, or the target date passed.",
        "changes": _status_change(before, after),
    }


def _with_readings(usecases):
    """The fields the evidence rule reads, with the first measurement's date and the latest
    reading annotated (``first_on``, ``latest_on``, ``latest_value``)."""
    readings = Measurement.objects.filter(usecase=OuterRef("pk"))
    latest = readings.order_by("-measured_on", "-pk")
    return usecases.only(
        # What an event's webhook body names: key, title, status, version, owner.
        "number",
        "owner",
        "title",
        "status",
        "version",
        "metric_name",
        "metric_direction",
        "metric_baseline",
        "metric_baseline_date",
        "metric_target",
        "metric_target_date",
        "evidence_status",
        "last_measured_on",
    ).annotate(
        first_on=Subquery(readings.order_by("measured_on", "pk").values("measured_on")[:1]),
        latest_on=Subquery(latest.values("measured_on")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
    )
