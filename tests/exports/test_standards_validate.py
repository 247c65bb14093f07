"""Each standard's export checked against the standard's own column list or schema — not the
profile's (``test_standards`` checks the profile's): the lists below are copied from the
standards' published artefacts, each with its source, so a profile that drifts from its
standard fails here.

- US 2025: the OMB data dictionary's 36 columns, in order, and the shorthand codes of its
  multiple-choice columns (ombegov/2025-Federal-Agency-AI-Use-Case-Inventory @ 737c7a99,
  ``Validation/data_dictionary.md``); where the shared data is present, also the real inventory's
  header and distinct values (``Data/2025_individually_reported_AI_use_cases.csv`` @ 62329235).
- NL: the Algoritmeregister's field configuration for publication standard 1.0 — keys, types,
  lengths, required fields, permitted values (MinBZK/Algoritmeregister @ 559218f5,
  ``backend/app/schemas/config/v1_0.json``), checked by the small validator below.
- UK: the ATRS template's machine-readable schema was not in reach; the keys (and their types)
  of the GOV.UK records as published are (fabio-rovai/uk-algorithmic-transparency @ c427b427,
  ``data/atrs_records.json``, the shared ``uk_atrs_records_2026.json``).
"""

import contextlib
import csv
import io
import json

import pytest
from django.core.management import call_command

from tests.conftest import make_usecase
from tests.exports.test_standards import archive, records
from tests.imports.conftest import SHARED_DATA
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

US_2025_COLUMNS = [
    "agency", "agency_name", "id", "use_case_name", "agency_bureau", "contact_email",
    "is_withheld", "development_stage", "is_high_impact", "HI_justification", "topic_area",
    "classification", "problem_solved", "benefits", "system_outputs", "operational_date",
    "contracting_usage", "vendor_name", "have_ato", "system_name_ato", "data_description",
    "link_to_data", "has_pii", "pia_url", "demographic_features", "has_custom_code", "code_url",
    "hi_testing_conducted", "hi_assessment_completed", "hi_potential_impacts",
    "hi_independent_review", "hi_ongoing_monitoring", "hi_training_established",
    "hi_failsafe_presence", "hi_appeal_process", "hi_public_consultation",
]  # fmt: skip
_YES_NO = {"Yes", "No"}
_HI_PRACTICE = {"Yes", "In-progress", "CAIO Waived"}
# The data dictionary's shorthand codes, per multiple-choice column. "Other" in classification
# is not in the dictionary but is OMB's own word in the consolidated file (102 rows).
US_2025_VALUES = {
    "is_withheld": {"No", "Yes - Disclosure Risk", "Yes - Prohibited by Law", "Other"},
    "development_stage": {"Pre-deployment", "Pilot", "Deployed", "Retired"},
    "is_high_impact": {
        "High-impact",
        "Presumed High-Impact, but Not High-impact",
        "Not High-impact",
    },
    "topic_area": {
        "Admin Functions",
        "Cybersecurity",
        "Emergency Mgmt",
        "Energy and Environment",
        "Benefits Processing",
        "Health and Medical",
        "HR",
        "IT",
        "International Affairs",
        "Law Enforcement",
        "Other",
        "Procurement and Finance Mgmt",
        "Science",
        "Service Delivery",
        "Transportation",
    },  # fmt: skip
    "classification": {
        "Agentic AI",
        "Classical ML",
        "Computer Vision",
        "Generative AI",
        "NLP",
        "Reinforcement Learning",
        "Other",
    },  # fmt: skip
    "contracting_usage": {
        "Vendor Purchased",
        "In-house Development",
        "Contracting and In House",
    },
    "have_ato": _YES_NO,
    "has_pii": _YES_NO,
    "has_custom_code": _YES_NO,
    "hi_testing_conducted": _HI_PRACTICE,
    "hi_assessment_completed": _HI_PRACTICE,
    "hi_independent_review": {
        "Internal Independent Review",
        "Oversight Board Review",
        "CAIO Review",
        "In-progress",
        "CAIO Waived",
    },
    "hi_ongoing_monitoring": {"Yes - Monitoring Established", "In-progress", "CAIO Waived"},
    "hi_training_established": {"Training Established", "Training In-progress", "CAIO Waived"},
    "hi_failsafe_presence": {"Yes", "Not Applicable", "In-progress", "CAIO Waived"},
    "hi_appeal_process": {
        "Appeal Process Established",
        "Not Applicable",
        "Appeal Process In-progress",
        "Appeal Precluded by Law",
        "CAIO Waived",
    },
}

