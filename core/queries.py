"""Query pieces more than one app's selectors use."""

from django.db.models import BooleanField, F, Func, IntegerField, Subquery


def count_all() -> Func:
    """``COUNT(*)`` as an expression to annotate with: not Django's ``Count``, an aggregate that
    would group; and not a count of a column, which an index without that column (the id) could
    not answer on its own."""
    return Func(template="COUNT(*)", output_field=IntegerField())


def count_of(rows) -> Subquery:
    """How many ``rows`` there are (a queryset, usually with an ``OuterRef``), as an expression to
    annotate with: ``SELECT COUNT(*)`` without ``GROUP BY``, so no row counts 0, never NULL.

    Annotated on a page of rows, the count runs for those rows alone; joining and grouping would
    count for every row the query touches before the page is cut.
    """
    counted = rows.order_by().annotate(total=count_all()).values("total")
    return Subquery(counted, output_field=IntegerField())


def any_of(field: str, ids) -> Func:
    """``field = ANY(ARRAY(ids))``: the ids (a query) read once, then each row looked up by key.
    ``field IN (ids)`` may instead read the whole table and test each row against them, when the
    planner cannot tell how few the ids are (a union of two LIMITed or keyed queries)."""
    return Func(
        F(field),
        Subquery(ids),
        arg_joiner=" = ANY(ARRAY(",
        template="%(expressions)s))",
        output_field=BooleanField(),
    )
