"""Who may do what with a use case. Views ask these; templates ask ``get_actions``.

Roles: everyone signed in reads and comments; members of the owning team (and the author) edit
drafts and active use cases; team leads also submit, transfer and retire them; reviewers decide
reviews of use cases they did not write; the named owner signs off, declines and re-attests;
admins may do anything a lead may. Rules that must hold whoever asks (separation of duties) are
enforced again in ``services.py``.
"""

from dataclasses import dataclass

from django.urls import reverse

from portfolio.permissions import (
    can_view_portfolio,
    is_admin,
    is_lead,
    is_member,
    is_reviewer,
    team_roles,
)
from usecases.choices import (
    EDITABLE_STATUSES,
    MEASURABLE_STATUSES,
    SIGN_OFF_STATEMENT,
    Action,
    starts_from,
)


def can_view(user, usecase=None) -> bool:
    return can_view_portfolio(user)


def can_comment(user, usecase) -> bool:
    return can_view_portfolio(user)


def can_create(user) -> bool:
    """Anyone in a team (or an admin) can log a use case for one of their teams."""
    return can_view_portfolio(user) and (is_admin(user) or bool(team_roles(user)))


def creatable_team_ids(user) -> set[int] | None:
    """Teams the user may file a use case under; None means every team (admins)."""
    if is_admin(user):
        return None
    return set(team_roles(user))


def _in_team(user, usecase) -> bool:
    return is_admin(user) or is_member(user, usecase.team_id) or usecase.author_id == user.pk


def _leads(user, usecase) -> bool:
    return is_admin(user) or is_lead(user, usecase.team_id)


def _is_owner(user, usecase) -> bool:
    return usecase.owner_id is not None and usecase.owner_id == user.pk


def _may_decide(user, usecase) -> bool:
    """A reviewer who neither wrote the use case nor sent this version to review."""
    return (
        is_reviewer(user)
        and usecase.author_id != user.pk
        and usecase.review_submitter_id() != user.pk
    )


def can_edit(user, usecase) -> bool:
    if not can_view_portfolio(user) or usecase.status not in EDITABLE_STATUSES:
        return False
    return _in_team(user, usecase)


def in_starting_state(usecase, action: Action) -> bool:
    """Is the use case in a state ``action`` starts from? (A double click arrives when not.)"""
    return starts_from(usecase, action)


# One predicate per action: the role that may ask, in a state the action starts from.
RULES = {
    Action.SUBMIT: _leads,
    Action.APPROVE: lambda user, uc: _may_decide(user, uc),
    Action.REQUEST_CHANGES: lambda user, uc: _may_decide(user, uc),
    Action.REJECT: lambda user, uc: _may_decide(user, uc),
    Action.SIGN_OFF: _is_owner,
    Action.DECLINE_OWNERSHIP: _is_owner,
    Action.TRANSFER_OWNERSHIP: lambda user, uc: _is_owner(user, uc) or _leads(user, uc),
    Action.REATTEST: _is_owner,
    Action.RETIRE: _leads,
    Action.REOPEN: lambda user, uc: _leads(user, uc) or uc.author_id == user.pk,
}


def can(user, action: Action, usecase) -> bool:
    """May ``user`` take ``action`` on ``usecase`` now?"""
    if not can_view_portfolio(user) or not in_starting_state(usecase, action):
        return False
    return RULES[action](user, usecase)


def can_review(user, usecase) -> bool:
    return can(user, Action.APPROVE, usecase)


def can_sign_off(user, usecase) -> bool:
    return can(user, Action.SIGN_OFF, usecase)


@dataclass(frozen=True)
class ActionButton:
    """A button on the status panel. ``input`` names what the action asks for first:
    "" (nothing), "comment" (optional text), "reason" (required text), "statement" (the sign-off
    statement to tick) or "owner" (a new owner). ``confirm`` is asked before a destructive step."""

    name: str
    label: str
    url: str
    style: str = "secondary"
    input: str = ""
    input_label: str = ""
    confirm: str = ""


