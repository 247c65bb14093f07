"""The registers the reader recognises by their columns (their header signature).

A format is recognised when most of its signature columns are among the file's columns, compared
without case, spaces or punctuation. Signatures come from the files themselves: the US 2023 and
2025 inventories and the Dutch and UK registers in the shared data, and the US 2024 inventory's
62 columns as listed by a public column crosswalk of the 2024 file (its first columns, which are
quoted whole there; the repository ombegov/2024-Federal-AI-Use-Case-Inventory was not in reach).
The registry's own export is a header of use-case field names (``key``, ``title``, ``who``,
``problem``, ``success_signal``, ...).
"""

import re
from dataclasses import dataclass

_NOT_NAME = re.compile(r"[^0-9a-z]+")
RECOGNISED_SHARE = 0.8


def normalise(name: str) -> str:
    return _NOT_NAME.sub("_", name.casefold()).strip("_")


@dataclass(frozen=True)
class KnownFormat:
    slug: str
    label: str
    signature: frozenset[str]

    def share(self, columns: set[str]) -> float:
        return len(self.signature & columns) / len(self.signature)


def _format(slug: str, label: str, columns: str) -> KnownFormat:
    return KnownFormat(slug, label, frozenset(normalise(c) for c in columns.split("|")))


US_2023 = _format(
    "us-2023",
    "US federal AI use case inventory 2023",
    "Use_Case_ID|Department_Code|Agency|Office|Title|Summary|Development_Stage|Techniques|"
    "Source_Code|Department",
)
US_2024 = _format(
    "us-2024",
    "US federal AI use case inventory 2024",
    "Use Case Name|Agency|Agency Abbreviation|Bureau|Use Case Topic Area|"
    "Other (Use Case Topic Area)|"
    "What is the intended purpose and expected benefits of the AI?|"
    "Describe the AI system's outputs.|Stage of Development|"
    "Is the AI use case rights-impacting, safety-impacting, both, or neither?|Date Initiated|"
    "Date when Acquisition and/or Development began|Date Implemented|Date Retired|"
    "Does this project include custom-developed code?|System Name",
)
US_2025 = _format(
    "us-2025",
    "US federal AI use case inventory 2025",
    "agency|agency_name|id|use_case_name|agency_bureau|contact_email|is_withheld|"
    "development_stage|is_high_impact|HI_justification|topic_area|classification|problem_solved|"
    "benefits|system_outputs|operational_date|contracting_usage|vendor_name|have_ato|"
    "system_name_ato|data_description|link_to_data|has_pii|pia_url|demographic_features|"
    "has_custom_code|code_url|hi_testing_conducted|hi_assessment_completed|"
    "hi_potential_impacts|hi_independent_review|hi_ongoing_monitoring|hi_training_established|"
    "hi_failsafe_presence|hi_appeal_process|hi_public_consultation",
)
NL_ALGORITMEREGISTER = _format(
    "nl",
    "Dutch algorithm register (algoritmeregister)",
    "name|organization|department|description_short|type|category|website|status|goal|impact|"
    "proportionality|decision_making_process|documentation|competent_authority|lawful_basis|"
    "iama|dpia|objection_procedure|standard_version|uuid|contact_email|lang|source_data|"
    "methods_and_models|monitoring|human_intervention|risks|provider|lars",
)
UK_ATRS = _format(
    "uk-atrs",
    "UK Algorithmic Transparency Recording Standard (ATRS)",
    "publishing_body|tool_name|title|url|published|description",
)
REGISTRY = _format(
    "registry",
    "This registry's own export",
    "key|title|who|problem|success_signal",
)
# What the registry's CSV export puts a ``'`` before (``exports.files.FORMULA_STARTS``), so that a
# spreadsheet never runs the text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

KNOWN_FORMATS = (US_2025, US_2024, US_2023, NL_ALGORITMEREGISTER, UK_ATRS, REGISTRY)


def recognise(columns: list[str]) -> KnownFormat | None:
    """The known format the columns are, or None. The registry's export must have all five of its
    signature columns; the others most of theirs. The fullest match wins, then the larger
    signature (the US 2024 columns hold an ``agency`` too)."""
    names = {normalise(column) for column in columns}
    matches = [
        (known.share(names), len(known.signature), known)
        for known in KNOWN_FORMATS
        if known.share(names) >= (1.0 if known is REGISTRY else RECOGNISED_SHARE)
    ]
    return max(matches, key=lambda match: match[:2])[2] if matches else None


def unneutralised(cell: str) -> str:
    """A cell of the registry's own CSV export as the registry stored it: the one ``'`` the
    export put before a text a spreadsheet would run (or before such a ``'``) taken off."""
    if cell[:1] != "'":
        return cell
    text = cell[1:]
    if text.startswith(FORMULA_STARTS) or (text[:1] == "'" and text[1:].startswith(FORMULA_STARTS)):
        return text
    return cell


def registry_columns() -> list[str]:
    """The registry's own export header: ``key``, then every use-case field a person edits (by
    its field name; products and goals as lists). The custom fields' columns come after these,
    one per field, when the export writes them."""
    from usecases.models import UseCase

    left_out = {"custom_values", "measurement_recorders"}
    return ["key"] + [
        field.name
        for field in UseCase._meta.get_fields()
        if (field.concrete or field.many_to_many)
        and not field.auto_created
        and field.editable
        and field.name not in left_out
    ]
