"""Queries a page runs on every request, compiled once per process: ``compiled_values`` and
``compiled_instances`` (and ``hold_links``, many-to-many links read by one).

Compiling a query costs about as much CPU as running it, and a page that reads a handful of them
on every request pays that each time for the same SQL. A query compiled here is built once with a
stand-in for each key (``STAND_INS``: numbers no row has), and each request's keys are put in
their place among the parameters.

Planning them costs the database server as much again: it plans the timeline's history queries
in longer than it runs them. So they run as prepared statements (``prepared_cursor``): the server
parses each once per connection (again after a rollback, which empties psycopg's cache of them),
and after its first five runs keeps one plan for every key where that plan is estimated to cost
no more than one made for each key (PostgreSQL's ``plan_cache_mode`` ``auto``); statements a
page reads together (``read_ahead``) use that one plan from their first run. Every key goes in as
a bigint, so each query is one statement whatever the size of its keys."""

import functools
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from django.db.backends.postgresql.base import (
    TIMESTAMPTZ_OID,
    CursorDebugWrapper,
    ServerBindingCursor,
)
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper
from django.db.models.query import get_related_populators
from psycopg import errors
from psycopg.pq import Format, TransactionStatus
from psycopg.types.numeric import Int8

logger = logging.getLogger(__name__)

# The keys a query is compiled for, in the order ``build`` takes them: numbers no row has and no
# query writes as a constant (a parameter equal to one is taken for it), within a 32-bit
# column's range.
STAND_INS = (-2_000_000_001, -2_000_000_002, -2_000_000_003, -2_000_000_004)


def compiled_values(build, *keys: int, limit: int | None = None):
    """The rows of ``build(*keys, limit)``, a ``values_list()`` queryset, as it gives them (each
    a tuple, through the fields' converters); its SQL compiled once per process for each
    ``build`` and ``limit``. The compiler, kept, converts the fetched rows."""
    compiled = _compiled(build, len(keys), limit)
    return map(tuple, _converted(compiled, _fetched(compiled, keys)))


def compiled_instances(build, *keys: int) -> list:
    """The model instances of ``build(*keys, None)``, a queryset without annotations, as
    iterating it gives them, with the rows it selects related (``ModelIterable``'s work); its
    SQL compiled once per process for each ``build``. Within ``shared_reads``, read once."""
    shared = _SHARED.get()
    if shared is not None:
        if (build, keys) not in shared:
            shared[(build, keys)] = _read_instances(build, keys)
        return list(shared[(build, keys)])
    return _read_instances(build, keys)


