"""Teams and their members: create, edit, archive; add, change the role of, remove a member."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from administration.services import editing
from administration.services.errors import AdminError
from core.history import history_context
from core.people import person_name
from portfolio.choices import AdminAction, MembershipRole
from portfolio.models import Membership, Team

TEAM_FIELDS = ["name", "kind", "description"]

TEAM_STATE_LABELS = {
    "name": "name",
    "kind": "kind",
    "description": "description",
    "is_archived": "archived",
}


def team_state(team: Team) -> dict:
    """What the team form edits, and whether the team is archived."""
    return editing.row_state(team, TEAM_STATE_LABELS)


@history_context(admin_action=AdminAction.TEAM_CREATED)
def team_create(*, actor, data: dict) -> Team:
    with transaction.atomic():
        editing.refuse_taken_name(Team, data["name"], noun="team")
        team = Team(slug=editing.unique_slug(Team, data["name"]))
        editing.apply_changes(team, data, TEAM_FIELDS)
        team.save()
        editing.log(
            actor=actor, action=AdminAction.TEAM_CREATED, target=team, details={"kind": team.kind}
        )
    return team


@history_context(admin_action=AdminAction.TEAM_UPDATED)
def team_update(*, team: Team, actor, data: dict, fingerprint: str | None = None) -> Team:
    """Edit a team. ``fingerprint`` is ``state_fingerprint(team_state(team))`` as the edit form
    loaded it: if anyone changed the team since, ``EditConflict`` and nothing is written."""
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
        editing.refuse_if_changed(
            current=current,
            state=team_state(current),
            fingerprint=fingerprint,
            labels=TEAM_STATE_LABELS,
        )
        if "name" in data:
            editing.refuse_taken_name(Team, data["name"], noun="team", exclude_pk=current.pk)
        changes = editing.apply_changes(current, data, TEAM_FIELDS)
        if changes:
            current.save()
            editing.log(
                actor=actor,
                action=AdminAction.TEAM_UPDATED,
                target=current,
                details={"changes": changes},
            )
    return current


@history_context(admin_action=AdminAction.TEAM_ARCHIVED)
def team_set_archived(*, team: Team, actor, archived: bool) -> Team:
    return editing.set_archived(Team, team, actor=actor, archived=archived, noun="team")


# --- Members ------------------------------------------------------------------------------------


@history_context(admin_action=AdminAction.MEMBERSHIP_ADDED)
def membership_add(*, team: Team, actor, user, role: str = MembershipRole.MEMBER) -> Membership:
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
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
