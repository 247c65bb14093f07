"""The demo organisation's custom fields: a cost centre (text, in a "Finance" group) and a risk
tier (a choice, in "Risk"), so a newcomer sees custom fields on the form, the use case's page, the
list's filters, columns and sorting, and in the history. Every demo use case gets values that
follow from its place in the file, so every seed agrees."""

from __future__ import annotations

from demo.data import SeedReport
from usecases.models import CustomField, CustomFieldType

DEMO_FIELDS = [
    {
        "name": "cost_centre",
        "label": "Cost centre",
        "type": CustomFieldType.TEXT,
        "help_text": "The budget line that pays for it, e.g. CC-4711.",
        "group": "Finance",
        "order": 10,
    },
    {
        "name": "risk_tier",
        "label": "Risk tier",
        "type": CustomFieldType.CHOICE,
        "choices": ["Low", "Medium", "High"],
        "help_text": "The organisation's own risk tier, from its risk register.",
        "group": "Risk",
        "order": 10,
    },
]
RISK_TIERS = ["Low", "Medium", "High", "Low"]


def seed_custom_fields(*, report: SeedReport) -> None:
    """The demo's custom fields, created where missing (an admin's later edits are kept)."""
    for row in DEMO_FIELDS:
        definition = {name: value for name, value in row.items() if name != "name"}
        _, created = CustomField.objects.get_or_create(name=row["name"], defaults=definition)
        report.record(CustomField, created=created)


def custom_values_of(index: int) -> dict:
    """The ``index``-th demo use case's custom values (every third has no risk tier yet)."""
    values = {"cost_centre": f"CC-{4700 + (index * 7) % 23}"}
    if index % 3:
        values["risk_tier"] = RISK_TIERS[index % len(RISK_TIERS)]
    return values
