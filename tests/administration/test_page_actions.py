"""The administration buttons on the portfolio's pages: admins get them, nobody else does. The
portfolio pages do not know them; administration registers them (``portfolio.panels``)."""

import re

import pytest
from django.urls import reverse

from portfolio import panels

# page -> (URL of the page, [(button label, where it leads)]) for the organisation fixture.
PAGES = {
    "team_list": (
        lambda org: reverse("portfolio:team_list"),
        lambda org: [("New team", reverse("administration:team_create"))],
    ),
    "team_detail": (
        lambda org: org.team.get_absolute_url(),
        lambda org: [
            ("Manage team", reverse("administration:team_edit", args=[org.team.slug])),
            ("Add a sub-unit", f"{reverse('administration:team_create')}?parent={org.team.slug}"),
        ],
    ),
    "product_list": (
        lambda org: reverse("portfolio:product_list"),
        lambda org: [("New product", reverse("administration:product_create"))],
    ),
    "product_detail": (
        lambda org: org.product.get_absolute_url(),
        lambda org: [
            ("Edit product", reverse("administration:product_edit", args=[org.product.slug]))
        ],
    ),
    "goal_list": (
        lambda org: reverse("portfolio:goal_list"),
        lambda org: [("New goal", reverse("administration:goal_create"))],
    ),
    "goal_detail": (
        lambda org: org.goal.get_absolute_url(),
        lambda org: [
            ("Edit or move goal", reverse("administration:goal_edit", args=[org.goal.pk])),
            ("Add a sub-goal", f"{reverse('administration:goal_create')}?parent={org.goal.pk}"),
        ],
    ),
}


def buttons(html: str) -> list[tuple[str, str]]:
    """The buttons that lead to the administration pages, as (label, href)."""
    return [
        (label, href)
        for href, label in re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>', html)
        if href.startswith("/administration/")
    ]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["admin", "member", "lead", "reviewer", "non_member"])
def test_only_an_admin_gets_the_administration_buttons(as_role, org, page, role):
    url, expected = PAGES[page]
    response = as_role(role).get(url(org))
    assert response.status_code == 200
    assert buttons(response.content.decode()) == (expected(org) if role == "admin" else [])


def test_every_page_that_takes_actions_has_administrations():
    assert set(PAGES) == set(panels.ACTION_PAGES)
    for page in panels.ACTION_PAGES:
        assert any(
            actions.__module__ == "administration.page_actions" for actions in panels._ACTIONS[page]
        ), page


def test_actions_for_a_page_that_takes_none_are_refused():
    with pytest.raises(LookupError):
        panels.register_actions("usecase_list", lambda request, obj: [])
