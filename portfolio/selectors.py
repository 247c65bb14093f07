"""Reads that shape the portfolio pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

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


def team_list() -> list[TreeNode]:
    """Every team as the tree of organisation units, flattened in order (a unit, then its
    sub-units, each by name; archived units last among their siblings), each with its member
    and product counts: one query."""
    teams = Team.objects.annotate(
        member_count=Count("memberships", distinct=True),
        product_count=Count("products", distinct=True),
    ).order_by("is_archived", "name")
    return flatten_tree(build_tree(teams))


def team_detail(slug: str):
    memberships = Membership.objects.select_related("user").order_by(
        "role", "user__last_name"
    )  # "lead" sorts before "member"
    return Team.objects.prefetch_related(
        Prefetch("memberships", queryset=memberships),
        Prefetch("products", queryset=Product.objects.select_related("manager")),
        Prefetch("children", queryset=Team.objects.order_by("is_archived", "name")),
    ).get(slug=slug)


def team_path(team: Team) -> list[Team]:
    """The units above ``team``, outermost first (department, agency, ...): one query, none
    for a team that sits under no other."""
    if team.parent_id is None:
        return []
    by_pk = {row.pk: row for row in Team.objects.only("pk", "name", "slug", "parent_id")}
    path, seen, parent_id = [], {team.pk}, team.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = by_pk[parent_id]
        path.append(parent)
        parent_id = parent.parent_id
    return path[::-1]


@dataclass(frozen=True)
class UnitKey:
    """What a unit chooser needs of a team: no model instance per unit."""

    pk: int
    parent_id: int | None
    name: str
    key: str


def unit_path_choices(units, key: str) -> tuple[tuple[str, str], ...]:
    """``unit_paths`` as choices: each unit's ``key`` (a field's value) and its path, read as
    plain values (one query). The paths are worked out once per process for the same rows: the
    rows are read every time and are the memo's key, so a renamed or moved unit is never
    shown by its old path. ``key`` names a text field (a slug): values that compare equal across
    types (``1`` and ``True``) would share an entry."""
    rows = tuple(units.order_by("name").values_list("pk", "parent_id", "name", key))
    return path_choices(rows)


@lru_cache(maxsize=8, typed=True)
def path_choices(rows: tuple[tuple, ...]) -> tuple[tuple[str, str], ...]:
    """``unit_path_choices`` of units read already: ``rows`` of (pk, parent_id, name, key), in
    the order of their names."""
    return tuple((unit.key, path) for unit, path in unit_paths(rows, row_class=UnitKey))


def unit_paths(units, *, row_class=None) -> list[tuple[Team, str]]:
    """``units`` (a queryset of teams) in the tree's order, each with its name after the units
    above it among them: "Department › Agency › Bureau". One query; for choosing a unit.
    ``row_class``: ``units`` gives value tuples, each made one of these."""
    paths = []

    def walk(node, above: str):
        path = f"{above} › {node.item.name}" if above else node.item.name
        paths.append((node.item, path))
        for child in node.children:
            walk(child, path)

    rows = units if isinstance(units, tuple) else units.order_by("name")
    for root in build_tree([row_class(*row) for row in rows] if row_class else rows):
        walk(root, "")
    return paths


def team_descendant_ids(team: Team) -> set[int]:
    """The team and every unit beneath it, from one query (the hierarchy is small)."""
    return descendant_ids(Team, team.pk)


def product_list():
    return Product.objects.select_related("team", "manager").order_by("is_archived", "name")


def product_detail(slug: str):
    return Product.objects.select_related("team", "manager").get(slug=slug)


@dataclass
class TreeNode:
    """A row of a hierarchy (a goal, a team) with its depth and the rows beneath it."""

    item: object
    depth: int = 0
    children: list[TreeNode] = field(default_factory=list)


def build_tree(rows) -> list[TreeNode]:
    """``rows`` (with ``pk`` and ``parent_id``, in sibling order) as a forest; a row whose parent
    is not among them is a root."""
    nodes = {row.pk: TreeNode(item=row) for row in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.item.parent_id)
        (parent.children if parent else roots).append(node)

    def set_depth(node, depth):
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for root in roots:
        set_depth(root, 0)
    return roots


def flatten_tree(roots: list[TreeNode]) -> list[TreeNode]:
    flat = []

    def walk(node):
        flat.append(node)
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return flat


def descendant_ids(model, pk: int) -> set[int]:
    """``pk`` and the pk of every row beneath it in ``model``'s hierarchy (``parent``): one
    query."""
    children: dict[int | None, list[int]] = {}
    for row_pk, parent_id in model.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(row_pk)
    found, stack = set(), [pk]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def sits_under_itself(row, parent) -> bool:
    """Whether ``parent`` is ``row`` (a goal, a team) or one of the rows beneath it: a move that
    would make a cycle."""
    if parent is None or row is None or row.pk is None:
        return False
    return parent.pk in descendant_ids(type(row), row.pk)


def goal_tree() -> list[TreeNode]:
    """Every goal as a forest (vision -> goal -> objective), built from one query."""
    return build_tree(StrategicGoal.objects.select_related("owner").order_by("title"))


def goal_detail(pk: int):
    return StrategicGoal.objects.select_related("owner", "parent").get(pk=pk)


def goal_children(goal: StrategicGoal):
    return goal.children.select_related("owner").order_by("title")


def goal_descendant_ids(goal: StrategicGoal) -> set[int]:
    """The goal and every goal beneath it, from one query (the hierarchy is small)."""
    return descendant_ids(StrategicGoal, goal.pk)
