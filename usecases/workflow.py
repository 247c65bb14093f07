"""The workflow in one table: one ``Transition`` per action.

Each record says where the action starts from and leads to, the event it records, how a sentence
about it ends ("UC-1042 was approved"), who may take it (a predicate of ``permissions``), how its
button looks and what it asks first, and which function of ``usecases.services`` performs it.
``can`` and ``get_actions`` read the table for the views and templates; the services read the
target, the event and the past tense; the views call ``transition.service`` with what its form
asked (``service_arguments``). Wagtail's ``Task.get_actions`` / ``on_action`` have the same shape.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from portfolio.permissions import can_view_portfolio
from usecases import permissions
from usecases.choices import SIGN_OFF_STATEMENT, Action, EventKind, Status


@dataclass(frozen=True)
class Button:
    """How an action's button looks and what it asks for first. ``asks``: "" (nothing), "comment"
    (optional text), "reason" (required text), "statement" (the sign-off statement to tick) or
    "owner" (a new owner, and an optional reason). ``question`` labels what is asked; ``confirm``
    is asked before a destructive step."""

    style: str = "secondary"
    asks: str = ""
    question: str = ""
    confirm: str = ""

    @property
    def asks_for_owner(self) -> bool:
        """Whether the action asks for a new owner: its form carries the person chooser, which
        the page builds only then (``views.detail.detail_context``)."""
        return self.asks == "owner"


def _always(usecase) -> bool:
    return True


def _unsigned_change_if_active(usecase) -> bool:
    """An active use case whose signed text changed outside the pages (changed since sign-off)
    can be submitted for review again; an unchanged one cannot."""
    return usecase.status != Status.ACTIVE or usecase.changed_since_sign_off


@dataclass(frozen=True)
class Transition:
    """One workflow action. ``service`` names the function of ``usecases.services`` that performs
    it; ``note_argument`` the keyword it takes the form's note as ("" when it takes none)."""

    action: Action
    sources: frozenset[Status]
    target: Status
    event: EventKind
    past: str
    rule: Callable
    button: Button
    service: str
    note_argument: str = ""
    # The action's own page shows the text being decided on beside the last signed text.
    shows_diff: bool = False
    # A further condition on the use case, beyond being in one of ``sources``.
    condition: Callable = _always

    @property
    def name(self) -> str:
        return self.action.value

    @property
    def label(self) -> str:
        return self.action.label

    def starts_from(self, usecase) -> bool:
        """Is ``usecase`` in a state this action starts from? (A double click arrives when not.)"""
        return usecase.status in self.sources and self.condition(usecase)

    def allows(self, user, usecase) -> bool:
        """May ``user`` take this action on ``usecase`` now?"""
        if not can_view_portfolio(user) or not self.starts_from(usecase):
            return False
        return self.rule(user, usecase)

    def url(self, usecase) -> str:
        return reverse(f"usecases:usecase_{self.name}", args=[usecase.key])

    def service_arguments(self, data: dict) -> dict:
        """The service's keyword arguments (besides the use case, the actor and the version) from
        the cleaned ``ActionForm`` data."""
        if self.button.asks == "statement":
            return {"accepted": data["accepted"]}
        if self.button.asks_for_owner:
            return {"new_owner": data["new_owner"], "reason": data["note"]}
        return {self.note_argument: data["note"]} if self.note_argument else {}


_IN_REVIEW = frozenset({Status.IN_REVIEW})
_AWAITING = frozenset({Status.AWAITING_SIGN_OFF})
_ACTIVE = frozenset({Status.ACTIVE})

