"""Success-signal evidence: recording and deleting measurements, and who may record them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.htmx import partial_request
from core.people import person_name
from usecases import permissions, services
from usecases.forms import CommentForm, MeasurementForm, MeasurementRecordersForm
from usecases.models import Measurement
from usecases.views.detail import (
    DETAIL_TEMPLATE,
    EVIDENCE_TEMPLATE,
    detail_context,
    evidence_context,
    get_usecase,
    revision_context,
    timeline_context,
)


def _evidence_done(request, usecase, message: str):
    """After a change: the fresh panel and a ``usecaseChanged`` event (htmx), or back to the
    use case's evidence (a plain POST)."""
    if partial_request(request):
        fresh = get_usecase(usecase.key)
        response = render(
            request,
            EVIDENCE_TEMPLATE,
            {"usecase": fresh, **evidence_context(request, fresh, flash=message)},
        )
        # The panel answers this change itself; it ignores the event it sent (see _evidence.html).
        return trigger_client_event(
            response, "usecaseChanged", {"source": "evidence"}, after="swap"
        )
    messages.success(request, message)
    return redirect(f"{usecase.get_absolute_url()}#evidence-panel")


def _evidence_refused(request, usecase, error: str, *, form=None, recorders_form=None):
    """Nothing changed: say why, keeping what was typed, on the panel or the whole page. Without a
    metric there is no panel to say it on: the message goes to the top of the use case's page."""
    fresh = get_usecase(usecase.key)
    if not fresh.metric_name:
        messages.error(request, error)
        if partial_request(request):
            return HttpResponseClientRedirect(fresh.get_absolute_url())
        return redirect(fresh)
    if partial_request(request):
        return render(
            request,
            EVIDENCE_TEMPLATE,
            {
                "usecase": fresh,
                **evidence_context(
                    request, fresh, form=form, recorders_form=recorders_form, error=error
                ),
            },
        )
    context = detail_context(
        request,
        fresh,
        **timeline_context(request, fresh),
        **revision_context(request, fresh),
        **evidence_context(request, fresh, form=form, recorders_form=recorders_form, error=error),
        comment_form=CommentForm(),
        can_comment=permissions.can_comment(request.user, fresh),
    )
    return render(request, DETAIL_TEMPLATE, context, status=400)


@require_POST
def measurement_create(request, key):
    """Record a measurement: the owner, or a team member they allowed. Someone who may not gets
    403; the owner asking at the wrong moment (no metric, not approved yet) is told why."""
    usecase = get_usecase(key)
    if not permissions.keeps_measurements(request.user, usecase):
        raise PermissionDenied
    form = MeasurementForm(request.POST, usecase=usecase)
    if not form.is_valid():
        return _evidence_refused(request, usecase, form.error_text(), form=form)
    data = form.cleaned_data
    try:
        services.measurement_record(
            usecase=usecase,
            actor=request.user,
            measured_on=data["measured_on"],
            value=data["value"],
            note=data["note"],
            source_url=data["source_url"],
        )
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.UseCaseError as refusal:
        return _evidence_refused(request, usecase, str(refusal), form=form)
    return _evidence_done(
        request,
        usecase,
        f"Measurement of {services.measurement_text(usecase, data['measured_on'], data['value'])} recorded.",
    )


@require_POST
def measurement_delete(request, key, pk):
    usecase = get_usecase(key)
    measurement = get_object_or_404(Measurement, pk=pk, usecase=usecase)
    if not permissions.keeps_measurement(request.user, measurement, usecase):
        raise PermissionDenied
    try:
        services.measurement_delete(measurement=measurement, actor=request.user)
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.UseCaseError as refusal:
        return _evidence_refused(request, usecase, str(refusal))
    return _evidence_done(
        request,
        usecase,
        f"Measurement of {services.measurement_text(usecase, measurement.measured_on, measurement.value)} deleted.",
    )


@require_POST
def measurement_recorders(request, key):
    """The owner chooses the team members who may record measurements too."""
    usecase = get_usecase(key)
    if not permissions.can_manage_recorders(request.user, usecase):
        raise PermissionDenied
    form = MeasurementRecordersForm(request.POST, usecase=usecase)
    if not form.is_valid():
        return _evidence_refused(request, usecase, form.error_text(), recorders_form=form)
    try:
        updated = services.measurement_recorders_set(
            usecase=usecase, actor=request.user, users=form.cleaned_data["recorders"]
        )
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.UseCaseError as refusal:
        return _evidence_refused(request, usecase, str(refusal))
    names = [person_name(person) for person in updated.measurement_recorders.all()]
    return _evidence_done(
        request,
        usecase,
        "Only you record measurements now."
        if not names
        else f"{', '.join(sorted(names))} may record measurements too.",
    )
