"""Queries compiled once per process (``core.compiled``): each request's key in place of the
stand-in, the same rows and instances the queryset gives, each run one query that names what it
reads, and the same rows again through a new connection, a rollback and a change; each query
prepared once a connection, unless prepared statements are switched off."""

import logging
import re

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, NotSupportedError, connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from core.compiled import (
    Statement,
    compiled_instances,
    compiled_values,
    key_param,
    prepared_cursor,
    read_ahead,
    shared_reads,
    statement,
)
from portfolio.models import Team
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _team_names(team_pk: int, limit: int | None):
    teams = Team.objects.filter(parent_id=team_pk).order_by("name").values_list("pk", "name")
    return teams[:limit] if limit is not None else teams


def _team(team_pk: int, limit: int | None):
    return Team.objects.filter(pk=team_pk).select_related("parent")


def _ignores_its_key(team_pk: int, limit: int | None):
    return Team.objects.filter(parent__isnull=True).values_list("pk")


def _units_with_children():
    units = [TeamFactory(name=f"Unit {n}") for n in range(3)]
    for unit in units:
        for n in range(unit.pk % 3 + 2):
            TeamFactory(name=f"{unit.name} team {n}", parent=unit)
    return units


def test_each_key_reads_its_own_rows_as_the_queryset_gives_them():
    units = _units_with_children()
    for unit in units:
        assert list(compiled_values(_team_names, unit.pk)) == list(_team_names(unit.pk, None))
        assert list(compiled_values(_team_names, unit.pk, limit=1)) == list(_team_names(unit.pk, 1))
    child = Team.objects.filter(parent=units[1]).first()
    (read,) = compiled_instances(_team, child.pk)
    assert (read.pk, read.name, read.parent.name) == (child.pk, child.name, units[1].name)
    assert compiled_instances(_team, -1) == []  # no such team


def test_each_run_is_one_query_that_names_what_it_reads():
    units = _units_with_children()
    for unit in units:
        with CaptureQueriesContext(connection) as captured:
            list(compiled_values(_team_names, unit.pk))
        (query,) = captured.captured_queries
        assert '"portfolio_team"' in query["sql"]
        assert re.search(rf'"parent_id" = {unit.pk}\b', query["sql"])  # this key, not a stand-in


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the connection is closed
def test_a_new_connection_a_rollback_and_a_change_read_the_same_as_the_queryset():
    units = _units_with_children()
    expected = list(_team_names(units[0].pk, None))
    assert list(compiled_values(_team_names, units[0].pk)) == expected
    connection.close()  # the next query opens a new session
    assert list(compiled_values(_team_names, units[0].pk)) == expected
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert list(compiled_values(_team_names, units[0].pk)) == expected
        1 / 0  # noqa: B018 - the block is rolled back
    assert list(compiled_values(_team_names, units[0].pk)) == expected
    renamed = Team.objects.filter(parent=units[0]).order_by("name").first()
    renamed.name = "A first name now"
    renamed.save()
    assert list(compiled_values(_team_names, units[0].pk))[0] == (renamed.pk, renamed.name)


def test_a_query_that_does_not_read_its_key_is_refused():
    with pytest.raises(ImproperlyConfigured, match="changed shape"):
        list(compiled_values(_ignores_its_key, 1))


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_compiled_query_is_prepared_once_per_connection_for_every_key():
    units = _units_with_children()
    before = _prepared_statements()
    for unit in units:  # three keys, one statement
        assert list(compiled_values(_team_names, unit.pk)) == list(_team_names(unit.pk, None))
    # Keys past a smallint's and an integer's range too (each its own type to psycopg)
    assert list(compiled_values(_team_names, 40_000)) == []
    assert list(compiled_values(_team_names, 3_000_000_000)) == []
    added = [sql for sql in _prepared_statements() if sql not in before]
    assert len(added) == 1
    assert '"portfolio_team"' in added[0] and '"parent_id" = $1' in added[0]


