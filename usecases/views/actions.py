"""Workflow actions: one URL each, one view. What each action is, who may take it and which service
performs it, is its ``Transition`` (``usecases.workflow``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from core.htmx import partial_request
from usecases import permissions, selectors, services, workflow
from usecases.forms import ActionForm
from usecases.views.detail import detail_context, diff_context, get_usecase

# An htmx action's answer: the status panel, with the version line and the Ownership card out of
# band (see the ``action-done`` partial).
ACTION_DONE_TEMPLATE = "usecases/usecase_detail.html#action-done"


@require_http_methods(["GET", "POST"])
def usecase_action(request, key, action):
    """Take a workflow action. GET shows the action's own page (the no-JavaScript route to its
    questions); POST performs it. An htmx POST gets the fresh status panel back, with the version
    line and the Ownership card out of band, and a ``usecaseChanged`` event for the rest of the
    page; a plain POST redirects to the use case."""
    action = workflow.transition(action)
    usecase = get_usecase(key)
    if request.method == "POST" and (refused := _refused_before_acting(request, usecase, action)):
        return refused
    if not action.allows(request.user, usecase):
        raise PermissionDenied
    # Bound on every POST, even an empty one: an unbound form is invalid without saying why.
    form = ActionForm(
        request.POST if request.method == "POST" else None, action=action.action, usecase=usecase
    )
    if request.method == "GET":
        return render(
            request,
            "usecases/usecase_action.html",
            detail_context(
                request,
                usecase,
                action=action,
                form=form,
                button=_button(request, usecase, action),
                **_action_diff_context(request, usecase, action),
            ),
        )
    if not form.is_valid():
        return _action_refused(
            request, usecase, services.UseCaseError(form.error_text()), form=form, action=action
        )
    try:
        updated = _perform(action, usecase, request.user, form.cleaned_data)
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.StaleVersion as stale:
        return _stale(request, stale.current, action, stale.expected_version)
    except services.UseCaseError as refusal:
        return _action_refused(request, usecase, refusal, form=form, action=action)
    return _action_done(request, updated, action)


def _perform(action, usecase, user, data):
    """Take the action through its service, with what its form asked."""
    service = getattr(services, action.service)
    return service(
        usecase=usecase,
        actor=user,
        expected_version=data["version"],
        **action.service_arguments(data),
    )


def _refused_before_acting(request, usecase, action):
    """A POST answered without acting, or None: a decision on a version the use case has left (409,
    whoever asks, as long as they may read it), or an action the state no longer allows."""
    if permissions.can_view(request.user, usecase):
        seen = _posted_version(request)
        if seen not in (None, usecase.version):
            # Someone edited, decided or reassigned it, or this is a double click: the person sees
            # what changed since and the use case as it is now, with what they may do now.
            return _stale(request, usecase, action, seen)
    if not action.allows(request.user, usecase) and not action.starts_from(usecase):
        return _action_refused(
            request,
            usecase,
            services.InvalidTransition(
                f"{usecase.key} is {usecase.get_status_display().lower()} now; nothing was changed."
            ),
        )
    return None


def _action_done(request, updated, action):
    """The answer to an action taken: the fresh panel (htmx) or a redirect with a message."""
    message = f"{updated.key} {action.past}."
    if partial_request(request):
        response = render(
            request,
            ACTION_DONE_TEMPLATE,
            detail_context(request, get_usecase(updated.key), flash=message),
        )
        # The panel came back fresh with this answer; it ignores the event it sent.
        return trigger_client_event(response, "usecaseChanged", {"source": "status"}, after="swap")
    messages.success(request, message)
    # A button on another page (the Sign-offs page's Re-attest) brings the person back there.
    return redirect(_next_url(request) or updated)


def _posted_version(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _stale(request, usecase, action, seen_version: int):
    """A decision on a version the use case has left: nothing was done (409). The person sees
    what changed since, by whom, and the use case as it is now, to decide again on what they see."""
    fresh = get_usecase(usecase.key)
    stale = {
        "stale_message": str(services.StaleVersion(fresh, seen_version)),
        "stale_events": selectors.events_since(fresh, seen_version),
    }
    if partial_request(request):
        response = render(
            request, ACTION_DONE_TEMPLATE, detail_context(request, fresh, **stale), status=409
        )
        return trigger_client_event(response, "usecaseChanged", {"source": "status"}, after="swap")
    button = _button(request, fresh, action)
    context = detail_context(
        request,
        fresh,
        action=action,
        form=ActionForm(action=action.action, usecase=fresh),
        button=button,
        **stale,
        **(_action_diff_context(request, fresh, action) if button else {}),
    )
    return render(request, "usecases/usecase_action.html", context, status=409)


def _button(request, usecase, action):
    return next(
        (
            button
            for button in workflow.get_actions(usecase, request.user)
            if button.name == action.name
        ),
        None,
    )


def _action_refused(request, usecase, refusal, *, form=None, action=None):
    """Nothing changed: say why, on the panel (htmx) or the use case page."""
    fresh = get_usecase(usecase.key)
    if partial_request(request):
        # Someone may have been quicker: the panel, version line and Ownership card come back in
        # the state it is in now, and the same event as after a change brings the rest of the
        # page (timeline, diff, evidence, inbox count) up to date with them.
        response = render(
            request,
            ACTION_DONE_TEMPLATE,
            detail_context(request, fresh, action_error=str(refusal)),
        )
        return trigger_client_event(response, "usecaseChanged", {"source": "status"}, after="swap")
    if form is not None and action is not None and fresh.status == usecase.status:
        # Keep what they typed: show the action's page again with the message.
        return render(
            request,
            "usecases/usecase_action.html",
            detail_context(
                request,
                fresh,
                action=action,
                form=form,
                button=_button(request, fresh, action),
                action_error=str(refusal),
                **_action_diff_context(request, fresh, action),
            ),
            status=400,
        )
    messages.error(request, str(refusal))
    return redirect(fresh)


def _next_url(request) -> str | None:
    """A page on this site to return to after an action (``next`` in the form), if it is safe."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _action_diff_context(request, usecase, action) -> dict:
    """The action page of a review decision or a sign-off shows what is being decided on."""
    if not action.shows_diff:
        return {}
    return {**diff_context(usecase), "diff_on_action_page": True}
