import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from usecases import permissions, selectors, services
from usecases.choices import TRANSITIONS, Action
from usecases.filters import UseCaseFilter
from usecases.forms import ActionForm, UseCaseForm, rebase_on_saved
from usecases.models import UseCase


def _partial_request(request) -> bool:
    """An htmx request for a fragment: not boosted, and not htmx restoring a page from history
    (that needs the whole page)."""
    return bool(
        request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    )


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


@vary_on_headers("HX-Request")
def usecase_detail(request, key):
    usecase = _get_usecase(key)
    if not permissions.can_view(request.user, usecase):
        raise PermissionDenied
    template = "usecases/usecase_detail.html"
    if _partial_request(request) and request.GET.get("panel") == "status":
        return render(request, f"{template}#status-panel", _detail_context(request, usecase))
    context = _detail_context(request, usecase, events=selectors.recent_events(usecase))
    return render(request, template, context)


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
    """Keep what the editor changed, take everything else as saved now, and show both sides of
    each field someone else changed, so a second save is deliberate and undoes nobody's work."""
    saved = conflict.current
    data, touched = rebase_on_saved(form, saved)
    # The form writes values onto its instance; keep ``saved`` as it is in the database.
    rebased = UseCaseForm(data, instance=copy.copy(saved), user=request.user)
    yours = {}
    if rebased.is_valid():
        typed_links = {name: rebased.cleaned_data[name] for name in services.M2M_FIELDS}
        shown = services.usecase_snapshot(rebased.instance, typed_links)
        yours = {name: value for name, value in shown.items() if name in touched}
    context = {
        "form": rebased,
        "usecase": saved,
        "conflict": conflict,
        "their_changes": services.changes_since(saved, conflict.expected_version, yours),
    }
    return render(request, "usecases/usecase_form.html", context, status=409)


# --- Workflow actions: one URL each, one view -------------------------------------------------

ACTION_SERVICES = {
    Action.SUBMIT: lambda uc, user, data: services.usecase_submit(usecase=uc, actor=user),
    Action.APPROVE: lambda uc, user, data: services.usecase_approve(
        usecase=uc, actor=user, comment=data["note"]
    ),
    Action.REQUEST_CHANGES: lambda uc, user, data: services.usecase_request_changes(
        usecase=uc, actor=user, comment=data["note"]
    ),
    Action.REJECT: lambda uc, user, data: services.usecase_reject(
        usecase=uc, actor=user, rationale=data["note"]
    ),
    Action.SIGN_OFF: lambda uc, user, data: services.usecase_sign_off(
        usecase=uc, actor=user, accepted=data["accepted"]
    ),
    Action.DECLINE_OWNERSHIP: lambda uc, user, data: services.usecase_decline_ownership(
        usecase=uc, actor=user, reason=data["note"]
    ),
    Action.TRANSFER_OWNERSHIP: lambda uc, user, data: services.usecase_transfer_ownership(
        usecase=uc, actor=user, new_owner=data["new_owner"], reason=data["note"]
    ),
    Action.REATTEST: lambda uc, user, data: services.usecase_reattest(usecase=uc, actor=user),
    Action.RETIRE: lambda uc, user, data: services.usecase_retire(
        usecase=uc, actor=user, reason=data["note"]
    ),
    Action.REOPEN: lambda uc, user, data: services.usecase_reopen(usecase=uc, actor=user),
}


def _detail_context(request, usecase, **extra) -> dict:
    return {
        "usecase": usecase,
        "actions": permissions.get_actions(usecase, request.user),
        "owner_choices": selectors.owner_choices(),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def usecase_action(request, key, action):
    """Take a workflow action. GET shows the action's own page (the no-JavaScript route to its
    questions); POST performs it. An htmx POST gets the fresh status panel back and a
    ``usecaseChanged`` event for the rest of the page; a plain POST redirects to the use case."""
    action = Action(action)
    usecase = _get_usecase(key)
    if not permissions.can(request.user, action, usecase):
        if (
            request.method == "POST"
            and action in TRANSITIONS
            and usecase.status not in TRANSITIONS[action][0]
        ):
            return _action_refused(
                request,
                usecase,
                services.InvalidTransition(
                    f"{usecase.key} is {usecase.get_status_display().lower()} now; nothing was changed."
                ),
            )
        raise PermissionDenied
    form = ActionForm(request.POST or None, action=action, usecase=usecase)
    if request.method == "GET":
        return render(
            request,
            "usecases/usecase_action.html",
            _detail_context(
                request, usecase, action=action, form=form, button=_button(request, usecase, action)
            ),
        )
    if not form.is_valid():
        return _action_refused(
            request, usecase, services.UseCaseError(form.error_text()), form=form, action=action
        )
    try:
        updated = ACTION_SERVICES[action](usecase, request.user, form.cleaned_data)
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.UseCaseError as refusal:
        return _action_refused(request, usecase, refusal, form=form, action=action)
    message = f"{updated.key}: {action.label.lower()} done."
    if _partial_request(request):
        response = render(
            request,
            "usecases/usecase_detail.html#status-panel",
            _detail_context(request, _get_usecase(updated.key), flash=message),
        )
        return trigger_client_event(response, "usecaseChanged", after="swap")
    messages.success(request, message)
    return redirect(updated)


def _button(request, usecase, action):
    return next(
        (
            button
            for button in permissions.get_actions(usecase, request.user)
            if button.name == action.value
        ),
        None,
    )


def _action_refused(request, usecase, refusal, *, form=None, action=None):
    """Nothing changed: say why, on the panel (htmx) or the use case page."""
    fresh = _get_usecase(usecase.key)
    if _partial_request(request):
        return render(
            request,
            "usecases/usecase_detail.html#status-panel",
            _detail_context(request, fresh, action_error=str(refusal)),
        )
    if form is not None and action is not None and fresh.status == usecase.status:
        # Keep what they typed: show the action's page again with the message.
        return render(
            request,
            "usecases/usecase_action.html",
            _detail_context(
                request,
                fresh,
                action=action,
                form=form,
                button=_button(request, fresh, action),
                action_error=str(refusal),
            ),
            status=400,
        )
    messages.error(request, str(refusal))
    return redirect(fresh)
