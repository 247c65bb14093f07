"""The register fields: contact and supplier, risk and compliance, technical facts.

A person fills them on the form's collapsible sections and reads them on the detail page, links
as links; every write path (the form, the services a shell or an import calls, the database for
everything else) refuses a value the field can't hold, naming the field, and writes nothing. Edits
show in history and the revision diff in people's words. While a use case is high impact its risk
section is part of what the owner signed: changing it sends an active use case back to review, by
the services and (outside them) by the database's digest; otherwise it is saved as it is.
"""

from datetime import date

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.conftest import create_form_data, edit_form_data
from usecases import services
from usecases.choices import MATERIAL_WHEN_HIGH_IMPACT, EventKind, ImpactLevel, Status
from usecases.models import UseCase, UseCaseEvent

pytestmark = pytest.mark.django_db

CREATE = reverse("usecases:usecase_create")

FILLED = {
    "contact_email": "ai-office@example.org",
    "vendor": "Acme Analytics",
    "sourcing": "vendor",
    "impact_level": "high",
    "impact_justification": "It ranks claims for investigation.",
    "personal_data": "yes",
    "personal_data_kinds": "Names, income",
    "impact_assessments": "DPIA 2024-03-01 https://example.org/dpia\niama https://example.org/iama",
    "legal_basis": "Social Security Act, section 12",
    "legal_basis_url": "https://example.org/act",
    "human_oversight": "A caseworker confirms every ranking.",
    "appeal_route": "Objection to the benefits office within six weeks.",
    "techniques": ["classical_ml", "nlp"],
    "system_name": "ClaimsRank",
    "code_url": "https://git.example.org/claimsrank",
    "documentation_urls": "https://docs.example.org/a\nhttps://docs.example.org/b",
    "topic_area": "Benefits",
}


def stored(usecase) -> UseCase:
    return UseCase.objects.get(pk=usecase.pk)


def edit_url(usecase) -> str:
    return reverse("usecases:usecase_edit", args=[usecase.key])


# --- Filled on the form, read on the detail page --------------------------------------------------


def test_a_person_fills_the_register_sections_and_reads_them_back(as_user, org):
    response = as_user(org.member).post(CREATE, create_form_data(org=org, **FILLED), follow=True)
    assert response.status_code == 200
    usecase = UseCase.objects.get(title="Route benefit claims to the right office")
    assert usecase.contact_email == "ai-office@example.org"
    assert usecase.personal_data is True
    assert usecase.techniques == ["classical_ml", "nlp"]
    assert usecase.documentation_urls == [
        "https://docs.example.org/a",
        "https://docs.example.org/b",
    ]
    assert usecase.impact_assessments == [
        {"kind": "dpia", "date": "2024-03-01", "link": "https://example.org/dpia"},
        {"kind": "iama", "date": "", "link": "https://example.org/iama"},
    ]
    html = response.content.decode()
    assert 'href="mailto:ai-office@example.org"' in html
    assert 'href="https://example.org/dpia"' in html
    assert "DPIA (data protection impact assessment) · 2024-03-01" in html
    assert "Classical / predictive machine learning, Natural language processing" in html
    assert 'href="https://docs.example.org/b"' in html
    assert "High impact" in html


def test_the_form_shows_saved_values_as_they_were_typed_and_opens_filled_sections(as_user, org):
    as_user(org.member).post(CREATE, create_form_data(org=org, **FILLED))
    usecase = UseCase.objects.get(title="Route benefit claims to the right office")
    html = as_user(org.member).get(edit_url(usecase)).content.decode()
    assert "DPIA 2024-03-01 https://example.org/dpia\nIAMA https://example.org/iama" in html
    assert 'id="section-risk" open' in html
    # Saving the form untouched changes nothing: what it shows reads back as the same values.
    response = as_user(org.member).post(edit_url(usecase), edit_form_data(usecase))
    assert response.status_code == 302
    assert stored(usecase).version == usecase.version


def test_an_empty_register_stays_out_of_the_way(as_user, org, usecase):
    html = as_user(org.member).get(edit_url(usecase)).content.decode()
    assert 'id="section-risk">' in html  # closed: nothing in it yet
    detail = as_user(org.member).get(usecase.get_absolute_url()).content.decode()
    assert "nothing recorded yet" in detail


