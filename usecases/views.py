import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    reswap,
    retarget,
    trigger_client_event,
)

from core.htmx import partial_request
from core.people import person_name
from usecases import dashboard, permissions, selectors, services, workflow
from usecases.display import M2M_FIELDS, usecase_snapshot
from usecases.filters import UseCaseFilter
from usecases.forms import (
    ActionForm,
    CommentForm,
    MeasurementForm,
    MeasurementRecordersForm,
    UseCaseForm,
    rebase_on_saved,
)
from usecases.models import Measurement, Notification, UseCase


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
    return render(request, f"{template}#results" if partial_request(request) else template, context)


@vary_on_headers("HX-Request")
def usecase_detail(request, key):
    usecase = _get_usecase(key)
    if not permissions.can_view(request.user, usecase):
        raise PermissionDenied
    template = "usecases/usecase_detail.html"
    panel = request.GET.get("panel") if partial_request(request) else None
    if panel == "status":
        return render(request, f"{template}#status-panel", _detail_context(request, usecase))
    if panel == "timeline":
        context = {"usecase": usecase, **_timeline_context(request, usecase)}
        return render(request, f"{template}#timeline", context)
    if panel == "revision-diff":
        context = {"usecase": usecase, **_revision_context(request, usecase)}
        return render(request, f"{template}#revision-diff", context)
    if panel == "evidence":
        context = {"usecase": usecase, **_evidence_context(request, usecase)}
        return render(request, EVIDENCE_TEMPLATE, context)
    context = _detail_context(
        request,
        usecase,
        **_timeline_context(request, usecase),
        **_revision_context(request, usecase),
        **_evidence_context(request, usecase),
        comment_form=CommentForm(),
        can_comment=permissions.can_comment(request.user, usecase),
    )
    return render(request, template, context)


def _validate_field(request, form):
    """Inline validation: the bound form's one field, re-rendered with its errors, and the
    draft's readiness out of band."""
    name = request.POST.get("_validate", "")
    if name not in form.fields:
        raise Http404
    form.is_valid()
    context = {"field": form[name], "form": form}
    return render(request, "usecases/usecase_form.html#field-checked", context)


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
            except services.Incomplete as refusal:
                # An active use case must stay complete to go back to review.
                form.add_error(None, str(refusal))
                return render(request, "usecases/usecase_form.html", context, status=400)
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
        typed_links = {name: rebased.cleaned_data[name] for name in M2M_FIELDS}
        shown = usecase_snapshot(rebased.instance, typed_links)
        yours = {name: value for name, value in shown.items() if name in touched}
    context = {
        "form": rebased,
        "usecase": saved,
        "conflict": conflict,
        "their_changes": services.changes_since(saved, conflict.expected_version, yours),
    }
    return render(request, "usecases/usecase_form.html", context, status=409)


# --- Workflow actions: one URL each, one view -------------------------------------------------

# An htmx action's answer: the status panel, with the version line and the Ownership card out of
# band (see the ``action-done`` partial).
ACTION_DONE_TEMPLATE = "usecases/usecase_detail.html#action-done"


