"""The administration buttons on the portfolio's pages (``portfolio.panels``): an admin creates
a team, product or goal from its list and edits one from its page."""

from django.urls import reverse

from portfolio.panels import Action, register_actions
from portfolio.permissions import is_admin


def _for_admins(build):
    """An action source that shows ``build(obj)`` to admins and nothing to anyone else."""
    return lambda request, obj: build(obj) if is_admin(request.user) else []


def _create(label: str, url_name: str):
    return _for_admins(lambda _: [Action(label, reverse(url_name), primary=True)])


def _goal_actions(goal) -> list[Action]:
    add_below = f"{reverse('administration:goal_create')}?parent={goal.pk}"
    return [
        Action("Edit or move goal", reverse("administration:goal_edit", args=[goal.pk])),
        Action("Add a sub-goal", add_below),
    ]


def _team_actions(team) -> list[Action]:
    actions = [Action("Manage team", reverse("administration:team_edit", args=[team.slug]))]
    if not team.is_archived:
        add_below = f"{reverse('administration:team_create')}?parent={team.slug}"
        actions.append(Action("Add a sub-unit", add_below))
    return actions


register_actions("team_list", _create("New team", "administration:team_create"))
register_actions("product_list", _create("New product", "administration:product_create"))
register_actions("goal_list", _create("New goal", "administration:goal_create"))
register_actions("team_detail", _for_admins(_team_actions))
register_actions(
    "product_detail",
    _for_admins(
        lambda product: [
            Action("Edit product", reverse("administration:product_edit", args=[product.slug]))
        ]
    ),
)
register_actions("goal_detail", _for_admins(_goal_actions))
