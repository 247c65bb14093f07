"""DEMO DATA ONLY: what makes a scale load (``demo.scale``) fast on the database's side: the row
triggers off for it (``triggers_off``) and the indexes built after it (``indexes_built_after``),
both inside the load's transaction."""

from psycopg import sql

from demo.scale_rows import WRITTEN_TABLES


class triggers_off:
    """Row triggers off for the load, inside its transaction. As superuser, the session's
    replication role skips every trigger, the foreign-key checks among them (the generator only
    names rows that exist); otherwise each written table's user triggers are disabled (the
    foreign keys are then checked)."""

    def __init__(self, cursor):
        self.cursor = cursor

    def __enter__(self):
        self.cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        self.superuser = self.cursor.fetchone()[0]
        if self.superuser:
            self.cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            for table in WRITTEN_TABLES:
                self.cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            # The load failed: its transaction rolls back, and the settings with it (SQL here
            # would only fail again in an aborted transaction, hiding the load's own error).
            return
        if self.superuser:
            self.cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            for table in WRITTEN_TABLES:
                self.cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


class indexes_built_after:
    """For a large load, indexes dropped at the start and built again at the end, in the load's
    transaction: each is built from its own definition as PostgreSQL reports it
    (``pg_get_indexdef``), under its own name, so nothing about it changes. An index takes rows one
    at a time far more slowly than it is built from them all at once: a million use cases into an
    empty registry took 645 s with the written tables' b-tree indexes kept up row by row (their
    GIN indexes built after), 507 s with all but the constraints' own built after and 485 s with
    the partial unique ones kept too; 100,000, 58 s, 52 s and 40 s. One run each on a shared
    machine: the first step is clear, the second within the noise.

    The load drops every index of the tables it writes that is not unique (the primary keys, the
    unique constraints and the partial unique indexes, one open review or current sign-off per use
    case, stay and check each row as it comes), and builds them before the summary is rebuilt (it
    reads the reviews by theirs). The summary's rebuild, of any load, drops the GIN indexes of the
    summary facts (their goals and products) alone. The tables are locked against other sessions
    until the load commits (a throwaway database's, as every scale load is). A failed load rolls
    the drops back too."""

    def __init__(self, cursor, tables, *, large: bool, gin_only: bool = False):
        self.cursor, self.indexes = cursor, []
        self.tables, self.large, self.gin_only = list(tables), large, gin_only

    def __enter__(self):
        if not self.large:
            return
        self.cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_am a ON a.oid = c.relam "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT i.indisunique "
            "AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "AND (a.amname = 'gin' OR NOT %s) ORDER BY c.relname",
            [self.tables, self.gin_only],
        )
        self.indexes = self.cursor.fetchall()
        for name, _ in self.indexes:
            self.cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

    def __exit__(self, exc_type, *exc):
        if exc_type is not None or not self.indexes:
            return
        # Memory for the builds alone, given back when the load's transaction ends.
        self.cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in self.indexes:
            self.cursor.execute(definition)
