"""Creating and editing a use case through the API, with the form the pages use (its choices,
checks and messages: one set of rules) and the same services. A change is sent as the fields it
changes; the rest is taken from the use case as it is. Editing needs ``If-Match``."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import Status

from api.actions import if_match, stale
from api.auth import may_write
from api.errors import form_refused, problem, problems
from api.schemas import InputSchema, UseCaseOut
from api.usecases import etag, not_found, router, shown, usecase_by_key
from portfolio.models import Product, Team
from usecases import permissions, services
from usecases.forms import UseCaseForm
from usecases.models import UseCase


class UseCaseIn(InputSchema):
    """The fields to set; those left out keep their value. ``team`` and ``products`` by slug,
    ``owner`` by username, ``goals`` by id; ``fields`` any other field of the use-case form by
    its name (register fields such as ``contact_email``, custom fields as ``cf_<name>``)."""

    title: str | None = None
    who: str | None = None
    problem: str | None = None
    success_signal: str | None = None
    business_intent: str | None = None
    team: str | None = None
    owner: str | None = None
    products: list[str] | None = None
    goals: list[int] | None = None
    lifecycle_stage: str | None = None
    fields: dict[str, str | list[str]] = {}


def _form_data(form: UseCaseForm, given: UseCaseIn) -> MultiValueDict:
    """What the page would post: every field as the form shows it now, then what was given."""
    data = MultiValueDict()
    for name, field in form.fields.items():
        value = form[name].value()
        if getattr(field.widget, "allow_multiple_selected", False):
            items = value if isinstance(value, list | tuple) else [value]
            data.setlist(name, [str(item) for item in items if item not in (None, "")])
        elif isinstance(value, list | tuple):
            data.setlist(name, ["" if item is None else str(item) for item in value])
        else:
            data[name] = "" if value is None else str(value)
    sent = given.model_dump(exclude_unset=True)
    extra = sent.pop("fields", {})
    lookups = {
        "team": lambda slug: Team.objects.filter(slug=slug).values_list("pk", flat=True).first(),
        "owner": lambda username: (
            get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
        ),
    }
    for name, value in sent.items():
        if name in lookups:
            found = lookups[name](value) if value else ""
            data[name] = "" if found == "" else str(found if found is not None else -1)
        elif name in ("products", "goals") and value is None:
            data.setlist(name, [])  # null: none linked
        elif name == "products":
            found = Product.objects.filter(slug__in=value).values_list("pk", flat=True)
            data.setlist(name, [str(pk) for pk in found] + ["-1"] * (len(set(value)) - len(found)))
        elif name == "goals":
            data.setlist(name, [str(pk) for pk in value])
        else:
            data[name] = "" if value is None else value
    for name, value in extra.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


@router.post(
    "/usecases", response={201: UseCaseOut, **problems(400, 403)}, summary="Create a draft"
)
def usecase_create(request, body: UseCaseIn, response: HttpResponse):
    if not may_write(request):
        return problem(403, "Forbidden", "This token may only read.")
    if not permissions.can_create(request.user):
        return problem(403, "Forbidden", "You may not create use cases.")
    blank = UseCaseForm(user=request.user)
    form = UseCaseForm(_form_data(blank, body), user=request.user)
    if not form.is_valid():
        return form_refused(form, "Some fields were refused; nothing was saved.")
    try:
        usecase = services.usecase_create(actor=request.user, data=form.domain_data())
    except services.InvalidValue as refused:
        return problem(400, "Bad request", str(refused), errors=refused.errors)
    usecase = UseCase.objects.select_related("team", "owner").get(pk=usecase.pk)
    response["ETag"] = etag(usecase)
    response["Location"] = f"/api/v1/usecases/{usecase.key}"
    return Status(201, shown(usecase))


@router.patch(
    "/usecases/{key}",
    response={200: UseCaseOut, **problems(400, 403, 404, 409, 412, 428)},
    summary="Change a use case",
)
def usecase_update(request, key: str, body: UseCaseIn, response: HttpResponse):
    usecase = usecase_by_key(key)
    if usecase is None:
        return not_found(key)
    if not may_write(request):
        return problem(403, "Forbidden", "This token may only read.")
    if not permissions.can_edit(request.user, usecase):
        return problem(403, "Forbidden", f"You may not edit {usecase.key}.")
    seen = if_match(request)
    if seen is None:
        return problem(428, "Precondition required", "Send the version you read as If-Match.")
    if seen != usecase.version:
        return stale(usecase, seen)
    current = UseCaseForm(instance=usecase, user=request.user)
    form = UseCaseForm(_form_data(current, body), instance=usecase, user=request.user)
    if not form.is_valid():
        return form_refused(form, "Some fields were refused; nothing was saved.")
    try:
        saved = services.usecase_update(
            usecase=usecase, actor=request.user, data=form.domain_data(), expected_version=seen
        )
    except services.EditConflict as conflict:
        return stale(conflict.current, seen)
    except services.InvalidValue as refused:
        return problem(400, "Bad request", str(refused), errors=refused.errors)
    except (services.NotEditable, services.Incomplete) as refused:
        return problem(409, "Conflict", str(refused))
    saved = UseCase.objects.select_related("team", "owner").get(pk=saved.pk)
    response["ETag"] = etag(saved)
    return shown(saved)