@contextmanager
def shared_reads():
    """Within this block, ``compiled_instances`` of one query and keys reads once and gives each
    caller the rows read, in a list of its own: for one page drawing the same rows in several
    places (the list's three choosers of people). The instances themselves are shared: to be
    read, never changed or given attributes. Only around drawing a page, after any write: rows
    read before a write would not show it."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


# The reads shared within ``shared_reads`` (None outside it), by query and keys.
_SHARED: ContextVar[dict | None] = ContextVar("compiled_shared_reads", default=None)


def _read_instances(build, keys: tuple) -> list:
    compiled = _compiled(build, len(keys), None)
    compiler = compiled.compiler
    if compiler.annotation_col_map:
        raise ImproperlyConfigured(f"{build.__name__} reads annotations: not instances alone")
    rows = _converted(compiled, _fetched(compiled, keys))
    klass_info, select, db = compiler.klass_info, compiler.select, compiler.using
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    instances = []
    for row in rows:
        instance = klass_info["model"].from_db(db, names, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        instances.append(instance)
    return instances


def hold_links(instance, **queries) -> None:
    """Read each of ``instance``'s many-to-many links by its query (``build(instance.pk,
    limit)``, as ``compiled_instances`` reads it) and hold them as ``prefetch_related`` does
    (``prefetch_one_level``): ``instance.products.all()`` reads them, no query of its own."""
    held = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, query in queries.items():
        linked = getattr(instance, name).get_queryset()
        linked._result_cache = compiled_instances(query, instance.pk)
        linked._prefetch_done = True
        held[name] = linked


# What the server answers a prepared statement whose tables changed under it.
_STALE_ERRORS = (errors.FeatureNotSupported, errors.InvalidSqlStatementName)


class _PreparingCursor(ServerBindingCursor):
    """Binds its parameters on the server and has every statement it runs prepared there: the
    connection keeps each (psycopg's cache of prepared statements, a hundred at most; a rollback
    empties it) and the server plans it again when its tables change.

    A table whose columns changed type under a prepared statement (a migration run while the
    registry serves) makes the server refuse the statement ("cached plan must not change result
    type"), and psycopg would send it again on every request to come. Outside a transaction
    the statements are dropped and the query runs once more, prepared anew; inside one, the
    error goes up (the request fails, once on each connection) and the transaction's rollback
    drops them."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        except _STALE_ERRORS as error:
            idle = self.connection.info.transaction_status == TransactionStatus.IDLE
            # In a pipeline (``read_ahead``) the error is an earlier statement's, read back
            # while this one was sent: the pipeline's end deals with it.
            if not idle or self.connection.pgconn.pipeline_status or not _stale_statement(error):
                raise
            # A transaction rolled back: psycopg forgets its statements and has the server drop
            # them (``DEALLOCATE ALL``), both sides at once.
            self.connection.execute("BEGIN")
            self.connection.rollback()
            return super().execute(query, params, prepare=True, binary=binary)


def _stale_statement(error) -> bool:
    """The server refused a prepared statement whose tables changed under it (its revalidation,
    named in the error whatever the server's language), or has no statement of that name."""
    if isinstance(error, errors.InvalidSqlStatementName):
        return True
    return error.diag.source_function == "RevalidateCachedQuery"


class _LoggedWithValues(CursorDebugWrapper):
    """Where queries are logged (DEBUG, ``assertNumQueries``), each with its values in place and
    its parameters beside it, as Django logs a cursor that binds on the client: one that binds
    on the server keeps no SQL with the values in to read back, so they are put in here."""

    def execute(self, sql, params=None):
        with self.debug_sql(self._with_values(sql, params), params):
            return CursorWrapper.execute(self, sql, params)

    def _with_values(self, sql, params) -> str:
        try:
            return self.db.ops.compose_sql(sql, params)
        except errors.DataError:  # as Django's own: a value it cannot write, logged without
            return sql


def prepared_cursor(alias: str):
    """A cursor of the database ``alias`` for a SELECT the process runs again and again, with the
    same SQL and other keys: prepared once per connection. Counted and logged as any Django
    cursor (``assertNumQueries`` sees its queries). A plain cursor where prepared statements are
    switched off (``REGISTRY_PREPARED_STATEMENTS=0``: a pool in front of the server that does not
    keep them; see ``config.database``).

    Only for SQL that is ``preparable``, its keys put in as ``key_param``. Made as Django's
    backend makes its own cursors (``create_cursor``, ``_prepare_cursor``), from its cursor
    classes."""
    connection = connections[alias]
    # As Django's own cursors begin: a persistent connection checked once a request, then made
    # if there is none.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        return connection.cursor()
    cursor = _PreparingCursor(raw)
    # As Django's own cursors are made: its time zone if the connection's differs.
    if connection.timezone != raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
        register_tzloader(connection.timezone, cursor)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _LoggedWithValues(cursor, connection)
    return connection.make_cursor(cursor)


def _fetched(compiled, keys: tuple) -> list:
    return prepared_rows(_statement(compiled, keys))


class Statement(NamedTuple):
    """A prepared SELECT with its parameters, as ``prepared_rows`` runs it."""

    alias: str
    sql: str
    params: tuple


def statement(build, *keys: int, limit: int | None = None) -> Statement:
    """The statement ``compiled_values(build, *keys, limit=limit)`` (or ``compiled_instances``)
    runs: for ``read_ahead``."""
    return _statement(_compiled(build, len(keys), limit), keys)


def _statement(compiled, keys: tuple) -> Statement:
    by_stand_in = dict(zip(STAND_INS, keys, strict=False))
    params = tuple(_key(p, by_stand_in) for p in compiled.params)
    return Statement(compiled.compiler.using, compiled.sql, params)


def prepared_rows(statement: Statement) -> list:
    """The rows of ``statement``, run on a ``prepared_cursor``; within ``read_ahead``, the rows it
    read of it, if it did (once: a second run asks again)."""
    ahead = _AHEAD.get()
    if ahead:
        try:
            found = ahead.pop(statement, None)
        except TypeError:  # a parameter that cannot be a key (a list): not one read ahead
            found = None
        if found is not None:
            return found
    with prepared_cursor(statement.alias) as cursor:
        cursor.execute(statement.sql, statement.params)
        return cursor.fetchall()


@contextmanager
def read_ahead(statements):
    """Run ``statements`` (``statement``) together, in one round trip to the server (psycopg's
    pipeline mode), and within this block give each one's rows to the first ``prepared_rows``
    (``compiled_values``, ``compiled_instances``) that runs it. Counted and logged as a query
    each, as when they run one by one; the time logged with each is only its sending, the wait
    for them all coming after.

    For a page's reads that do not depend on each other: each waits for the server in turn
    otherwise, for longer than the server takes to run it. Only around reading, before any
    write: rows read ahead of a write would not show it. Where running them together fails, each
    runs on its own when asked, as outside the block, if the server refused a prepared statement
    whose tables changed (it is made again there); any other error, and any inside a
    transaction, goes up.

    Inside another ``read_ahead``, the statements it holds are not run again: a page reading its
    parts ahead around a part that reads its own ahead sends them once.

    Outside a transaction they run on their generic plans from their first run (``_GENERIC_PLANS``):
    only for reads by keys, whose one plan fits every key; not for a statement whose best plan
    depends on a value (a range, a pattern, a status few rows have)."""
    held = _AHEAD.get()
    added = _run_together([s for s in dict.fromkeys(statements) if held is None or s not in held])
    if held is None:
        token = _AHEAD.set(added)
        try:
            yield
        finally:
            _AHEAD.reset(token)
        return
    held.update(added)
    try:
        yield
    finally:
        for statement in added:  # what this block read and nobody asked for
            held.pop(statement, None)


# Set for the pipeline's implicit transaction only (``set_config``'s ``is_local``): the server
# plans a prepared statement for its values on its first five runs on a connection, then keeps one
# plan for every value where that costs no more (``plan_cache_mode`` ``auto``). Every statement a
# page reads ahead is a read by keys that settles on that one plan, and planning the detail page's
# for their values took longer than running them (up to 1.5 ms a statement at 1M use cases) on
# every connection's first five requests: a registry read by a few people an hour reaches a
# connection's sixth rarely before it is replaced (``CONN_MAX_AGE``).
_GENERIC_PLANS = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"


def _plans_ahead(raw) -> bool:
    """Whether the pipeline may ask for generic plans for itself alone: its statements are
    prepared, and they make an implicit transaction of their own (in autocommit, none open; in
    an ``atomic`` block not begun yet, psycopg would begin it, and the setting would last to its
    end)."""
    idle = raw.info.transaction_status == TransactionStatus.IDLE
    return raw.autocommit and idle and raw.prepare_threshold is not None


# The rows ``read_ahead`` read, by statement, until asked for (None outside it).
_AHEAD: ContextVar[dict | None] = ContextVar("compiled_read_ahead", default=None)


def _run_together(statements: list[Statement]) -> dict:
    if len(statements) < 2:
        return {}  # one alone runs when asked: nothing to save
    alias = statements[0].alias
    if any(statement.alias != alias for statement in statements):
        raise ImproperlyConfigured("statements read ahead together go to one database")
    # Made before the pipeline starts: the first checks the connection's health.
    cursors = [prepared_cursor(alias) for _ in statements]
    connection = connections[alias]
    raw = connection.connection
    try:
        # An error comes out of the pipeline's end as Django's, as from a query run alone.
        with connection.wrap_database_errors, raw.pipeline():
            if _plans_ahead(raw):
                # The statements up to the pipeline's end make one implicit transaction: for it
                # alone, each prepared statement runs on its generic plan from its first run.
                raw.execute(_GENERIC_PLANS)
            for cursor, statement in zip(cursors, statements, strict=True):
                cursor.execute(statement.sql, statement.params)
        return {
            statement: cursor.fetchall()
            for cursor, statement in zip(cursors, statements, strict=True)
        }
    except DatabaseError as error:
        refused = error.__cause__
        stale = isinstance(refused, _STALE_ERRORS) and _stale_statement(refused)
        if not stale or raw.info.transaction_status != TransactionStatus.IDLE:
            raise
        logger.info("Prepared statements refused together (%s): each runs alone.", refused)
        return {}
    finally:
        for cursor in cursors:
            cursor.close()


def _converted(compiled, rows: list):
    """The fetched rows through the fields' converters, as ``results_iter`` would put them."""
    if not compiled.converters:
        return rows
    return compiled.compiler.apply_converters(rows, compiled.converters)


def _key(param, by_stand_in: dict):
    """The request's key in place of its stand-in (``key_param``); any other parameter as it
    is."""
    if isinstance(param, bool) or not isinstance(param, int) or param not in by_stand_in:
        return param
    return key_param(by_stand_in[param])


def key_param(key: int) -> Int8:
    """A key as a prepared query takes it: a bigint (psycopg's ``Int8``). A plain int would go to
    the server as a smallint, an integer or a bigint by its size, each a statement of its own to
    prepare."""
    return Int8(key)


def preparable(sql: str) -> bool:
    """Whether ``prepared_cursor`` can run ``sql``: one SELECT (pghistory puts its request
    context, a second statement, ahead of anything else) with no GROUP BY, its own or a
    subquery's (grouped by an expression with a parameter in it, a query the server binds fails:
    Django's ticket 34255)."""
    return sql.startswith("SELECT ") and not _GROUP_BY.search(sql)


_GROUP_BY = re.compile(r"\bGROUP\s+BY\b", re.IGNORECASE)


class _Compiled(NamedTuple):
    compiler: object
    sql: str
    params: tuple
    converters: dict  # by column, as ``SQLCompiler.get_converters`` finds them


@functools.cache
def _compiled(build, count: int, limit: int | None) -> _Compiled:
    queryset = build(*STAND_INS[:count], limit)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    if (
        not preparable(sql)
        or compiler.has_extra_select
        or compiler.has_composite_fields(fields)
        or not set(STAND_INS[:count]) <= set(params)
    ):
        raise ImproperlyConfigured(f"the query {build.__name__} changed shape")
    return _Compiled(compiler, sql, tuple(params), compiler.get_converters(fields))
