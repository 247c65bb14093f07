"""A goal added, moved or removed locks the summary clock's row before the goals' lock, as the
clock job (``usecases_summary_advance``) and a rebuild do (its refresh then takes both again,
shared, as every refresh does). 0015's trigger took the goals' lock first and then waited for the
clock's row while the clock job or a rebuild held that row and waited for the goals' lock: a
deadlock, the goal's change or the job refused
(``tests/usecases/dashboard/test_summary_writers.py``). Row share lets writers through together;
only the clock job and a rebuild, which update the row, wait for a goal's change or make it wait."""

import importlib

from django.db import migrations

_0015 = importlib.import_module("usecases.migrations.0015_summary_tables")
_0024 = importlib.import_module("usecases.migrations.0024_scope_counts")
replaced = _0024._replaced


def trigger_function(name: str) -> str:
    """The text of one of 0015's trigger functions (frozen there)."""
    start = _0015.TRIGGERS.index(f"CREATE OR REPLACE FUNCTION {name}(")
    return _0015.TRIGGERS[start : _0015.TRIGGERS.index("\n$$;\n", start) + 4]


# What every refresh takes first, in this order: the clock's row, shared.
CLOCK_SHARED = """
    PERFORM usecases_summary_clock_ensure();
    PERFORM 1 FROM usecases_summaryclock WHERE id = 1 FOR SHARE;"""

GOALS_CHANGED_0015 = trigger_function("usecases_summary_goals_changed")
_GOALS_LOCKED = "\n    PERFORM pg_advisory_xact_lock(81502, 0);"
GOALS_CHANGED = replaced(GOALS_CHANGED_0015, _GOALS_LOCKED, CLOCK_SHARED + _GOALS_LOCKED)


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0027_waiting_in_goals_and_products"),
    ]

    operations = [migrations.RunSQL(GOALS_CHANGED, GOALS_CHANGED_0015)]
