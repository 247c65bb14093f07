"""The recognised formats' mappings, read backwards from the standards' export columns: a column
the registry writes empty or works out is no field to import into, and the columns the export
writes in another shape are still read as the text they hold."""

from imports.formats import NL_ALGORITMEREGISTER, US_2025
from imports.known import known_mapping
from imports.mapping import IGNORE
from usecases.profiles import COMPUTED_EXPORT_FIELDS, PROFILES


def columns_of(profile_key: str) -> list[str]:
    return [column.name for column in PROFILES[profile_key].export_columns]


def test_no_column_the_registry_writes_empty_or_works_out_is_a_target():
    mapping = known_mapping(US_2025, columns_of("us_omb_2025"), {})
    targets = set(mapping.columns.values())
    assert None not in targets and not targets & (COMPUTED_EXPORT_FIELDS - {"team"})
    for name in ("agency", "is_withheld", "have_ato", "link_to_data", "pia_url", "has_custom_code"):
        assert mapping.columns[name] == IGNORE, name
    assert mapping.columns["agency_name"] == "unit"
    assert mapping.columns["agency_bureau"] == "team"
    assert mapping.columns["hi_assessment_completed"] == "impact_assessments"
    assert mapping.columns["hi_independent_review"] == "independent_review"
    assert mapping.columns["classification"] == "techniques"
    assert mapping.values["impact_assessments"]["yes"] == "aia"


def test_the_dutch_register_s_older_keys_still_import():
    older = ["name", "organization", "department", "impact", "objection_procedure", "iama"]
    mapping = known_mapping(NL_ALGORITMEREGISTER, [*older, "monitoring", "documentation"], {})
    assert mapping.columns["organization"] == "unit"
    assert mapping.columns["impact"] == "potential_impacts"
    assert mapping.columns["objection_procedure"] == "appeal_route"
    assert mapping.columns["iama"] == "impact_assessments"
    assert mapping.columns["documentation"] == "documentation_urls"
    # The 1.0 keys the registry writes itself map nowhere.
    assert known_mapping(NL_ALGORITMEREGISTER, ["lang", "source_id"], {}).columns == {
        "lang": IGNORE,
        "source_id": IGNORE,
    }
