"""People leaving: the admin's guided deactivation, which hands over everything a person holds.

It lives in ``usecases`` because it moves use cases (portfolio never imports usecases): an active
use case goes through ``services.usecase_transfer_ownership`` (the new owner must sign off), any
other owned use case through ``services.usecase_reassign_owner``; products and goals through the
portfolio services; then ``portfolio.services.user_deactivate``. All of it in one transaction: if
one handover is refused, nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from portfolio import services as portfolio_services
from portfolio.choices import REVIEWERS_GROUP
from portfolio.models import Membership, Product, StrategicGoal
from portfolio.permissions import get_person_actions, is_admin, is_reviewer
from usecases import services
from usecases.choices import Status
from usecases.forms import person_label
from usecases.models import OwnershipTransfer, UseCase

User = get_user_model()

PEOPLE_PAGE_SIZE = 50


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
    is_reviewer: bool = False
    open_reviews: int = 0  # use cases in review they could decide
    other_reviewers: int = 0

    @property
    def owned_active(self):
        return [usecase for usecase in self.owned if usecase.status == Status.ACTIVE]

    @property
    def is_empty(self) -> bool:
        return not (self.owned or self.products or self.goals)


def person_holdings(person) -> Holdings:
    """What ``person`` owns, wrote and must review; a fixed number of queries."""
    owned = list(
        UseCase.objects.filter(owner=person).select_related("team").order_by("status", "-number")
    )
    authored = list(
        UseCase.objects.filter(author=person)
        .exclude(owner=person)
        .filter(status__in=[Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF])
        .select_related("team", "owner")
        .order_by("-number")
    )
    handing_over = list(
        OwnershipTransfer.objects.filter(from_owner=person, resolved_at__isnull=True)
        .select_related("usecase", "to_owner")
        .order_by("-requested_at")
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
        memberships=list(Membership.objects.filter(user=person).select_related("team")),
        is_reviewer=reviewer,
        open_reviews=open_reviews,
        other_reviewers=other_reviewers,
    )


def held_by(person) -> list[str]:
    """What ``person`` holds among use cases, in words; empty if nothing. The Django admin asks
    (``portfolio.admin.held_by``) before it lets anyone deactivate a person outside the guided
    step; their products and goals it counts itself."""
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
    if holdings.open_reviews:
        held.append(f"must review {_use_cases(holdings.open_reviews)} waiting for a decision")
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


def person_deactivate(
    *,
    person,
    actor,
    usecase_owners: dict[int, object],
    product_managers: dict[int, object] | None = None,
    goal_owners: dict[int, object] | None = None,
    reason: str = "",
):
    """Hand over everything ``person`` owns, then deactivate them; all or nothing.

    ``usecase_owners`` names the new owner of every use case ``person`` owns (by pk); an active
    one is transferred and its new owner asked to sign off, any other reassigned. Products and
    goals without a successor in ``product_managers`` / ``goal_owners`` are left without one.
    Raises ``services.UseCaseError`` or ``portfolio.services.AdminError``; nothing is changed then.
    """
    product_managers = product_managers or {}
    goal_owners = goal_owners or {}
    reason = (reason or "").strip()
    note = f"{services.display_value(person)} is leaving." + (f" {reason}" if reason else "")
    with transaction.atomic():
        # Lock the person first: a second admin deactivating them at once waits, then is refused.
        locked = User.objects.select_for_update().get(pk=person.pk)
        if not locked.is_active:
            raise portfolio_services.AdminError(
                f"{portfolio_services.person_name(locked)} is already deactivated."
            )
        if actor.pk == locked.pk:
            raise portfolio_services.AdminError("You cannot deactivate your own account.")
        # Lock what they own, so no status changes between choosing the service and calling it.
        owned = list(UseCase.objects.select_for_update().filter(owner=locked).order_by("number"))
        missing = [usecase.key for usecase in owned if usecase_owners.get(usecase.pk) is None]
        if missing:
            raise HandoverIncomplete(
                f"Choose a new owner for {', '.join(missing)}; "
                f"{portfolio_services.person_name(locked)} still owns "
                f"{'it' if len(missing) == 1 else 'them'}."
            )
        for usecase in owned:
            new_owner = usecase_owners[usecase.pk]
            if new_owner.pk == locked.pk:
                raise HandoverIncomplete(f"Choose someone else to own {usecase.key}.")
            if usecase.status == Status.ACTIVE:
                services.usecase_transfer_ownership(
                    usecase=usecase, actor=actor, new_owner=new_owner, reason=note
                )
            else:
                services.usecase_reassign_owner(
                    usecase=usecase, actor=actor, new_owner=new_owner, reason=note
                )
        for product in Product.objects.filter(manager=locked):
            portfolio_services.product_update(
                product=product, actor=actor, data={"manager": product_managers.get(product.pk)}
            )
        for goal in StrategicGoal.objects.filter(owner=locked):
            portfolio_services.goal_update(
                goal=goal, actor=actor, data={"owner": goal_owners.get(goal.pk)}
            )
        return portfolio_services.user_deactivate(user=locked, actor=actor, reason=reason)


# --- Forms ---------------------------------------------------------------------------------------


class SuccessorField(forms.TypedChoiceField):
    """A choice of person from a list loaded once per form (a select per row would otherwise
    query the people table once each); cleans to the user, or None when left empty."""

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


class DeactivateForm(forms.Form):
    """One successor per thing the person holds; "everyone else" fills the blanks."""

    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=300,
        help_text="Shown to the new owners and kept in the history.",
    )

    def __init__(self, *args, holdings: Holdings, **kwargs):
        super().__init__(*args, **kwargs)
        self.holdings = holdings
        people = {user.pk: user for user in successor_choices(holdings.person)}
        self.fields["default_owner"] = SuccessorField(
            people=people,
            empty_label="---------",
            label="New owner for everything below",
            help_text="Used wherever you leave a choice below empty.",
        )
        self.order_fields(["default_owner", "reason"])
        rows = [
            *((f"usecase_{u.pk}", f"New owner of {u.key}") for u in holdings.owned),
            *((f"product_{p.pk}", f"New manager of {p.name}") for p in holdings.products),
            *((f"goal_{g.pk}", f"New owner of goal {g.title}") for g in holdings.goals),
        ]
        for name, label in rows:
            self.fields[name] = SuccessorField(
                people=people, empty_label="— use the choice above —", label=label
            )

    def usecase_field(self, usecase):
        return self[f"usecase_{usecase.pk}"]

    def clean(self):
        cleaned = super().clean()
        default = cleaned.get("default_owner")
        missing = [
            usecase.key
            for usecase in self.holdings.owned
            if cleaned.get(f"usecase_{usecase.pk}") is None and default is None
        ]
        if missing:
            raise forms.ValidationError(
                f"Choose a new owner for {', '.join(missing)} — or one for everything."
            )
        return cleaned

    def successors(self) -> dict:
        default = self.cleaned_data.get("default_owner")

        def pick(prefix, items):
            return {
                item.pk: self.cleaned_data.get(f"{prefix}_{item.pk}") or default for item in items
            }

        return {
            "usecase_owners": pick("usecase", self.holdings.owned),
            "product_managers": pick("product", self.holdings.products),
            "goal_owners": pick("goal", self.holdings.goals),
            "reason": self.cleaned_data.get("reason", ""),
        }


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


@require_http_methods(["GET", "POST"])
def person_deactivate_view(request, pk):
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    if not person.is_active:
        messages.info(request, f"{person_label(person)} is already deactivated.")
        return redirect("usecases:person_list")
    holdings = person_holdings(person)
    form = DeactivateForm(request.POST or None, holdings=holdings)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person_deactivate(person=person, actor=request.user, **form.successors())
            except (services.UseCaseError, portfolio_services.AdminError) as refusal:
                form.add_error(None, f"{refusal} Nothing was changed.")
                status = 409
            else:
                handed = len(holdings.owned)
                messages.success(
                    request,
                    f"{person_label(person)} is deactivated. "
                    + (
                        f"{handed} use case{'s' if handed != 1 else ''} handed over; "
                        "each new owner was asked to sign off."
                        if handed
                        else "They owned no use cases."
                    ),
                )
                return redirect("usecases:person_list")
        else:
            status = 400
    rows = [(usecase, form.usecase_field(usecase)) for usecase in holdings.owned]
    context = {
        "person": person,
        "holdings": holdings,
        "form": form,
        "usecase_rows": rows,
        "product_rows": [(p, form[f"product_{p.pk}"]) for p in holdings.products],
        "goal_rows": [(g, form[f"goal_{g.pk}"]) for g in holdings.goals],
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "usecases/person_deactivate.html", context, status=status)
