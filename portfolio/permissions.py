"""Who may do what with teams, products and goals. Every check in one place, as plain predicates.

Role facts are cached on the user object for the length of a request, so a page asking many
questions costs one query for the groups and the memberships together.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.db.models.functions import JSONObject

from core.compiled import compiled_values, statement
from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole
from portfolio.models import Membership


def _role_facts_query(user_pk: int, limit: int | None):
    """A person's group names and memberships (teams not archived), as one row of two arrays."""
    return (
        get_user_model()
        .objects.filter(pk=user_pk)
        .values_list(
            ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")),
            ArraySubquery(
                Membership.objects.filter(user=OuterRef("pk"), team__is_archived=False).values(
                    json=JSONObject(team="team_id", role="role")
                )
            ),
        )
    )


def role_facts_statements(user) -> list:
    """The statement ``_load_role_facts`` runs for ``user`` (none for nobody signed in, or one
    whose roles are read already), for ``core.compiled.read_ahead``."""
    if not getattr(user, "is_authenticated", False):
        return []
    if getattr(user, "_registry_groups", None) is not None:
        return []
    return [statement(_role_facts_query, user.pk)]


def _load_role_facts(user) -> None:
    """The user's group names and ``{team_id: role}`` (teams not archived), in one query, kept on
    the user for the rest of the request. Every page asks, so the query is compiled once per
    process (``compiled_values``)."""
    rows = list(compiled_values(_role_facts_query, user.pk))
    groups, memberships = rows[0] if rows else ((), ())  # a person deleted meanwhile: no roles
    user._registry_groups = frozenset(groups)
    user._registry_team_roles = {row["team"]: row["role"] for row in memberships}


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if getattr(user, "_registry_groups", None) is None:
        _load_role_facts(user)
    return user._registry_groups


def team_roles(user) -> dict[int, str]:
    """``{team_id: role}`` for the user's memberships in teams that are not archived."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if getattr(user, "_registry_team_roles", None) is None:
        _load_role_facts(user)
    return user._registry_team_roles


def forget_role_facts(user) -> None:
    """Drop the role facts cached on ``user``, so the next question reads them afresh: a service
    asking under a row lock must not trust what a page read before the lock was taken."""
    for name in ("_registry_groups", "_registry_team_roles"):
        # delattr, not the instance dict: a request's user is a lazy wrapper that passes
        # attribute access through to the person, while its own __dict__ is the wrapper's.
        if hasattr(user, name):
            delattr(user, name)


def is_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or ADMINS_GROUP in _group_names(user)


def is_reviewer(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return REVIEWERS_GROUP in _group_names(user)


def is_member(user, team_id: int) -> bool:
    return team_id in team_roles(user)


def is_lead(user, team_id: int) -> bool:
    return team_roles(user).get(team_id) == MembershipRole.LEAD


def led_team_ids(user) -> set[int]:
    """The teams (not archived) ``user`` leads."""
    return {team_id for team_id, role in team_roles(user).items() if role == MembershipRole.LEAD}


def can_view_portfolio(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_change_person(user, person) -> bool:
    """Admins edit, reactivate and e-mail people; only a superuser does so to a superuser (as in
    the Django admin, ``portfolio.admin.PeopleAdmin``)."""
    return is_admin(user) and (user.is_superuser or not person.is_superuser)


def get_person_actions(user, person) -> set[str]:
    """What the people pages offer ``user`` to do with ``person``: a subset of "edit",
    "send_password_email", "deactivate" and "reactivate". Nobody deactivates themselves."""
    if not can_change_person(user, person):
        return set()
    if not person.is_active:
        return {"edit", "reactivate"}
    actions = {"edit"}
    if person.email:
        actions.add("send_password_email")
    if person.pk != user.pk:
        actions.add("deactivate")
    return actions


def can_manage_task_queue(user) -> bool:
    """Admins see the background task queue (e-mail waiting, running, failed) and retry tasks."""
    return is_admin(user)