TRANSITIONS: dict[Action, Transition] = {
    transition.action: transition
    for transition in (
        Transition(
            Action.SUBMIT,
            # From active only while "changed since sign-off": back to review.
            sources=frozenset({Status.DRAFT, Status.ACTIVE}),
            condition=_unsigned_change_if_active,
            target=Status.IN_REVIEW,
            event=EventKind.SUBMITTED,
            past="submitted for review",
            rule=permissions.leads,
            button=Button(style="primary"),
            service="usecase_submit",
        ),
        Transition(
            Action.APPROVE,
            sources=_IN_REVIEW,
            target=Status.AWAITING_SIGN_OFF,
            event=EventKind.APPROVED,
            past="approved",
            rule=permissions.may_decide,
            button=Button(style="primary", asks="comment", question="Comment (optional)"),
            service="usecase_approve",
            note_argument="comment",
            shows_diff=True,
        ),
        Transition(
            Action.REQUEST_CHANGES,
            sources=_IN_REVIEW,
            target=Status.DRAFT,
            event=EventKind.CHANGES_REQUESTED,
            past="sent back for changes",
            rule=permissions.may_decide,
            button=Button(asks="reason", question="What needs to change?"),
            service="usecase_request_changes",
            note_argument="comment",
            shows_diff=True,
        ),
        Transition(
            Action.REJECT,
            sources=_IN_REVIEW,
            target=Status.DECLINED,
            event=EventKind.REJECTED,
            past="rejected",
            rule=permissions.may_decide,
            button=Button(
                style="danger",
                asks="reason",
                question="Why is it rejected?",
                confirm="Reject this use case? It will be declined; it can be reopened later.",
            ),
            service="usecase_reject",
            note_argument="rationale",
            shows_diff=True,
        ),
        Transition(
            Action.SIGN_OFF,
            sources=_AWAITING,
            target=Status.ACTIVE,
            event=EventKind.SIGNED_OFF,
            past="signed off",
            rule=permissions.is_owner,
            button=Button(style="primary", asks="statement", question=SIGN_OFF_STATEMENT),
            service="usecase_sign_off",
            shows_diff=True,
        ),
        Transition(
            Action.DECLINE_OWNERSHIP,
            sources=_AWAITING,
            # Or back to the previous owner of a transfer (see services.ownership).
            target=Status.DRAFT,
            event=EventKind.OWNERSHIP_DECLINED,
            past="declined",
            rule=permissions.is_owner,
            button=Button(
                style="danger",
                asks="reason",
                question="Why do you decline?",
                confirm="Decline ownership of this use case?",
            ),
            service="usecase_decline_ownership",
            note_argument="reason",
        ),
        Transition(
            Action.TRANSFER_OWNERSHIP,
            sources=_ACTIVE,
            target=Status.AWAITING_SIGN_OFF,
            event=EventKind.TRANSFER_REQUESTED,
            past="transferred",
            rule=permissions.may_transfer,
            button=Button(
                asks="owner",
                question="New owner",
                confirm="Transfer ownership? The new owner must sign off.",
            ),
            service="usecase_transfer_ownership",
        ),
        Transition(
            Action.REATTEST,
            sources=_ACTIVE,
            target=Status.ACTIVE,
            event=EventKind.REATTESTED,
            past="re-attested",
            rule=permissions.is_owner,
            button=Button(style="primary"),
            service="usecase_reattest",
        ),
        Transition(
            Action.RETIRE,
            sources=_ACTIVE,
            target=Status.RETIRED,
            event=EventKind.RETIRED,
            past="retired",
            rule=permissions.leads,
            button=Button(
                style="danger",
                asks="reason",
                question="Why is it retired?",
                confirm="Retire this use case?",
            ),
            service="usecase_retire",
            note_argument="reason",
        ),
        Transition(
            Action.REOPEN,
            sources=frozenset({Status.DECLINED, Status.RETIRED}),
            target=Status.DRAFT,
            event=EventKind.REOPENED,
            past="reopened",
            rule=permissions.may_reopen,
            button=Button(),
            service="usecase_reopen",
        ),
    )
}


def transition(action: Action | str) -> Transition:
    return TRANSITIONS[Action(action)]


def can(user, action: Action, usecase) -> bool:
    """May ``user`` take ``action`` on ``usecase`` now?"""
    return TRANSITIONS[action].allows(user, usecase)


def can_review(user, usecase) -> bool:
    return can(user, Action.APPROVE, usecase)


def can_sign_off(user, usecase) -> bool:
    return can(user, Action.SIGN_OFF, usecase)


@dataclass(frozen=True)
class ActionButton:
    """A button on the status panel: a transition's button at this use case's URL, or the Edit
    link (``name`` "edit")."""

    name: str
    label: str
    url: str
    button: Button = Button()


def get_actions(usecase, user) -> list[ActionButton]:
    """The buttons the detail page shows this user for this use case, in workflow order."""
    actions = []
    if permissions.can_edit(user, usecase):
        url = reverse("usecases:usecase_edit", args=[usecase.key])
        actions.append(ActionButton(name="edit", label="Edit", url=url))
    for step in TRANSITIONS.values():
        if step.allows(user, usecase):
            actions.append(ActionButton(step.name, step.label, step.url(usecase), step.button))
    return actions
