"""``manage.py import_register`` on the four real registers in the shared data, as they are: the
summary line's counts, the records as stored (drafts, unowned, their source, key, team under its
unit, stage and contact as the file says), no lost or garbled character in any stored text, and a
second import that creates nothing.

The US 2025 register takes most of a minute to import, so each file is imported once (twice:
the re-import) for the whole module, in one transaction rolled back at its end; the tests read
what those imports left.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.postgres.fields import ArrayField
from django.db import models, transaction

from imports.mapping import FALLBACK_TEAM
from imports.models import ImportRun
from imports.mojibake import has_mojibake
from portfolio.models import Product, Team
from tests.imports.conftest import SHARED_DATA, import_register
from usecases.choices import Source, Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

FILES = {
    # file: (source, the first import's line, the second's)
    "us_federal_ai_inventory_2025.csv": (
        Source.US_FEDERAL_2025,
        "read 3611, created 3608, updated 0, unchanged 0, skipped 2, failed 1",
        "read 3611, created 0, updated 0, unchanged 3608, skipped 2, failed 1",
    ),
    "us_federal_ai_inventory_2023.csv": (
        Source.US_FEDERAL_2023,
        "read 710, created 710, updated 0, unchanged 0, skipped 0, failed 0",
        "read 710, created 0, updated 0, unchanged 710, skipped 0, failed 0",
    ),
    "nl_algoritmeregister_2023_pub_data.json": (
        Source.NL_ALGORITHM_REGISTER,
        "read 117, created 117, updated 0, unchanged 0, skipped 0, failed 0",
        "read 117, created 0, updated 0, unchanged 117, skipped 0, failed 0",
    ),
    "uk_atrs_records_2026.json": (
        Source.UK_ATRS,
        "read 136, created 136, updated 0, unchanged 0, skipped 0, failed 0",
        "read 136, created 0, updated 0, unchanged 136, skipped 0, failed 0",
    ),
}


@dataclass
class Imported:
    dry_run: str
    unchanged_by_dry_run: bool
    first: str
    first_exit: int
    second: str
    second_exit: int
    before_second: tuple[int, int, int]
    after_second: tuple[int, int, int]


def registry_size() -> tuple[int, int, int]:
    return UseCase.objects.count(), Team.objects.count(), Product.objects.count()


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    if not (SHARED_DATA / "us_federal_ai_inventory_2025.csv").is_file():
        pytest.skip(f"the real registers are not at {SHARED_DATA}: set SHARED_DATA")
    with django_db_blocker.unblock(), transaction.atomic():
        results = {}
        for name in FILES:
            empty = registry_size()
            dry_run, _ = import_register(SHARED_DATA / name, "--dry-run")
            unchanged_by_dry_run = registry_size() == empty
            first, first_exit = import_register(SHARED_DATA / name)
            before = registry_size()
            second, second_exit = import_register(SHARED_DATA / name)
            results[name] = Imported(
                dry_run, unchanged_by_dry_run, first, first_exit, second, second_exit, before,
                registry_size(),
            )  # fmt: skip
        yield results
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", FILES)
def test_each_register_imports_with_its_counts(imported, name):
    source, first, _ = FILES[name]

    assert imported[name].first == first
    assert imported[name].first_exit == (1 if "failed 0" not in first else 0)
    run = ImportRun.objects.filter(file_name=name).order_by("created_at").first()
    assert run.status == "done"
    assert UseCase.objects.filter(source=source).count() == run.created_count


@pytest.mark.parametrize("name", FILES)
def test_a_dry_run_wrote_nothing_and_told_the_counts_the_import_gave(imported, name):
    assert imported[name].dry_run == FILES[name][1]
    assert imported[name].unchanged_by_dry_run


@pytest.mark.parametrize("name", FILES)
def test_a_second_import_creates_nothing(imported, name):
    _, _, second = FILES[name]

    assert imported[name].second == second
    assert imported[name].after_second == imported[name].before_second


@pytest.mark.parametrize("name", FILES)
def test_imported_use_cases_are_unowned_drafts_keyed_by_the_file(imported, name):
    source = FILES[name][0]
    usecases = UseCase.objects.filter(source=source)

    assert set(usecases.values_list("status", flat=True)) == {Status.DRAFT}
    assert not usecases.filter(owner__isnull=False).exists()
    assert not usecases.filter(external_ref="").exists()
    assert not usecases.filter(signed_off_at__isnull=False).exists()


def test_a_row_without_a_title_fails_alone_and_the_copies_are_skipped(imported):
    run = ImportRun.objects.filter(file_name="us_federal_ai_inventory_2025.csv").earliest("id")
    failed = run.rows.get(outcome="failed")
    skipped = run.rows.filter(outcome="skipped")

    assert "It has no title." in [issue["why"] for issue in failed.issues]
    assert failed.key == "DOI/DOI-0015"
    assert skipped.count() == 2
    for row in skipped:
        copied = re.fullmatch(r"An exact copy of row (\d+)\.", row.issues[-1]["why"])
        assert copied and int(copied[1]) < row.number
        assert run.rows.get(number=int(copied[1])).outcome == "created"


def stored(source, external_ref) -> UseCase:
    return UseCase.objects.select_related("team__parent").get(
        source=source, external_ref=external_ref
    )


@pytest.mark.parametrize(
    ("ref", "title", "team", "unit", "stage", "contact", "impact"),
    [
        (
            "DHS/DHS-2705",
            "Smartphone Information Forensics Triage",
            "CBP",
            "Department of Homeland Security",
            "in_development",  # "Pre-deployment"
            "ai@hq.dhs.gov",
            "high",
        ),
        (
            "VA/VA-25-856",
            "AI-Enhanced Call Center",
            "VHA: Veterans Health Administration",
            "Department of Veterans Affairs",
            "retired",
            "",
            "not_high",
        ),
        (
            "DOC/DOC-53",
            "GitHub Copilot for Code Modernization",
            "BEA",
            "Department of Commerce",
            "idea",  # the file gives no stage: the field's default
            "Brian.Quistorff@bea.gov",
            "",  # nor an impact: it stays empty
        ),
    ],
)
def test_us_2025_rows_as_stored(imported, ref, title, team, unit, stage, contact, impact):
    usecase = stored(Source.US_FEDERAL_2025, ref)

    assert usecase.title == title
    assert (usecase.team.name, usecase.team.parent.name) == (team, unit)
    assert usecase.lifecycle_stage == stage
    assert usecase.contact_email == contact
    assert usecase.impact_level == impact


@pytest.mark.parametrize(
    ("ref", "title", "team", "unit", "stage"),
    [
        (
            "DHS-0000-2023",
            "AI Curated Synthetic Data",
            "Customs and Border Protection",
            "Department of Homeland Security",
            "idea",  # "Initiation"
        ),
        (
            "DHS-0001-2023",
            "AI for Autonomous Situational Awareness",
            "Customs and Border Protection",
            "Department of Homeland Security",
            "in_development",  # "Development and Acquisition"
        ),
        (
            "DHS-0002-2023",
            "Automated Item of Interest Detection - ICAD",
            "Customs and Border Protection",
            "Department of Homeland Security",
            "in_production",  # "Operation and Maintenance"
        ),
    ],
)
def test_us_2023_rows_as_stored(imported, ref, title, team, unit, stage):
    usecase = stored(Source.US_FEDERAL_2023, ref)

    assert usecase.title == title
    assert (usecase.team.name, usecase.team.parent.name) == (team, unit)
    assert usecase.lifecycle_stage == stage


@pytest.mark.parametrize(
    ("ref", "team", "unit", "stage", "contact"),
    [
        (
            "Gemeente Rotterdam/Parkeercontrole",
            "Stadsbeheer Parkeervoorzieningen",
            "Gemeente Rotterdam",
            "in_production",  # "In gebruik"
            "algoritmetoezichtbco@rotterdam.nl",
        ),
        (
            "Gemeente Den Haag/Voorspellen en voorkomen verkeersongevallen",
            "Stedelijke Ontwikkeling",
            "Gemeente Den Haag",
            "in_development",  # "In ontwikkeling"
            "",
        ),
        (
            "Gemeente Den Haag/Herkenning bijplaatsing ORAC's",
            "Stadsbeheer",
            "Gemeente Den Haag",
            "retired",  # "Gestopt"
            "",
        ),
    ],
)
def test_dutch_rows_as_stored(imported, ref, team, unit, stage, contact):
    usecase = stored(Source.NL_ALGORITHM_REGISTER, ref)

    assert usecase.title == ref.split("/", 1)[1]
    assert (usecase.team.name, usecase.team.parent.name) == (team, unit)
    assert usecase.lifecycle_stage == stage
    assert usecase.contact_email == contact


def test_uk_rows_as_stored_and_six_without_a_body_in_the_fallback_team(imported):
    records = "https://www.gov.uk/algorithmic-transparency-records/"
    hmrc = stored(Source.UK_ATRS, records + "hmrc-ask-hmrc-online")
    trustid = stored(Source.UK_ATRS, records + "trustid")

    assert hmrc.title == "HMRC: Ask HMRC online"
    assert hmrc.team.name == "HMRC" and hmrc.team.parent is None
    assert hmrc.problem.startswith("Digital (virtual) assistant chat (chatbot)")
    assert trustid.team.name == FALLBACK_TEAM
    fallback = UseCase.objects.filter(source=Source.UK_ATRS, team__name=FALLBACK_TEAM)
    assert fallback.count() == 6


def _texts(usecase: UseCase) -> list[str]:
    """Every text a use case stores: text fields, list items, assessments, custom values."""
    texts = []
    for field in UseCase._meta.concrete_fields:
        value = getattr(usecase, field.attname)
        if isinstance(field, models.CharField | models.TextField) and value:
            texts.append(value)
        elif isinstance(field, ArrayField) and value:
            texts += [str(item) for item in value]
    for assessment in usecase.impact_assessments or []:
        texts += [str(part) for part in assessment.values()]
    texts += [str(value) for value in (usecase.custom_values or {}).values()]
    return texts


def _garbled(text: str) -> bool:
    return "\ufffd" in text or has_mojibake(text) or "Ã©" in text or "â€™" in text


@pytest.mark.parametrize("name", FILES)
def test_no_stored_text_holds_a_lost_or_garbled_character(imported, name):
    usecases = UseCase.objects.filter(source=FILES[name][0]).defer("search_vector")

    assert not [
        (usecase.external_ref, text)
        for usecase in usecases.iterator()
        for text in _texts(usecase)
        if _garbled(text)
    ]
    names = [*Team.objects.values_list("name", flat=True)]
    names += Product.objects.values_list("name", flat=True)
    assert not [name for name in names if _garbled(name)]
