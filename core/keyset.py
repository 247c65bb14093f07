"""Keyset pages ("after this row", "before this row") for a queryset in any order: a cursor holds a
row's values of the ordering's keys, and the next page is the rows after them in that order, the
previous page the rows before them (read in the reversed order, then turned back). Reads the order
the queryset already has (a filter set decides it), so a sort is defined once; a unique column
(``tiebreak``) ends every order, so rows with equal values keep their place. NULLs sit where the
database puts them (last ascending and first descending, unless the order says).

Deep pages cost what the first does: each page is an index range read, never an ``OFFSET``. The
API's cursors and the list page's links share this module."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q, QuerySet, Value
from django.db.models.expressions import Col
from django.db.models.functions import Coalesce

SALT = "api.keyset"  # kept: cursors handed out before the move still read
AFTER, BEFORE = "after", "before"


class StaleCursor(ValueError):
    """The cursor is none this site gave for this sort."""


@dataclass(frozen=True)
class Key:
    alias: str
    expression: object
    descending: bool
    nulls_first: bool

    def ordering(self) -> OrderBy:
        nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        return OrderBy(F(self.alias), descending=self.descending, **nulls)

    def reversed(self) -> "Key":
        return replace(self, descending=not self.descending, nulls_first=not self.nulls_first)


def _keys(queryset: QuerySet, tiebreak: F) -> list[Key]:
    keys = []
    for item in [*queryset.query.order_by, tiebreak.desc()]:
        if isinstance(item, str):
            item = F(item[1:]).desc() if item.startswith("-") else F(item).asc()
        descending = item.descending
        # PostgreSQL's default: NULLs count as larger than any value.
        nulls_first = item.nulls_first or (descending and not item.nulls_last)
        keys.append(Key(f"_key{len(keys)}", item.expression, descending, nulls_first))
        if item.expression == tiebreak:
            break  # unique: nothing after it decides anything
    return keys


def _nullable(expression) -> bool:
    """Whether ``expression`` may be NULL, as far as its shape tells."""
    if isinstance(expression, Col):
        return expression.target.null
    if isinstance(expression, Value):
        return expression.value is None
    if isinstance(expression, Coalesce):
        return all(_nullable(part) for part in expression.get_source_expressions())
    return True


def _plain(value):
    """A key's value as JSON keeps it exactly (a datetime to the microsecond)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Keyset:
    def __init__(self, queryset: QuerySet, *, sort: str, tiebreak: str = "number"):
        self.sort = sort
        self.keys = _keys(queryset, F(tiebreak))
        annotated = queryset.annotate(**{key.alias: key.expression for key in self.keys})
        self.queryset = annotated.order_by(*(key.ordering() for key in self.keys))
        # The last rows first: the last page is the first page of this, turned back.
        self.reversed = annotated.order_by(*(key.reversed().ordering() for key in self.keys))

    def cursor(self, row, direction: str = AFTER, **extra) -> str:
        """A cursor naming ``row``: the rows after it (or before it) are the page it leads to.
        ``extra`` travels with it, signed (the list page keeps its page number there)."""
        values = [_plain(getattr(row, key.alias)) for key in self.keys]
        payload = {"sort": self.sort, direction: values, **extra}
        return signing.dumps(payload, salt=SALT, compress=True)

    def read(self, cursor: str) -> dict:
        """The cursor's payload, checked to be one this site gave for this sort."""
        try:
            given = signing.loads(cursor, salt=SALT)
        except signing.BadSignature:
            raise StaleCursor("The cursor is not one this API gave.") from None
        if not isinstance(given, dict):
            raise StaleCursor("The cursor is not one this API gave.")
        values = given.get(AFTER, given.get(BEFORE))
        if not isinstance(values, list) or given.get("sort") != self.sort:
            raise StaleCursor("The cursor is for another sort; start again without one.")
        if len(values) != len(self.keys):
            raise StaleCursor("The cursor is for another sort; start again without one.")
        return given

    def after(self, cursor: str) -> QuerySet:
        """The rows after the one ``cursor`` names, in the same order."""
        given = self.read(cursor)
        if AFTER not in given:
            raise StaleCursor("The cursor is not one this API gave.")
        return self.beyond(given[AFTER], backwards=False)

    def beyond(self, raw_values: list, *, backwards: bool) -> QuerySet:
        """The rows after the named row in the order, or before it (``backwards``: nearest
        first, in the reversed order)."""
        keys = [key.reversed() for key in self.keys] if backwards else self.keys
        values = [self._read(key, value) for key, value in zip(keys, raw_values, strict=True)]
        condition, equal = Q(pk__in=[]), Q()
        for key, value in zip(keys, values, strict=True):
            condition |= equal & self._beyond(key, value)
            equal &= (
                Q(**{f"{key.alias}__isnull": True}) if value is None else Q(**{key.alias: value})
            )
        rows = (self.reversed if backwards else self.queryset).filter(condition)
        return rows.filter(self._leading_bound(keys[0], values[0]))

    def _leading_bound(self, key: Key, value) -> Q:
        """The OR of the keyset condition hides the range from the planner; on a key that is
        never NULL (a column that holds none, a COALESCE ending in a value) the first key's
        bound (``title >= 'x'``) says it again as a plain range, so an index on the order reads
        from there instead of from its start."""
        resolved = self.queryset.query.annotations[key.alias]
        if value is None or _nullable(resolved):
            return Q()
        return Q(**{f"{key.alias}__{'lte' if key.descending else 'gte'}": value})

    def _read(self, key: Key, value):
        if value is None:
            return None
        field = self.queryset.query.annotations[key.alias].output_field
        try:
            return field.to_python(value)
        except (ValidationError, TypeError, ValueError):
            raise StaleCursor("The cursor is not one this API gave.") from None

    @staticmethod
    def _beyond(key: Key, value) -> Q:
        """The rows whose ``key`` comes after ``value`` in the order."""
        null = Q(**{f"{key.alias}__isnull": True})
        if value is None:
            return ~null if key.nulls_first else Q(pk__in=[])
        further = Q(**{f"{key.alias}__{'lt' if key.descending else 'gt'}": value})
        return further if key.nulls_first else further | null
