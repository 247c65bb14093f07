"""Use cases through the API: the list (the list page's filters, search and sorts, a cursor a
page) and one use case with its version as the ``ETag``. Reading asks ``usecases.permissions`` as
the pages do."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from ninja import Query, Router

from api.document import ETAG, answer_headers
from api.errors import form_refused, problem, problems
from api.schemas import UseCaseOut, UseCasePage, typed_value
from core.keyset import Keyset, StaleCursor
from core.people import person_name
from usecases import permissions
from usecases.custom_fields.values import active_fields
from usecases.filters import UseCaseFilter
from usecases.models import CustomFieldType, UseCase

router = Router(tags=["use cases"])

PAGE_SIZE_LIMIT = 200
# The list page's sorts, as its filter set defines them (custom fields add cf_<name> and -cf_<name>).
SORTS = ", ".join(
    [
        *(f"`{value}`" for value, _ in UseCaseFilter.base_filters["sort"].extra["choices"]),
        "`cf_<name>`",
    ]
)


def usecase_by_key(key: str) -> UseCase | None:
    """The use case ``key`` names, with what its document shows; None when there is none."""
    return UseCase.objects.by_key(key).select_related("team", "owner").first()


def not_found(key: str):
    return problem(404, "Not found", f"No use case has the key {key}.")


def etag(usecase: UseCase) -> str:
    return f'"{usecase.version}"'


def _people(usecases: list[UseCase], fields: dict) -> dict[int, dict]:
    """The people the use cases' person fields name, by id: one query, none without any."""
    ids = {
        usecase.custom_values.get(name)
        for usecase in usecases
        for name, field in fields.items()
        if field.type == CustomFieldType.PERSON
    } - {None}
    if not ids:
        return {}
    people = get_user_model().objects.filter(pk__in=[pk for pk in ids if type(pk) is int])
    return {
        user.pk: {"username": user.get_username(), "name": person_name(user)} for user in people
    }


def shown_all(usecases: list[UseCase]) -> list[dict]:
    """The use cases as the API shows them, each custom field in use typed: the definitions in
    one query, and the people their person fields name in one more (whatever the number)."""
    fields = active_fields()
    people = _people(usecases, fields)
    return [_document(usecase, fields, people) for usecase in usecases]


def shown(usecase: UseCase) -> dict:
    return shown_all([usecase])[0]


def _document(usecase: UseCase, fields: dict, people: dict) -> dict:
    data = {
        name: getattr(usecase, name) for name in UseCaseOut.model_fields if hasattr(usecase, name)
    }
    data["team"] = {"slug": usecase.team.slug, "name": usecase.team.name}
    owner = usecase.owner
    data["owner"] = (
        {"username": owner.get_username(), "name": person_name(owner)} if owner else None
    )
    stored = usecase.custom_values or {}
    data["custom_fields"] = [
        {
            "name": name,
            "label": field.label,
            "type": field.type,
            "value": typed_value(field.type, stored.get(name), people),
        }
        for name, field in fields.items()
    ]
    data["url"] = usecase.get_absolute_url()
    data["key"] = usecase.key
    return data


def _refused(name: str, detail: str):
    return problem(400, "Bad request", detail, errors={name: detail})


def cursor_page(items, *, cursor: str, limit: int, sort: str = ""):
    """One page of ``items`` in their order (keyset, ``core.keyset``: the model's ``number`` ends
    it), after ``cursor``, and the cursor of the next page (None on the last); or a 400 problem
    naming ``limit`` or ``cursor``. ``sort`` names the order, so a cursor of another is refused."""
    if not 1 <= limit <= PAGE_SIZE_LIMIT:
        return _refused("limit", f"limit is from 1 to {PAGE_SIZE_LIMIT}.")
    keyset = Keyset(items, sort=sort)
    try:
        rows = keyset.after(cursor) if cursor else keyset.queryset
    except StaleCursor as refusal:
        return _refused("cursor", str(refusal))
    page = list(rows[: limit + 1])
    more = len(page) > limit
    return page[:limit], keyset.cursor(page[limit - 1]) if more else None


@router.get(
    "/usecases", response={200: UseCasePage, **problems(400, 403)}, summary="List use cases"
)
def usecase_list(
    request,
    cursor: str = "",
    limit: int = 50,
    sort: str = Query(
        "",
        description=f"The list page's sorts: {SORTS} (a custom field, `-` before any: reversed).",
    ),
):
    """The use cases the list page shows, filtered by its query parameters (``q``, ``status``,
    ``stage``, ``team``, ``product``, ``goal``, ``owner``, the register and custom-field filters)
    and sorted as it sorts (``sort``; without one, best match first for a search and newest first
    otherwise; the newest first among equal values), ``limit`` a page (at most 200); ``next_cursor`` fetches the next page of the same
    sort, whatever was added or changed in between."""
    if not permissions.can_view(request.user):
        return problem(403, "Forbidden", "You may not read use cases.")
    params = request.GET.copy()
    for name in ("cursor", "limit"):
        params.pop(name, None)
    filterset = UseCaseFilter(params, queryset=UseCase.objects.select_related("team", "owner"))
    if filterset.errors:
        return form_refused(filterset, "Some filters or the sort were not understood.")
    paged = cursor_page(filterset.qs, cursor=cursor, limit=limit, sort=sort)
    if isinstance(paged, HttpResponse):
        return paged
    page, next_cursor = paged
    return {"items": shown_all(page), "next_cursor": next_cursor}


@router.get(
    "/usecases/{key}",
    response={200: UseCaseOut, **problems(400, 403, 404)},
    summary="One use case",
    openapi_extra=answer_headers(200, ETAG),
)
def usecase_detail(request, key: str, response: HttpResponse):
    """One use case by its key (``UC-1042``). Its ``ETag`` is its version: send it back as
    ``If-Match`` with a change."""
    usecase = usecase_by_key(key)
    if usecase is None:
        return not_found(key)
    if not permissions.can_view(request.user, usecase):
        return problem(403, "Forbidden", "You may not read this use case.")
    response["ETag"] = etag(usecase)
    return shown(usecase)
