"""The custom fields' definitions through the API: what a client may read in a use case's
``custom_fields`` and send in its own, each with its type and, for a choice, its options. Read by
whoever may read the use cases."""

from ninja import Router

from api.errors import problem, problems
from api.schemas import CustomFieldOut
from usecases import permissions
from usecases.custom_fields.values import active_fields

router = Router(tags=["custom fields"])


@router.get(
    "/custom-fields",
    response={200: list[CustomFieldOut], **problems(403)},
    summary="List the custom fields",
)
def custom_field_list(request):
    """The custom fields in use, in the form's order (by group, then order). An archived field
    is left out, as it is left off the form, the list and the exports. Every field applies to
    every use case."""
    if not permissions.can_view(request.user):
        return problem(403, "Forbidden", "You may not read use cases.")
    return list(active_fields().values())
