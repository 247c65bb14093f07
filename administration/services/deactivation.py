"""People leaving: the admin's guided deactivation, which hands over everything a person holds.

An active use case goes through ``usecases.services.usecase_transfer_ownership`` (the new owner
must sign off), any other owned use case through ``usecase_reassign_owner``; the open use cases
they wrote get a new author (or the drafts would vanish from everyone's My work); a handover they
started gets a new person to fall back to if its new owner declines
(``usecases.services.handover``); products, goals and the teams they alone lead through the administration services; then
``people.person_account_deactivate``. All of it in one transaction: if one handover is refused,
nothing changes. Each phase is a function of its own, run in this order by ``person_deactivate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction

from administration.selectors import AUTHORED_OPEN
from administration.services import editing, goals, people, products, teams
from administration.services.errors import AdminError
from core.people import person_name
from portfolio.choices import MembershipRole
from portfolio.models import Membership, Product, StrategicGoal
from portfolio.selectors import sole_lead_memberships
from usecases.choices import Status
from usecases.models import OwnershipTransfer, UseCase
from usecases.services import UseCaseError, usecase_reassign_owner, usecase_transfer_ownership
from usecases.services.handover import transfer_redirect_fallback, usecase_reassign_author

User = get_user_model()


class HandoverIncomplete(UseCaseError):
    pass


class PeopleChangedMeanwhile(AdminError):
    """Another transaction held the people or rows this one needed (a deadlock, a lock timeout):
    this one was rolled back whole."""

    def __init__(self):
        super().__init__(
            "Someone else changed these people or what they hold at the same moment; nothing was "
            "changed. Check the page and try again."
        )


# SQLSTATEs of a transaction that lost a race for locks: deadlock_detected, lock_not_available,
# serialization_failure. Retrying is safe: nothing of it was committed.
LOCK_CONFLICTS = frozenset({"40P01", "55P03", "40001"})


def lost_a_lock_race(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in LOCK_CONFLICTS


def _lock_people(person, others) -> dict:
    """Lock ``person`` and ``others`` (users) in primary-key order, the one order every
    deactivation takes them in, so that two admins handing people over to each other wait for
    one another instead of deadlocking. Returns them as saved now, by pk."""
    ids = {person.pk} | {other.pk for other in others if other is not None}
    return {
        user.pk: user for user in editing.locked(User.objects.filter(pk__in=ids)).order_by("pk")
    }


@dataclass
class Successors:
    """Who the admin chose: ``successor`` for everything, and per item (keyed by pk) someone
    else; see ``person_deactivate``."""

    successor: object = None
    usecase_owners: dict = field(default_factory=dict)
    authors: dict = field(default_factory=dict)
    handovers: dict = field(default_factory=dict)
    product_managers: dict = field(default_factory=dict)
    goal_owners: dict = field(default_factory=dict)
    team_leads: dict = field(default_factory=dict)

    def named(self) -> list:
        return [
            self.successor,
            *self.usecase_owners.values(),
            *self.authors.values(),
            *self.handovers.values(),
            *self.product_managers.values(),
            *self.goal_owners.values(),
            *self.team_leads.values(),
        ]


@dataclass
class Handover:
    """A deactivation under way: the leaver and everyone named, as locked now."""

    leaver: object
    actor: object
    people: dict
    chosen: Successors
    note: str

    def fresh(self, user, what: str):
        """``user`` as locked now; refused if it is the leaver or no longer active."""
        if user is None:
            return None
        current = self.people[user.pk]
        if current.pk == self.leaver.pk:
            raise HandoverIncomplete(
                f"Choose someone other than {person_name(self.leaver)} {what}."
            )
        if not current.is_active:
            raise HandoverIncomplete(
                f"{person_name(current)}'s account is deactivated; choose someone else {what}."
            )
        return current

    def required(self, choices: dict, key: int, what: str):
        """The person chosen for ``key`` (or the successor), as locked now; refused if none."""
        chosen = choices.get(key) or self.chosen.successor
        if chosen is None:
            raise HandoverIncomplete(f"Choose someone {what}.")
        return self.fresh(chosen, what)


def begin_handover(*, person, actor, chosen: Successors, reason: str) -> Handover:
    """Lock the person and everyone who takes something over, and read them again: a second
    admin deactivating any of them at once waits, then finds them changed."""
    people_now = _lock_people(person, chosen.named())
    leaver = people_now[person.pk]
    if not leaver.is_active:
        raise AdminError(f"{person_name(leaver)} is already deactivated.")
    if actor.pk == leaver.pk:
        raise AdminError("You cannot deactivate your own account.")
    note = f"{person_name(person)} is leaving." + (f" {reason}" if reason else "")
    return Handover(leaver=leaver, actor=actor, people=people_now, chosen=chosen, note=note)


def redirect_pending_handovers(handover: Handover) -> None:
    """Phase 1. Handovers they started: a decline must not send the use case back to them.
    (Before the owned use cases, whose transfers start from them too but fall back to nobody.)"""
    leaver = handover.leaver
    waiting = UseCase.objects.select_for_update(of=("self",)).filter(
        transfers__from_owner=leaver, transfers__resolved_at__isnull=True
    )
    list(waiting.order_by("number").values_list("pk", flat=True))
    for transfer in (
        OwnershipTransfer.objects.select_for_update()
        .filter(from_owner=leaver, resolved_at__isnull=True)
        .select_related("usecase", "to_owner")
        .order_by("usecase__number")
    ):
        what = f"to take {transfer.usecase.key} back if its new owner declines"
        fallback = handover.required(handover.chosen.handovers, transfer.usecase_id, what)
        if fallback.pk != transfer.to_owner_id:
            transfer_redirect_fallback(
                transfer=transfer, actor=handover.actor, fallback=fallback, leaver=leaver
            )


def hand_over_owned(handover: Handover) -> dict:
    """Phase 2. What they own, locked, so no status changes between choosing the service and
    calling it. Returns each use case's new owner by pk: the new author of the open ones they
    also wrote."""
    owners = handover.chosen.usecase_owners
    owned = list(
        UseCase.objects.select_for_update().filter(owner=handover.leaver).order_by("number")
    )
    missing = [u.key for u in owned if (owners.get(u.pk) or handover.chosen.successor) is None]
    if missing:
        raise HandoverIncomplete(
            f"Choose a new owner for {', '.join(missing)}; {person_name(handover.leaver)} still "
            f"owns {'it' if len(missing) == 1 else 'them'}."
        )
    new_owners = {}
    for usecase in owned:
        new_owner = handover.required(owners, usecase.pk, f"to own {usecase.key}")
        # An active use case's new owner must sign off; any other is simply reassigned.
        hand = (
            usecase_transfer_ownership
            if usecase.status == Status.ACTIVE
            else usecase_reassign_owner
        )
        hand(usecase=usecase, actor=handover.actor, new_owner=new_owner, reason=handover.note)
        new_owners[usecase.pk] = new_owner
    return new_owners


def hand_over_authorship(handover: Handover, new_owners: dict) -> None:
    """Phase 3. The open use cases they wrote: whoever takes them over sees them in My work."""
    for usecase in (
        UseCase.objects.select_for_update(of=("self",))
        .filter(author=handover.leaver, status__in=AUTHORED_OPEN)
        .select_related("author")
        .order_by("number")
    ):
        new_author = new_owners.get(usecase.pk) or handover.required(
            handover.chosen.authors, usecase.pk, f"to take over {usecase.key} as its author"
        )
        usecase_reassign_author(
            usecase=usecase, actor=handover.actor, new_author=new_author, note=handover.note
        )


def hand_over_products_and_goals(handover: Handover) -> None:
    """Phase 4. Products and goals: to their successors, or to nobody."""
    chosen, actor = handover.chosen, handover.actor
    for product in Product.objects.filter(manager=handover.leaver).order_by("pk"):
        manager = chosen.product_managers.get(product.pk) or chosen.successor
        products.product_update(
            product=product,
            actor=actor,
            data={"manager": handover.fresh(manager, f"to manage {product}")},
        )
    for goal in StrategicGoal.objects.filter(owner=handover.leaver).order_by("pk"):
        owner = chosen.goal_owners.get(goal.pk) or chosen.successor
        goals.goal_update(
            goal=goal, actor=actor, data={"owner": handover.fresh(owner, f"to own the goal {goal}")}
        )


def hand_over_team_leads(handover: Handover) -> None:
    """Phase 5. Teams they alone lead get a new lead (unless the admin chose to leave one
    without); they stay in the record as a member."""
    leads, actor = handover.chosen.team_leads, handover.actor
    for membership in list(sole_lead_memberships(handover.leaver).select_for_update(of=("self",))):
        team = membership.team
        if team.pk in leads and leads[team.pk] is None:
            continue
        new_lead = handover.required(leads, team.pk, f"to lead {team}")
        joined = Membership.objects.filter(team=team, user=new_lead).first()
        if joined is None:
            teams.membership_add(team=team, actor=actor, user=new_lead, role=MembershipRole.LEAD)
        else:
            teams.membership_set_role(membership=joined, actor=actor, role=MembershipRole.LEAD)
        teams.membership_set_role(membership=membership, actor=actor, role=MembershipRole.MEMBER)


def person_deactivate(
    *,
    person,
    actor,
    reason: str = "",
    successor=None,
    usecase_owners: dict | None = None,
    authors: dict | None = None,
    handovers: dict | None = None,
    product_managers: dict | None = None,
    goal_owners: dict | None = None,
    team_leads: dict | None = None,
):
    """Hand over everything ``person`` holds, then deactivate them; all or nothing.

    ``successor`` takes whatever the per-item choices (keyed by pk) leave open:

    - ``usecase_owners`` (use case pk): the new owner of each use case they own. An active one is
      transferred and its new owner asked to sign off, any other reassigned. Required.
    - ``authors`` (use case pk): the new author of each open use case they wrote and someone else
      owns. Required. Open ones they wrote and owned get their new owner as author.
    - ``handovers`` (use case pk): for each handover they started that still waits for the new
      owner's sign-off, who gets the use case if that owner declines. Required; choosing the
      person it is handed to leaves no one to fall back to (a decline sends it to its author).
    - ``product_managers`` / ``goal_owners``: left without one when neither is given.
    - ``team_leads`` (team pk): the new lead of each team they alone lead, made lead (and added
      to the team if need be); ``None`` leaves the team without a lead, on purpose. Required.

    The leaver and every successor are locked first, in pk order, and read again: a successor
    deactivated meanwhile is refused. Raises ``usecases.services.UseCaseError`` or
    ``AdminError``; nothing is changed then.
    """
    chosen = Successors(
        successor=successor,
        usecase_owners=usecase_owners or {},
        authors=authors or {},
        handovers=handovers or {},
        product_managers=product_managers or {},
        goal_owners=goal_owners or {},
        team_leads=team_leads or {},
    )
    reason = (reason or "").strip()
    with transaction.atomic():
        handover = begin_handover(person=person, actor=actor, chosen=chosen, reason=reason)
        redirect_pending_handovers(handover)
        new_owners = hand_over_owned(handover)
        hand_over_authorship(handover, new_owners)
        hand_over_products_and_goals(handover)
        hand_over_team_leads(handover)
        return people.person_account_deactivate(user=handover.leaver, actor=actor, reason=reason)
