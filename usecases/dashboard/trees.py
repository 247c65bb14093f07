"""Which rows of a hierarchy (the organisation units, the goals) a dashboard table shows, within
``settings.DASHBOARD_TABLE_ROWS``: the tops, then the tree opened breadth-first, a row's children
all at once while they fit. A row whose children did not fit says how many it holds and links to
the dashboard narrowed to it, where it is opened; tops beyond the bound are those with the fewest
use cases, and the table says how many it leaves out (the filters reach them).

A small organisation fits whole: its table is the whole tree, as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings


def table_rows() -> int:
    """The most rows a dashboard table shows."""
    return max(1, settings.DASHBOARD_TABLE_ROWS)


def flattened(tops: Sequence, children: Callable[[object], Sequence]) -> list[tuple[object, int]]:
    """Every node of the trees under ``tops``, in tree order, with its depth; each once, so
    parents written in a loop (only raw data can hold one) end the walk."""
    rows: list[tuple[object, int]] = []
    seen: set = set()
    stack = [(node, 0) for node in reversed(tops)]
    while stack:
        node, depth = stack.pop()
        if node.pk in seen:
            continue
        seen.add(node.pk)
        rows.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children(node)))
    return rows


def largest(items: Sequence, size: Callable[[object], int], limit: int) -> list:
    """The ``limit`` items of the largest ``size`` (the first of equals), in their order."""
    if len(items) <= limit:
        return list(items)
    kept = sorted(range(len(items)), key=lambda i: (-size(items[i]), i))[:limit]
    return [items[i] for i in sorted(kept)]


@dataclass
class OpenTree:
    """The rows to show, in tree order with their depth; per row whose children are not shown,
    how many it has; and how many tops are left out."""

    rows: list[tuple[object, int]] = field(default_factory=list)
    closed: dict[int, int] = field(default_factory=dict)
    tops_left_out: int = 0


def open_tree(
    tops: Sequence,
    children: Callable[[object], Sequence],
    size: Callable[[object], int],
    limit: int,
    *,
    open_top: bool = False,
) -> OpenTree:
    """``tops`` and what lies beneath them, opened breadth-first within ``limit`` rows.
    ``children(node)`` gives a node's shown children in order; ``size(node)`` how many use cases
    it counts (which tops stay when they do not all fit). ``open_top``: a single top is the row
    the dashboard is narrowed to, always opened (its children are then the tops), so a drill-down
    always shows what was beneath it."""
    if open_top and len(tops) == 1 and limit > 1:
        top = tops[0]

        def below_top(node) -> list:  # the top again only under parents written in a loop
            return [child for child in children(node) if child.pk != top.pk]

        beneath = open_tree(below_top(top), below_top, size, limit - 1)
        beneath.rows = [(top, 0), *((node, depth + 1) for node, depth in beneath.rows)]
        return beneath
    kept = largest(tops, size, limit)
    tree = OpenTree(tops_left_out=len(tops) - len(kept))
    shown, opened, queue = len(kept), set(), deque(kept)
    while queue:
        node = queue.popleft()
        below = children(node)
        if not below:
            continue
        if shown + len(below) <= limit:
            opened.add(node.pk)
            shown += len(below)
            queue.extend(below)
        else:
            tree.closed[node.pk] = len(below)

    tree.rows = flattened(kept, lambda node: children(node) if node.pk in opened else [])
    return tree
