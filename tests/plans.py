"""The plan PostgreSQL makes for a statement when told to avoid reading whole tables: whether an
index can answer it, whatever a small test table's statistics would make cheapest."""

from django.db import connection, transaction


def plan_avoiding_table_reads(sql: str, params, *, analyze: str = "") -> str:
    """``EXPLAIN`` of ``sql`` with sequential scans switched off (``analyze``: a table whose
    statistics are read again first). Switched on again after: inside a test's transaction,
    ``SET LOCAL`` would outlive the savepoint."""
    with transaction.atomic(), connection.cursor() as cursor:
        if analyze:
            cursor.execute(f"ANALYZE {analyze}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
