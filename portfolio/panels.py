"""Panels higher apps add to the portfolio's read-only pages, so that portfolio shows what they
hold about a team, product or goal without importing them (like NetBox's template extensions
or Wagtail's hooks). ``usecases`` registers the use cases a page lists (``usecases/panels.py``).

A panel is a callable ``panel(request, obj) -> str`` (HTML, safe); the page renders each panel
registered for it, in the order they were registered.
"""

from __future__ import annotations

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
    return mark_safe("".join(panel(request, obj) for panel in _PANELS[page]))
