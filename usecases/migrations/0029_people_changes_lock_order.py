"""A person switched on or off, and a membership added, moved or removed, take the summary
clock's row (shared) and the goals' lock (shared) before the person's own lock, the order every
refresh takes them in, and the clock job (``usecases_summary_advance``) and a goal's change too
(0028). 0015's triggers took the person's lock first and then, in their refresh, waited for the
clock's row while the clock job held it and waited for that person's lock (reading again the
phase of a use case they own), or waited for the goals' lock while a goal's change held it and
waited for the person's: a deadlock, one of them refused
(``tests/usecases/dashboard/test_summary_writers.py``). A person's change that switches nobody on
or off (a sign-in writing its time) takes none of them, as before."""

import importlib

from django.db import migrations

_0015 = importlib.import_module("usecases.migrations.0015_summary_tables")

# What a refresh takes first, taken first here too.
_FIRST = """
    PERFORM usecases_summary_clock_ensure();
    PERFORM 1 FROM usecases_summaryclock WHERE id = 1 FOR SHARE;
    PERFORM pg_advisory_xact_lock_shared(81502, 0);"""


def _function(name: str) -> str:
    """The text of one of 0015's trigger functions (frozen there)."""
    start = _0015.TRIGGERS.index(f"CREATE OR REPLACE FUNCTION {name}(")
    return _0015.TRIGGERS[start : _0015.TRIGGERS.index("\n$$;\n", start) + 4]


def _replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


PEOPLE_0015 = _function("usecases_summary_people_changed")
PEOPLE = _replaced(
    PEOPLE_0015,
    "\nBEGIN\n",
    "\nBEGIN\n    IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id\n"
    "               WHERE n.is_active IS DISTINCT FROM o.is_active) THEN"
    + _FIRST.replace("\n    ", "\n        ")
    + "\n    END IF;\n",
)
MEMBERSHIPS_0015 = _function("usecases_summary_memberships_changed")
MEMBERSHIPS = _replaced(MEMBERSHIPS_0015, "\nBEGIN\n", "\nBEGIN" + _FIRST + "\n")


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0028_goals_changed_lock_order"),
    ]

    operations = [
        migrations.RunSQL(PEOPLE, PEOPLE_0015),
        migrations.RunSQL(MEMBERSHIPS, MEMBERSHIPS_0015),
    ]
