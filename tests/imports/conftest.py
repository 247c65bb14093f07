"""The shared registers (../shared/data beside the clone, or $SHARED_DATA) and a helper that reads
a file written in a test."""

import io
import os
from pathlib import Path

import pytest

from imports.reading import open_register

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
