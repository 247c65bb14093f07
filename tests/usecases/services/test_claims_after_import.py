"""What the importer leaves is what claiming expects: a row of the US 2025 inventory becomes an
unowned imported draft that the dashboard counts as an orphan and its contact claims."""

import csv
import io

import pytest

from imports.running import execute
from imports.runs import importer_account, new_run, read_upload
from tests.imports.test_import_resume import COLUMNS
from usecases import services
from usecases.choices import Source, Status
from usecases.concerns import concern_condition
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def inventory(**values) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow({name: values.get(name, "") for name in COLUMNS})
    return out.getvalue().encode()


def test_an_imported_row_is_an_orphan_its_contact_claims(org, contact):
    data = inventory(
        agency="ABC",
        agency_name="Agency of Tests",
        id="ABC-1",
        use_case_name="Screen import declarations",
        agency_bureau="Bureau",
        contact_email="claire.contact@example.org",
        development_stage="Deployed",
        is_high_impact="Not High-impact",
        problem_solved="Declarations wait for a person to read them.",
    )
    register = read_upload(data, "inventory.csv")
    execute(new_run(data=data, name="inventory.csv", register=register, actor=importer_account()))

    usecase = UseCase.objects.get(
        source=Source.US_FEDERAL_2025, external_ref="ABC/ABC-1"
    )  # agency/id
    assert (usecase.status, usecase.owner_id) == (Status.DRAFT, None)
    assert usecase.is_imported

    def orphans():
        return list(UseCase.objects.filter(concern_condition("imported_unowned")))

    assert orphans() == [usecase]

    services.usecase_claim(usecase=usecase, actor=contact, expected_version=usecase.version)

    claimed = UseCase.objects.get(pk=usecase.pk)
    assert (claimed.owner, claimed.status) == (contact, Status.DRAFT)
    assert orphans() == []