# Publication standard 1.0, per key in the register's order: type ("string", "enum", "array"),
# required, the longest text, the permitted values, and for a list of links its items' keys.
S, E, A = "string", "enum", "array"
LINKS = {"title": 100, "link": 500}
NL_1_0 = {
    "name": (S, True, 100, None),
    "description_short": (S, True, 350, None),
    "organization": (S, True, 100, None),
    "category": (A, False, None, None),
    "status": (E, True, None, {"In ontwikkeling", "In gebruik", "Buiten gebruik"}),
    "begin_date": (S, False, 7, None),
    "end_date": (S, False, 7, None),
    "contact_email": (S, True, 500, None),
    "website": (S, False, 500, None),
    "publication_category": (
        E,
        True,
        None,
        {"Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"},
    ),
    "url": (S, False, 500, None),
    "goal": (S, False, 2500, None),
    "proportionality": (S, False, 2500, None),
    "human_intervention": (S, False, 2500, None),
    "risks": (S, False, 2500, None),
    "lawful_basis": (S, False, 2500, None),
    "lawful_basis_grouping": (A, False, None, LINKS),
    "process_index_url": (S, False, 500, None),
    "impacttoetsen_grouping": (A, False, None, {"title": None, "link": 500}),
    "impacttoetsen": (S, False, 2500, None),
    "source_data": (S, False, 2500, None),
    "source_data_grouping": (A, False, None, {"title": 500, "link": 500}),
    "methods_and_models": (S, False, 5000, None),
    "provider": (S, False, 200, None),
    "publiccode": (S, False, 500, None),
    "lang": (E, True, None, {"nld"}),
    "standard_version": (E, False, None, {"1.0"}),
    "source_id": (S, False, 100, None),
    "tags": (S, False, 2500, None),
    "lars": (S, False, None, None),
}
NL_CATEGORIES_MAX = 3

UK_RECORD_KEYS = {
    "publishing_body": str,
    "tool_name": str,
    "title": str,
    "url": str,
    "published": str,
    "description": str,
    "listed_organisations": list,
}


def nl_problems(record: dict) -> list[str]:
    """What in ``record`` publication standard 1.0 does not accept; empty if nothing."""
    problems = [] if list(record) == list(NL_1_0) else [f"keys {list(record)}"]
    for key, (kind, required, longest, allowed) in NL_1_0.items():
        value = record.get(key)
        if value in (None, "", []):
            problems += [f"{key} is required"] if required else []
        elif kind == A:
            problems += _nl_list_problems(key, value, allowed)
        elif not isinstance(value, str):
            problems.append(f"{key} is not text: {value!r}")
        elif longest and len(value) > longest:
            problems.append(f"{key} is longer than {longest}")
        elif kind == E and value not in allowed:
            problems.append(f"{key}: {value!r} is not among {sorted(allowed)}")
    return problems


def _nl_list_problems(key, value, item_keys) -> list[str]:
    if not isinstance(value, list):
        return [f"{key} is not a list"]
    if item_keys is None:  # a list of words (category)
        fine = all(isinstance(item, str) for item in value) and len(value) <= NL_CATEGORIES_MAX
        return [] if fine else [f"{key}: {value!r}"]
    problems = []
    for item in value:
        if not isinstance(item, dict) or set(item) != set(item_keys):
            problems.append(f"{key}: an item is not {sorted(item_keys)}: {item!r}")
            continue
        for part, longest in item_keys.items():
            text = item[part]
            if not isinstance(text, str) or not text or (longest and len(text) > longest):
                problems.append(f"{key}.{part}: {text!r}")
    return problems


