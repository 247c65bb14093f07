"""A record read through its mapping: the values the registry's own export writes come back as
they were stored, and a standard's word for several stages reads as the stage it names."""

import pytest

from imports.converting import Converter
from imports.formats import NL_ALGORITMEREGISTER, US_2025
from imports.known import known_mapping
from imports.mapping import CUSTOM_PREFIX, Mapping
from imports.reading import Record
from usecases.custom_fields.values import active_fields
from usecases.models import CustomField, CustomFieldType

pytestmark = pytest.mark.django_db


def converted(mapping: Mapping, **values):
    return Converter(mapping, active_fields()).convert(Record(2, values))


def mapping_to(**columns) -> Mapping:
    return Mapping(columns={"title": "title", **columns}, key=["title"])


def test_the_export_s_technique_labels_read_back_once_each():
    row = converted(
        mapping_to(techniques="techniques"),
        title="Triage",
        techniques="Classical / predictive machine learning, Natural language processing",
    )

    assert row.data["techniques"] == ["classical_ml", "nlp"]


def test_each_assessment_line_keeps_its_kind_date_and_link():
    row = converted(
        mapping_to(impact_assessments="impact_assessments"),
        title="Triage",
        impact_assessments="DPIA 2024-03-01 https://example.org/dpia\nIAMA",
    )

    assert row.data["impact_assessments"] == [
        {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
        {"kind": "iama", "date": "", "link": ""},
    ]
    assert not row.issues


def test_a_multiple_choice_custom_field_reads_the_export_s_joined_items():
    CustomField.objects.create(
        name="regions",
        label="Regions",
        type=CustomFieldType.MULTIPLE_CHOICE,
        choices=["North", "South", "East"],
    )
    row = converted(
        mapping_to(regions=CUSTOM_PREFIX + "regions"), title="Triage", regions="North; East"
    )

    assert row.data["custom_values"] == {"regions": ["North", "East"]}


@pytest.mark.parametrize(
    ("known", "column", "word", "stage"),
    [
        (US_2025, "development_stage", "Pre-deployment", "in_development"),
        (US_2025, "development_stage", "Deployed", "in_production"),
        (NL_ALGORITMEREGISTER, "status", "In ontwikkeling", "in_development"),
        (NL_ALGORITMEREGISTER, "status", "In gebruik", "in_production"),
    ],
)
def test_a_word_a_standard_writes_for_several_stages_reads_as_the_one_it_names(
    known, column, word, stage
):
    mapping = known_mapping(known, [column], {})

    assert mapping.values["lifecycle_stage"][word.casefold()] == stage


def test_the_json_export_s_assessments_keep_their_dates():
    row = converted(
        mapping_to(impact_assessments="impact_assessments"),
        title="Triage",
        impact_assessments="date: 2024-03-01, kind: dpia, link: https://example.org/dpia; kind: pia",
    )

    assert row.data["impact_assessments"] == [
        {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
        {"kind": "pia", "date": "", "link": ""},
    ]
