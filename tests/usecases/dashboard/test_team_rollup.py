"""The team table's roll-up (``tables._rolled_up``): a walk over the units, children before their
parents, and where parents form a loop, each unit's counts summed over every unit it reaches."""

import random

from usecases.dashboard.counts import Counts, counts_of_row
from usecases.dashboard.rows import TeamItem
from usecases.dashboard.scope import children_of
from usecases.dashboard.tables import _rolled_through_loops, _rolled_up


def _units(parents: dict[int, int | None], archived=frozenset()) -> list[TeamItem]:
    # Names sort against the tree (a child's before its parent's), so walks start below the top.
    return [
        TeamItem(pk, f"unit {1000 - pk}", f"unit-{pk}", parent, pk in archived)
        for pk, parent in sorted(parents.items())
    ]


def _counts(rng: random.Random, pks) -> dict[int, Counts]:
    return {pk: Counts.of({"total": rng.randint(0, 5), "draft": rng.randint(0, 3)}) for pk in pks}


def test_on_a_tree_the_walk_and_the_sum_over_each_subtree_agree():
    rng = random.Random(13)
    for _ in range(200):
        size = rng.randint(1, 30)
        parents = {pk: (rng.randint(1, pk - 1) if pk > 1 and rng.random() < 0.8 else None)
                   for pk in range(1, size + 1)}  # fmt: skip
        archived = frozenset(pk for pk in parents if rng.random() < 0.3)
        units = rng.sample(_units(parents, archived), size)
        by_team = _counts(rng, [pk for pk in parents if rng.random() < 0.7])
        children = children_of(units)
        assert _rolled_up(units, children, by_team) == _rolled_through_loops(
            units, children, by_team
        )


def test_units_in_a_loop_each_count_every_unit_the_loop_reaches():
    # 1 -> 2 -> 3 -> 1, with 4 under 2 and 5 a tree of its own beside them.
    parents = {1: 3, 2: 1, 3: 2, 4: 2, 5: None}
    units = _units(parents, archived=frozenset({4}))
    by_team = {pk: Counts.of({"total": pk}) for pk in parents}
    rolled, kept = _rolled_up(units, children_of(units), by_team)
    totals = {pk: counts_of_row(row)["total"] for pk, row in rolled.items()}
    assert totals == {1: 10, 2: 10, 3: 10, 4: 4, 5: 5}
    assert kept == {1: True, 2: True, 3: True, 4: True, 5: True}