def uk_problems(record: dict) -> list[str]:
    """The published records' keys first, in their order, each text (or a list of texts) or
    empty; the registry's further keys after them."""
    problems = []
    if list(record)[: len(UK_RECORD_KEYS)] != list(UK_RECORD_KEYS):
        problems.append(f"keys {list(record)}")
    for key, kind in UK_RECORD_KEYS.items():
        value = record.get(key)
        if value is not None and not isinstance(value, kind):
            problems.append(f"{key} is not {kind.__name__}: {value!r}")
        if kind is list and value and not all(isinstance(item, str) for item in value):
            problems.append(f"{key} holds something other than text: {value!r}")
    return problems


@pytest.fixture
def several(org, full_usecase):
    """Beside the full use case, a few more that take other choices."""
    base = {
        "contact_email": "desk@example.org",
        "business_intent": "Faster.",
        "outputs": "A score",
        "topic_area": "Information Technology",
        "techniques": ["not_ai"],
        "data_sources": "Logs",
        "personal_data": False,
    }
    others = {
        "Route tickets": {"lifecycle_stage": "pilot", "impact_level": "not_high"},
        "Draft letters": {
            "lifecycle_stage": "in_development",
            "impact_level": "presumed_not_high",
            "impact_justification": "Reviewed by staff.",
            "vendor": "Acme",
            "topic_area": "hr",
            "techniques": ["generative_ai", "nlp"],
        },
    }
    sourcing = {"Route tickets": "in_house", "Draft letters": "both"}
    for title, fields in others.items():
        make_usecase(org=org, title=title, sourcing=sourcing[title], **{**base, **fields})
    return full_usecase


def us_export(client) -> tuple[list[str], list[dict]]:
    return records("us-2025", archive(client, "us-2025")[2])


def test_the_us_header_is_the_data_dictionary_s_columns(as_user, org, several):
    columns, rows = us_export(as_user(org.member))
    assert columns == US_2025_COLUMNS
    assert len(rows) == 3


def test_every_us_choice_cell_is_in_the_dictionary_s_value_list(as_user, org, several):
    _, rows = us_export(as_user(org.member))
    for row in rows:
        for column, allowed in US_2025_VALUES.items():
            assert row[column] in allowed | {""}, (column, row[column])
    assert {row["classification"] for row in rows} == {"Classical ML", "Other", "Generative AI"}
    assert {row["topic_area"] for row in rows} == {"Other", "IT", "HR"}


