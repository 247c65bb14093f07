"""The mapping each known format comes with, pre-filled in the mapping step and used as it is by
``manage.py import_register``.

The US 2025, Dutch and UK mappings start from the profiles' export shapes (``usecases.profiles``),
read backwards: the column the standard names for a field, and the standard's word for each
choice. A column the registry writes empty (``"field": null``) or works out (the top unit, the
"Yes" of a custom-code or assessment question) is no field to import into and is left out. What an
import needs beyond an export is written here: where the unit and team come from, what makes the
external key, and the columns an export leaves out or writes in another shape.
"""

from __future__ import annotations

from imports.converting import by_rules
from imports.formats import (
    NL_ALGORITMEREGISTER,
    REGISTRY,
    UK_ATRS,
    US_2023,
    US_2024,
    US_2025,
    KnownFormat,
    normalise,
)
from imports.mapping import CUSTOM_PREFIX, FALLBACK_TEAM, IGNORE, Mapping, field_targets, fold
from usecases.choices import Source
from usecases.profiles import COMPUTED_EXPORT_FIELDS, PROFILES


def _from_profile(profile_key: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The profile's export columns read backwards: column -> field, field -> {word: choice}."""
    columns, values = {}, {}
    for column in PROFILES[profile_key].export_columns:
        if column.field is None or column.field in COMPUTED_EXPORT_FIELDS:
            continue  # nothing to import into; the key and the team are the import's own (below)
        columns.setdefault(column.name, column.field)
        for choice, word in column.values.items():
            stored = {"true": "true", "false": "false"}.get(choice, choice)
            field_values = values.setdefault(column.field, {})
            # A word the standard writes for several choices ("Pre-deployment": idea and in
            # development) reads as the choice the stage rules give it, else the first.
            if fold(word) not in field_values or by_rules(column.field, word) == stored:
                field_values[fold(word)] = stored
    return columns, values


def _us_2025() -> Mapping:
    columns, values = _from_profile("us_omb_2025")
    columns.update(
        {
            "agency_name": "unit",
            "agency_bureau": "team",
            # Choices in the inventory that the registry keeps as the text it was given.
            "hi_assessment_completed": "impact_assessments",
            "hi_public_consultation": "public_consultation",
        }
    )
    # "In-progress" and "No": no assessment done yet, so none is recorded.
    values.setdefault("impact_assessments", {}).update({"yes": "aia", "in-progress": "", "no": ""})
    return Mapping(
        columns=columns,
        key=["agency", "id"],
        key_fallback=["agency", "use_case_name"],
        values=values,
        source=Source.US_FEDERAL_2025,
        create_missing=True,
        date_order="mdy",
    )


def _us_2024() -> Mapping:
    return Mapping(
        columns={
            "Use Case Name": "title",
            "Agency": "unit",
            "Bureau": "team",
            "Use Case Topic Area": "topic_area",
            "What is the intended purpose and expected benefits of the AI?": "problem",
            "Describe the AI system's outputs.": "outputs",
            "Stage of Development": "lifecycle_stage",
            "Date Initiated": "started_on",
            "Date Implemented": "in_production_on",
            "Date Retired": "ended_on",
            "System Name": "system_name",
        },
        key=["Agency Abbreviation", "Use Case ID"],
        key_fallback=["Agency", "Use Case Name"],
        source=Source.US_FEDERAL_2024,
        create_missing=True,
        date_order="mdy",
    )


def _us_2023() -> Mapping:
    return Mapping(
        columns={
            "Department": "unit",
            "Agency": "team",
            "Title": "title",
            "Summary": "problem",
            "Development_Stage": "lifecycle_stage",
            "Techniques": "techniques",
            "Source_Code": "code_url",
        },
        key=["Use_Case_ID"],
        key_fallback=["Department_Code", "Title"],
        source=Source.US_FEDERAL_2023,
        create_missing=True,
        date_order="mdy",
    )


def _nl() -> Mapping:
    columns, values = _from_profile("nl_algoritmeregister_1_0")
    columns.update(
        {
            "organization": "unit",
            "department": "team",
            "dpia": "impact_assessments",
            "methods_and_models": IGNORE,  # prose, not the classification's choices
            # The register's records of standard 0.1.0, whose keys 1.0 renamed or dropped.
            "impact": "potential_impacts",
            "objection_procedure": "appeal_route",
            "iama": "impact_assessments",
            "monitoring": "monitoring",
            "area": "topic_area",
            "documentation": "documentation_urls",
        }
    )
    return Mapping(
        columns=columns,
        key=["uuid"],
        key_fallback=["organization", "name"],
        values=values,
        source=Source.NL_ALGORITHM_REGISTER,
        create_missing=True,
        date_order="dmy",
    )


def _uk() -> Mapping:
    columns, values = _from_profile("uk_atrs")
    columns.update({"publishing_body": "team", "url": "documentation_urls"})
    return Mapping(
        columns=columns,
        key=["url"],
        key_fallback=["title"],
        values=values,
        source=Source.UK_ATRS,
        create_missing=True,
        date_order="dmy",
    )


# The registry's export columns that are not fields a person edits, or are read another way.
_REGISTRY_LEFT_OUT = {"owner", "owner_email", "author", "status"}


def _registry(columns: list[str], custom_fields) -> Mapping:
    targets = set(field_targets())
    mapped = {}
    for column in columns:
        if column in targets or column in ("team", "products", "goals"):
            mapped[column] = column
        elif column.startswith("cf_") and column[3:] in custom_fields:
            mapped[column] = CUSTOM_PREFIX + column[3:]
        else:
            mapped[column] = IGNORE
    if "team_path" in columns:
        # The team with the units above it: into an empty registry, the units come back too.
        mapped.update({"team_path": "team", "team": IGNORE})
    return Mapping(
        columns=mapped,
        key=["key"],
        source=Source.REGISTRY,
        create_missing=True,
        date_order="dmy",
    )


_BUILDERS = {
    US_2025.slug: _us_2025,
    US_2024.slug: _us_2024,
    US_2023.slug: _us_2023,
    NL_ALGORITMEREGISTER.slug: _nl,
    UK_ATRS.slug: _uk,
}


def known_mapping(known: KnownFormat, columns: list[str], custom_fields) -> Mapping:
    """The mapping ``known`` comes with, fitted to the file's columns: a column the file spells
    differently (case, spaces, punctuation) is found under its own spelling."""
    mapping = _registry(columns, custom_fields) if known is REGISTRY else _BUILDERS[known.slug]()
    by_name = {normalise(column): column for column in columns}
    mapping.columns = {
        by_name[normalise(column)]: target
        for column, target in mapping.columns.items()
        if normalise(column) in by_name
    }
    for column in columns:
        mapping.columns.setdefault(column, IGNORE)
    mapping.key = [by_name.get(normalise(c), c) for c in mapping.key]
    mapping.key_fallback = [by_name.get(normalise(c), c) for c in mapping.key_fallback]
    mapping.format = known.slug
    mapping.fallback_team = FALLBACK_TEAM
    return mapping