def test_register_text_is_escaped_on_the_detail_page(as_user, org):
    data = create_form_data(org=org, vendor="<script>alert(1)</script>")
    as_user(org.member).post(CREATE, data)
    usecase = UseCase.objects.get(title="Route benefit claims to the right office")
    html = as_user(org.member).get(usecase.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Bad input: refused on every path, the field named, nothing written -------------------------

BAD_FORM_INPUT = [
    ({"contact_email": "the AI office"}, "contact_email", "e-mail"),
    ({"legal_basis_url": "ftp://example.org/act"}, "legal_basis_url", "web address"),
    ({"code_url": "javascript:alert(1)"}, "code_url", "web address"),
    ({"sourcing": "stolen"}, "sourcing", "valid choice"),
    ({"impact_level": "medium"}, "impact_level", "valid choice"),
    ({"personal_data": "maybe"}, "personal_data", "valid choice"),
    ({"techniques": ["quantum"]}, "techniques", "valid choice"),
    ({"documentation_urls": "https://ok.example.org\nnot a link"}, "documentation_urls", "Line 2"),
    ({"impact_assessments": "DPIA 2024-02-30"}, "impact_assessments", "Impact assessment 1"),
    ({"impact_assessments": "horoscope 2024-01-01"}, "impact_assessments", "not a kind"),
    ({"impact_assessments": "DPIA 1066-10-14"}, "impact_assessments", "Impact assessment 1"),
    ({"impact_assessments": "DPIA ftp://example.org/x"}, "impact_assessments", "neither a date"),
    ({"vendor": "x" * 201}, "vendor", "at most 200"),
]


@pytest.mark.parametrize(("data", "field", "words"), BAD_FORM_INPUT)
def test_the_form_refuses_bad_register_input_naming_the_field(
    as_user, org, usecase, data, field, words
):
    response = as_user(org.member).post(edit_url(usecase), edit_form_data(usecase, **data))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert words in " ".join(errors[field])
    assert stored(usecase).version == usecase.version


BAD_SERVICE_INPUT = [
    ({"contact_email": "two@example.org; three@example.org"}, "contact_email", "Contact e-mail"),
    ({"legal_basis_url": "example.org/act"}, "legal_basis_url", "Legal basis link"),
    ({"code_url": "ftp://example.org/code"}, "code_url", "Code link"),
    ({"sourcing": "stolen"}, "sourcing", "Built or bought"),
    ({"impact_level": "Unknown"}, "impact_level", "Impact level"),
    ({"personal_data": "yes please"}, "personal_data", "Uses personal data"),
    ({"techniques": ["nlp", "astrology"]}, "techniques", "Technique"),
    ({"documentation_urls": ["https://ok.example.org", "ftp://x"]}, "documentation_urls", "Doc"),
    ({"impact_assessments": [{"kind": "dpia", "date": "someday"}]}, "impact_assessments", "date"),
    ({"impact_assessments": [{"kind": "dpia", "mood": "good"}]}, "impact_assessments", "kind"),
    ({"impact_assessments": "DPIA"}, "impact_assessments", "list"),
    ({"system_name": "s" * 201}, "system_name", "System name"),
]


@pytest.mark.parametrize(("data", "field", "words"), BAD_SERVICE_INPUT)
def test_the_service_refuses_bad_register_input_naming_the_field(org, usecase, data, field, words):
    """A shell caller, an import or the API get the same refusal, and nothing is written."""
    with pytest.raises(services.InvalidValue) as refusal:
        services.usecase_update(
            usecase=usecase, actor=org.member, data=data, expected_version=usecase.version
        )
    assert list(refusal.value.errors) == [field]
    assert words in refusal.value.errors[field]
    assert stored(usecase).version == usecase.version
    assert not UseCaseEvent.objects.filter(usecase=usecase, kind=EventKind.UPDATED).exists()


def test_creating_with_a_bad_register_value_creates_nothing(org):
    count = UseCase.objects.count()
    with pytest.raises(services.InvalidValue, match="Code link"):
        services.usecase_create(
            actor=org.member, data={"title": "T", "team": org.team, "code_url": "file:///etc"}
        )
    assert UseCase.objects.count() == count


def test_the_service_takes_typed_values_as_an_import_would_send_them(org, usecase):
    services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={
            "personal_data": False,
            "techniques": ["generative_ai"],
            "impact_assessments": [{"kind": "pia", "date": "2023-05-02", "link": ""}],
            "documentation_urls": ["https://docs.example.org"],
        },
        expected_version=usecase.version,
    )
    saved = stored(usecase)
    assert saved.personal_data is False
    assert saved.impact_assessments == [{"kind": "pia", "date": "2023-05-02", "link": ""}]


@pytest.mark.parametrize(
    "values",
    [{"impact_level": "medium"}, {"sourcing": "stolen"}, {"techniques": ["astrology"]}],
)
def test_the_database_refuses_a_choice_outside_the_list_from_any_writer(usecase, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        UseCase.objects.filter(pk=usecase.pk).update(**values)


# --- History and the revision diff ---------------------------------------------------------------


def test_an_edit_reads_in_people_s_words_in_history(org, usecase):
    services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"techniques": ["nlp", "computer_vision"], "personal_data": True},
        expected_version=usecase.version,
    )
    event = stored(usecase).events.get(kind=EventKind.UPDATED)
    assert event.changes["techniques"] == ["", "Natural language processing, Computer vision"]
    assert event.changes["personal_data"] == ["", "Yes"]


