"""One snapshot for a page that reads counts in several statements.

Under PostgreSQL's default isolation each statement sees what had committed when it began, so a
page reading its tiles, its team table and its goal tree in separate statements could show a
change in one and not in the next (a use case counted among the drafts and not yet in its goal,
a moved summary clock halfway through). ``one_snapshot`` runs the view in a REPEATABLE READ
transaction: every statement sees the database as it was at the first.
"""

from functools import wraps

from django.db import connection, transaction


def one_snapshot(view):
    """Run ``view`` in one REPEATABLE READ transaction. Inside a transaction already (a caller's,
    or a test's), that transaction's isolation holds: it cannot be changed once begun."""

    @wraps(view)
    def in_one_snapshot(request, *args, **kwargs):
        if connection.in_atomic_block:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return view(request, *args, **kwargs)

    return in_one_snapshot
