"""Workflow actions through the API: one endpoint takes any of them, each as its ``Transition``
(``usecases.workflow``) says — who may, from which states, which service — and with the form the
pages check it with (``ActionForm``), so there is one set of rules. Optimistic locking is HTTP's:
``If-Match`` carries the version the caller saw; without it 428, with another 412 and what
changed since."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from ninja import Router

from api.document import ETAG, IF_MATCH, answer_headers, named_one_of
from api.errors import form_refused, problem, problems
from api.schemas import InputSchema, UseCaseOut
from api.usecases import etag, not_found, shown, usecase_by_key
from core.people import person_name
from usecases import selectors, services, workflow
from usecases.choices import Action
from usecases.forms import ActionForm
from usecases.models import UseCase

router = Router(tags=["workflow"])


class ActionIn(InputSchema):
    note: str = ""
    accepted: bool = False
    new_owner: str = ""  # a username, for a transfer


def if_match(request, usecase: UseCase) -> int | HttpResponse:
    """The version ``If-Match`` names when it is the use case's (``"7"``; ``*``: whatever it is
    now), else the refusal: 428 without the header, 412 for another version, a weak ETag (which
    never matches, RFC 9110) or a value that names no version."""
    text = request.headers.get("If-Match", "").strip()
    if not text:
        return problem(428, "Precondition required", "Send the version you read as If-Match.")
    if text == "*":
        return usecase.version
    if text.startswith("W/"):
        return problem(
            412, "Precondition failed", "A weak ETag never matches If-Match: send it as given."
        )
    number = text.strip('"')
    if not (number.isascii() and number.isdigit()):
        return problem(
            412,
            "Precondition failed",
            f"If-Match names no version of {usecase.key}: send its ETag as given.",
        )
    if int(number) != usecase.version:
        return stale(usecase, int(number))
    return usecase.version


def stale(usecase: UseCase, seen: int):
    changes = [
        {"version": event.version, "what": event.get_kind_display(), "by": person_name(event.actor)}
        for event in selectors.events_since(usecase, seen)
    ]
    return problem(
        412,
        "Precondition failed",
        f"{usecase.key} is at version {usecase.version}, not {seen}: it changed since you read it.",
        version=usecase.version,
        changes=changes,
    )


@router.post(
    "/usecases/{key}/actions/{action}",
    response={200: UseCaseOut, **problems(400, 403, 404, 409, 412, 428)},
    summary="Take a workflow action",
    openapi_extra=answer_headers(200, ETAG, **IF_MATCH),
)
def usecase_action(
    request,
    key: str,
    action: named_one_of(Action.values),  # an unknown one is still a 404 problem
    body: ActionIn,
    response: HttpResponse,
):
    """``action`` is one of submit, approve, request_changes, reject, sign_off,
    decline_ownership, transfer_ownership, reattest, retire, reopen. Send the version you read
    as ``If-Match``."""
    if action not in Action.values:
        return problem(404, "Not found", f"No action is called {action}.")
    step = workflow.transition(action)
    usecase = usecase_by_key(key)
    if usecase is None:
        return not_found(key)
    seen = if_match(request, usecase)
    if isinstance(seen, HttpResponse):
        return seen
    if not step.starts_from(usecase):
        # As the page answers: the state has moved on (or never allowed it), nothing was done.
        return problem(
            409,
            "Conflict",
            f"{usecase.key} is {usecase.get_status_display().lower()} now; "
            f"nobody may {step.label.lower()} it; nothing was changed.",
        )
    if not step.allows(request.user, usecase):
        return problem(403, "Forbidden", f"You may not {step.label.lower()} {usecase.key}.")
    data = {"note": body.note, "version": seen}
    if body.accepted:
        data["accepted"] = "on"
    if body.new_owner:
        person = get_user_model().objects.filter(username=body.new_owner).first()
        data["new_owner"] = person.pk if person else -1
    form = ActionForm(data, action=step.action, usecase=usecase)
    if not form.is_valid():
        return form_refused(form, form.error_text())
    service = getattr(services, step.service)
    try:
        updated = service(
            usecase=usecase,
            actor=request.user,
            expected_version=seen,
            **step.service_arguments(form.cleaned_data),
        )
    except services.NotAllowed as refused:
        return problem(403, "Forbidden", str(refused))
    except services.StaleVersion as refused:
        return stale(refused.current, seen)
    except services.UseCaseError as refused:
        return problem(409, "Conflict", str(refused))
    updated = UseCase.objects.select_related("team", "owner").get(pk=updated.pk)
    response["ETag"] = etag(updated)
    return shown(updated)