def test_the_revision_diff_shows_the_risk_section(as_user, org, usecase_in):
    active = usecase_in("active", impact_level=ImpactLevel.HIGH, appeal_route="By letter.")
    services.usecase_update(
        usecase=active,
        actor=org.member,
        data={"appeal_route": "Online, within six weeks."},
        expected_version=active.version,
    )
    html = as_user(org.reviewer).get(active.get_absolute_url()).content.decode()
    assert "Appeal route" in html
    assert "By letter." in html and "Online, within six weeks." in html


def test_a_stale_edit_keeps_the_techniques_someone_else_saved(as_user, org, usecase):
    typed = edit_form_data(usecase, vendor="Acme")
    typed["original"] = signing.dumps(edit_form_data(usecase))  # what the form was loaded with
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"techniques": ["nlp"]},
        expected_version=usecase.version,
    )
    response = as_user(org.member).post(edit_url(usecase), typed)
    assert response.status_code == 409
    form = response.context["form"]
    assert form.data.getlist("techniques") == ["nlp"]
    assert form.data["vendor"] == "Acme"


# --- Material while high impact -------------------------------------------------------------------


def test_a_risk_edit_sends_an_active_high_impact_use_case_back_to_review(org, usecase_in):
    active = usecase_in("active", impact_level=ImpactLevel.HIGH)
    edited = services.usecase_update(
        usecase=active,
        actor=org.member,
        data={"human_oversight": "Nobody checks anymore."},
        expected_version=active.version,
    )
    assert edited.status == Status.IN_REVIEW
    assert stored(active).changed_since_sign_off is True


@pytest.mark.parametrize(
    ("before", "after"), [(ImpactLevel.HIGH, ImpactLevel.NOT_HIGH), ("", ImpactLevel.HIGH)]
)
def test_moving_in_or_out_of_high_impact_is_material(org, usecase_in, before, after):
    active = usecase_in("active", impact_level=before)
    edited = services.usecase_update(
        usecase=active,
        actor=org.member,
        data={"impact_level": after},
        expected_version=active.version,
    )
    assert edited.status == Status.IN_REVIEW


def test_a_risk_edit_of_a_use_case_not_high_impact_is_saved_as_it_is(org, usecase_in):
    active = usecase_in("active", impact_level=ImpactLevel.NOT_HIGH)
    edited = services.usecase_update(
        usecase=active,
        actor=org.member,
        data={"human_oversight": "A caseworker checks.", "vendor": "Acme", "techniques": ["nlp"]},
        expected_version=active.version,
    )
    assert edited.status == Status.ACTIVE
    assert stored(active).changed_since_sign_off is False


# A changed value for each field of the risk section, as a script would write it.
RISK_CHANGES = {
    "impact_level": ImpactLevel.NOT_HIGH,
    "personal_data": True,
    "impact_assessments": [{"kind": "dpia", "date": "", "link": ""}],
    "legal_basis_url": "https://example.org/act",
}


@pytest.mark.parametrize("field", MATERIAL_WHEN_HIGH_IMPACT)
def test_outside_the_services_the_database_flags_a_high_impact_risk_change(org, usecase_in, field):
    """A script or the shell writing the row directly: the sign-off's digest no longer matches.
    Every field the services treat as material while high impact is in the database's digest."""
    active = usecase_in("active", impact_level=ImpactLevel.HIGH)
    assert active.changed_since_sign_off is False
    UseCase.objects.filter(pk=active.pk).update(**{field: RISK_CHANGES.get(field, "Changed.")})
    assert stored(active).changed_since_sign_off is True


def test_outside_the_services_a_technical_change_is_not_material(org, usecase_in):
    active = usecase_in("active", impact_level=ImpactLevel.HIGH)
    UseCase.objects.filter(pk=active.pk).update(vendor="Acme", outputs="Scores")
    saved = stored(active)
    assert saved.changed_since_sign_off is False
    assert saved.version == active.version + 1  # yet the version moves on: stale editors conflict


def test_the_edit_page_warns_that_a_high_impact_risk_section_is_signed(as_user, org, usecase_in):
    active = usecase_in("active", impact_level=ImpactLevel.HIGH, started_on=date(2024, 1, 1))
    html = as_user(org.member).get(edit_url(active)).content.decode()
    assert "its risk and compliance section" in html
