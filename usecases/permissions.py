"""Who may do what with a use case. Views ask these; templates ask ``get_actions``.

Roles: everyone signed in reads; members of the owning team (and the author) edit drafts; admins
may do anything a member may. Review and sign-off rules arrive with the workflow (issue 3).
"""

from dataclasses import dataclass

from django.urls import reverse

from portfolio.permissions import can_view_portfolio, is_admin, is_member, team_roles
from usecases.services import EDITABLE_STATUSES


def can_view(user, usecase=None) -> bool:
    return can_view_portfolio(user)


def can_create(user) -> bool:
    """Anyone in a team (or an admin) can log a use case for one of their teams."""
    return can_view_portfolio(user) and (is_admin(user) or bool(team_roles(user)))


def creatable_team_ids(user) -> set[int] | None:
    """Teams the user may file a use case under; None means every team (admins)."""
    if is_admin(user):
        return None
    return set(team_roles(user))


def can_edit(user, usecase) -> bool:
    if not can_view_portfolio(user) or usecase.status not in EDITABLE_STATUSES:
        return False
    return is_admin(user) or is_member(user, usecase.team_id) or usecase.author_id == user.pk


@dataclass(frozen=True)
class ActionButton:
    name: str
    label: str
    url: str
    method: str = "get"
    style: str = "secondary"


def get_actions(usecase, user) -> list[ActionButton]:
    """The buttons the detail page shows this user for this use case."""
    actions = []
    if can_edit(user, usecase):
        actions.append(
            ActionButton(
                name="edit",
                label="Edit",
                url=reverse("usecases:usecase_edit", args=[usecase.key]),
                style="primary",
            )
        )
    return actions