def test_nothing_is_prepared_where_prepared_statements_are_switched_off():
    units = _units_with_children()
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, None  # as config.database leaves it
    try:
        before = _prepared_statements()
        for unit in units:
            assert list(compiled_values(_team_names, unit.pk)) == list(_team_names(unit.pk, None))
        assert _prepared_statements() == before
    finally:
        raw.prepare_threshold = threshold


def _altered_elsewhere(statement: str) -> None:
    """``statement`` run on a connection of its own, as a migration run while the registry
    serves would be."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute(statement)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the table is altered
def test_a_prepared_query_reads_the_same_after_another_connection_changes_a_column_type():
    units = _units_with_children()
    expected = list(_team_names(units[0].pk, None))
    for _ in range(2):
        assert list(compiled_values(_team_names, units[0].pk)) == expected
    # The name's type changes under the prepared statement: the server refuses it ("cached plan
    # must not change result type") until it is prepared anew.
    _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(200)")
    try:
        # Outside a transaction: prepared anew, not refused request after request.
        for _ in range(2):
            assert list(compiled_values(_team_names, units[0].pk)) == expected
        _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(150)")
        # Inside one, the refusal aborts it; its rollback drops the statements.
        with pytest.raises(NotSupportedError), transaction.atomic():
            list(compiled_values(_team_names, units[0].pk))
        assert list(compiled_values(_team_names, units[0].pk)) == expected
    finally:
        _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(120)")
    assert list(compiled_values(_team_names, units[0].pk)) == expected


def test_each_query_is_logged_with_its_values_and_parameters(caplog):
    unit = _units_with_children()[0]
    with (
        caplog.at_level(logging.DEBUG, logger="django.db.backends"),
        CaptureQueriesContext(connection),
    ):
        list(compiled_values(_team_names, unit.pk))
    (record,) = [record for record in caplog.records if "portfolio_team" in record.sql]
    assert re.search(rf'"parent_id" = {unit.pk}\b', record.sql)
    assert list(record.params) == [unit.pk]


def _grouped(team_pk: int, limit: int | None):
    return (
        Team.objects.filter(parent_id=team_pk)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )


def _with_a_grouped_subquery(team_pk: int, limit: int | None):
    children = (
        Team.objects.filter(parent_id=OuterRef("pk"))
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Team.objects.filter(pk=team_pk).values_list("pk", Subquery(children))


@pytest.mark.parametrize("build", [_grouped, _with_a_grouped_subquery])
def test_a_grouped_query_is_refused(build):
    """The server binds these queries' parameters, and a GROUP BY holding one fails there (in
    the query or a subquery of it)."""
    with pytest.raises(ImproperlyConfigured, match="changed shape"):
        list(compiled_values(build, 1))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # functions are made
def test_only_a_changed_table_has_the_statements_prepared_anew():
    """Another refusal of the same kind (a feature the server does not support) is the query's
    own error, raised as it is; the statements stay prepared, and after a column type changed
    under them they are prepared anew all the same."""
    units = _units_with_children()
    expected = list(_team_names(units[0].pk, None))
    assert list(compiled_values(_team_names, units[0].pk)) == expected
    prepared = _prepared_statements()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION bench_unsupported() RETURNS int LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no' USING ERRCODE = 'feature_not_supported'; END $$"
        )
    try:
        with pytest.raises(NotSupportedError), prepared_cursor("default") as cursor:
            cursor.execute("SELECT bench_unsupported()")
        assert set(prepared) <= set(_prepared_statements())  # none dropped
        _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(200)")
        for _ in range(3):
            assert list(compiled_values(_team_names, units[0].pk)) == expected
    finally:
        _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(120)")
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION bench_unsupported()")


def test_within_shared_reads_one_query_and_keys_is_read_once():
    """Inside ``shared_reads`` the same query with the same keys is read once, each caller given
    its own list of the rows; another key is read on its own; outside the block, each call reads
    again (a change made since shows)."""
    units = _units_with_children()
    with CaptureQueriesContext(connection) as captured, shared_reads():
        first = compiled_instances(_team, units[0].pk)
        again = compiled_instances(_team, units[0].pk)
        other = compiled_instances(_team, units[1].pk)
        again.clear()  # a caller's list is its own: the next caller still gets the row
        assert [team.pk for team in compiled_instances(_team, units[0].pk)] == [units[0].pk]
    assert len(captured.captured_queries) == 2
    assert [team.pk for team in first] == [units[0].pk]
    assert [team.pk for team in other] == [units[1].pk]

    Team.objects.filter(pk=units[0].pk).update(name="Renamed")
    with CaptureQueriesContext(connection) as captured:
        (read,) = compiled_instances(_team, units[0].pk)
    assert read.name == "Renamed"
    assert len(captured.captured_queries) == 1


@pytest.mark.parametrize("prepared", [True, False])
def test_read_ahead_runs_the_statements_at_once_and_gives_each_its_rows_once(prepared):
    """``read_ahead`` runs its statements on entering (each counted as a query), and within the
    block each one's first run takes the rows read, the same as it reads alone; a second run of
    one asks again, as does a statement not read ahead. Prepared statements on or off."""
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    if not prepared:
        raw.prepare_threshold = None  # as config.database leaves it
    try:
        _reads_ahead()
    finally:
        raw.prepare_threshold = threshold


def _reads_ahead():
    units = _units_with_children()
    alone = {unit.pk: list(compiled_values(_team_names, unit.pk)) for unit in units}
    reads = [
        *(statement(_team_names, unit.pk) for unit in units[:2]),
        statement(_team, units[0].pk),
    ]
    renamed = Team.objects.filter(parent=units[0]).order_by("name").first()
    together = []

    def record(execute, sql, params, many, context):
        together.append(bool(connection.connection.pgconn.pipeline_status))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record), read_ahead(reads):
        pass
    assert together == [True, True, True]  # sent in one pipeline, not one by one
    with CaptureQueriesContext(connection) as captured, read_ahead(reads):
        assert len(captured.captured_queries) == 3
        for unit in units[:2]:
            assert list(compiled_values(_team_names, unit.pk)) == alone[unit.pk]
        (team,) = compiled_instances(_team, units[0].pk)
        assert (team.pk, team.name) == (units[0].pk, units[0].name)
        assert len(captured.captured_queries) == 3
        Team.objects.filter(pk=renamed.pk).update(name="A first name now")
        # Read again: the change shows.
        first = next(iter(compiled_values(_team_names, units[0].pk)))
        assert first == (renamed.pk, "A first name now")
        assert list(compiled_values(_team_names, units[2].pk)) == alone[units[2].pk]
        assert len(captured.captured_queries) == 6
    names = [re.search(r'"parent_id" = (\d+)', q["sql"]) for q in captured.captured_queries[:2]]
    assert [int(name.group(1)) for name in names] == [units[0].pk, units[1].pk]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the table is altered
def test_statements_read_ahead_that_fail_together_run_alone_outside_a_transaction():
    """A column type changed under the prepared statements fails them together; outside a
    transaction each then runs alone when asked (prepared anew) and reads what it reads alone;
    inside one the refusal goes up."""
    units = _units_with_children()
    expected = {unit.pk: list(_team_names(unit.pk, None)) for unit in units}
    reads = [statement(_team_names, unit.pk) for unit in units]
    with read_ahead(reads):
        pass  # prepared
    _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(200)")
    try:
        with read_ahead(reads):
            for unit in units:
                assert list(compiled_values(_team_names, unit.pk)) == expected[unit.pk]
        _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(150)")
        with pytest.raises(NotSupportedError), transaction.atomic(), read_ahead(reads):
            pass
        with read_ahead(reads):
            assert list(compiled_values(_team_names, units[0].pk)) == expected[units[0].pk]
    finally:
        _altered_elsewhere("ALTER TABLE portfolio_team ALTER COLUMN name TYPE varchar(120)")


def test_read_ahead_inside_another_runs_only_what_the_outer_does_not_hold():
    """A part reading ahead inside a page that read its statements already sends nothing again;
    what the inner block adds and nobody asks for is gone when it ends (asked later, it is read
    then)."""
    units = _units_with_children()
    outer = [statement(_team_names, units[0].pk), statement(_team, units[0].pk)]
    inner = [statement(_team_names, units[0].pk), *(statement(_team, u.pk) for u in units[1:])]
    with CaptureQueriesContext(connection) as captured, read_ahead(outer):
        with read_ahead(inner):
            assert len(captured.captured_queries) == 4  # two, then the two the outer lacked
            assert list(compiled_values(_team_names, units[0].pk)) == list(
                _team_names(units[0].pk, None)
            )
            assert compiled_instances(_team, units[1].pk)[0].pk == units[1].pk
        assert len(captured.captured_queries) == 5  # the check's own query above
        assert compiled_instances(_team, units[0].pk)[0].pk == units[0].pk  # held by the outer
        assert compiled_instances(_team, units[2].pk)[0].pk == units[2].pk  # read again
        assert len(captured.captured_queries) == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # outside a transaction
def test_a_statement_read_ahead_that_fails_for_itself_raises_its_error_at_once():
    """Only a prepared statement refused because its table changed runs again alone; any other
    error (here a division by zero) comes out of ``read_ahead`` as Django's, not run twice."""
    unit = _units_with_children()[0]
    failing = Statement("default", "SELECT 1 / (%s - %s)", (key_param(unit.pk),) * 2)
    reads = [statement(_team_names, unit.pk), failing]
    with (
        CaptureQueriesContext(connection) as captured,
        pytest.raises(DataError, match="division by zero"),
        read_ahead(reads),
    ):
        pass  # pragma: no cover - the error comes on entering
    assert len(captured.captured_queries) == 2
    assert _plan_cache_mode() == "auto"
    assert list(compiled_values(_team_names, unit.pk)) == list(_team_names(unit.pk, None))


