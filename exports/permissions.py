"""Who may export. An export is the list in another shape: whoever may read the list may export
it, and sees in the file exactly the use cases the list shows them (``usecases.permissions``)."""

from usecases.permissions import can_view


def can_export(user) -> bool:
    return can_view(user)
