"""People leaving: the admin's guided deactivation, which hands over everything a person holds.

It lives in ``usecases`` because it moves use cases (portfolio never imports usecases): an active
use case goes through ``services.usecase_transfer_ownership`` (the new owner must sign off), any
other owned use case through ``services.usecase_reassign_owner``; the open use cases they wrote get
a new author (or the drafts would vanish from everyone's My work); a handover they started gets a
new person to fall back to if its new owner declines; products, goals and the teams they alone lead
through the portfolio services; then ``portfolio.services.user_deactivate``. All of it in one
transaction: if one handover is refused, nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import OperationalError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core import history
from core.history import history_context
from core.people import person_label, person_name
from portfolio import services as portfolio_services
from portfolio.choices import REVIEWERS_GROUP, MembershipRole
from portfolio.models import Membership, Product, StrategicGoal
from portfolio.permissions import can_change_person, get_person_actions, is_admin, is_reviewer
from portfolio.selectors import sole_lead_memberships
from usecases import services
from usecases.choices import EventKind, Status
from usecases.models import OwnershipTransfer, UseCase

User = get_user_model()

PEOPLE_PAGE_SIZE = 50

# The use cases whose author still has work to do on them: a draft comes back to its author after
# "request changes", a declined ownership or a reopening. The leaver's authorship of these moves.
AUTHORED_OPEN = (Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF, Status.DECLINED)


# --- Reads ---------------------------------------------------------------------------------------


@dataclass
class Holdings:
    """Everything a person holds that someone else must take over when they leave."""

    person: object
    owned: list = field(default_factory=list)  # use cases they own, any status
    authored: list = field(default_factory=list)  # open use cases they wrote but don't own
    handing_over: list = field(default_factory=list)  # open transfers away from them
    products: list = field(default_factory=list)  # products they manage
    goals: list = field(default_factory=list)  # goals they own
    memberships: list = field(default_factory=list)
    led_teams: list = field(default_factory=list)  # teams (not archived) they alone lead
    is_reviewer: bool = False
    open_reviews: int = 0  # use cases in review they could decide (a shared queue: informative)
    other_reviewers: int = 0

    @property
    def last_reviewer(self) -> bool:
        """They are the only active reviewer and reviews wait: nobody could decide them after."""
        return self.is_reviewer and bool(self.open_reviews) and not self.other_reviewers


def person_holdings(person) -> Holdings:
    """What ``person`` owns, wrote, hands over, leads and could review; a fixed number of
    queries."""
    owned = list(
        UseCase.objects.filter(owner=person).select_related("team").order_by("status", "-number")
    )
    authored = list(
        UseCase.objects.filter(author=person, status__in=AUTHORED_OPEN)
        .exclude(owner=person)
        .select_related("team", "owner")
        .order_by("-number")
    )
    handing_over = list(
        OwnershipTransfer.objects.filter(from_owner=person, resolved_at__isnull=True)
        .select_related("usecase__team", "to_owner")
        .order_by("-requested_at")
    )
    memberships = list(
        Membership.objects.filter(user=person).select_related("team").order_by("team__name")
    )
    reviewer = is_reviewer(person)
    open_reviews = other_reviewers = 0
    if reviewer:
        open_reviews = UseCase.objects.reviewable_by(person).count()
        other_reviewers = (
            User.objects.filter(groups__name=REVIEWERS_GROUP, is_active=True)
            .exclude(pk=person.pk)
            .count()
        )
    return Holdings(
        person=person,
        owned=owned,
        authored=authored,
        handing_over=handing_over,
        products=list(Product.objects.filter(manager=person).select_related("team")),
        goals=list(StrategicGoal.objects.filter(owner=person)),
        memberships=memberships,
        led_teams=[membership.team for membership in sole_lead_memberships(person)],
        is_reviewer=reviewer,
        open_reviews=open_reviews,
        other_reviewers=other_reviewers,
    )


def held_by(person) -> list[str]:
    """What ``person`` holds among use cases, in words; empty if nothing. The Django admin asks
    (``portfolio.admin.held_by``) before it lets anyone deactivate a person outside the guided
    step; their products, goals and teams it counts itself.

    Reviews are a shared queue, not held by one reviewer: they count only when this person is the
    last active reviewer and reviews wait, so that nobody could decide them afterwards.
    """
    holdings = person_holdings(person)
    held = []
    if holdings.owned:
        held.append(f"owns {_use_cases(len(holdings.owned))}")
    if holdings.authored:
        held.append(f"wrote {_use_cases(len(holdings.authored), 'open ')} someone else owns")
    if holdings.handing_over:
        held.append(
            f"is handing over {_use_cases(len(holdings.handing_over))} "
            "still waiting for the new owner's sign-off"
        )
    if holdings.last_reviewer:
        held.append(
            f"is the last active reviewer, and {_use_cases(holdings.open_reviews)} "
            f"{'waits' if holdings.open_reviews == 1 else 'wait'} for a review"
        )
    return held


def _use_cases(count: int, kind: str = "") -> str:
    return f"{count} {kind}use case{'s' if count != 1 else ''}"


def people_list(*, active: bool = True):
    """People with what they hold, for the admin's people page (one query)."""
    return (
        User.objects.filter(is_active=active)
        .annotate(
            owned_count=Count("owned_usecases", distinct=True),
            active_owned_count=Count(
                "owned_usecases",
                filter=Q(owned_usecases__status=Status.ACTIVE),
                distinct=True,
            ),
            team_count=Count("memberships", distinct=True),
        )
        .order_by("last_name", "first_name", "username")
    )