def _plans(fragment: str) -> list[tuple[int, int]]:
    """(generic, custom) runs of the connection's prepared statements whose SQL has
    ``fragment``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements")
        return [(generic, custom) for generic, custom, sql in cursor.fetchall() if fragment in sql]


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # outside a transaction
def test_statements_read_ahead_run_on_one_plan_for_every_key_from_their_first_run():
    """Outside a transaction, as a page reads, a statement read ahead is not planned for its key
    on its first runs on a connection: it runs on its generic plan at once. The connection's own
    setting is untouched after; a statement run alone is planned for its key as before."""
    units = _units_with_children()
    connection.close()  # a new session: nothing prepared
    expected = list(_team_names(units[0].pk, None))
    for unit in units:
        with read_ahead([statement(_team_names, unit.pk), statement(_team, unit.pk)]):
            assert len(list(compiled_values(_team_names, unit.pk))) == len(
                list(_team_names(unit.pk, None))
            )
    assert _plans('"parent_id" = $1') == [(3, 0)]
    assert _plan_cache_mode() == "auto"
    assert list(compiled_values(_team_names, units[0].pk)) == expected
    assert _plans('"parent_id" = $1') == [(3, 1)]  # alone: planned for its key, as before


def test_inside_a_transaction_statements_read_ahead_are_planned_as_alone():
    """Inside a transaction the setting would last past the pipeline, to the transaction's end:
    the statements are planned as the server chooses."""
    units = _units_with_children()
    with read_ahead([statement(_team_names, unit.pk) for unit in units]):
        pass
    generic, custom = _plans('"parent_id" = $1')[0]
    assert custom >= 1
    assert _plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the block is the test's own
def test_in_an_atomic_block_not_begun_yet_nothing_is_set_for_its_length():
    """An ``atomic`` block whose first statements are read ahead: psycopg begins its transaction
    with them, and a setting made there would last to the block's end; none is made."""
    units = _units_with_children()
    reads = [statement(_team_names, unit.pk) for unit in units]
    with transaction.atomic():
        with read_ahead(reads):
            pass
        assert _plan_cache_mode() == "auto"
