"""Keyset pages ("after this row") for a queryset in any order: the cursor holds the last row's
values of the ordering's keys, and the next page is the rows after them in that order. Reads the
order the queryset already has (the list's filter set decides it), so a sort is defined once; the
use case's number, unique, ends every order, so rows with equal values keep their place. NULLs sit
where the database puts them (last ascending and first descending, unless the order says)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q, QuerySet

SALT = "api.keyset"
TIEBREAK = F("number")


class StaleCursor(ValueError):
    """The cursor is none this API gave for this sort."""


@dataclass(frozen=True)
class Key:
    alias: str
    expression: object
    descending: bool
    nulls_first: bool

    def ordering(self) -> OrderBy:
        nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        return OrderBy(F(self.alias), descending=self.descending, **nulls)


def _keys(queryset: QuerySet) -> list[Key]:
    keys = []
    for item in [*queryset.query.order_by, TIEBREAK.desc()]:
        if isinstance(item, str):
            item = F(item[1:]).desc() if item.startswith("-") else F(item).asc()
        descending = item.descending
        # PostgreSQL's default: NULLs count as larger than any value.
        nulls_first = item.nulls_first or (descending and not item.nulls_last)
        keys.append(Key(f"_key{len(keys)}", item.expression, descending, nulls_first))
        if item.expression == TIEBREAK:
            break  # unique: nothing after it decides anything
    return keys


def _plain(value):
    """A key's value as JSON keeps it exactly (a datetime to the microsecond)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Keyset:
    def __init__(self, queryset: QuerySet, *, sort: str):
        self.sort = sort
        self.keys = _keys(queryset)
        annotated = queryset.annotate(**{key.alias: key.expression for key in self.keys})
        self.queryset = annotated.order_by(*(key.ordering() for key in self.keys))

    def cursor(self, row) -> str:
        values = [_plain(getattr(row, key.alias)) for key in self.keys]
        return signing.dumps({"sort": self.sort, "after": values}, salt=SALT, compress=True)

    def after(self, cursor: str) -> QuerySet:
        """The rows after the one ``cursor`` names, in the same order."""
        try:
            given = signing.loads(cursor, salt=SALT)
        except signing.BadSignature:
            raise StaleCursor("The cursor is not one this API gave.") from None
        if given.get("sort") != self.sort or len(given.get("after", ())) != len(self.keys):
            raise StaleCursor("The cursor is for another sort; start again without one.")
        values = [
            self._read(key, value) for key, value in zip(self.keys, given["after"], strict=True)
        ]
        condition, equal = Q(pk__in=[]), Q()
        for key, value in zip(self.keys, values, strict=True):
            condition |= equal & self._beyond(key, value)
            equal &= (
                Q(**{f"{key.alias}__isnull": True}) if value is None else Q(**{key.alias: value})
            )
        return self.queryset.filter(condition)

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
