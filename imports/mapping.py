"""A mapping: which use-case field each source column fills, how choice values translate, and what
makes a row's external key. The known formats come with one pre-filled (``imports.known``); a
person adjusts it in the mapping step and may save it under a name for the next release.

Targets are the use-case fields a person edits (core, lifecycle and register fields by their field
name), a custom field (``custom:<name>``), or one of the names the file brings: ``unit`` and
``team`` (matched by name, created on confirmation), ``products`` (names), ``goals`` (titles,
matched only). ``""`` ignores the column. Several columns may fill one text or list field: their
values are joined.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.text import capfirst

from imports.formats import normalise
from usecases.choices import FORM_FIELDS, REGISTER_FIELDS, Source
from usecases.models import UseCase

IGNORE = ""
CUSTOM_PREFIX = "custom:"
# What a file names, resolved to rows of the registry rather than stored as text.
NAMED_TARGETS = {
    "unit": "Organisation unit (the team's parent; matched by name or created)",
    "team": "Team (matched by name or created)",
    "products": "Products (names separated by ;, matched or created)",
    "goals": "Strategic goals (titles separated by ;, matched)",
}
# Never filled from a file: the owner signs, nobody imports a signature; the team comes by name.
NOT_IMPORTED = {"owner", "team"}
# The team rows that name none go into, for the known formats.
FALLBACK_TEAM = "Imported without a team"
LIST_SEPARATOR = ";"


def field_targets() -> list[str]:
    return [name for name in FORM_FIELDS if name not in NOT_IMPORTED]


def target_groups(custom_fields) -> list[tuple[str, list[tuple[str, str]]]]:
    """The mapping step's choices, grouped: (group label, [(target, label)])."""
    meta = UseCase._meta
    register = set(REGISTER_FIELDS)

    def label(name):
        return capfirst(meta.get_field(name).verbose_name)

    return [
        ("", [(IGNORE, "— ignore this column —")]),
        ("Names in the file", list(NAMED_TARGETS.items())),
        ("Use case", [(n, label(n)) for n in field_targets() if n not in register]),
        ("Register fields", [(n, label(n)) for n in field_targets() if n in register]),
        (
            "Custom fields",
            [(f"{CUSTOM_PREFIX}{f.name}", f.label) for f in custom_fields.values()],
        ),
    ]


def target_kind(target: str) -> str:
    """How a target's values are read: text, choice, choices, boolean, date, number, email, url,
    urls, assessments, names, custom."""
    if target.startswith(CUSTOM_PREFIX):
        return "custom"
    if target in NAMED_TARGETS:
        return "names" if target in ("products", "goals") else "name"
    if target == "impact_assessments":
        return "assessments"
    model_field = UseCase._meta.get_field(target)
    if isinstance(model_field, ArrayField):
        return "choices" if model_field.base_field.choices else "urls"
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.BooleanField):
        return "boolean"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.DecimalField | models.IntegerField):
        return "number"
    if isinstance(model_field, models.EmailField):
        return "email"
    if isinstance(model_field, models.URLField):
        return "url"
    return "text"


# Kinds whose source values a person translates in the mapping step.
VALUE_KINDS = {"choice", "choices", "boolean", "assessments"}


def fold(text: str) -> str:
    """A value or name as compared: case, inner white space and edges ignored."""
    return " ".join(text.split()).casefold()


@dataclass
class Mapping:
    """``columns``: source column -> target. ``key``: the columns whose values make a row's
    external key; ``key_fallback`` where those are empty. ``values``: target -> {folded source
    value: stored value, "" for empty}. ``source`` and ``register`` name where the rows come from
    (the external key is unique per source and register). ``create_missing``: units, teams and
    products the file names that the registry lacks are created. ``date_order``: "mdy" or "dmy"
    for dates such as 01/02/2024. ``fallback_team``: the team rows that name none go into
    (matched or created like the others), until a team lead assigns them one."""

    columns: dict[str, str] = field(default_factory=dict)
    key: list[str] = field(default_factory=list)
    key_fallback: list[str] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = Source.FILE
    register: str = ""
    create_missing: bool = False
    date_order: str = "mdy"
    format: str = ""
    fallback_team: str = ""

    def to_json(self) -> dict:
        """As stored (a JSON column, which keeps no key order): the columns as [column, target]
        pairs, so several columns filling one field are joined in the file's order."""
        data = asdict(self)
        data["columns"] = [[column, target] for column, target in self.columns.items()]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        known = {name for name in cls.__dataclass_fields__}
        values = {name: value for name, value in (data or {}).items() if name in known}
        if isinstance(values.get("columns"), list):
            values["columns"] = {column: target for column, target in values["columns"]}
        return cls(**values)

    def targets(self) -> dict[str, list[str]]:
        """target -> the columns filling it, in file order."""
        filled: dict[str, list[str]] = {}
        for column, target in self.columns.items():
            if target:
                filled.setdefault(target, []).append(column)
        return filled

    def unknown_targets(self, custom_names) -> list[str]:
        allowed = {*field_targets(), *NAMED_TARGETS, *(CUSTOM_PREFIX + n for n in custom_names)}
        return sorted({t for t in self.columns.values() if t and t not in allowed})

    def external_ref(self, key: str) -> str:
        """The stored external reference: the key, after the register's name for a file of no
        known source (two spreadsheets may both number their rows from 1)."""
        if self.source == Source.FILE and self.register:
            return f"{self.register}: {key}"[:300]
        return key[:300]


def suggest_columns(columns: list[str], custom_fields) -> dict[str, str]:
    """For a file of no known format: a column named like a field (its name or label, without
    case or punctuation) maps to it; the rest are ignored."""
    names = {}
    for target in field_targets():
        model_field = UseCase._meta.get_field(target)
        names[normalise(target)] = target
        names.setdefault(normalise(str(model_field.verbose_name)), target)
    for target in NAMED_TARGETS:
        names.setdefault(normalise(target), target)
    for custom in custom_fields.values():
        names.setdefault(normalise(custom.name), CUSTOM_PREFIX + custom.name)
        names.setdefault(normalise(custom.label), CUSTOM_PREFIX + custom.name)
    return {column: names.get(normalise(column), IGNORE) for column in columns}
