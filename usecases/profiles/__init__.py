"""The public standards' profiles: what a use case must hold to be reportable under each (US
federal AI use-case inventory, Dutch algorithm register, UK ATRS), read from the JSON files beside
this module. An admin switches a profile on for the organisation (``EnabledProfile``); the use case
page shows what it still lacks under each one switched on, and the dashboard counts the use cases
not yet reportable, linking to the list of exactly those.

Each requirement is one database condition (``Requirement.lacking``: it applies, by its ``when``,
and the field is empty), so the same rule answers for one use case (``profile_gaps``, one query)
and as a count (the dashboard, a list filter). The files are checked when they load: a field or a
choice the registry does not have is refused, naming the file.

A file: ``key``, ``name``, ``short_name``, ``description``, ``source`` (a link to the standard),
``requirements`` (``field``, optional ``label``, optional ``when``: ``{field: [values]}``, all of
which must hold, and ``why``) and ``export`` (``format`` and ``columns``: the column or key the
standard names, the field it reads, and for a choice field the standard's word for each value).
The exports read ``export``; nothing here writes files.

``export.columns`` is the standard's own column list, whole and in its order, and
``export.source`` says where that list was read from (a repository, path and commit). A column
the registry holds nothing for has ``"field": null`` and is written empty. Beyond ``values`` a
column may say how its value is written (``ExportColumn``): ``matches`` and ``otherwise`` (a
free-text field read as one of the standard's words: the words its text may be, case and
punctuation aside, each with the word written, ``null`` for none; any other text is
``otherwise``), ``single`` (a list's first item only), ``join`` (a list as one text), ``value``
(the same for every record), ``max_length`` (longer is refused, saying why), ``required`` (the
standard takes no record without it: empty is refused, whatever the requirements say).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.text import capfirst

from core.compiled import compiled_values, statement
from usecases.choices import LifecycleStage
from usecases.concerns import LIVE_STATUSES
from usecases.models import EnabledProfile, UseCase

PROFILE_DIR = Path(__file__).resolve().parent

# Use cases a profile asks anything of: still live in the registry and in practice. A declined or
# retired use case, or one whose system is retired, is not something anyone will make reportable,
# so it never counts as "not reportable" (the US inventory lists retired systems with their basic
# facts only; the export reads those whatever this says).
IN_SCOPE = Q(status__in=LIVE_STATUSES) & ~Q(lifecycle_stage=LifecycleStage.RETIRED)

# Fields an export may read beyond the model's own columns (``exports.standard_values``).
COMPUTED_EXPORT_FIELDS = frozenset(
    {
        "key",
        "team",
        "top_unit",
        "owner",
        "products",
        "goals",
        "has_custom_code",
        "privacy_assessment_link",
        "ai_impact_assessment",
        "production_month",
        "end_month",
        "legal_basis_links",
        "assessment_links",
    }
)
# What an export column may say (``ExportColumn``).
_COLUMN_KEYS = frozenset(
    (
        "name",
        "field",
        "values",
        "matches",
        "otherwise",
        "single",
        "join",
        "value",
        "max_length",
        "required",
    )
)
_TEXT_FIELDS = (models.CharField, models.TextField)  # e-mail, URL and slug fields are CharFields


def missing_condition(name: str) -> Q:
    """The database condition for "``name`` holds nothing": an empty text, no value (a yes/no left
    unstated, a date, a link to a row), an empty list. ``ImproperlyConfigured`` for a field that
    is not a use case's own column, or whose emptiness has no one meaning."""
    try:
        field = UseCase._meta.get_field(name)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"the use case has no field “{name}”") from None
    if field.many_to_many or field.one_to_many or not field.concrete:
        raise ImproperlyConfigured(f"“{name}” is not a column of the use case")
    if isinstance(field, ArrayField | models.JSONField):
        empty = Q(**{name: []})
        return empty | Q(**{f"{name}__isnull": True}) if field.null else empty
    if isinstance(field, _TEXT_FIELDS):
        return Q(**{name: ""})
    if field.null:
        return Q(**{f"{name}__isnull": True})
    raise ImproperlyConfigured(f"“{name}” always holds a value: it cannot be required")


def _is_missing(name: str):
    """``missing_condition`` read on a loaded use case rather than asked of the database: the
    same comparisons of the row's own column with a constant, so the same answer for the same
    row (``tests/usecases/test_profiles.py`` holds the two equal)."""
    field = UseCase._meta.get_field(name)
    attname = field.attname
    if isinstance(field, ArrayField | models.JSONField):
        return lambda usecase: (
            (value := getattr(usecase, attname)) == [] or (field.null and value is None)
        )
    if isinstance(field, _TEXT_FIELDS):
        return lambda usecase: getattr(usecase, attname) == ""
    return lambda usecase: getattr(usecase, attname) is None


