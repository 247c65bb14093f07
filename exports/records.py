"""Every use case of a (filtered) list as one record: column name -> typed value, read in chunks.

The columns are named by field name, so a file reads by machine and the registry's own export can
be imported again: the core fields (``CORE_COLUMNS``), every register field
(``usecases.choices.REGISTER_FIELDS``) and every custom field in use, as ``cf_<name>``.

Values are typed as JSON reads them: choices as their stored codes, lists as lists, yes/no as
true/false (empty: not stated), numbers as numbers, dates and times as ISO text, a person as their
username, a team by name with its path of units (``Department › Agency › Team``). The file writers
(``exports.files``) turn them into cells.

The query is the list's own (its filters, its order) with the team, owner and author joined and
the products and goals prefetched per chunk; the units' paths and the custom fields are read once
and the people person fields name once per chunk, so the queries grow with the chunks, never with
the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import islice

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from portfolio.models import Product, StrategicGoal, Team
from portfolio.selectors import unit_paths
from usecases.choices import FORM_FIELDS, REGISTER_FIELDS
from usecases.custom_fields.values import active_fields
from usecases.models import CustomField, CustomFieldType, UseCase

# Rows read (and products and goals prefetched) per query.
CHUNK_SIZE = 500

# The core fields, in the file's order: the key and status, every field the use-case form edits
# (so a field added there is exported too), then what is read through relations or kept by the
# registry. ``key``, ``team``, ``team_path``, ``owner``, ``owner_email``, ``author``, ``products``
# and ``goals`` are read through relations; the rest are the use case's own columns.
CORE_COLUMNS = (
    "key",
    "status",
    *(name for name in FORM_FIELDS if name not in REGISTER_FIELDS),
    "team_path",
    "owner_email",
    "author",
    "products",
    "goals",
    "evidence_status",
    "signed_off_at",
    "attestation_expires_at",
    "changed_since_sign_off",
    "source",
    "external_ref",
    "created_at",
    "updated_at",
)
_RELATED = {
    "key": lambda uc, paths: uc.key,
    "team": lambda uc, paths: uc.team.name,
    "team_path": lambda uc, paths: paths.get(uc.team_id, uc.team.name),
    "owner": lambda uc, paths: uc.owner.get_username() if uc.owner else None,
    "owner_email": lambda uc, paths: (uc.owner.email or None) if uc.owner else None,
    "author": lambda uc, paths: uc.author.get_username(),
    "products": lambda uc, paths: [product.name for product in uc.products.all()],
    "goals": lambda uc, paths: [goal.title for goal in uc.goals.all()],
}
T = CustomFieldType


def export_queryset(queryset=None):
    """``queryset`` (the list's, filtered and ordered) with what every record reads."""
    queryset = UseCase.objects.all() if queryset is None else queryset
    return (
        queryset.select_related("team", "owner", "author")
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.order_by("name").only("id", "name")),
            Prefetch("goals", queryset=StrategicGoal.objects.order_by("title").only("id", "title")),
        )
        .defer("search_vector")
    )


def chunks(items: Iterable, size: int = CHUNK_SIZE) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def custom_value(field: CustomField, stored, people: dict[int, str]):
    """A stored custom value, typed: numbers as numbers, a date as a date, a person as their
    username; empty as None."""
    if stored in (None, "", []):
        return None
    if field.type == T.DECIMAL:
        return Decimal(str(stored))
    if field.type == T.DATE:
        try:
            return date.fromisoformat(stored)
        except (TypeError, ValueError):
            return stored
    if field.type == T.PERSON:
        return people.get(stored)  # a person since deleted: empty, never their id
    return stored


class Records:
    """The records of ``queryset``: ``columns`` and, iterated, one dict per use case."""

    def __init__(self, queryset, custom: dict[str, CustomField] | None = None):
        self.queryset = queryset
        self.custom = active_fields() if custom is None else custom
        self.columns = [*CORE_COLUMNS, *REGISTER_FIELDS, *(f.key for f in self.custom.values())]
        self._paths = None

    def usecases(self) -> Iterator[list[UseCase]]:
        """The use cases in chunks, read as they are needed."""
        return chunks(self.queryset.iterator(chunk_size=CHUNK_SIZE))

    def people(self, usecases: list[UseCase]) -> dict[int, str]:
        """Usernames of the people the chunk's person fields name: one query, none if none."""
        person_fields = [name for name, f in self.custom.items() if f.type == T.PERSON]
        ids = {
            value
            for usecase in usecases
            for name in person_fields
            if isinstance(value := (usecase.custom_values or {}).get(name), int)
        }
        if not ids:
            return {}
        users = get_user_model().objects.filter(pk__in=ids)
        return {user.pk: user.get_username() for user in users}

    def record(self, usecase: UseCase, people: dict[int, str]) -> dict:
        if self._paths is None:
            self._paths = {unit.pk: path for unit, path in unit_paths(Team.objects.all())}
        record = {}
        for name in (*CORE_COLUMNS, *REGISTER_FIELDS):
            read = _RELATED.get(name)
            record[name] = read(usecase, self._paths) if read else getattr(usecase, name)
        stored = usecase.custom_values or {}
        for name, field in self.custom.items():
            record[field.key] = custom_value(field, stored.get(name), people)
        return record

    def __iter__(self) -> Iterator[dict]:
        for usecases in self.usecases():
            people = self.people(usecases)
            for usecase in usecases:
                yield self.record(usecase, people)
