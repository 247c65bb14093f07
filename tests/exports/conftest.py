"""A use case with every register field filled, custom fields of several types and a team deep in
the unit tree; the export tests read it back."""

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import make_usecase
from usecases.models import CustomField, CustomFieldType

T = CustomFieldType

REGISTER_VALUES = {
    "contact_email": "ai-desk@example.org",
    "vendor": "Acme Analytics",
    "sourcing": "vendor",
    "impact_level": "high",
    "impact_justification": "Decides on benefit claims.",
    "personal_data": True,
    "personal_data_kinds": "Names, incomes",
    "impact_assessments": [{"kind": "dpia", "date": "2024-03-01", "link": "https://ex.org/dpia"}],
    "legal_basis": "Social Security Act, art. 12",
    "legal_basis_url": "https://example.org/law",
    "human_oversight": "An officer confirms every decision.",
    "appeal_route": "Object within six weeks.",
    "independent_review": "Audit office, 2024.",
    "monitoring": "Monthly drift report.",
    "public_consultation": "Citizens' panel, 2023.",
    "pre_deployment_testing": "Tested on 2022 claims.",
    "potential_impacts": "Wrongly refused claims.",
    "operator_training": "Two-day course.",
    "techniques": ["classical_ml", "nlp"],
    "system_name": "ClaimSense",
    "data_sources": "Claims archive 2015-2023",
    "outputs": "A priority score",
    "code_url": "https://code.example.org/claimsense",
    "documentation_urls": ["https://docs.example.org/a", "https://docs.example.org/b"],
    "topic_area": "Benefits",
}


def define(name, type_, **fields):
    return CustomField.objects.create(
        name=name, label=name.replace("_", " ").capitalize(), type=type_, **fields
    )


@pytest.fixture
def custom_fields(db):
    define("cost_centre", T.TEXT)
    define("headcount", T.INTEGER)
    define("budget", T.DECIMAL)
    define("review_on", T.DATE)
    define("audited", T.BOOLEAN)
    define("regions", T.MULTIPLE_CHOICE, choices=["North", "South", "East"])
    define("steward", T.PERSON)
    define("old_code", T.TEXT, is_archived=True)


@pytest.fixture
def full_usecase(org, unit_tree, custom_fields):
    """In production, high impact, every register field filled, custom fields set."""
    return make_usecase(
        org=org,
        lifecycle_stage="in_production",
        started_on=date(2023, 1, 2),
        in_production_on=date(2024, 2, 3),
        business_intent="Faster decisions.",
        metric_name="Days to decision",
        metric_baseline=Decimal("40.5"),
        metric_target=Decimal(10),
        custom_values={
            "cost_centre": "CC-200",
            "headcount": 12,
            "budget": "9.5",
            "review_on": "2025-01-31",
            "audited": False,
            "regions": ["North", "East"],
            "steward": "owen",
        },
        **REGISTER_VALUES,
    )
