"""Portfolio pages show what higher apps register for them, without importing those apps."""

import pytest
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portfolio import panels


def test_a_panel_for_a_page_that_takes_none_is_refused():
    with pytest.raises(LookupError):
        panels.register("team_list", lambda request, obj: "")


def test_a_registered_panel_renders_in_order(monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {page: [] for page in panels.PAGES})
    panels.register("team_detail", lambda request, team: format_html("<p>{}</p>", team))
    panels.register("team_detail", lambda request, team: mark_safe("<p>second</p>"))
    assert panels.render_panels(None, "team_detail", "Claims") == "<p>Claims</p><p>second</p>"
    assert panels.render_panels(None, "goal_detail", "Claims") == ""


def test_what_a_panel_does_not_mark_safe_is_escaped(monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {page: [] for page in panels.PAGES})
    panels.register("team_detail", lambda request, team: f"<script>{team}</script>")
    assert panels.render_panels(None, "team_detail", "x") == "&lt;script&gt;x&lt;/script&gt;"


def test_usecases_registers_its_section_on_every_portfolio_page():
    for page in panels.PAGES:
        assert any(panel.__module__ == "usecases.panels" for panel in panels._PANELS[page])
