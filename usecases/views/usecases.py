"""The use-case pages: the list, the detail page, create and edit (with the conflict page), comments,
and a revision as it was snapshotted.
"""

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from core.compiled import read_ahead, shared_reads
from core.htmx import partial_request
from usecases import panels, permissions, selectors, services
from usecases.custom_fields import lists as custom_lists
from usecases.custom_fields import values as custom
from usecases.display import M2M_FIELDS, usecase_snapshot
from usecases.filters import UseCaseFilter
from usecases.forms import (
    BulkAssignForm,
    CommentForm,
    UseCaseForm,
    rebase_on_saved,
)
from usecases.selectors.list_pages import PAGING_PARAMS, list_page
from usecases.views.detail import (
    DETAIL_TEMPLATE,
    EVIDENCE_TEMPLATE,
    PANELS_WITHOUT_LINKS,
    detail_context,
    evidence_context,
    frame_statements,
    get_usecase,
    page_statements,
    profiles_context,
    revision_context,
    timeline_context,
    timeline_panel_statements,
)


@vary_on_headers("HX-Request")
def usecase_list(request):
    if not permissions.can_view(request.user):
        raise PermissionDenied
    filterset = UseCaseFilter(request.GET, queryset=selectors.usecase_list_queryset())
    # Filters that don't validate are left out (the page names them); the valid ones still apply.
    usecases = filterset.qs
    sort = "relevance" if filterset.ranked else request.GET.get("sort", "")
    page = list_page(usecases, request.GET, sort=sort, counted=filterset.capped_count())
    columns = custom_lists.chosen_columns(filterset)
    page.object_list = custom_lists.with_cells(page.object_list, columns)
    query = request.GET.copy()
    for name in PAGING_PARAMS:
        query.pop(name, None)
    context = {
        "filter": filterset,
        "page": page,
        "querystring": query.urlencode(),
        "can_create": permissions.can_create(request.user),
        "rank_limit": settings.USECASE_RANK_LIMIT,
        "custom_columns": columns,
        "list_links": panels.list_links(request, query.urlencode()),
        "page_actions": panels.page_actions(request),
        **_bulk_context(request.user),
    }
    template = "usecases/usecase_list.html"
    # The filters' and the bulk form's choosers of people carry the same first rows: read once.
    with shared_reads():
        return render(
            request, f"{template}#results" if partial_request(request) else template, context
        )


def _bulk_context(user) -> dict:
    """The list's bulk assignment, for those who may: the form, and whose rows get a tick box
    (drafts of the teams they lead; every draft for an admin)."""
    if not permissions.can_bulk_assign(user):
        return {"bulk_form": None}
    team_ids = permissions.bulk_assign_team_ids(user)
    return {
        "bulk_form": BulkAssignForm(team_ids=team_ids),
        "bulk_all_teams": team_ids is None,
        "bulk_team_ids": team_ids or set(),
    }


# The parts of a use case's page an htmx request may ask for alone (``?panel=``).
_PANELS = frozenset({"status", "timeline", "revision-diff", "evidence"})


@vary_on_headers("HX-Request")
def usecase_detail(request, key):
    panel = request.GET.get("panel") if partial_request(request) else None
    if panel not in _PANELS:
        return _whole_page(request, key)
    usecase = get_usecase(key, with_links=panel not in PANELS_WITHOUT_LINKS)
    if not permissions.can_view(request.user, usecase):
        raise PermissionDenied
    if panel == "status":
        return render(request, f"{DETAIL_TEMPLATE}#status-panel", detail_context(request, usecase))
    if panel == "timeline":
        with read_ahead(timeline_panel_statements(request, usecase)):
            context = {"usecase": usecase, **timeline_context(request, usecase)}
        return render(request, f"{DETAIL_TEMPLATE}#timeline", context)
    if panel == "revision-diff":
        context = {"usecase": usecase, **revision_context(request, usecase)}
        return render(request, f"{DETAIL_TEMPLATE}#revision-diff", context)
    with read_ahead(selectors.evidence_statements(usecase, user=request.user)):
        context = {"usecase": usecase, **evidence_context(request, usecase)}
    return render(request, EVIDENCE_TEMPLATE, context)


def _whole_page(request, key):
    """The use case's page, its reads in two round trips to the server (``read_ahead``): the use
    case and what the page's frame reads for the person; then every part's reads that need the
    use case, its products and goals among them. A key no use case can have reads nothing."""
    reads = selectors.usecase_detail_statements(key)
    with read_ahead([*reads, *frame_statements(request.user)] if reads else []):
        usecase = get_usecase(key, with_links=False)
        if not permissions.can_view(request.user, usecase):
            raise PermissionDenied
        with read_ahead(page_statements(request, usecase)):
            selectors.hold_usecase_links(usecase)
            context = detail_context(
                request,
                usecase,
                **timeline_context(request, usecase),
                **revision_context(request, usecase),
                **evidence_context(request, usecase),
                **profiles_context(usecase),
                comment_form=CommentForm(),
                can_comment=permissions.can_comment(request.user, usecase),
                custom_fields=custom.shown_groups(usecase),
            )
        return render(request, DETAIL_TEMPLATE, context)


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
            try:
                usecase = services.usecase_create(actor=request.user, data=form.domain_data())
            except services.InvalidValue as refusal:
                _add_errors(form, refusal)
            else:
                messages.success(request, f"Draft {usecase.key} saved.")
                return redirect(usecase)
    return render(request, "usecases/usecase_form.html", {"form": form, "usecase": None})


@require_http_methods(["GET", "POST"])
def usecase_edit(request, key):
    usecase = get_usecase(key)
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
            except services.InvalidValue as refusal:
                _add_errors(form, refusal)
                return render(request, "usecases/usecase_form.html", context, status=400)
            except services.Incomplete as refusal:
                # An active use case must stay complete to go back to review.
                form.add_error(None, str(refusal))
                return render(request, "usecases/usecase_form.html", context, status=400)
            messages.success(request, f"{saved.key} saved.")
            return redirect(saved)
    return render(request, "usecases/usecase_form.html", context)


def _add_errors(form, refusal: services.InvalidValue) -> None:
    """The service's refusals on the fields they name (the form checks the same rule first)."""
    for name, problem in refusal.errors.items():
        form.add_error(name if name in form.fields else None, problem)


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


@require_POST
def comment_create(request, key):
    """Post a comment. With htmx: the fresh timeline back (and an empty form, out of band) and a
    ``usecaseChanged`` event; without: redirect to the use case with a message. A refusal keeps
    what was typed and says why."""
    usecase = get_usecase(key)
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
            **timeline_context(request, usecase),
            "can_comment": True,
            "comment_form": CommentForm(),
            "comment_flash": "Comment posted.",
        }
        response = render(request, f"{DETAIL_TEMPLATE}#comment-posted", context)
        return trigger_client_event(response, "usecaseChanged", after="swap")
    if error:
        context = detail_context(
            request,
            usecase,
            **timeline_context(request, usecase),
            **revision_context(request, usecase),
            **evidence_context(request, usecase),
            **profiles_context(usecase),
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
    usecase = get_usecase(key)
    if not permissions.can_view(request.user, usecase):
        raise PermissionDenied
    revision = get_object_or_404(usecase.revisions.select_related("created_by"), number=number)
    return render(
        request,
        "usecases/revision_detail.html",
        {"usecase": usecase, "revision": revision, "fields": selectors.revision_fields(revision)},
    )