# How each action's button looks and what it asks for.
_BUTTONS = {
    Action.SUBMIT: {"style": "primary"},
    Action.APPROVE: {"style": "primary", "input": "comment", "input_label": "Comment (optional)"},
    Action.REQUEST_CHANGES: {"input": "reason", "input_label": "What needs to change?"},
    Action.REJECT: {
        "style": "danger",
        "input": "reason",
        "input_label": "Why is it rejected?",
        "confirm": "Reject this use case? It will be declined; it can be reopened later.",
    },
    Action.SIGN_OFF: {"style": "primary", "input": "statement", "input_label": SIGN_OFF_STATEMENT},
    Action.DECLINE_OWNERSHIP: {
        "style": "danger",
        "input": "reason",
        "input_label": "Why do you decline?",
        "confirm": "Decline ownership of this use case?",
    },
    Action.TRANSFER_OWNERSHIP: {
        "input": "owner",
        "input_label": "New owner",
        "confirm": "Transfer ownership? The new owner must sign off.",
    },
    Action.REATTEST: {"style": "primary"},
    Action.RETIRE: {
        "style": "danger",
        "input": "reason",
        "input_label": "Why is it retired?",
        "confirm": "Retire this use case?",
    },
    Action.REOPEN: {},
}


def action_url(usecase, action: Action) -> str:
    return reverse(f"usecases:usecase_{action.value}", args=[usecase.key])


def get_actions(usecase, user) -> list[ActionButton]:
    """The buttons the detail page shows this user for this use case, in workflow order."""
    actions = []
    if can_edit(user, usecase):
        actions.append(
            ActionButton(
                name="edit",
                label="Edit",
                url=reverse("usecases:usecase_edit", args=[usecase.key]),
            )
        )
    for action in Action:
        if can(user, action, usecase):
            actions.append(
                ActionButton(
                    name=action.value,
                    label=action.label,
                    url=action_url(usecase, action),
                    **_BUTTONS[action],
                )
            )
    return actions


def can_view_review_queue(user) -> bool:
    """The Reviews page: what waits for a reviewer's decision."""
    return is_reviewer(user)


def can_view_own_work(user) -> bool:
    """The inbox and the Sign-offs page: every signed-in person has their own."""
    return can_view_portfolio(user)


# --- Success-signal evidence ----------------------------------------------------------------------


def _may_measure(usecase) -> bool:
    """Measurements are taken once a use case is approved (until it is retired) and has a metric."""
    return usecase.status in MEASURABLE_STATUSES and bool(usecase.metric_name)


def is_measurement_recorder(user, usecase) -> bool:
    """A team member the owner allowed to record. Uses the prefetched recorders when the page
    loaded them; someone who has left the team no longer counts."""
    if not is_member(user, usecase.team_id):
        return False
    return any(person.pk == user.pk for person in usecase.measurement_recorders.all())


def _is_evidence_keeper(user, usecase) -> bool:
    """The owner; during a handover the outgoing owner, until the new one signs
    (``UseCase.evidence_keeper_id``): someone not yet signed cannot delete what was measured."""
    return usecase.evidence_keeper_id is not None and usecase.evidence_keeper_id == user.pk


def can_record_measurement(user, usecase) -> bool:
    """The evidence keeper (the owner), or a team member they allowed, on an approved use case
    with a metric."""
    if not can_view_portfolio(user) or not _may_measure(usecase):
        return False
    return _is_evidence_keeper(user, usecase) or is_measurement_recorder(user, usecase)


def can_delete_measurement(user, measurement, usecase) -> bool:
    """The evidence keeper deletes any measurement; a recorder deletes the ones they recorded."""
    if not can_record_measurement(user, usecase):
        return False
    return _is_evidence_keeper(user, usecase) or measurement.recorded_by_id == user.pk


def can_manage_recorders(user, usecase) -> bool:
    """Only the evidence keeper chooses who else may record measurements."""
    return can_view_portfolio(user) and _is_evidence_keeper(user, usecase)


def keeps_measurements(user, usecase) -> bool:
    """The evidence keeper or an allowed recorder, whatever the use case's state: someone who is
    told why a measurement can't be recorded now, rather than refused outright."""
    return can_view_portfolio(user) and (
        _is_evidence_keeper(user, usecase) or is_measurement_recorder(user, usecase)
    )


def keeps_measurement(user, measurement, usecase) -> bool:
    """``keeps_measurements`` for one reading: the evidence keeper, or the recorder who took it."""
    return keeps_measurements(user, usecase) and (
        _is_evidence_keeper(user, usecase) or measurement.recorded_by_id == user.pk
    )


def can_view_dashboard(user) -> bool:
    """The ownership dashboard is read-only: reviewers and admins are its audience, and everyone
    else signed in sees the same page."""
    return can_view_portfolio(user)
