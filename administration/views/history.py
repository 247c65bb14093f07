"""The administration index and the administration history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from administration.selectors import (
    ADMIN_HISTORY_KINDS,
    admin_history,
    described_changes,
    outside_changes,
)
from administration.views.generic import require_admin

HISTORY_PAGE_SIZE = 50
OUTSIDE = "elsewhere"  # the history tab of row changes made outside these pages


def administration(request):
    """The admins' index: people, teams, products, goals and the history."""
    require_admin(request)
    return render(request, "administration/administration.html", {})


def adminevent_list(request):
    """Every administration action: who, what, on what, when."""
    require_admin(request)
    kind = request.GET.get("kind", "")
    if kind not in ADMIN_HISTORY_KINDS and kind != OUTSIDE:
        kind = ""
    context = {
        "kind": kind,
        "kinds": ADMIN_HISTORY_KINDS,
        "outside": OUTSIDE,
        "querystring": f"kind={kind}" if kind else "",
    }
    if kind == OUTSIDE:
        page = Paginator(outside_changes(), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, changes=described_changes(page.object_list))
    else:
        page = Paginator(admin_history(kind=kind), HISTORY_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(page=page, events=page.object_list)
    return render(request, "administration/adminevent_list.html", context)
