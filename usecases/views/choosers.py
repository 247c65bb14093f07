"""The choosers' searches: a few options matching what was typed, as the fragment htmx puts into
the chooser's select or tick-box list (``usecases.choosers.widgets``)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.people import person_label
from usecases import permissions
from usecases.choosers.kinds import FOUND, KINDS, SCOPES, every, keys_only, search

OPTIONS_TEMPLATE = "usecases/chooser_options.html"
# The most chosen rows a search reads back: about what its request line can carry (8,190
# bytes, ``gunicorn.conf.py``, at some 16 bytes a ticked box), so a page's own search never
# reaches it, and a request made up to read names in bulk reads no more than a page holds.
MAX_CHOSEN = 500


def _label(kind, row) -> str:
    return person_label(row) if kind.name == "people" else str(row)


def _chosen(kind, key: str, values: list[str]) -> list:
    """The rows the chooser holds chosen now, kept first whatever the search finds (even one its
    scope no longer offers, so a search never quietly drops a current value): every one of them,
    up to ``MAX_CHOSEN``."""
    rows = every(kind)
    values = keys_only(rows.model, key, values[:MAX_CHOSEN])
    return list(rows.filter(**{f"{key}__in": values}).order_by(*kind.order)) if values else []


def _options(request, kind, rows) -> list[tuple[str, str, bool]]:
    """``(value, label, chosen)``: the chosen rows, then up to ``FOUND`` matches."""
    key = request.GET.get("key", "pk")
    if key not in kind.values:
        raise Http404("No such chooser value.")
    chosen = _chosen(kind, key, request.GET.getlist(request.GET.get("name", "")))
    taken = {row.pk for row in chosen}
    found = list(search(kind, rows.exclude(pk__in=taken), request.GET.get("q", ""))[:FOUND])
    return [
        *((str(getattr(row, key)), _label(kind, row), True) for row in chosen),
        *((str(getattr(row, key)), _label(kind, row), False) for row in found),
    ]


@require_GET
def choices(request, kind):
    """Up to ``FOUND`` rows of ``kind`` (people, teams, products, goals) in the chooser's scope
    that match ``q``, after the ones chosen now; as ``<option>``s or tick boxes."""
    kind = KINDS[kind]
    scope = SCOPES[kind.name].get(request.GET.get("scope", ""))
    if scope is None:
        raise Http404("No such chooser.")
    if not permissions.can_use_choosers(request.user):
        raise PermissionDenied
    options = _options(request, kind, scope(request.user, request.GET))
    context = {
        "options": options,
        "nothing_found": not any(not chosen for _, _, chosen in options),
        "q": request.GET.get("q", "").strip(),
        "kind": kind,
        "name": request.GET.get("name", ""),
        "element_id": request.GET.get("id", ""),
        "empty": request.GET.get("empty"),
    }
    partial = "checkboxes" if request.GET.get("multiple") else "select"
    return render(request, f"{OPTIONS_TEMPLATE}#{partial}", context)