def successor_choices(person):
    return (
        User.objects.filter(is_active=True)
        .exclude(pk=person.pk)
        .order_by("first_name", "last_name", "username")
    )


# --- The write -----------------------------------------------------------------------------------


class HandoverIncomplete(services.UseCaseError):
    pass


class PeopleChangedMeanwhile(portfolio_services.AdminError):
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
        user.pk: user for user in User.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


def _reassign_author(*, usecase: UseCase, actor, new_author, note: str) -> None:
    """Name ``new_author`` the author of ``usecase`` (locked by the caller): the person a draft
    comes back to, whose My work lists it."""
    previous = usecase.author
    with history_context(service="usecase.author_reassigned"):
        usecase.author = new_author
        services._bump(usecase, ["author"])
        history.record(
            EventKind.UPDATED,
            usecase=usecase,
            actor=actor,
            version=usecase.version,
            note=note,
            changes={"author": [person_name(previous), person_name(new_author)]},
        )


def _redirect_fallback(*, transfer: OwnershipTransfer, actor, fallback, leaver) -> None:
    """A handover ``leaver`` started still waits for its new owner: if they decline, the use case
    goes to ``fallback`` instead of to the leaver (``services.usecase_decline_ownership`` hands it
    to the transfer's ``from_owner`` while that person is active)."""
    transfer.from_owner = fallback
    transfer.save(update_fields=["from_owner"])
    usecase = transfer.usecase
    history.record(
        EventKind.UPDATED,
        usecase=usecase,
        actor=actor,
        version=usecase.version,
        note=(
            f"{person_name(leaver)} is leaving: if "
            f"{person_name(transfer.to_owner)} declines ownership, it goes to "
            f"{person_name(fallback)}."
        ),
    )


