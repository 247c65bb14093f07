"""Creating and editing a use case through the API, with the form the pages use (its choices,
checks and messages: one set of rules) and the same services. A change is sent as the fields it
changes; the rest is taken from the use case as it is. Editing needs ``If-Match``."""

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import Status
from pydantic import Field, create_model

from api.actions import if_match, stale
from api.document import ETAG, IF_MATCH, LOCATION, answer_headers
from api.errors import form_refused, problem, problems
from api.schemas import EDITED, InputSchema, UseCaseOut
from api.usecases import etag, not_found, router, shown, usecase_by_key
from portfolio.models import Product, Team
from usecases import permissions, services
from usecases.forms import UseCaseForm
from usecases.forms.fields import AssessmentsField, WebAddressLinesField
from usecases.models import CustomFieldType, UseCase
from usecases.numbers import plain_decimal
from usecases.register import assessments_text

CustomValueIn = bool | int | Decimal | str | list[str] | None

UseCaseFieldsIn = create_model(
    "UseCaseFieldsIn",
    __base__=InputSchema,
    **{name: (kind | None, Field(None, description=text)) for name, kind, text in EDITED},
)


class UseCaseIn(UseCaseFieldsIn):
    """The fields to set; those left out keep their value, null or "" clears one. ``team`` and
    ``products`` by slug, ``owner`` by username, ``goals`` by id; ``custom_fields`` by the field's
    name (``GET /custom-fields`` lists them): text, a number, yes/no as true or false, a date as
    year-month-day, a choice, a list for a multiple choice, a person by username. ``fields``, any
    field of the use-case form by the name it posts (``cf_<name>`` for a custom field), as text."""

    team: str | None = None
    owner: str | None = None
    products: list[str] | None = None
    goals: list[int] | None = None
    custom_fields: dict[str, CustomValueIn] = {}
    fields: dict[str, str | list[str]] = {}


def _text(value) -> str:
    """A typed value as the page's form posts it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def _posted(field, value) -> list[str] | str:
    """A typed value of the form's ``field`` as the page posts it: a list for a multiple choice,
    the lines a list of web addresses or assessments is typed in, else text."""
    if isinstance(field, AssessmentsField):
        # Only what was sent of each (``exclude_unset`` reaches into the items too).
        lines = [
            {"kind": item["kind"], "date": _text(item.get("date")), "link": item.get("link") or ""}
            for item in value or []
        ]
        return assessments_text(lines)
    if isinstance(field, WebAddressLinesField):
        return "\n".join(value or [])
    if isinstance(value, list) or isinstance(field, forms.MultipleChoiceField):
        return [_text(item) for item in value or []]
    return _text(value)


def _custom_posts(given: dict, form: UseCaseForm) -> tuple[dict, dict[str, str]]:
    """``custom_fields`` as the form's fields (``cf_<name>``) post them, and the names that are
    no custom field in use; a person by username (an unknown one is refused by the form)."""
    fields, posts, unknown = form.custom_fields, {}, {}
    for name, value in given.items():
        field = fields.get(name)
        if field is None:
            unknown[f"custom_fields.{name}"] = f"No custom field in use is named “{name}”."
        elif field.type == CustomFieldType.PERSON and isinstance(value, str) and value:
            found = _person_pk(value)  # someone unknown: the form refuses the name
            posts[field.key] = str(found) if found is not None else value
        else:
            posts[field.key] = _posted(form.fields[field.key], value)
    return posts, unknown


# The form's own bookkeeping (the version read, the values shown): If-Match carries the version.
FORM_INTERNALS = frozenset({"version", "original"})


def _person_pk(username: str) -> int | None:
    return get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()


def _form_data(form: UseCaseForm, given: UseCaseIn) -> tuple[MultiValueDict, dict[str, str]]:
    """What the page would post: every field as the form shows it now, then what was given; and
    the names given that the form has no field for."""
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
    posts, unknown = _custom_posts(sent.pop("custom_fields", {}), form)
    lookups = {
        "team": lambda slug: Team.objects.filter(slug=slug).values_list("pk", flat=True).first(),
        "owner": _person_pk,
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
            posts[name] = _posted(form.fields[name], value)
    for name in extra:
        if name not in form.fields or name in FORM_INTERNALS:
            unknown[f"fields.{name}"] = f"The use-case form has no field “{name}”."
    extra = {name: value for name, value in extra.items() if f"fields.{name}" not in unknown}
    for name, value in {**posts, **extra}.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data, unknown


def _bound(given: UseCaseIn, **kwargs) -> tuple[UseCaseForm, dict[str, str]]:
    """The page's form bound to what the page would post with ``given`` applied, and what is
    refused before the form's own checks: custom fields none in use, locked fields changed."""
    data, unknown = _form_data(UseCaseForm(**kwargs), given)
    form = UseCaseForm(data, **kwargs)
    given_names = {*given.model_fields_set, *given.fields} - {"fields", "custom_fields"}
    return form, {**unknown, **_locked(form, data, given_names)}


def _as_text(value):
    if isinstance(value, list | tuple):
        return sorted(_as_text(item) for item in value)
    return "" if value is None else str(value)


def _locked(form: UseCaseForm, data: MultiValueDict, names: set[str]) -> dict[str, str]:
    """The fields given a new value that the page shows locked (a reviewed use case's owner):
    the page cannot send them, so the API refuses them instead of quietly keeping the old."""
    locked = {}
    for name in names:
        field = form.fields.get(name)
        if field is None or not field.disabled:
            continue
        sent = field.widget.value_from_datadict(data, form.files, form.add_prefix(name))
        shown = field.prepare_value(form.get_initial_for_field(field, name))
        if _as_text(shown) != _as_text(sent):  # field.has_changed says no for a locked field
            locked[name] = f"This field cannot be changed here. {field.help_text}".strip()
    return locked


REFUSED = "Some fields were refused; nothing was saved."


@router.post(
    "/usecases",
    response={201: UseCaseOut, **problems(400, 403)},
    summary="Create a draft",
    openapi_extra=answer_headers(201, {**ETAG, **LOCATION}),
)
def usecase_create(request, body: UseCaseIn, response: HttpResponse):
    if not permissions.can_create(request.user):
        return problem(403, "Forbidden", "You may not create use cases.")
    form, unknown = _bound(body, user=request.user)
    if unknown:
        return problem(400, "Bad request", REFUSED, errors=unknown)
    if not form.is_valid():
        return form_refused(form, REFUSED)
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
    openapi_extra=answer_headers(200, ETAG, **IF_MATCH),
)
def usecase_update(request, key: str, body: UseCaseIn, response: HttpResponse):
    usecase = usecase_by_key(key)
    if usecase is None:
        return not_found(key)
    if not permissions.can_edit(request.user, usecase):
        return problem(403, "Forbidden", f"You may not edit {usecase.key}.")
    seen = if_match(request, usecase)
    if isinstance(seen, HttpResponse):
        return seen
    form, unknown = _bound(body, instance=usecase, user=request.user)
    if unknown:
        return problem(400, "Bad request", REFUSED, errors=unknown)
    if not form.is_valid():
        return form_refused(form, REFUSED)
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
