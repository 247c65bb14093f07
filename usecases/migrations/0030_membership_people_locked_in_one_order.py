"""A membership changed from one person to another locks both people in one order, the ids
ascending, as every other writer of a person's lock takes them. 0015's trigger (kept by 0029)
locked the new rows' people and then the old rows' ones: two changes moving memberships between
the same two people in opposite directions each held one person and waited for the other, a
deadlock, one of them refused (``tests/usecases/dashboard/test_summary_writers.py``). Adding or
removing a membership locks its people as before."""

import importlib

from django.db import migrations

_0028 = importlib.import_module("usecases.migrations.0028_goals_changed_lock_order")
_0029 = importlib.import_module("usecases.migrations.0029_people_changes_lock_order")

# 0015's locking of the people: the new rows' side, then the old rows'; up to the refresh.
_START = _0029.MEMBERSHIPS.index("\n    IF TG_OP IN ('INSERT', 'UPDATE') THEN")
_EACH_SIDE = _0029.MEMBERSHIPS[
    _START : _0029.MEMBERSHIPS.index("\n    IF TG_OP = 'INSERT'", _START)
]
# Each branch names only the transition tables its statement has (a removal has no new rows).
_BOTH_SIDES = """
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock(81501, person.id)
        FROM (SELECT DISTINCT user_id::integer AS id FROM new_rows ORDER BY 1) person;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_advisory_xact_lock(81501, person.id)
        FROM (SELECT DISTINCT user_id::integer AS id FROM old_rows ORDER BY 1) person;
    ELSE
        PERFORM pg_advisory_xact_lock(81501, person.id) FROM (
            SELECT user_id::integer AS id FROM new_rows
            UNION SELECT user_id::integer FROM old_rows ORDER BY 1
        ) person;
    END IF;"""
MEMBERSHIPS = _0028.replaced(_0029.MEMBERSHIPS, _EACH_SIDE, _BOTH_SIDES)


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0029_people_changes_lock_order"),
    ]

    operations = [migrations.RunSQL(MEMBERSHIPS, _0029.MEMBERSHIPS)]
