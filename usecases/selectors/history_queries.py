"""The timeline's queries of the database's history tables: the use case's own rows changed outside
the services (each with the row before it), and its links, reviews and sign-offs changed outside
them. Each is compiled once per process for each limit and run with the use case's key put in;
the rows come back as plain attributes, not model instances."""

import functools
import re

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, Subquery
from pghistory.models import Events

from core.compiled import (
    STAND_INS,
    Statement,
    compiled_values,
    key_param,
    preparable,
    prepared_rows,
    statement,
)
from portfolio.models import Team
from usecases.models import (
    ReviewHistory,
    SignOffHistory,
    UseCase,
    UseCaseGoalHistory,
    UseCaseHistory,
    UseCaseProductHistory,
)
from usecases.selectors.history_rows import (
    HISTORY_ATTNAMES,
    LINK_HISTORY,
    RELATED_HISTORY,
    related_values,
)


def _outside_services() -> Q:
    """History rows not written by a service (see ``core.history.history_context``)."""
    return Q(pgh_context__isnull=True) | Q(pgh_context__metadata__service__isnull=True)


# What the timeline reads of the use case's own history rows: the columns it shows (what changed
# is found by comparing them) and when, how and at which version each was written; then the
# annotations.
_ROW_ATTNAMES = HISTORY_ATTNAMES


class _HistoryRow:
    """A use-case history row as plain attributes, by column (``attname``), plus
    ``context_metadata``, ``team`` and ``outside``: some 60 columns a row, read as values rather
    than model instances (a long history reads forty of them, which as instances cost more than
    the rest of the timeline)."""

    def __init__(self, values: tuple, teams: dict):
        self.__dict__.update(zip(_ROW_ATTNAMES, values, strict=False))
        self.outside, self.context_metadata, team_name = values[len(_ROW_ATTNAMES) :]
        # As ``select_related`` would have it: one team object per team, None for none (or one
        # no longer there).
        if team_name is not None and self.team_id not in teams:
            teams[self.team_id] = Team(pk=self.team_id, name=team_name)
        self.team = teams.get(self.team_id) if team_name is not None else None


def use_case_rows_changed_outside(usecase: UseCase, limit: int | None) -> list:
    """The use case's own history rows not written by a service, newest first, each with the row
    before it as ``previous_row`` (None for the first): one query reads both, oldest first, so
    the row read just before an outside row is the one before it."""
    fetched = compiled_values(_rows_query, usecase.pk, limit=limit)
    rows, previous, teams = [], None, {}
    for values in fetched:
        row = _HistoryRow(values, teams)
        if row.outside:
            row.previous_row = previous
            rows.append(row)
        previous = row
    rows.reverse()
    return rows


def use_case_rows_statement(usecase: UseCase, limit: int | None) -> Statement:
    """The statement ``use_case_rows_changed_outside`` runs (for ``read_ahead``)."""
    return statement(_rows_query, usecase.pk, limit=limit)


# The use case the events' query is compiled for: a key no use case has.
_ANY_USE_CASE = STAND_INS[0]


def _rows_query(usecase_pk: int, limit: int | None):
    """The use case's history rows changed outside the services and the row before each, as
    values: the columns the timeline reads (``_ROW_ATTNAMES``), then ``outside``, the context's
    metadata and the team's name."""
    outside = (
        UseCaseHistory.objects.filter(_outside_services(), pgh_obj_id=usecase_pk)
        .exclude(pgh_label="delete")
        .order_by("-pgh_id")
    )
    outside_ids = (outside[:limit] if limit is not None else outside).values("pgh_id")
    before = UseCaseHistory.objects.filter(
        pgh_obj_id=usecase_pk, pgh_id__lt=OuterRef("pgh_id")
    ).order_by("-pgh_id")
    previous_ids = UseCaseHistory.objects.filter(pgh_id__in=outside_ids).values(
        previous_id=Subquery(before.values("pgh_id")[:1])
    )
    return (
        # The use case's own rows (its index), then those of them asked for: an OR of two
        # id lists alone would walk the whole history table.
        UseCaseHistory.objects.filter(pgh_obj_id=usecase_pk)
        .filter(Q(pgh_id__in=outside_ids) | Q(pgh_id__in=previous_ids))
        .annotate(
            outside=ExpressionWrapper(Q(pgh_id__in=outside_ids), BooleanField()),
            context_metadata=F("pgh_context__metadata"),
            team_name=F("team__name"),
        )
        .order_by("pgh_id")
        # Compiled once (``compiled_values``): naming the columns costs nothing on a request.
        .values_list(*_ROW_ATTNAMES, "outside", "context_metadata", "team_name")
    )


