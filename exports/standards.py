"""Exports in the public standards' shapes, read from the profiles (``usecases.profiles``): the US
federal AI use-case inventory 2025 (CSV), the Dutch algorithm register's publication standard
(JSON) and the UK Algorithmic Transparency Recording Standard (JSON). Each file has exactly the
profile's columns (or keys), in its order — the standard's own column list, whole, as
``export.source`` in the profile names it — with the standard's word for each choice; a column
the registry holds nothing for is written empty (an empty cell, ``null`` in JSON).

A use case the standard cannot accept — not reportable under the profile by the profile's own rule
(in scope, and lacking a field the standard requires) — is left out of the file and listed as
refused, with what it lacks and why the standard asks for it. The same condition counts the
dashboard's "not reportable" tile and filters the list (``?not_reportable=<profile>``), so those
refusals are the list a person opens to complete them. A use case the requirements do not ask of
(out of scope: retired, say) but that leaves empty a column the standard requires of every record
(``ExportColumn.required``), or holds a value longer than the standard takes (the Dutch register's
lengths, ``ExportColumn.max_length``), is refused too, saying which column and why.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper

from core.people import person_name
from exports.records import CHUNK_SIZE, chunks
from exports.standard_values import COMPUTED, UnitRoots
from usecases.choices import Technique
from usecases.models import UseCase
from usecases.profiles import IN_SCOPE, PROFILES, ExportColumn, Profile, Requirement, fold_word
from usecases.register import assessments_text

# The format names the exports take (the command's --format, the URL), by profile.
STANDARDS = {"us-2025": "us_omb_2025", "nl": "nl_algoritmeregister_1_0", "uk": "uk_atrs"}
_COMPUTED = {
    "key": lambda usecase: usecase.key,
    "team": lambda usecase: usecase.team.name,
    "owner": lambda usecase: person_name(usecase.owner) or None,
    "products": lambda usecase: [product.name for product in usecase.products.all()],
    "goals": lambda usecase: [goal.title for goal in usecase.goals.all()],
}


@dataclass(frozen=True)
class Refusal:
    key: str
    title: str
    why: str


class Refusals:
    """The use cases a standard left out, written to a temporary file as they come, so that an
    export refusing thousands holds none of them in memory; iterated, they are read back."""

    def __init__(self):
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        self._count = 0

    def add(self, refusal: Refusal) -> None:
        self._file.seek(0, io.SEEK_END)
        csv.writer(self._file).writerow((refusal.key, refusal.title, refusal.why))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Refusal]:
        self._file.seek(0)
        for key, title, why in csv.reader(self._file):
            yield Refusal(key, title, why)

    def close(self) -> None:
        self._file.close()


def missing_text(requirement: Requirement) -> str:
    when = f" (asked when {requirement.condition_text})" if requirement.conditional else ""
    reason = f": {requirement.why.rstrip('.')}" if requirement.why else ""
    return f"{requirement.label} is empty{when}{reason}."


def _choice_word(column: ExportColumn, model_field, raw):
    if column.values:
        key = str(raw).lower() if isinstance(raw, bool) else raw
        return column.values.get(key, raw)
    if model_field is not None and model_field.choices:
        return dict(model_field.choices).get(raw, raw)
    return raw


def _techniques(column: ExportColumn, raw: list) -> list | str:
    words = (
        [column.values.get(item, item) for item in raw]
        if column.values
        else [Technique(item).label for item in raw if item in Technique.values]
    )
    words = list(dict.fromkeys(words))
    if column.single:
        return words[0]
    return column.join.join(words) if column.join else words


def _matched(column: ExportColumn, raw: str) -> str | None:
    return column.matches.get(fold_word(raw), column.otherwise)


def standard_value(column: ExportColumn, usecase: UseCase, *, tabular: bool, roots=None):
    """The value of ``column`` for ``usecase``: the standard's word for a choice, a list as a list
    (in a CSV cell, its items joined by the writer), empty as None."""
    if column.value is not None:
        return column.value
    if column.field is None:
        return None
    if column.field == "top_unit":
        return (roots or UnitRoots()).name(usecase)
    if column.field in COMPUTED:
        return COMPUTED[column.field](usecase)
    if column.field in _COMPUTED:
        return _COMPUTED[column.field](usecase)
    raw = getattr(usecase, column.field)
    if raw in (None, "", []):
        return None
    if column.matches is not None:
        return _matched(column, raw)
    if column.field == "impact_assessments":
        return assessments_text(raw) if tabular else raw
    if column.field == "techniques":
        return _techniques(column, raw)
    return _choice_word(column, UseCase._meta.get_field(column.field), raw)


def unacceptable(profile: Profile, record: dict) -> str:
    """Why the standard would not take ``record`` as written, in words; empty if it would: a
    column it requires left empty, a value longer than it takes."""
    reasons = []
    for column in profile.export_columns:
        value = record[column.name]
        if column.required and value in (None, "", []):
            reasons.append(f"{column.name} is empty; the standard requires it.")
        elif column.max_length and isinstance(value, str) and len(value) > column.max_length:
            reasons.append(
                f"{column.name} has {len(value)} characters; the standard takes at most "
                f"{column.max_length}."
            )
    return " ".join(reasons)


class StandardRecords:
    """The records of ``queryset`` in ``profile``'s shape; while iterating, the use cases left
    out gather in ``refused`` (``Refusals``)."""

    def __init__(self, profile: Profile, queryset, *, tabular: bool):
        self.profile = profile
        self.tabular = tabular
        self.columns = [column.name for column in profile.export_columns]
        self.queryset = queryset.annotate(
            **{
                f"_lacks_{number}": ExpressionWrapper(
                    IN_SCOPE & requirement.lacking, output_field=BooleanField()
                )
                for number, requirement in enumerate(profile.requirements)
            }
        )
        self.refused = Refusals()
        self.roots = UnitRoots()
        self.exported = 0

    @classmethod
    def for_format(cls, name: str, queryset) -> StandardRecords:
        profile = PROFILES[STANDARDS[name]]
        return cls(profile, queryset, tabular=profile.export_format == "csv")

    def lacking(self, usecase) -> list[Requirement]:
        return [
            requirement
            for number, requirement in enumerate(self.profile.requirements)
            if getattr(usecase, f"_lacks_{number}")
        ]

    def __iter__(self) -> Iterator[dict]:
        for usecases in chunks(self.queryset.iterator(chunk_size=CHUNK_SIZE)):
            for usecase in usecases:
                if lacking := self.lacking(usecase):
                    why = " ".join(missing_text(requirement) for requirement in lacking)
                    self.refused.add(Refusal(usecase.key, usecase.title, why))
                    continue
                record = {
                    column.name: standard_value(
                        column, usecase, tabular=self.tabular, roots=self.roots
                    )
                    for column in self.profile.export_columns
                }
                if why := unacceptable(self.profile, record):
                    self.refused.add(Refusal(usecase.key, usecase.title, why))
                    continue
                self.exported += 1
                yield record
