"""Queries a page runs on every request, compiled once per process: ``compiled_values``.

Compiling a query costs about as much CPU as running it, and a page that reads a handful of them
on every request pays that each time for the same SQL. A query compiled here is built once with a
stand-in for each key (``STAND_INS``: numbers no row has), and each request's keys are put in
their place among the parameters."""

import functools

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

# The keys a query is compiled for, in the order ``build`` takes them: numbers no row has (every
# other parameter is a word or a flag, so no number is mistaken for one).
STAND_INS = (-1, -2, -3, -4)


def compiled_values(build, *keys: int, limit: int | None = None):
    """The rows of ``build(*keys, limit)``, a ``values_list()`` queryset, as it gives them (each
    a tuple, through the fields' converters); its SQL compiled once per process for each
    ``build`` and ``limit``. The compiler, kept, converts the fetched rows."""
    compiler, sql, params = _compiled(build, len(keys), limit)
    by_stand_in = dict(zip(STAND_INS, keys, strict=False))
    with connections[compiler.using].cursor() as cursor:
        cursor.execute(sql, [by_stand_in.get(p, p) if type(p) is int else p for p in params])
        return compiler.results_iter(results=[cursor.fetchall()], tuple_expected=True)


@functools.cache
def _compiled(build, count: int, limit: int | None):
    queryset = build(*STAND_INS[:count], limit)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    if compiler.has_extra_select or not set(STAND_INS[:count]) <= set(params):
        raise ImproperlyConfigured(f"the query {build.__name__} changed shape")
    return compiler, sql, tuple(params)
