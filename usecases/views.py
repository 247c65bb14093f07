import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from usecases import permissions, selectors, services
from usecases.filters import UseCaseFilter
from usecases.forms import UseCaseForm
from usecases.models import UseCase


def _partial_request(request) -> bool:
    return bool(request.htmx and not request.htmx.boosted)


def _get_usecase(key: str) -> UseCase:
    try:
        return selectors.usecase_detail(key)
    except UseCase.DoesNotExist:
        raise Http404(f"No use case {key}.") from None


@vary_on_headers("HX-Request")
def usecase_list(request):
    if not permissions.can_view(request.user):
        raise PermissionDenied
    filterset = UseCaseFilter(request.GET, queryset=selectors.usecase_list_queryset())
    # Filters that don't validate are left out (the page names them); the valid ones still apply.
    usecases = filterset.qs
    page = Paginator(usecases, settings.USECASE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "querystring": query.urlencode(),
        "can_create": permissions.can_create(request.user),
    }
    template = "usecases/usecase_list.html"
    return render(
        request, f"{template}#results" if _partial_request(request) else template, context
    )


def usecase_detail(request, key):
    usecase = _get_usecase(key)
    if not permissions.can_view(request.user, usecase):
        raise PermissionDenied
    context = {
        "usecase": usecase,
        "actions": permissions.get_actions(usecase, request.user),
        "events": selectors.recent_events(usecase),
    }
    return render(request, "usecases/usecase_detail.html", context)


def _validate_field(request, form):
    """Inline validation: the bound form's one field, re-rendered with its errors."""
    name = request.POST.get("_validate", "")
    if name not in form.fields:
        raise Http404
    form.is_valid()
    return render(request, "usecases/usecase_form.html#form-field", {"field": form[name]})


@require_http_methods(["GET", "POST"])
def usecase_create(request):
    if not permissions.can_create(request.user):
        raise PermissionDenied
    form = UseCaseForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if request.htmx and "_validate" in request.POST:
            return _validate_field(request, form)
        if form.is_valid():
            usecase = services.usecase_create(actor=request.user, data=form.domain_data())
            messages.success(request, f"Draft {usecase.key} saved.")
            return redirect(usecase)
    return render(request, "usecases/usecase_form.html", {"form": form, "usecase": None})


@require_http_methods(["GET", "POST"])
def usecase_edit(request, key):
    usecase = _get_usecase(key)
    if not permissions.can_edit(request.user, usecase):
        raise PermissionDenied
    form = UseCaseForm(request.POST or None, instance=usecase, user=request.user)
    context = {"form": form, "usecase": usecase}
    if request.method == "POST":
        if request.htmx and "_validate" in request.POST:
            return _validate_field(request, form)
        if form.is_valid():
            expected = form.cleaned_data.get("version")
            if expected is None:
                form.add_error(
                    None, "The form is missing its version; reload the page and try again."
                )
                return render(request, "usecases/usecase_form.html", context, status=400)
            try:
                saved = services.usecase_update(
                    usecase=usecase,
                    actor=request.user,
                    data=form.domain_data(),
                    expected_version=expected,
                )
            except services.EditConflict as conflict:
                return _conflict(request, form, conflict)
            except services.NotEditable as refusal:
                messages.error(request, str(refusal))
                return redirect(usecase)
            messages.success(request, f"{saved.key} saved.")
            return redirect(saved)
    return render(request, "usecases/usecase_form.html", context)


def _conflict(request, form, conflict: services.EditConflict):
    """Keep what the editor typed, show what changed meanwhile, and let them save deliberately."""
    saved = conflict.current
    data = request.POST.copy()
    data["version"] = str(saved.version)
    # The form writes the typed values onto its instance; keep ``saved`` as it is in the database.
    form = UseCaseForm(data, instance=copy.copy(saved), user=request.user)
    yours = {}
    if form.is_valid():
        typed_links = {name: form.cleaned_data[name] for name in services.M2M_FIELDS}
        yours = services.usecase_snapshot(form.instance, typed_links)
    context = {
        "form": form,
        "usecase": saved,
        "conflict": conflict,
        "their_changes": services.changes_since(saved, conflict.expected_version, yours),
    }
    return render(request, "usecases/usecase_form.html", context, status=409)
