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

_0028 = importlib.import_module("usecases.migrations.0028_goals_changed_lock_order")
_replaced = _0028.replaced

# What a refresh takes first, taken first here too.
_FIRST = _0028.CLOCK_SHARED + "\n    PERFORM pg_advisory_xact_lock_shared(81502, 0);"

PEOPLE_0015 = _0028.trigger_function("usecases_summary_people_changed")
PEOPLE = _replaced(
    PEOPLE_0015,
    "\nBEGIN\n",
    "\nBEGIN\n    IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id\n"
    "               WHERE n.is_active IS DISTINCT FROM o.is_active) THEN"
    + _FIRST.replace("\n    ", "\n        ")
    + "\n    END IF;\n",
)
MEMBERSHIPS_0015 = _0028.trigger_function("usecases_summary_memberships_changed")
MEMBERSHIPS = _replaced(MEMBERSHIPS_0015, "\nBEGIN\n", "\nBEGIN" + _FIRST + "\n")


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0028_goals_changed_lock_order"),
    ]

    operations = [
        migrations.RunSQL(PEOPLE, PEOPLE_0015),
        migrations.RunSQL(MEMBERSHIPS, MEMBERSHIPS_0015),
    ]
