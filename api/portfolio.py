"""The portfolio through the API, read-only: teams and units (each with its parent), products,
strategic goals (each with its parent: the tree) and people, as anyone signed in sees them on the
pages."""

from django.contrib.auth import get_user_model
from ninja import Router, Schema

from api.errors import problem, problems
from core.people import person_name
from portfolio.models import Product, StrategicGoal, Team
from portfolio.permissions import can_view_portfolio

router = Router(tags=["portfolio"])


class TeamOut(Schema):
    slug: str
    name: str
    kind: str
    parent: str | None  # the unit's slug
    archived: bool


class ProductOut(Schema):
    slug: str
    name: str
    team: str
    lifecycle: str
    archived: bool


class GoalOut(Schema):
    id: int
    title: str
    description: str
    parent: int | None
    period: str
    status: str
    owner: str | None  # username


class PersonOut(Schema):
    username: str
    name: str


def _refused(request):
    if not can_view_portfolio(request.user):
        return problem(403, "Forbidden", "You may not read the portfolio.")
    return None


@router.get(
    "/teams", response={200: list[TeamOut], **problems(400, 403)}, summary="Teams and units"
)
def team_list(request):
    if refused := _refused(request):
        return refused
    teams = Team.objects.select_related("parent").order_by("name")
    return [
        {
            "slug": team.slug,
            "name": team.name,
            "kind": team.kind,
            "parent": team.parent.slug if team.parent else None,
            "archived": team.is_archived,
        }
        for team in teams
    ]


@router.get("/products", response={200: list[ProductOut], **problems(400, 403)}, summary="Products")
def product_list(request):
    if refused := _refused(request):
        return refused
    products = Product.objects.select_related("team").order_by("name")
    return [
        {
            "slug": product.slug,
            "name": product.name,
            "team": product.team.slug,
            "lifecycle": product.lifecycle,
            "archived": product.is_archived,
        }
        for product in products
    ]


@router.get(
    "/goals",
    response={200: list[GoalOut], **problems(400, 403)},
    summary="Strategic goals (a tree by parent)",
)
def goal_list(request):
    if refused := _refused(request):
        return refused
    goals = StrategicGoal.objects.select_related("owner").order_by("title")
    return [
        {
            "id": goal.pk,
            "title": goal.title,
            "description": goal.description,
            "parent": goal.parent_id,
            "period": goal.period,
            "status": goal.status,
            "owner": goal.owner.get_username() if goal.owner else None,
        }
        for goal in goals
    ]


@router.get(
    "/people",
    response={200: list[PersonOut], **problems(400, 403)},
    summary="People with an active account",
)
def person_list(request):
    if refused := _refused(request):
        return refused
    people = get_user_model().objects.filter(is_active=True).order_by("username")
    return [{"username": p.get_username(), "name": person_name(p)} for p in people]