def test_the_real_inventory_has_the_dictionary_s_columns_and_uses_its_words():
    """The dictionary's lists above against the inventory OMB published."""
    path = SHARED_DATA / "us_federal_ai_inventory_2025.csv"
    if not path.is_file():
        pytest.skip(f"the real inventory is not at {path}")
    with open(path, encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
    assert reader.fieldnames == US_2025_COLUMNS
    for column, allowed in US_2025_VALUES.items():
        used = {row[column] for row in rows}
        # Most of each list is in use; the rest are the dictionary's, unused this year.
        assert len(allowed & used) >= len(allowed) // 2, column


@pytest.mark.parametrize("fmt", ["nl", "uk"])
def test_each_json_record_validates_against_its_standard(as_user, org, several, fmt):
    _, rows = records(fmt, archive(as_user(org.member), fmt)[2])
    assert len(rows) == 1  # the other two lack what the standards require
    check = nl_problems if fmt == "nl" else uk_problems
    for row in rows:
        assert check(row) == []


def test_the_validators_catch_what_the_standards_refuse():
    record = dict.fromkeys(NL_1_0)
    assert "name is required" in nl_problems(record)
    record |= {"name": "x" * 101, "status": "Actief", "category": ["a", "b", "c", "d"]}
    record["impacttoetsen_grouping"] = [{"title": "DPIA"}]
    problems = " | ".join(nl_problems(record))
    for part in ("name is longer", "status: 'Actief'", "category", "impacttoetsen_grouping"):
        assert part in problems
    assert uk_problems({"title": "T"}) != []


def test_the_shared_uk_records_pass_the_uk_check():
    path = SHARED_DATA / "uk_atrs_records_2026.json"
    if not path.is_file():
        pytest.skip(f"the UK records are not at {path}")
    published = json.loads(path.read_text(encoding="utf-8"))["records"]
    assert all(uk_problems(record) == [] for record in published)


def test_a_name_longer_than_the_dutch_register_takes_is_refused_saying_why(
    as_user, org, full_usecase
):
    full_usecase.title = "A" * 150
    full_usecase.save(update_fields=["title"])
    _, _, text, refused = archive(as_user(org.member), "nl")
    assert json.loads(text) == []
    (refusal,) = refused
    assert refusal["why"] == "name has 150 characters; the standard takes at most 100."


def test_the_us_export_writes_empty_cells_for_what_the_registry_does_not_hold(
    as_user, org, several
):
    _, rows = us_export(as_user(org.member))
    for column in ("agency", "is_withheld", "have_ato", "link_to_data", "demographic_features"):
        assert {row[column] for row in rows} == {""}
    by_title = {row["use_case_name"]: row for row in rows}
    assert by_title["Route tickets"]["has_custom_code"] == "Yes"  # built in-house
    assert by_title["Route tickets"]["has_pii"] == "No"


def test_a_practice_answered_in_the_dictionary_s_words_keeps_them(as_user, org, full_usecase):
    """As an imported inventory holds them: the word stays the word, never "Yes"."""
    answers = {
        "pre_deployment_testing": "No",
        "monitoring": "In-progress",
        "operator_training": "in progress",
        "human_oversight": "Not applicable",
        "independent_review": "CAIO Review",
    }
    UseCase.objects.filter(pk=full_usecase.pk).update(**answers)
    (row,) = us_export(as_user(org.member))[1]
    assert row["hi_testing_conducted"] == ""
    assert row["hi_ongoing_monitoring"] == "In-progress"
    assert row["hi_training_established"] == "Training In-progress"
    assert row["hi_failsafe_presence"] == "Not Applicable"
    assert row["hi_independent_review"] == "CAIO Review"
    assert row["hi_appeal_process"] == "Appeal Process Established"  # its own text: done


def test_the_real_inventory_imported_exports_in_the_dictionary_s_words(tmp_path):
    """OMB's own inventory, imported as it is and exported again: the dictionary's header, and
    every choice cell one of its words, whatever the agencies wrote."""
    path = SHARED_DATA / "us_federal_ai_inventory_2025.csv"
    if not path.is_file():
        pytest.skip(f"the real inventory is not at {path}")
    summary = io.StringIO()
    with contextlib.suppress(SystemExit):  # exit 1: some rows failed, the rest are imported
        call_command("import_register", str(path), stdout=summary)
    out = tmp_path / "inventory.csv"
    call_command("export_register", "--format", "us-2025", "-o", str(out), stdout=io.StringIO())
    with open(out, encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
    assert reader.fieldnames == US_2025_COLUMNS
    assert len(rows) > 1000
    for column, allowed in US_2025_VALUES.items():
        assert {row[column] for row in rows} <= allowed | {""}, column


def test_the_dutch_register_imported_exports_only_what_standard_1_0_accepts(tmp_path):
    """The register's 2023 records are of standard 0.1.0, which had no publication category:
    imported, none can be published under 1.0 until someone sets its category, and each
    refusal says so; whatever is exported validates."""
    path = SHARED_DATA / "nl_algoritmeregister_2023_pub_data.json"
    if not path.is_file():
        pytest.skip(f"the Dutch register is not at {path}")
    with contextlib.suppress(SystemExit):
        call_command("import_register", str(path), stdout=io.StringIO())
    out = tmp_path / "register.json"
    call_command("export_register", "--format", "nl", "-o", str(out), stdout=io.StringIO())
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [nl_problems(record) for record in exported] == [[]] * len(exported)
    with open(f"{out}.refused.csv", encoding="utf-8", newline="") as file:
        refused = list(csv.DictReader(file))
    assert len(refused) + len(exported) == 117
    assert all("publication_category" in row["why"] for row in refused)


def test_a_retired_use_case_lacking_what_the_standard_requires_of_every_record_is_refused(
    as_user, org, full_usecase
):
    """Retired, the profiles ask it nothing; the standard still takes no record without it."""
    UseCase.objects.filter(pk=full_usecase.pk).update(lifecycle_stage="retired", contact_email="")
    client = as_user(org.member)
    for fmt in ("nl", "us-2025"):
        _, _, text, refused = archive(client, fmt)
        assert records(fmt, text)[1] == []
        assert [row["why"] for row in refused] == [
            "contact_email is empty; the standard requires it."
        ]
