"""Teams and their members: create, edit or move in the tree of organisation units (never under
itself), archive; add, change the role of, remove a member.

An active team never sits under an archived one: a unit is archived only once its sub-units are
(or have moved), a team is created or moved only under a unit that is not archived, and restored
only once the unit it sits under is."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from administration.services import editing
from administration.services.errors import AdminError
from core.history import history_context
from core.people import person_name
from portfolio.choices import AdminAction, MembershipRole
from portfolio.models import Membership, Team
from portfolio.naming import unique_slug
from portfolio.selectors import sits_under_itself
from usecases.models import UNIT_ROWS_LOCK

TEAM_FIELDS = ["name", "kind", "parent", "description"]

TEAM_STATE_LABELS = {
    "name": "name",
    "kind": "kind",
    "parent": "part of (the unit it sits under)",
    "description": "description",
    "is_archived": "archived",
}

SITS_UNDER_ITSELF = "Part of: a team cannot sit under itself or one of its own sub-units."


def _refuse_parent(team: Team | None, parent: Team | None) -> None:
    """Refuse placing ``team`` (None: a new one) under ``parent``: itself, a sub-unit of its own,
    or an archived unit. The caller holds the lock on every team."""
    if parent is None:
        return
    if sits_under_itself(team, parent):
        raise AdminError(SITS_UNDER_ITSELF)
    if Team.objects.filter(pk=parent.pk, is_archived=True).exists():
        raise AdminError(f"Part of: {parent} is archived; choose a unit that is not.")


def _lock_every_team() -> None:
    """Two moves at once could otherwise build a cycle between them, or a team could be placed
    under a unit being archived."""
    list(editing.locked(Team.objects).values_list("pk", flat=True))


def _lock_unit_rows() -> None:
    """A move counts the summary's unit rows again, under their lock (``UNIT_ROWS_LOCK``): taken
    before any team is locked, whenever the edit may move the team (a writer holding it finishes
    first; its use case's check of the team's key would otherwise wait on the teams' locks, and
    both on each other)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", UNIT_ROWS_LOCK)


def team_state(team: Team) -> dict:
    """What the team form edits, and whether the team is archived."""
    return editing.row_state(team, TEAM_STATE_LABELS)


@history_context(admin_action=AdminAction.TEAM_CREATED)
def team_create(*, actor, data: dict) -> Team:
    with transaction.atomic():
        editing.refuse_taken_name(Team, data["name"], noun="team")
        if data.get("parent") is not None:
            _lock_every_team()
            _refuse_parent(None, data["parent"])
        team = Team(slug=unique_slug(Team, data["name"]))
        editing.apply_changes(team, data, TEAM_FIELDS)
        team.save()
        editing.log(
            actor=actor,
            action=AdminAction.TEAM_CREATED,
            target=team,
            details={"kind": team.kind, "parent": editing.shown(team.parent)},
        )
    return team


@history_context(admin_action=AdminAction.TEAM_UPDATED)
def team_update(*, team: Team, actor, data: dict, fingerprint: str | None = None) -> Team:
    """Edit a team. ``fingerprint`` is ``state_fingerprint(team_state(team))`` as the edit form
    loaded it: if anyone changed the team since, ``EditConflict`` and nothing is written. A new
    ``parent`` moves the team, with its sub-units, in the tree."""
    with transaction.atomic():
        if "parent" in data:
            _lock_unit_rows()
            _lock_every_team()
        current = editing.locked(Team.objects).get(pk=team.pk)
        editing.refuse_if_changed(
            current=current,
            state=team_state(current),
            fingerprint=fingerprint,
            labels=TEAM_STATE_LABELS,
        )
        if "name" in data:
            editing.refuse_taken_name(Team, data["name"], noun="team", exclude_pk=current.pk)
        if "parent" in data and getattr(data["parent"], "pk", None) != current.parent_id:
            _refuse_parent(current, data["parent"])
        changes = editing.apply_changes(current, data, TEAM_FIELDS)
        if changes:
            # The changed fields alone: an edit that moves nothing leaves the unit rows' trigger
            # (``BEFORE UPDATE OF parent_id``) and its lock alone.
            current.save(update_fields=list(changes))
            editing.log(
                actor=actor,
                action=AdminAction.TEAM_UPDATED,
                target=current,
                details={"changes": changes},
            )
    return current


@history_context(admin_action=AdminAction.TEAM_ARCHIVED)
def team_set_archived(*, team: Team, actor, archived: bool) -> Team:
    """Archive or restore a team. A unit with sub-units that are not archived stays (archive or
    move them first); a team under an archived unit is restored only once that unit is."""
    with transaction.atomic():
        _lock_every_team()
        current = Team.objects.select_related("parent").get(pk=team.pk)
        if archived and not current.is_archived:
            active = list(current.children.filter(is_archived=False).order_by("name"))
            if active:
                names = ", ".join(unit.name for unit in active)
                raise AdminError(
                    f"{current} still has sub-units that are not archived ({names}); archive "
                    "them or move them out first."
                )
        if not archived and current.is_archived and current.parent and current.parent.is_archived:
            raise AdminError(
                f"{current} sits under {current.parent}, which is archived; restore "
                f"{current.parent} first, or move {current} out of it."
            )
        return editing.set_archived(Team, current, actor=actor, archived=archived, noun="team")


# --- Members ------------------------------------------------------------------------------------


@history_context(admin_action=AdminAction.MEMBERSHIP_ADDED)
def membership_add(*, team: Team, actor, user, role: str = MembershipRole.MEMBER) -> Membership:
    with transaction.atomic():
        current = editing.locked(Team.objects).get(pk=team.pk)
        if current.is_archived:
            raise AdminError(f"{current} is archived; restore it before adding people.")
        if not user.is_active:
            raise AdminError(f"{person_name(user)}'s account is deactivated.")
        if Membership.objects.filter(team=current, user=user).exists():
            raise AdminError(f"{person_name(user)} is already in {current}.")
        try:
            with transaction.atomic():
                membership = Membership.objects.create(team=current, user=user, role=role)
        except IntegrityError:
            raise AdminError(f"{person_name(user)} is already in {current}.") from None
        editing.log(
            actor=actor,
            action=AdminAction.MEMBERSHIP_ADDED,
            target=current,
            details={"person": person_name(user), "user_id": user.pk, "role": role},
        )
    return membership


@history_context(admin_action=AdminAction.MEMBERSHIP_ROLE_CHANGED)
def membership_set_role(*, membership: Membership, actor, role: str) -> Membership:
    if role not in MembershipRole.values:
        raise AdminError("Choose member or lead.")
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("team", "user")
            .get(pk=membership.pk)
        )
        if current.role == role:
            return current
        before, current.role = current.role, role
        current.save(update_fields=["role"])
        editing.log(
            actor=actor,
            action=AdminAction.MEMBERSHIP_ROLE_CHANGED,
            target=current.team,
            details={
                "person": person_name(current.user),
                "user_id": current.user_id,
                "changes": {"role": [before, role]},
            },
        )
    return current


@history_context(admin_action=AdminAction.MEMBERSHIP_REMOVED)
def membership_remove(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("team", "user")
            .filter(pk=membership.pk)
            .first()
        )
        if current is None:
            raise AdminError("That membership was already removed.")
        team, user, role = current.team, current.user, current.role
        current.delete()
        editing.log(
            actor=actor,
            action=AdminAction.MEMBERSHIP_REMOVED,
            target=team,
            details={"person": person_name(user), "user_id": user.pk, "role": role},
        )
