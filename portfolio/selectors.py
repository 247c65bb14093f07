"""Reads that shape the portfolio pages."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch

from portfolio.choices import MembershipRole
from portfolio.models import Membership, Product, StrategicGoal, Team


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