def links_reviews_and_sign_offs_changed_outside(usecase: UseCase, limit: int | None):
    """Links, reviews and sign-offs changed outside the services: one query across their history
    tables, each row with its values and what it changed (pghistory's aggregate events, whose
    ``pgh_context`` is the context's metadata: ``_outside_services`` one level up). The link
    rows, and the review and sign-off rows each with its ``field_values`` (``related_values``).
    The rows are plain attributes by the events' columns (``pgh_model``, ``pgh_data``, ...)."""
    compiler, names = _compiled_events_query(limit)[:2]
    rows = prepared_rows(links_reviews_and_sign_offs_statement(usecase, limit))
    fetched = compiler.results_iter(results=[rows], tuple_expected=True)
    other_rows = [_EventRow(zip(names, values, strict=True)) for values in fetched]
    link_rows = [row for row in other_rows if row.pgh_model in LINK_HISTORY]
    related_rows = [row for row in other_rows if row.pgh_model in RELATED_HISTORY]
    for row in related_rows:
        row.field_values = related_values(row)
    return link_rows, related_rows


def links_reviews_and_sign_offs_statement(usecase: UseCase, limit: int | None) -> Statement:
    """The statement ``links_reviews_and_sign_offs_changed_outside`` runs (for ``read_ahead``)."""
    compiler, _, sql, params, stand_ins = _compiled_events_query(limit)
    return Statement(compiler.using, sql, (key_param(usecase.pk),) * stand_ins + params)


class _EventRow:
    """An aggregate event as plain attributes, by column."""

    def __init__(self, values):
        self.__dict__.update(values)


@functools.cache
def _compiled_events_query(limit: int | None):
    """``_events_query`` compiled once per process for each limit: pghistory writes a use case's
    key into the SQL of each of the four tables' selects, so the stand-in's is made a parameter
    there, ahead of the query's own. (compiler, column names, SQL, parameters, how many times the
    key goes in)."""
    queryset = _events_query(UseCase(pk=_ANY_USE_CASE), limit)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    # psycopg writes a negative number with a space before it: " -2000000001".
    sql, stand_ins = re.subn(rf"= +{_ANY_USE_CASE}\n", "= %s\n", sql)
    # Every key's place ahead of the outer select, where none of the query's own parameters is:
    # the key goes in first, then those parameters, in the order they are written.
    ahead = sql[: sql.index("\nSELECT")].count("%s")
    if compiler.has_extra_select or stand_ins != 4 or ahead != stand_ins:
        raise ImproperlyConfigured("the timeline's events query changed shape")
    names = [column.target.attname for column, _, _ in compiler.select]
    # Read as a SELECT: pghistory puts its request context (a second statement) ahead of every
    # statement it does not know for a read, and a WITH may write; here it only reads. The
    # inner query keeps its order and LIMIT; the outer one says the order again.
    sql = f"SELECT * FROM ({sql}) AS events ORDER BY pgh_created_at DESC, pgh_id DESC"
    if not preparable(sql):  # pghistory's part of it grouped: it could not be prepared
        raise ImproperlyConfigured("the timeline's events query cannot be prepared")
    return compiler, names, sql, tuple(params), stand_ins


def _events_query(usecase: UseCase, limit: int | None):
    queryset = (
        Events.objects.across(
            UseCaseProductHistory, UseCaseGoalHistory, ReviewHistory, SignOffHistory
        )
        .references(usecase)
        .filter(Q(pgh_context__isnull=True) | Q(pgh_context__service__isnull=True))
        .order_by("-pgh_created_at", "-pgh_id")
    )
    return queryset[:limit] if limit is not None else queryset
