"""What higher apps add to the portfolio's read-only pages, so that portfolio shows what they
hold about a team, product or goal, and links to what they do with it, without importing them
(like NetBox's template extensions or Wagtail's hooks):

- a **panel** is a callable ``panel(request, obj) -> str``; a detail page renders each panel
  registered for it, in the order they were registered. What a panel returns is escaped unless
  it is marked safe (``render_to_string`` output is). ``usecases`` registers the use cases
  a page lists (``usecases/panels.py``);
- an **action** source is a callable ``actions(request, obj) -> list[Action]``: the buttons in a
  page's header (``obj`` is None on a list page). ``administration`` registers its create and
  edit buttons for admins (``administration/apps.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

PAGES = ("team_detail", "product_detail", "goal_detail")

_PANELS: dict[str, list] = {page: [] for page in PAGES}


def register(page: str, panel) -> None:
    """Show ``panel`` on ``page`` (one of ``PAGES``), after the panels registered before it."""
    if page not in _PANELS:
        raise LookupError(f"No portfolio page {page!r} takes panels; choose one of {PAGES}.")
    _PANELS[page].append(panel)


def render_panels(request, page: str, obj) -> SafeString:
    """The HTML of every panel registered for ``page``, about ``obj``."""
    return mark_safe("".join(conditional_escape(panel(request, obj)) for panel in _PANELS[page]))


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    primary: bool = False


ACTION_PAGES = (
    "team_list",
    "team_detail",
    "product_list",
    "product_detail",
    "goal_list",
    "goal_detail",
)

_ACTIONS: dict[str, list] = {page: [] for page in ACTION_PAGES}


def register_actions(page: str, actions) -> None:
    """Add the buttons ``actions(request, obj)`` returns to ``page``'s header (one of
    ``ACTION_PAGES``), after those registered before."""
    if page not in _ACTIONS:
        raise LookupError(
            f"No portfolio page {page!r} takes actions; choose one of {ACTION_PAGES}."
        )
    _ACTIONS[page].append(actions)


def page_actions(request, page: str, obj=None) -> list[Action]:
    """The buttons of ``page`` (about ``obj``) for the person asking."""
    return [action for actions in _ACTIONS[page] for action in actions(request, obj)]
