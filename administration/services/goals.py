"""Strategic goals: create, edit or move in the hierarchy (never under itself), archive."""

from __future__ import annotations

from django.db import transaction

from administration.services import editing
from administration.services.errors import AdminError
from core.history import history_context
from portfolio.choices import AdminAction, GoalStatus
from portfolio.models import StrategicGoal
from portfolio.selectors import sits_under_itself

GOAL_FIELDS = ["title", "description", "owner", "parent", "period", "status"]

GOAL_STATE_LABELS = {
    "title": "title",
    "description": "description",
    "owner": "owner",
    "parent": "place in the hierarchy (sits under)",
    "period": "period",
    "status": "status",
}


def goal_state(goal: StrategicGoal) -> dict:
    """What the goal form edits (its owner and parent loaded)."""
    return editing.row_state(goal, GOAL_STATE_LABELS)


SITS_UNDER_ITSELF = "A goal cannot sit under itself or one of its own sub-goals."


@history_context(admin_action=AdminAction.GOAL_CREATED)
def goal_create(*, actor, data: dict) -> StrategicGoal:
    with transaction.atomic():
        goal = StrategicGoal()
        editing.apply_changes(goal, data, GOAL_FIELDS)
        goal.save()
        editing.log(
            actor=actor,
            action=AdminAction.GOAL_CREATED,
            target=goal,
            details={"parent": editing.shown(goal.parent)},
        )
    return goal


@history_context(admin_action=AdminAction.GOAL_UPDATED)
def goal_update(
    *, goal: StrategicGoal, actor, data: dict, fingerprint: str | None = None
) -> StrategicGoal:
    """Edit a goal; a new ``parent`` moves it (and its sub-goals) in the hierarchy.
    ``fingerprint`` is ``state_fingerprint(goal_state(goal))`` as the edit form loaded it: if
    anyone changed the goal since (moved it, say), ``EditConflict`` and nothing is written."""
    with transaction.atomic():
        # Lock every goal: two moves at once could otherwise build a cycle between them.
        list(editing.locked(StrategicGoal.objects).values_list("pk", flat=True))
        current = StrategicGoal.objects.get(pk=goal.pk)
        editing.refuse_if_changed(
            current=current,
            state=goal_state(current),
            fingerprint=fingerprint,
            labels=GOAL_STATE_LABELS,
        )
        if "parent" in data and sits_under_itself(current, data["parent"]):
            raise AdminError(SITS_UNDER_ITSELF)
        editing.refuse_deactivated(data.get("owner"), unless_pk=current.owner_id)
        changes = editing.apply_changes(current, data, GOAL_FIELDS)
        if changes:
            current.save()
            moved = list(changes) == ["parent"]
            action = AdminAction.GOAL_MOVED if moved else AdminAction.GOAL_UPDATED
            editing.log(actor=actor, action=action, target=current, details={"changes": changes})
    return current


@history_context(admin_action=AdminAction.GOAL_ARCHIVED)
def goal_set_archived(*, goal: StrategicGoal, actor, archived: bool) -> StrategicGoal:
    """Archiving a goal sets it to "dropped" (use cases keep their link); restoring, "active"."""
    with transaction.atomic():
        current = editing.locked(StrategicGoal.objects).get(pk=goal.pk)
        status = GoalStatus.DROPPED if archived else GoalStatus.ACTIVE
        if current.status == status:
            return current
        before, current.status = current.status, status
        current.save(update_fields=["status"])
        editing.log(
            actor=actor,
            action=AdminAction.GOAL_ARCHIVED if archived else AdminAction.GOAL_RESTORED,
            target=current,
            details={"changes": {"status": [before, status]}},
        )
    return current
