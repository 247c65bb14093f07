"""Use cases through the API: the list (the list page's filters and search, a cursor a page) and
one use case with its version as the ``ETag``. Reading asks ``usecases.permissions`` as the pages
do."""

import base64
import binascii

from django.http import HttpResponse
from ninja import Router

from api.errors import form_refused, problem, problems
from api.schemas import UseCaseOut, UseCasePage
from core.people import person_name
from usecases import permissions
from usecases.filters import UseCaseFilter
from usecases.models import UseCase

router = Router(tags=["use cases"])

PAGE_SIZE_LIMIT = 200


def usecase_by_key(key: str) -> UseCase | None:
    """The use case ``key`` names, with what its document shows; None when there is none."""
    return UseCase.objects.by_key(key).select_related("team", "owner").first()


def not_found(key: str):
    return problem(404, "Not found", f"No use case has the key {key}.")


def etag(usecase: UseCase) -> str:
    return f'"{usecase.version}"'


def shown(usecase: UseCase) -> dict:
    data = {
        name: getattr(usecase, name) for name in UseCaseOut.model_fields if hasattr(usecase, name)
    }
    data["team"] = {"slug": usecase.team.slug, "name": usecase.team.name}
    owner = usecase.owner
    data["owner"] = (
        {"username": owner.get_username(), "name": person_name(owner)} if owner else None
    )
    data["url"] = usecase.get_absolute_url()
    data["key"] = usecase.key
    return data


def _cursor(number: int) -> str:
    return base64.urlsafe_b64encode(str(number).encode()).decode().rstrip("=")


def _after(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def cursor_page(items, *, cursor: str, limit: int, field: str = "number", descending=True):
    """One page of ``items`` ordered by the whole number ``field`` (``descending``: highest
    first), after ``cursor``, and the cursor of the next page (None on the last); or a 400
    problem naming ``limit`` or ``cursor``."""
    if not 1 <= limit <= PAGE_SIZE_LIMIT:
        return problem(
            400,
            "Bad request",
            f"limit is from 1 to {PAGE_SIZE_LIMIT}.",
            errors={"limit": "out of range"},
        )
    items = items.order_by(f"-{field}" if descending else field)
    if cursor:
        after = _after(cursor)
        if after is None:
            return problem(
                400,
                "Bad request",
                "The cursor is not one this API gave.",
                errors={"cursor": "unknown"},
            )
        items = items.filter(**{f"{field}__{'lt' if descending else 'gt'}": after})
    page = list(items[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, _cursor(getattr(page[-1], field)) if more else None


@router.get(
    "/usecases", response={200: UseCasePage, **problems(400, 403)}, summary="List use cases"
)
def usecase_list(request, cursor: str = "", limit: int = 50):
    """The use cases the list page shows, filtered by its query parameters (``q``, ``status``,
    ``stage``, ``team``, ``product``, ``goal``, ``owner``, ...), newest first, ``limit`` a page
    (at most 200); ``next_cursor`` fetches the next page."""
    if not permissions.can_view(request.user):
        return problem(403, "Forbidden", "You may not read use cases.")
    params = request.GET.copy()
    for name in ("cursor", "limit", "sort"):
        params.pop(name, None)
    filterset = UseCaseFilter(params, queryset=UseCase.objects.select_related("team", "owner"))
    if filterset.errors:
        return form_refused(filterset, "Some filters were not understood.")
    paged = cursor_page(filterset.qs, cursor=cursor, limit=limit)
    if isinstance(paged, HttpResponse):
        return paged
    page, next_cursor = paged
    return {"items": [shown(usecase) for usecase in page], "next_cursor": next_cursor}


@router.get(
    "/usecases/{key}", response={200: UseCaseOut, **problems(400, 403, 404)}, summary="One use case"
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
