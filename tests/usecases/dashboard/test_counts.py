"""``total_of``: counts that name every count are added column by column, the others one by one;
the sums are the same either way (no database)."""

import random

from usecases.dashboard.counts import Counts, total_of


def added_one_by_one(many) -> dict:
    total: dict = {}
    for counts in many:
        for name, value in counts.items():
            total[name] = total.get(name, 0) + value
    return total


def full(rng: random.Random) -> Counts:
    return Counts({name: rng.randrange(50) for name in Counts.zero()})


def test_full_counts_sum_column_by_column_to_every_count(monkeypatch):
    rng = random.Random(7)
    many = [full(rng) for _ in range(30)]
    expected = added_one_by_one(many)

    def one_by_one(self, other):
        raise AssertionError("full counts are summed column by column, not added by name")

    monkeypatch.setattr(Counts, "add", one_by_one)
    total = total_of(many)
    assert total == expected
    assert list(total) == list(Counts.zero())  # every name, in the usual order
    assert isinstance(total, Counts)


def test_partial_empty_and_foreign_counts_are_added_by_name():
    """A counts lacking names, an empty one, and one with as many names as a full one but one of
    them foreign (not a count of the dashboard): each adds by name, none is taken for full."""
    rng = random.Random(11)
    names = list(Counts.zero())
    foreign = full(rng)
    del foreign[names[3]]
    foreign["someone_elses"] = 5
    partial = Counts({names[0]: 4, names[5]: 2})
    for many in (
        [full(rng), partial, full(rng)],
        [full(rng), {}, foreign],
        [foreign, full(rng)],
        [partial],
    ):
        expected = {name: 0 for name in names} | added_one_by_one(many)
        assert total_of(many) == expected
    assert total_of([]) == Counts.zero()
    assert total_of([{}, {}]) == Counts.zero()


def test_counts_of_fills_the_names_it_lacks_with_zero():
    names = list(Counts.zero())
    counts = Counts.of({names[2]: 9})
    assert counts == Counts.zero() + Counts({names[2]: 9})
    assert list(counts) == names