def person_deactivate(
    *,
    person,
    actor,
    successor=None,
    usecase_owners: dict[int, object] | None = None,
    authors: dict[int, object] | None = None,
    handovers: dict[int, object] | None = None,
    product_managers: dict[int, object] | None = None,
    goal_owners: dict[int, object] | None = None,
    team_leads: dict[int, object] | None = None,
    reason: str = "",
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
    deactivated meanwhile is refused. Raises ``services.UseCaseError`` or
    ``portfolio.services.AdminError``; nothing is changed then.
    """
    usecase_owners = usecase_owners or {}
    authors = authors or {}
    handovers = handovers or {}
    product_managers = product_managers or {}
    goal_owners = goal_owners or {}
    team_leads = team_leads or {}
    reason = (reason or "").strip()
    note = f"{person_name(person)} is leaving." + (f" {reason}" if reason else "")
    named = [
        successor,
        *usecase_owners.values(),
        *authors.values(),
        *handovers.values(),
        *product_managers.values(),
        *goal_owners.values(),
        *team_leads.values(),
    ]
    with transaction.atomic():
        # Lock the person and everyone who takes something over, and read them again: a second
        # admin deactivating any of them at once waits, then finds them changed.
        people = _lock_people(person, named)
        leaver = people[person.pk]
        if not leaver.is_active:
            raise portfolio_services.AdminError(f"{person_name(leaver)} is already deactivated.")
        if actor.pk == leaver.pk:
            raise portfolio_services.AdminError("You cannot deactivate your own account.")
        leaver_name = person_name(leaver)

        def fresh(user, what: str):
            """``user`` as locked now; refused if it is the leaver or no longer active."""
            if user is None:
                return None
            current = people[user.pk]
            if current.pk == leaver.pk:
                raise HandoverIncomplete(f"Choose someone other than {leaver_name} {what}.")
            if not current.is_active:
                raise HandoverIncomplete(
                    f"{person_name(current)}'s account is deactivated; choose someone else {what}."
                )
            return current

        def required(choices: dict, key: int, what: str):
            chosen = choices.get(key) or successor
            if chosen is None:
                raise HandoverIncomplete(f"Choose someone {what}.")
            return fresh(chosen, what)

        # 1. Handovers they started: a decline must not send the use case back to them. (Before
        # the owned use cases below, whose transfers start from them too but fall back to nobody.)
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
            key = transfer.usecase.key
            fallback = required(
                handovers, transfer.usecase_id, f"to take {key} back if its new owner declines"
            )
            if fallback.pk != transfer.to_owner_id:
                _redirect_fallback(transfer=transfer, actor=actor, fallback=fallback, leaver=leaver)

        # 2. What they own. Locked, so no status changes between choosing the service and calling
        # it; the open ones they also wrote get their new owner as author.
        owned = list(UseCase.objects.select_for_update().filter(owner=leaver).order_by("number"))
        missing = [
            usecase.key
            for usecase in owned
            if (usecase_owners.get(usecase.pk) or successor) is None
        ]
        if missing:
            raise HandoverIncomplete(
                f"Choose a new owner for {', '.join(missing)}; {leaver_name} still owns "
                f"{'it' if len(missing) == 1 else 'them'}."
            )
        new_authors = {}
        for usecase in owned:
            new_owner = required(usecase_owners, usecase.pk, f"to own {usecase.key}")
            if usecase.status == Status.ACTIVE:
                services.usecase_transfer_ownership(
                    usecase=usecase, actor=actor, new_owner=new_owner, reason=note
                )
            else:
                services.usecase_reassign_owner(
                    usecase=usecase, actor=actor, new_owner=new_owner, reason=note
                )
            new_authors[usecase.pk] = new_owner

        # 3. The open use cases they wrote: whoever takes them over sees them in My work.
        for usecase in (
            UseCase.objects.select_for_update(of=("self",))
            .filter(author=leaver, status__in=AUTHORED_OPEN)
            .select_related("author")
            .order_by("number")
        ):
            new_author = new_authors.get(usecase.pk) or required(
                authors, usecase.pk, f"to take over {usecase.key} as its author"
            )
            _reassign_author(usecase=usecase, actor=actor, new_author=new_author, note=note)

        # 4. Products and goals: to their successors, or to nobody.
        for product in Product.objects.filter(manager=leaver).order_by("pk"):
            manager = product_managers.get(product.pk) or successor
            portfolio_services.product_update(
                product=product,
                actor=actor,
                data={"manager": fresh(manager, f"to manage {product}")},
            )
        for goal in StrategicGoal.objects.filter(owner=leaver).order_by("pk"):
            owner = goal_owners.get(goal.pk) or successor
            portfolio_services.goal_update(
                goal=goal, actor=actor, data={"owner": fresh(owner, f"to own the goal {goal}")}
            )

        # 5. Teams they alone lead get a new lead (unless the admin chose to leave one without);
        # they stay in the record as a member.
        for membership in list(sole_lead_memberships(leaver).select_for_update(of=("self",))):
            team = membership.team
            if team.pk in team_leads and team_leads[team.pk] is None:
                continue
            new_lead = required(team_leads, team.pk, f"to lead {team}")
            joined = Membership.objects.filter(team=team, user=new_lead).first()
            if joined is None:
                portfolio_services.membership_add(
                    team=team, actor=actor, user=new_lead, role=MembershipRole.LEAD
                )
            else:
                portfolio_services.membership_set_role(
                    membership=joined, actor=actor, role=MembershipRole.LEAD
                )
            portfolio_services.membership_set_role(
                membership=membership, actor=actor, role=MembershipRole.MEMBER
            )

        return portfolio_services.user_deactivate(user=leaver, actor=actor, reason=reason)


# --- Forms ---------------------------------------------------------------------------------------


class SuccessorField(forms.TypedChoiceField):
    """A choice of person from a list loaded once per form; cleans to the user, or None when
    left empty."""

    def __init__(self, *, people: dict, empty_label: str, **kwargs):
        self.people = people
        choices = [("", empty_label)] + [(str(pk), person_label(u)) for pk, u in people.items()]
        super().__init__(
            choices=choices,
            coerce=lambda value: self.people[int(value)],
            empty_value=None,
            required=False,
            **kwargs,
        )


class UsernameField(forms.CharField):
    """Someone other than the default successor for one row, by username (a browser offers the
    names in the row's team from a ``<datalist>``; no JavaScript needed). ``DeactivateForm.clean``
    looks every typed username up at once."""

    def __init__(self, *, suggestions: str = "", **kwargs):
        attrs = {"autocomplete": "off", "spellcheck": "false", "placeholder": "username"}
        if suggestions:
            attrs["list"] = suggestions
        super().__init__(
            required=False, max_length=200, widget=forms.TextInput(attrs=attrs), **kwargs
        )


# "Name (username)", as a datalist shows a choice, is taken as the username in brackets.
_LABELLED = re.compile(r"\(([^()]+)\)\s*$")

NO_LEAD = "none"


def datalist_id(team_id) -> str:
    return f"team-{team_id}-people"


class DeactivateForm(forms.Form):
    """One successor for everything, and per row someone else by username.

    The page stays small whatever the person holds: one list of everyone (the default), one
    suggestion list per team involved, and a text field per row; never a list of everyone per row.
    """

    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=300,
        help_text="Shown to the new owners and kept in the history.",
    )

    def __init__(self, *args, holdings: Holdings, **kwargs):
        super().__init__(*args, **kwargs)
        self.holdings = holdings
        person = holdings.person
        people = {user.pk: user for user in successor_choices(person)}
        self.fields["default_owner"] = SuccessorField(
            people=people,
            empty_label="---------",
            label="New owner for everything below",
            help_text="Takes over whatever you leave empty below: use cases, authorship, "
            "handovers, products, goals and the lead of the teams they alone lead.",
        )
        self.order_fields(["default_owner", "reason"])

        # The people of every team a row belongs to, for the suggestions and the lead choices.
        team_ids = (
            {u.team_id for u in holdings.owned}
            | {u.team_id for u in holdings.authored}
            | {t.usecase.team_id for t in holdings.handing_over}
            | {p.team_id for p in holdings.products}
            | {team.pk for team in holdings.led_teams}
        )
        self.team_people: dict[int, list] = {team_id: [] for team_id in team_ids}
        for membership in (
            Membership.objects.filter(team_id__in=team_ids, user__is_active=True)
            .exclude(user=person)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user__username")
        ):
            self.team_people[membership.team_id].append(membership.user)

        self.rows = {"usecase": [], "author": [], "handover": [], "product": [], "goal": []}

        def row(kind, item, key, label, team_id=None):
            name = f"{kind}_{key}"
            self.fields[name] = UsernameField(
                label=label, suggestions=datalist_id(team_id) if team_id else ""
            )
            self.rows[kind].append((item, name))

        for usecase in holdings.owned:
            row("usecase", usecase, usecase.pk, f"New owner of {usecase.key}", usecase.team_id)
        for usecase in holdings.authored:
            row("author", usecase, usecase.pk, f"New author of {usecase.key}", usecase.team_id)
        for transfer in holdings.handing_over:
            usecase = transfer.usecase
            row(
                "handover",
                transfer,
                usecase.pk,
                f"Who takes {usecase.key} if {person_label(transfer.to_owner)} declines",
                usecase.team_id,
            )
        for product in holdings.products:
            row("product", product, product.pk, f"New manager of {product.name}", product.team_id)
        for goal in holdings.goals:
            row("goal", goal, goal.pk, f"New owner of goal {goal.title}")

        self.lead_rows = []
        for team in holdings.led_teams:
            name = f"lead_{team.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"New lead of {team}",
                required=False,
                choices=[
                    ("", "The new owner chosen above (added to the team if need be)"),
                    *((str(user.pk), person_label(user)) for user in self.team_people[team.pk]),
                    (NO_LEAD, "Nobody for now: the team has no lead until you choose one"),
                ],
            )
            self.lead_rows.append((team, name))

    def datalists(self):
        """``(id, people)`` of each suggestion list a row refers to."""
        used = {
            self.fields[name].widget.attrs.get("list")
            for rows in self.rows.values()
            for _, name in rows
        }
        return [
            (datalist_id(team_id), people)
            for team_id, people in self.team_people.items()
            if datalist_id(team_id) in used
        ]

    def clean(self):
        cleaned = super().clean()
        person = self.holdings.person
        typed = {}
        for rows in self.rows.values():
            for _, name in rows:
                text = (cleaned.get(name) or "").strip()
                if text:
                    labelled = _LABELLED.search(text)
                    typed[name] = (labelled.group(1) if labelled else text).strip()
        wanted = {username.lower() for username in typed.values()}
        found = {
            user.lowered: user
            for user in User.objects.annotate(lowered=Lower("username")).filter(
                lowered__in=wanted, is_active=True
            )
        }
        for name, username in typed.items():
            user = found.get(username.lower())
            if user is None:
                self.add_error(name, f"Nobody active has the username “{username}”.")
            elif user.pk == person.pk:
                self.add_error(name, "Choose someone other than the person leaving.")
            else:
                cleaned[name] = user
        for name in [name for rows in self.rows.values() for _, name in rows]:
            if name not in typed:
                cleaned[name] = None
        for team, name in self.lead_rows:
            value = cleaned.get(name) or ""
            if value == NO_LEAD:
                cleaned[name] = NO_LEAD
            elif value:
                members = {str(user.pk): user for user in self.team_people[team.pk]}
                cleaned[name] = members[value]  # the choices allow nothing else
            else:
                cleaned[name] = None

        if self.errors:
            return cleaned
        default = cleaned.get("default_owner")
        if default is None:
            wanted_rows = [
                ("usecase", "Choose a new owner for {} — or one for everything."),
                ("author", "Choose a new author for {} — or one person for everything."),
                (
                    "handover",
                    "Choose who takes {} if the new owner declines — or one person for everything.",
                ),
            ]
            for kind, message in wanted_rows:
                missing = [
                    self._row_key(kind, item)
                    for item, name in self.rows[kind]
                    if cleaned.get(name) is None
                ]
                if missing:
                    self.add_error(None, message.format(", ".join(missing)))
            leaderless = [str(team) for team, name in self.lead_rows if cleaned.get(name) is None]
            if leaderless:
                self.add_error(
                    None,
                    f"Choose a new lead for {', '.join(leaderless)} — or one new owner for "
                    "everything, who becomes lead — or say the team has no lead for now.",
                )
        return cleaned

    @staticmethod
    def _row_key(kind, item) -> str:
        return item.usecase.key if kind == "handover" else item.key

    def successors(self) -> dict:
        """The keyword arguments of ``person_deactivate`` (the person and actor aside)."""

        def chosen(kind):
            return {
                self._pk(kind, item): self.cleaned_data[name]
                for item, name in self.rows[kind]
                if self.cleaned_data.get(name) is not None
            }

        leads = {}
        for team, name in self.lead_rows:
            value = self.cleaned_data.get(name)
            if value == NO_LEAD:
                leads[team.pk] = None
            elif value is not None:
                leads[team.pk] = value
        return {
            "successor": self.cleaned_data.get("default_owner"),
            "usecase_owners": chosen("usecase"),
            "authors": chosen("author"),
            "handovers": chosen("handover"),
            "product_managers": chosen("product"),
            "goal_owners": chosen("goal"),
            "team_leads": leads,
            "reason": self.cleaned_data.get("reason", ""),
        }

    @staticmethod
    def _pk(kind, item):
        return item.usecase_id if kind == "handover" else item.pk


# --- Views ---------------------------------------------------------------------------------------


def _require_admin(request):
    if not is_admin(request.user):
        raise PermissionDenied


def administration(request):
    """The admins' index: people, teams, products, goals and the history."""
    _require_admin(request)
    return render(request, "usecases/administration.html", {})


def person_list(request):
    _require_admin(request)
    show_inactive = request.GET.get("show") == "deactivated"
    page = Paginator(people_list(active=not show_inactive), PEOPLE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = list(page.object_list)
    for person in people:
        person.actions = get_person_actions(request.user, person)
    return render(
        request,
        "usecases/person_list.html",
        {
            "page": page,
            "people": people,
            "show_inactive": show_inactive,
            "querystring": "show=deactivated" if show_inactive else "",
        },
    )


def _done_message(person, holdings: Holdings, choices: dict) -> str:
    handed = len(holdings.owned)
    parts = [f"{person_label(person)} is deactivated."]
    if handed:
        parts.append(
            f"{_use_cases(handed)} handed over; each new owner of an active one was asked to "
            "sign off."
        )
    else:
        parts.append("They owned no use cases.")
    if holdings.authored:
        parts.append(f"{_use_cases(len(holdings.authored), 'open ')} they wrote have a new author.")
    leads = choices.get("team_leads") or {}
    for team in holdings.led_teams:
        if team.pk in leads and leads[team.pk] is None:
            parts.append(f"{team} has no lead for now.")
        else:
            new_lead = leads.get(team.pk) or choices.get("successor")
            parts.append(f"{person_label(new_lead)} now leads {team}.")
    return " ".join(parts)


@require_http_methods(["GET", "POST"])
def person_deactivate_view(request, pk):
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    if not can_change_person(request.user, person):
        raise PermissionDenied
    if not person.is_active:
        messages.info(request, f"{person_label(person)} is already deactivated.")
        return redirect("usecases:person_list")
    holdings = person_holdings(person)
    form = DeactivateForm(request.POST if request.method == "POST" else None, holdings=holdings)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            refusal = None
            choices = form.successors()
            try:
                person_deactivate(person=person, actor=request.user, **choices)
            except (services.UseCaseError, portfolio_services.AdminError) as error:
                refusal = f"{error} Nothing was changed."
            except OperationalError as error:
                if not lost_a_lock_race(error):
                    raise
                refusal = str(PeopleChangedMeanwhile())
            if refusal:
                # Someone may have changed what they hold meanwhile: show it as it is now, with
                # what this admin chose.
                holdings = person_holdings(person)
                form = DeactivateForm(request.POST, holdings=holdings)
                form.is_valid()
                form.add_error(None, refusal)
                status = 409
            else:
                messages.success(request, _done_message(person, holdings, choices))
                return redirect("usecases:person_list")
        else:
            status = 400
    context = {
        "person": person,
        "holdings": holdings,
        "form": form,
        "rows": {
            kind: [(item, form[name]) for item, name in rows] for kind, rows in form.rows.items()
        },
        "lead_rows": [(team, form[name]) for team, name in form.lead_rows],
        "datalists": form.datalists(),
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "usecases/person_deactivate.html", context, status=status)
