"""The plan PostgreSQL makes for a statement when told to avoid reading whole tables: whether an
index can answer it, whatever a small test table's statistics would make cheapest."""

from django.db import connection, transaction


def plan_avoiding_table_reads(sql: str, params, *, analyze: str = "", bitmaps: bool = True) -> str:
    """``EXPLAIN`` of ``sql`` with sequential scans switched off (``analyze``: a table whose
    statistics are read again first; ``bitmaps=False``: bitmap scans off too, so an index that
    holds every column the statement reads shows as an index-only scan even where a test's
    table, never vacuumed, would make a bitmap look cheaper). Switched on again after: inside a
    test's transaction, ``SET LOCAL`` would outlive the savepoint."""
    switched = ["enable_seqscan", *([] if bitmaps else ["enable_bitmapscan"])]
    with transaction.atomic(), connection.cursor() as cursor:
        if analyze:
            cursor.execute(f"ANALYZE {analyze}")
        for setting in switched:
            cursor.execute(f"SET LOCAL {setting} = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for setting in switched:
                cursor.execute(f"RESET {setting}")
