"""Admins' webhook pages: the endpoints, a new one, one endpoint's deliveries."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint
from webhooks.permissions import can_manage_webhooks

DELIVERIES_PER_PAGE = 50


def require_manager(request) -> None:
    if not can_manage_webhooks(request.user):
        raise PermissionDenied


def endpoint_list(request):
    require_manager(request)
    endpoints = Endpoint.objects.annotate(delivery_total=Count("deliveries"))
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


def endpoint_create(request):
    require_manager(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_create(actor=request.user, **form.cleaned_data)
        messages.success(request, "Endpoint added. Its secret is shown on its page.")
        return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form})


STALE = "Someone changed this endpoint meanwhile; nothing was changed."


def posted_version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def endpoint_edit(request, pk):
    require_manager(request)
    endpoint = get_object_or_404(Endpoint, pk=pk)
    initial = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                actor=request.user,
                endpoint_id=endpoint.pk,
                version=posted_version(request),
                **form.cleaned_data,
            )
        except services.StaleEndpoint:
            messages.error(request, STALE)
        else:
            messages.success(request, "Endpoint saved.")
        return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


def endpoint_detail(request, pk):
    require_manager(request)
    endpoint = get_object_or_404(Endpoint, pk=pk)
    page = Paginator(endpoint.deliveries.all(), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "page": page})


@require_POST
def endpoint_set_active(request, pk):
    require_manager(request)
    endpoint = get_object_or_404(Endpoint, pk=pk)
    try:
        endpoint = services.endpoint_set_active(
            actor=request.user,
            endpoint_id=endpoint.pk,
            active=request.POST.get("active") == "1",
            version=posted_version(request),
        )
    except services.StaleEndpoint:
        messages.error(request, STALE)
    else:
        messages.success(
            request,
            "Endpoint switched on: what was waiting for it is queued again."
            if endpoint.active
            else "Endpoint off: what is waiting for it waits until it is switched on.",
        )
    return redirect("webhooks:endpoint_detail", pk=pk)


@require_POST
def delivery_redeliver(request, pk):
    require_manager(request)
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        services.delivery_redeliver(actor=request.user, delivery_id=delivery.pk)
    except services.AlreadyWaiting:
        messages.error(
            request,
            "This delivery is still being tried: its next attempt is already queued, so it was"
            " not queued again.",
        )
    else:
        messages.success(request, "Queued to be sent again.")
    return redirect("webhooks:endpoint_detail", pk=delivery.endpoint_id)
