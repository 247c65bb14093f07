"""Reads that shape the portfolio pages."""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from pghistory.models import MiddlewareEvents

from portfolio.choices import MembershipRole
from portfolio.models import AdminEvent, Membership, Product, StrategicGoal, Team


def sole_lead_memberships(person):
    """``person``'s lead memberships of teams (not archived) with no other active lead: the teams
    left without a lead if they go. One query; each with its team."""
    other_leads = Membership.objects.filter(
        team=OuterRef("team"), role=MembershipRole.LEAD, user__is_active=True
    ).exclude(user=person)
    return (
        Membership.objects.filter(user=person, role=MembershipRole.LEAD, team__is_archived=False)
        .exclude(Exists(other_leads))
        .select_related("team")
        .order_by("team__name")
    )


def team_list():
    return Team.objects.annotate(
        member_count=Count("memberships", distinct=True),
        product_count=Count("products", distinct=True),
    ).order_by("is_archived", "name")


def team_detail(slug: str):
    memberships = Membership.objects.select_related("user").order_by(
        "role", "user__last_name"
    )  # "lead" sorts before "member"
    return Team.objects.prefetch_related(
        Prefetch("memberships", queryset=memberships),
        Prefetch("products", queryset=Product.objects.select_related("manager")),
    ).get(slug=slug)


def product_list():
    return Product.objects.select_related("team", "manager").order_by("is_archived", "name")


def product_detail(slug: str):
    return Product.objects.select_related("team", "manager").get(slug=slug)


@dataclass
class GoalNode:
    goal: StrategicGoal
    depth: int
    children: list["GoalNode"] = field(default_factory=list)


def goal_tree() -> list[GoalNode]:
    """Every goal as a forest (vision -> goal -> objective), built from one query."""
    goals = list(StrategicGoal.objects.select_related("owner").order_by("title"))
    nodes = {goal.pk: GoalNode(goal=goal, depth=0) for goal in goals}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.goal.parent_id)
        (parent.children if parent else roots).append(node)

    def set_depth(node, depth):
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for root in roots:
        set_depth(root, 0)
    return roots


def flatten_goal_tree(roots: list[GoalNode]) -> list[GoalNode]:
    flat = []

    def walk(node):
        flat.append(node)
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return flat


def goal_detail(pk: int):
    return StrategicGoal.objects.select_related("owner", "parent").get(pk=pk)


def goal_children(goal: StrategicGoal):
    return goal.children.select_related("owner").order_by("title")


def goal_descendant_ids(goal: StrategicGoal) -> set[int]:
    """The goal and every goal beneath it, from one query (the hierarchy is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in StrategicGoal.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [goal.pk]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


# What the administration history can be narrowed to: the target's kind.
ADMIN_HISTORY_KINDS = {
    "team": "Teams and members",
    "user": "People",
    "product": "Products",
    "strategicgoal": "Goals",
    "task": "Task queue",
}


def admin_history(*, kind: str = ""):
    """Administration events, newest first, with who acted (one query per page)."""
    events = AdminEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if kind in ADMIN_HISTORY_KINDS:
        events = events.filter(target_type=kind)
    return events


# The history tables the triggers fill (portfolio/models.py).
HISTORY_MODELS = ["TeamHistory", "MembershipHistory", "ProductHistory", "StrategicGoalHistory"]


def outside_changes():
    """Row changes to teams, memberships, products and goals made outside the administration
    pages (the Django admin, a shell, a script), newest first, from the history triggers. Rows
    the administration services wrote carry ``admin_action`` in their context."""
    event_models = [apps.get_model("portfolio", name) for name in HISTORY_MODELS]
    return (
        MiddlewareEvents.objects.across(*event_models)
        .filter(Q(pgh_context__isnull=True) | Q(pgh_context__admin_action__isnull=True))
        .order_by("-pgh_created_at")
    )