def _detail_context(request, usecase, **extra) -> dict:
    return {
        "usecase": usecase,
        "actions": workflow.get_actions(usecase, request.user),
        "owner_choices": selectors.owner_choices(),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def usecase_action(request, key, action):
    """Take a workflow action. GET shows the action's own page (the no-JavaScript route to its
    questions); POST performs it. An htmx POST gets the fresh status panel back, with the version
    line and the Ownership card out of band, and a ``usecaseChanged`` event for the rest of the
    page; a plain POST redirects to the use case."""
    action = workflow.transition(action)
    usecase = _get_usecase(key)
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
            _detail_context(
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
            _detail_context(request, _get_usecase(updated.key), flash=message),
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
    fresh = _get_usecase(usecase.key)
    stale = {
        "stale_message": str(services.StaleVersion(fresh, seen_version)),
        "stale_events": selectors.events_since(fresh, seen_version),
    }
    if partial_request(request):
        response = render(
            request, ACTION_DONE_TEMPLATE, _detail_context(request, fresh, **stale), status=409
        )
        return trigger_client_event(response, "usecaseChanged", {"source": "status"}, after="swap")
    button = _button(request, fresh, action)
    context = _detail_context(
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
    fresh = _get_usecase(usecase.key)
    if partial_request(request):
        # Someone may have been quicker: the panel, version line and Ownership card come back in
        # the state it is in now, and the same event as after a change brings the rest of the
        # page (timeline, diff, evidence, inbox count) up to date with them.
        response = render(
            request,
            ACTION_DONE_TEMPLATE,
            _detail_context(request, fresh, action_error=str(refusal)),
        )
        return trigger_client_event(response, "usecaseChanged", {"source": "status"}, after="swap")
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


# --- Each person's own pages: inbox, reviews, sign-offs ----------------------------------------


def _inbox_context(request, page_number) -> dict:
    notices = selectors.inbox_notifications(request.user)
    page = Paginator(notices, settings.USECASE_PAGE_SIZE).get_page(page_number)
    unread = selectors.inbox_unread_summary(request.user)
    return {
        "page": page,
        "querystring": "",
        # Overrides the context processor's lazy count: the summary query already has it.
        "inbox_unread_count": unread.count,
        "newest_unread_id": unread.newest_id,
    }


@require_GET
def inbox(request):
    if not permissions.can_view_own_work(request.user):
        raise PermissionDenied
    context = _inbox_context(request, request.GET.get("page"))
    return render(request, "usecases/notification_inbox.html", context)


@require_POST
def notification_open(request, pk):
    """Open a notice: mark it read and go to its use case. Only its recipient may (others: 404,
    which does not even confirm the notice exists)."""
    notice = get_object_or_404(
        Notification.objects.select_related("usecase").only(
            "recipient", "read_at", "usecase", "usecase__number"
        ),
        pk=pk,
        recipient=request.user,
    )
    services.notification_mark_read(notification=notice, actor=request.user)
    if notice.usecase is None:
        return redirect("usecases:inbox")
    return redirect(notice.usecase)


@require_POST
def inbox_mark_all_read(request):
    """Mark every unread notice read, up to the newest one the page showed. With htmx the inbox
    is redrawn in place and the navigation badge told to refresh."""
    up_to = request.POST.get("up_to", "")
    up_to_id = int(up_to) if up_to.isascii() and up_to.isdigit() else None
    marked = services.notifications_mark_all_read(actor=request.user, up_to_id=up_to_id)
    message = f"{marked} notice{pluralize(marked)} marked as read."
    if partial_request(request):
        context = {**_inbox_context(request, request.POST.get("page")), "flash": message}
        response = render(request, "usecases/notification_inbox.html#inbox", context)
        return trigger_client_event(response, "inboxChanged", after="swap")
    messages.success(request, message)
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isascii() and page.isdigit() and page != "1" else ""
    return redirect(reverse("usecases:inbox") + suffix)


@require_GET
def inbox_count(request):
    """The navigation bar's unread badge alone, for htmx to refresh after a change."""
    return render(request, "base.html#inbox-badge")


@require_GET
def review_list(request):
    if not permissions.can_view_review_queue(request.user):
        raise PermissionDenied
    reviews = selectors.reviews_waiting_for(request.user)
    page = Paginator(reviews, settings.USECASE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "usecases/review_list.html", {"page": page, "querystring": ""})


@require_GET
def signoff_list(request):
    if not permissions.can_view_own_work(request.user):
        raise PermissionDenied
    work = selectors.sign_off_work_for(request.user)
    return render(request, "usecases/signoff_list.html", {"work": work})


# --- The detail page: timeline, comments, revisions --------------------------------------------

DETAIL_TEMPLATE = "usecases/usecase_detail.html"


def _timeline_context(request, usecase) -> dict:
    """The newest ``TIMELINE_LIMIT`` entries, or all of them with ``?history=all``."""
    params = request.POST if request.method == "POST" else request.GET
    full = params.get("history") == "all"
    limit = selectors.TIMELINE_LIMIT
    # One more than is shown tells whether there is more to show.
    entries = selectors.usecase_timeline(usecase, limit=None if full else limit + 1)
    return {
        "timeline": entries if full else entries[:limit],
        "timeline_truncated": not full and len(entries) > limit,
        "full_history": full,
    }


def _shows_revision_diff(user, usecase) -> bool:
    """A reviewer deciding, or the owner about to sign, compares the text with what was signed."""
    return workflow.can_review(user, usecase) or workflow.can_sign_off(user, usecase)


def _diff_context(usecase) -> dict:
    diff = selectors.revision_diff(usecase)
    return {
        "revision_diff": diff,
        "never_signed": bool(diff) and diff[0].signed is None,
        "changed_fields": [field for field in diff if field.changed],
        "unchanged_labels": [field.label for field in diff if not field.changed],
    }


def _revision_context(request, usecase) -> dict:
    context = {"revision_diff": None, "last_signed": None}
    if _shows_revision_diff(request.user, usecase):
        context.update(_diff_context(usecase))
    if usecase.changed_since_sign_off:
        context["last_signed"] = selectors.last_signed_revision(usecase)
    return context


def _action_diff_context(request, usecase, action) -> dict:
    """The action page of a review decision or a sign-off shows what is being decided on."""
    if not action.shows_diff:
        return {}
    return {**_diff_context(usecase), "diff_on_action_page": True}


@require_POST
def comment_create(request, key):
    """Post a comment. With htmx: the fresh timeline back (and an empty form, out of band) and a
    ``usecaseChanged`` event; without: redirect to the use case with a message. A refusal keeps
    what was typed and says why."""
    usecase = _get_usecase(key)
    if not permissions.can_comment(request.user, usecase):
        raise PermissionDenied
    form = CommentForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.comment_post(
                usecase=usecase, actor=request.user, body=form.cleaned_data["body"]
            )
        except services.UseCaseError as refusal:
            error = str(refusal)
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)

    if partial_request(request):
        if error:
            context = {
                "usecase": usecase,
                "can_comment": True,
                "comment_form": form,
                "comment_error": error,
                "full_history": request.POST.get("history") == "all",
            }
            response = render(request, f"{DETAIL_TEMPLATE}#comment-form", context)
            return reswap(retarget(response, "#comment-form"), "outerHTML")
        context = {
            "usecase": usecase,
            **_timeline_context(request, usecase),
            "can_comment": True,
            "comment_form": CommentForm(),
            "comment_flash": "Comment posted.",
        }
        response = render(request, f"{DETAIL_TEMPLATE}#comment-posted", context)
        return trigger_client_event(response, "usecaseChanged", after="swap")
    if error:
        context = _detail_context(
            request,
            usecase,
            **_timeline_context(request, usecase),
            **_revision_context(request, usecase),
            **_evidence_context(request, usecase),
            can_comment=True,
            comment_form=form,
            comment_error=error,
        )
        return render(request, DETAIL_TEMPLATE, context, status=400)
    messages.success(request, "Comment posted.")
    return redirect(f"{usecase.get_absolute_url()}#history")


@require_GET
def revision_detail(request, key, number):
    """A revision as it was snapshotted, read-only: what a reviewer saw or an owner signed."""
    usecase = _get_usecase(key)
    if not permissions.can_view(request.user, usecase):
        raise PermissionDenied
    revision = get_object_or_404(usecase.revisions.select_related("created_by"), number=number)
    return render(
        request,
        "usecases/revision_detail.html",
        {"usecase": usecase, "revision": revision, "fields": selectors.revision_fields(revision)},
    )


# --- My work: the home page after sign-in ------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def my_work(request):
    """What waits for the signed-in person: drafts, reviews, sign-offs, owned use cases needing
    attention, unread notices. An htmx request (the page refreshing itself after a change) gets
    the sections alone."""
    if not permissions.can_view_own_work(request.user):
        raise PermissionDenied
    work = selectors.my_work(request.user)
    context = {
        "work": work,
        "can_create": permissions.can_create(request.user),
        # Overrides the context processor's lazy count: the selector already has it.
        "inbox_unread_count": work.unread_total,
    }
    template = "usecases/my_work.html"
    return render(
        request, f"{template}#sections" if partial_request(request) else template, context
    )


# --- Success-signal evidence: measurements, and who may record them -----------------------------

EVIDENCE_TEMPLATE = "usecases/_evidence.html"


def _evidence_context(request, usecase, *, form=None, flash="", error="") -> dict:
    """The evidence panel's context, less the use case itself (the page already has it)."""
    return {
        # No metric, nothing to measure: the page says so without reading measurements.
        "evidence": (
            selectors.evidence_panel(usecase, user=request.user) if usecase.metric_name else None
        ),
        "measurement_form": form or MeasurementForm(usecase=usecase),
        "evidence_flash": flash,
        "evidence_error": error,
    }


def _evidence_done(request, usecase, message: str):
    """After a change: the fresh panel and a ``usecaseChanged`` event (htmx), or back to the
    use case's evidence (a plain POST)."""
    if partial_request(request):
        fresh = _get_usecase(usecase.key)
        response = render(
            request,
            EVIDENCE_TEMPLATE,
            {"usecase": fresh, **_evidence_context(request, fresh, flash=message)},
        )
        # The panel answers this change itself; it ignores the event it sent (see _evidence.html).
        return trigger_client_event(
            response, "usecaseChanged", {"source": "evidence"}, after="swap"
        )
    messages.success(request, message)
    return redirect(f"{usecase.get_absolute_url()}#evidence-panel")


def _evidence_refused(request, usecase, error: str, *, form=None):
    """Nothing changed: say why, keeping what was typed, on the panel or the whole page. Without a
    metric there is no panel to say it on: the message goes to the top of the use case's page."""
    fresh = _get_usecase(usecase.key)
    if not fresh.metric_name:
        messages.error(request, error)
        if partial_request(request):
            return HttpResponseClientRedirect(fresh.get_absolute_url())
        return redirect(fresh)
    if partial_request(request):
        return render(
            request,
            EVIDENCE_TEMPLATE,
            {"usecase": fresh, **_evidence_context(request, fresh, form=form, error=error)},
        )
    context = _detail_context(
        request,
        fresh,
        **_timeline_context(request, fresh),
        **_revision_context(request, fresh),
        **_evidence_context(request, fresh, form=form, error=error),
        comment_form=CommentForm(),
        can_comment=permissions.can_comment(request.user, fresh),
    )
    return render(request, DETAIL_TEMPLATE, context, status=400)


@require_POST
def measurement_create(request, key):
    """Record a measurement: the owner, or a team member they allowed. Someone who may not gets
    403; the owner asking at the wrong moment (no metric, not approved yet) is told why."""
    usecase = _get_usecase(key)
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
    usecase = _get_usecase(key)
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
    usecase = _get_usecase(key)
    if not permissions.can_manage_recorders(request.user, usecase):
        raise PermissionDenied
    form = MeasurementRecordersForm(request.POST, usecase=usecase)
    if not form.is_valid():
        return _evidence_refused(request, usecase, form.error_text())
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


# --- The ownership dashboard ---------------------------------------------------------------------

DASHBOARD_TEMPLATE = "usecases/dashboard.html"


def _dashboard_scope(request):
    """The dashboard's filters (team, product, goal) read by the use-case list's own FilterSet,
    so every drill-down link lands on a list that filters exactly as the tile counted."""
    filterset = UseCaseFilter(dashboard.scope_data(request.GET), queryset=UseCase.objects.all())
    return filterset, dashboard.DashboardScope.from_filter(filterset)


@require_GET
@vary_on_headers("HX-Request")
def dashboard_view(request):
    """Tiles, a table per team, the goal tree and the weekly trends. Nothing on it is an action:
    everyone signed in reads the same page. An htmx request (a filter change, or
    ``usecaseChanged`` after a workflow action elsewhere on the page) gets the body alone."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request)
    context = {
        "filter": filterset,
        "scope": scope,
        "tiles": dashboard.tiles_panel(scope),
        "teams": dashboard.teams_panel(scope),
        "goal_tree": dashboard.goal_tree_panel(scope),
        "evidence": dashboard.evidence_panel(scope),
        "trends": dashboard.trends_panel(scope),
        "statuses": dashboard.STATUS_COLUMNS,
        "scope_fields": [filterset.form[name] for name in dashboard.SCOPE_PARAMS],
    }
    if partial_request(request):
        return render(request, f"{DASHBOARD_TEMPLATE}#dashboard-body", context)
    return render(request, DASHBOARD_TEMPLATE, context)


@require_GET
def dashboard_unserved(request):
    """The goals the "Goals with no active use case" tile counts, in the dashboard's filters."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request)
    goals = dashboard.unserved_goals(scope)
    context = {"filter": filterset, "scope": scope, "kind": "goals", "items": goals}
    return render(request, "usecases/dashboard_gaps.html", {**context, "count": len(goals)})


@require_GET
def dashboard_unused(request):
    """The products the "Products with no use case" tile counts, in the dashboard's filters."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    filterset, scope = _dashboard_scope(request)
    products = list(dashboard.unused_products(scope))
    context = {"filter": filterset, "scope": scope, "kind": "products", "items": products}
    return render(request, "usecases/dashboard_gaps.html", {**context, "count": len(products)})