def _when_condition(when: dict) -> Q:
    """``{field: [values]}``: each field holds one of its values (a choice, or true/false)."""
    condition = Q()
    for name, values in when.items():
        try:
            field = UseCase._meta.get_field(name)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"“when” names “{name}”, which is not a field") from None
        allowed = (
            [True, False]
            if isinstance(field, models.BooleanField)
            else [value for value, _ in field.choices or ()]
        )
        if not isinstance(values, list) or not values or set(values) - set(allowed):
            raise ImproperlyConfigured(
                f"“when” on {name}: give a list of values among {allowed}, not {values!r}"
            )
        condition &= Q(**{f"{name}__in": values})
    return condition


@dataclass(frozen=True)
class Requirement:
    field: str
    label: str
    why: str
    when: dict

    @cached_property
    def lacking(self) -> Q:
        """It applies to the use case, and the field is empty."""
        return _when_condition(self.when) & missing_condition(self.field)

    @cached_property
    def _is_missing(self):
        return _is_missing(self.field)

    def lacks(self, usecase) -> bool:
        """``lacking`` answered from ``usecase`` as loaded (no query): it applies, by ``when``,
        and the field is empty."""
        applies = all(
            getattr(usecase, UseCase._meta.get_field(name).attname) in values
            for name, values in self.when.items()
        )
        return applies and self._is_missing(usecase)

    @property
    def conditional(self) -> bool:
        return bool(self.when)

    @cached_property
    def condition_text(self) -> str:
        """``when`` in words: "lifecycle stage in production and impact level high impact"."""
        parts = []
        for name, values in self.when.items():
            field = UseCase._meta.get_field(name)
            labels = {True: "yes", False: "no", **dict(field.choices or ())}
            words = " or ".join(str(labels.get(value, value)).lower() for value in values)
            parts.append(f"{field.verbose_name}: {words}")
        return " and ".join(parts)


@dataclass(frozen=True)
class ExportColumn:
    name: str  # as the standard names the column or key
    field: str | None  # None: the registry holds nothing for it; written empty
    values: dict  # the standard's word for each of the field's choices
    matches: dict | None = None  # folded free text -> the standard's word (None: none)
    otherwise: str | None = None  # the word for a free text ``matches`` does not know
    single: bool = False  # a list's first item only (the standard takes one choice)
    join: str | None = None  # a list written as one text, its items joined with this
    value: str | None = None  # the same for every record
    max_length: int | None = None  # a longer value is refused, saying why
    required: bool = False  # the standard takes no record without it: empty is refused


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    short_name: str
    description: str
    source: str
    requirements: tuple[Requirement, ...]
    export_format: str
    export_columns: tuple[ExportColumn, ...]
    export_source: dict

    @cached_property
    def not_reportable(self) -> Q:
        """In scope, and lacking at least one requirement that applies to it."""
        lacking = Q()
        for requirement in self.requirements:
            lacking |= requirement.lacking
        return IN_SCOPE & lacking


def _requirement(raw: dict) -> Requirement:
    if set(raw) - {"field", "label", "when", "why"} or "field" not in raw:
        raise ImproperlyConfigured(f"a requirement has keys field, label, when, why: {raw!r}")
    name = raw["field"]
    requirement = Requirement(
        field=name,
        label=raw.get("label") or _field_label(name),
        why=raw.get("why", ""),
        when=raw.get("when") or {},
    )
    requirement.lacking  # noqa: B018 -- build the condition now: a bad name fails at load
    return requirement


def _field_label(name: str) -> str:
    try:
        return capfirst(UseCase._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"the use case has no field “{name}”") from None


def _export_column(raw: dict) -> ExportColumn:
    name, field, values = raw.get("name"), raw.get("field"), raw.get("values") or {}
    if not name:
        raise ImproperlyConfigured(f"an export column needs a name: {raw!r}")
    if unknown_keys := set(raw) - _COLUMN_KEYS:
        raise ImproperlyConfigured(f"export column {name}: unknown keys {sorted(unknown_keys)}")
    if field is None:
        if values or raw.get("matches"):
            raise ImproperlyConfigured(f"export column {name}: no field to read values from")
    elif field not in COMPUTED_EXPORT_FIELDS:
        _check_choices(name, field, values)
    return ExportColumn(
        name=name,
        field=field,
        values=values,
        matches={fold_word(word): standard for word, standard in (raw.get("matches") or {}).items()}
        or None,
        otherwise=raw.get("otherwise"),
        single=bool(raw.get("single")),
        join=raw.get("join"),
        value=raw.get("value"),
        max_length=raw.get("max_length"),
        required=bool(raw.get("required")),
    )


