"""Small registers written in a test: the US federal inventory's 2025 columns, a row a use case."""

import csv
import io

# The US federal inventory's 2025 columns, as the published file has them.
US_2025_COLUMNS = [
    "agency",
    "agency_name",
    "id",
    "use_case_name",
    "agency_bureau",
    "contact_email",
    "is_withheld",
    "development_stage",
    "is_high_impact",
    "HI_justification",
    "topic_area",
    "classification",
    "problem_solved",
    "benefits",
    "system_outputs",
    "operational_date",
    "contracting_usage",
    "vendor_name",
    "have_ato",
    "system_name_ato",
    "data_description",
    "link_to_data",
    "has_pii",
    "pia_url",
    "demographic_features",
    "has_custom_code",
    "code_url",
    "hi_testing_conducted",
    "hi_assessment_completed",
    "hi_potential_impacts",
    "hi_independent_review",
    "hi_ongoing_monitoring",
    "hi_training_established",
    "hi_failsafe_presence",
    "hi_appeal_process",
    "hi_public_consultation",
]


def us_2025_row(number: int, **values) -> dict:
    row = {
        "agency": "DOI",
        "agency_name": "Department of the Interior",
        "id": f"DOI-{number:04}",
        "use_case_name": f"Map wildfire risk, area {number}",
        "agency_bureau": "USGS",
        "contact_email": f"analyst{number}@example.org",
        "development_stage": "Deployed" if number % 2 else "Pilot",
        "problem_solved": f"Fire crews cannot see which slopes in area {number} burn next.",
    }
    row.update(values)
    return row


def us_2025_csv(rows: int = 5, *, changed: dict[int, dict] | None = None) -> bytes:
    """A register in the US 2025 columns, one use case a row; ``changed`` overrides the values
    of the rows it numbers (from 1)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, US_2025_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number in range(1, rows + 1):
        writer.writerow(us_2025_row(number, **(changed or {}).get(number, {})))
    return out.getvalue().encode()
