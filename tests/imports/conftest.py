"""The shared registers (../shared/data beside the clone, or $SHARED_DATA) and a helper that reads
a file written in a test."""

import csv
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from imports.reading import open_register
from tests.imports.registers import US_2025_COLUMNS  # the inventory's columns, in its order

SHARED_DATA = Path(
    os.environ.get("SHARED_DATA", Path(__file__).resolve().parents[2] / "../shared/data")
).resolve()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "us_federal_ai_inventory_2025.csv").is_file():
        pytest.skip(
            f"the real registers are not at {SHARED_DATA}: set SHARED_DATA to the folder that "
            "holds us_federal_ai_inventory_2025.csv and the other shared files"
        )
    return SHARED_DATA


def read(content: bytes, name: str):
    """The register in a file with this content and name, and its records."""
    register = open_register(io.BytesIO(content), name)
    return register, list(register.records())


def us_2025_row(number: int, **values) -> dict:
    """A row of the US 2025 inventory: agency DHS, bureau CBP, id DHS-<number>."""
    return {
        "agency": "DHS",
        "agency_name": "Department of Homeland Security",
        "id": f"DHS-{number}",
        "use_case_name": f"Use case {number}",
        "agency_bureau": "CBP",
        "development_stage": "Deployed",
        "problem_solved": f"Problem {number}",
        **values,
    }


def write_us_2025(path: Path, rows: list[dict]) -> Path:
    """``rows`` as a US 2025 inventory CSV at ``path``."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=US_2025_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_register(path, *args) -> tuple[str, int]:
    """``manage.py import_register path *args``: its summary line and exit status."""
    out = io.StringIO()
    try:
        call_command("import_register", str(path), *args, stdout=out)
    except SystemExit as stopped:
        return out.getvalue().strip(), stopped.code
    return out.getvalue().strip(), 0
