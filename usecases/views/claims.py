"""Claiming drafts nobody owns: take ownership (the contact, or the person asked), decline a
request, ask someone (a team lead), and the list's bulk assignment. Every page works without
JavaScript: the forms post, then redirect with a message; the bulk assignment shows a confirm page,
then what was done and what was refused.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.people import person_name
from usecases import permissions, services
from usecases.forms import BulkAssignForm, ClaimForm, DeclineRequestForm, OwnershipRequestForm
from usecases.views.actions import _next_url
from usecases.views.detail import get_usecase

BULK_TEMPLATE = "usecases/usecase_bulk_assign.html"
_TAKEN = "{} has an owner now, or is no longer a draft; nothing was changed."


def _open_request(usecase):
    return usecase.ownership_requests.open().first()


def _refused(request, usecase, message: str):
    """Nothing changed: say why, back where the person came from."""
    messages.error(request, message)
    return redirect(_next_url(request) or usecase)


def _not_now(request, usecase, *, explain: bool, message: str):
    """A person who may not act: told why when it is the use case's state that stands in the way
    (someone was quicker), else 403."""
    if explain:
        return _refused(request, usecase, message)
    raise PermissionDenied


def _answer(request, usecase, form, act, done):
    """Check ``form``, then ``act(cleaned_data)`` through a service, and say what was done
    (``done(result)``) back where the person came from; on bad input or a refusal nothing changes
    and the message says why."""
    if not form.is_valid():
        return _refused(request, usecase, form.error_text())
    try:
        result = act(form.cleaned_data)
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.UseCaseError as refusal:
        return _refused(request, usecase, str(refusal))
    messages.success(request, done(result))
    return redirect(_next_url(request) or usecase)


@require_POST
def usecase_claim(request, key):
    """Take ownership of a draft nobody owns: as the person asked, or as its contact."""
    usecase = get_usecase(key)
    if not permissions.can_claim(request.user, usecase, _open_request(usecase)):
        gone = permissions.can_view(request.user, usecase) and not (
            permissions.is_unowned_draft(usecase)
        )
        return _not_now(request, usecase, explain=gone, message=_TAKEN.format(usecase.key))
    return _answer(
        request,
        usecase,
        ClaimForm(request.POST),
        lambda data: services.usecase_claim(
            usecase=usecase, actor=request.user, expected_version=data["version"]
        ),
        lambda claimed: (
            f"You own {claimed.key} now. It is still a draft: once it is complete a lead of "
            f"{claimed.team.name} submits it for review, and when it is approved you sign it off."
        ),
    )


@require_POST
def usecase_decline_request(request, key):
    """The person asked to own a draft declines, saying why."""
    usecase = get_usecase(key)
    open_request = _open_request(usecase)
    if open_request is None or not permissions.may_answer_ownership_request(
        request.user, open_request
    ):
        explain = open_request is None and permissions.can_view(request.user, usecase)
        message = f"Nobody is asked to own {usecase.key} now."
        return _not_now(request, usecase, explain=explain, message=message)
    return _answer(
        request,
        usecase,
        DeclineRequestForm(request.POST),
        lambda data: services.usecase_decline_ownership_request(
            usecase=usecase, actor=request.user, reason=data["reason"]
        ),
        lambda _: (
            f"You declined to own {usecase.key}; "
            f"{person_name(open_request.requested_by)} is told why."
        ),
    )


@require_POST
def usecase_request_owner(request, key):
    """A team lead asks someone to own a draft nobody owns."""
    usecase = get_usecase(key)
    if not permissions.may_request_ownership(request.user, usecase):
        explain = permissions.leads(request.user, usecase)
        return _not_now(request, usecase, explain=explain, message=_TAKEN.format(usecase.key))
    return _answer(
        request,
        usecase,
        OwnershipRequestForm(request.POST),
        lambda data: services.usecase_request_ownership(
            usecase=usecase,
            actor=request.user,
            person=data["person"],
            expected_version=data["version"],
        ),
        lambda asked: (
            f"{person_name(asked.person)} is asked to own {usecase.key}, in their "
            "inbox and by e-mail."
        ),
    )


@require_POST
def usecase_bulk_assign(request):
    """The list's bulk assignment. Without ``confirm``: the confirm page, each selected row with
    what will happen to it or why not. With it: done, row by row, and the result page."""
    if not permissions.can_bulk_assign(request.user):
        raise PermissionDenied
    back = reverse("usecases:usecase_list")
    query = request.POST.get("query", "")
    if query:
        back = f"{back}?{query}"
    selection = services.parse_selection(request.POST.getlist("row"))
    form = BulkAssignForm(request.POST, team_ids=permissions.bulk_assign_team_ids(request.user))
    problem = _selection_problem(selection) or (not form.is_valid() and form.error_text())
    if problem:
        messages.error(request, problem)
        return redirect(back)
    assignment = {"owner": form.cleaned_data["owner"], "team": form.cleaned_data["team"]}
    confirmed = "confirm" in request.POST
    act = services.apply_bulk_assignment if confirmed else services.plan_bulk_assignment
    rows = act(actor=request.user, selection=selection, **assignment)
    context = {
        "rows": rows,
        "applied": confirmed,
        "doable": [row for row in rows if not row.refusal],
        "done": [row for row in rows if row.done],
        "refused": [row for row in rows if row.refusal],
        "back": back,
        "query": query,
        **assignment,
    }
    return render(request, BULK_TEMPLATE, context)


def _selection_problem(selection) -> str:
    if not selection:
        return "Select at least one use case in the list, then choose what to assign."
    if len(selection) > services.BULK_LIMIT:
        return (
            f"You selected {len(selection)} use cases; one assignment takes at most "
            f"{services.BULK_LIMIT}. Narrow the list with its filters and assign in parts."
        )
    return ""