def fold_word(text: str) -> str:
    """A free-text value as ``matches`` looks it up: case, spaces and punctuation aside."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def _check_choices(name: str, field: str, values: dict) -> None:
    try:
        model_field = UseCase._meta.get_field(field)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"export column {name}: no field “{field}”") from None
    base = getattr(model_field, "base_field", model_field)
    known = (
        {"true", "false"}
        if isinstance(base, models.BooleanField)
        else {value for value, _ in base.choices or ()}
    )
    if values and (unknown := set(values) - known):
        raise ImproperlyConfigured(f"export column {name}: {sorted(unknown)} are not choices")


def load_profile(path: Path) -> Profile:
    """One profile file, checked; ``ImproperlyConfigured`` naming the file and what is wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        export = raw.get("export") or {}
        profile = Profile(
            key=raw["key"],
            name=raw["name"],
            short_name=raw.get("short_name") or raw["name"],
            description=raw.get("description", ""),
            source=raw.get("source", ""),
            requirements=tuple(_requirement(item) for item in raw["requirements"]),
            export_format=export.get("format", "csv"),
            export_columns=tuple(_export_column(item) for item in export.get("columns", [])),
            export_source=export.get("source") or {},
        )
    except (ImproperlyConfigured, KeyError, TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"Profile file {path.name}: {error}") from error
    if path.stem != profile.key:
        raise ImproperlyConfigured(f"Profile file {path.name}: its key must be “{path.stem}”")
    return profile


def load_profiles(directory: Path = PROFILE_DIR) -> dict[str, Profile]:
    return {profile.key: profile for profile in map(load_profile, sorted(directory.glob("*.json")))}


PROFILES: dict[str, Profile] = load_profiles()
PROFILE_CHOICES = [(profile.key, profile.short_name) for profile in PROFILES.values()]


def enabled_profiles() -> list[Profile]:
    """The profiles switched on for the organisation, in file order (one query)."""
    keys = {key for (key,) in compiled_values(_enabled_query)}
    return [profile for key, profile in PROFILES.items() if key in keys]


def enabled_profiles_statement():
    """The statement ``enabled_profiles`` runs (for ``core.compiled.read_ahead``)."""
    return statement(_enabled_query)


def _enabled_query(limit: None):
    return EnabledProfile.objects.values_list("key")


@dataclass(frozen=True)
class ProfileGaps:
    """What one use case lacks under one profile (nothing: it is reportable)."""

    profile: Profile
    in_scope: bool
    lacking: tuple[Requirement, ...]

    @property
    def reportable(self) -> bool:
        return self.in_scope and not self.lacking


def in_scope(usecase) -> bool:
    """``IN_SCOPE`` answered from ``usecase`` as loaded (both columns are never empty)."""
    return usecase.status in LIVE_STATUSES and usecase.lifecycle_stage != LifecycleStage.RETIRED


def loaded_profile_gaps(usecase, profiles: list[Profile]) -> list[ProfileGaps]:
    """``profile_gaps`` answered from ``usecase`` as it was just read, with no query: the use case
    page reads the row anyway, and compiling one condition per requirement each request cost
    more than the rest of the panel. The caller vouches that ``usecase`` holds the stored values."""
    return [
        ProfileGaps(
            profile=profile,
            in_scope=in_scope(usecase),
            lacking=tuple(r for r in profile.requirements if r.lacks(usecase)),
        )
        for profile in profiles
    ]


def profile_gaps(usecase, profiles: list[Profile]) -> list[ProfileGaps]:
    """Per profile, the requirements ``usecase`` lacks, by the same conditions the dashboard
    counts with: one query for all of them, none when no profile is on."""
    if not profiles:
        return []
    columns = {"in_scope": ExpressionWrapper(IN_SCOPE, output_field=BooleanField())}
    for p, profile in enumerate(profiles):
        for r, requirement in enumerate(profile.requirements):
            columns[f"lacks_{p}_{r}"] = ExpressionWrapper(
                requirement.lacking, output_field=BooleanField()
            )
    row = UseCase.objects.filter(pk=usecase.pk).values(**columns).get()
    return [
        ProfileGaps(
            profile=profile,
            in_scope=row["in_scope"],
            lacking=tuple(
                requirement
                for r, requirement in enumerate(profile.requirements)
                if row[f"lacks_{p}_{r}"]
            ),
        )
        for p, profile in enumerate(profiles)
    ]
