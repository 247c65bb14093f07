"""Numbers as people type them (issue 8, item 2): a decimal comma and a decimal point both mean
what the person meant, and what could be read two ways, or is no number, is refused by name."""

from decimal import Decimal

import pytest

from tests.conftest import create_form_data, edit_form_data
from usecases.models import Measurement, UseCase
from usecases.numbers import AmbiguousNumber, parse_decimal


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("1,250.5", "1250.5"),
        ("1.250,5", "1250.5"),
        ("1 250,5", "1250.5"),
        ("1\u00a0250.5", "1250.5"),
        ("1,250,000", "1250000"),
        ("1.250.000", "1250000"),
        ("0,250", "0.25"),
        ("1,2500", "1.25"),
        (",5", "0.5"),
        ("-3,5", "-3.5"),
        ("  42 ", "42"),
    ],
)
def test_both_conventions_read_as_meant(typed, meant):
    assert parse_decimal(typed) == Decimal(meant)


@pytest.mark.parametrize("typed", ["1,250", "1.250", "-12,000"])
def test_a_single_separator_before_three_digits_is_ambiguous(typed):
    with pytest.raises(AmbiguousNumber):
        parse_decimal(typed)


@pytest.mark.parametrize("typed", ["1e", "1e3", "12,5,3", "1,25.5", "1.2.3", "abc", "12 5", "--1"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed)


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "stored"), [("12,5", "12.5"), ("1.250,5", "1250.5")])
def test_a_new_use_case_stores_the_baseline_the_person_meant(as_user, org, typed, stored):
    data = create_form_data(
        org=org, metric_name="Days to decide", metric_baseline=typed, metric_target="1000000"
    )
    response = as_user(org.member).post("/usecases/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert UseCase.objects.get().metric_baseline == Decimal(stored)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "label", "typed", "message"),
    [
        ("metric_baseline", "Baseline", "1e", "Baseline: “1e” is not a number. Write it like 12.5"),
        (
            "metric_target",
            "Target",
            "1,250",
            "Target: “1,250” could be read as 1250 or as 1.25.",
        ),
    ],
)
def test_an_edit_with_a_number_it_cannot_read_for_sure_changes_nothing(
    as_user, org, usecase, field, label, typed, message
):
    usecase.metric_name, usecase.metric_baseline, usecase.metric_target = "Days", 40, 10
    usecase.save()
    before = UseCase.objects.values().get(pk=usecase.pk)
    response = as_user(org.member).post(
        f"/usecases/{usecase.key}/edit/", edit_form_data(usecase, **{field: typed})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html  # what they typed stays in the field to correct
    assert UseCase.objects.values().get(pk=usecase.pk) == before


@pytest.mark.django_db
def test_the_form_shows_a_saved_number_as_people_write_it(as_user, org, usecase):
    usecase.metric_name, usecase.metric_baseline = "Days", Decimal("12.5000")
    usecase.save()
    html = as_user(org.member).get(f"/usecases/{usecase.key}/edit/").content.decode()
    assert 'name="metric_baseline" value="12.5"' in html
    assert 'inputmode="decimal"' in html
    assert 'type="number"' not in html  # the number input mangles a decimal comma


@pytest.mark.django_db
def test_a_measurement_typed_with_a_decimal_comma_is_recorded_as_meant(as_user, org, usecase_in):
    measured = usecase_in(
        "active", metric_name="Days", metric_unit="days", metric_baseline=40, metric_target=10
    )
    response = as_user(org.owner).post(
        f"/usecases/{measured.key}/measurements/",
        {"measured_on": "2026-01-15", "value": "24,5", "note": "", "source_url": ""},
    )
    assert response.status_code == 302
    assert Measurement.objects.get().value == Decimal("24.5")


@pytest.mark.parametrize("typed", ["１,２５０", "١,٢٥٠", "1\n250", "1\t250", "10²", "1⁰⁰", "①②,5"])
def test_other_digits_and_stray_whitespace_never_slip_past_the_rules(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed)


def test_full_width_digits_read_as_their_ascii_twins():
    assert parse_decimal("１２,５") == Decimal("12.5")


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["2.125", "-12.125", "999.5", "0.125"])
def test_a_saved_number_saves_again_as_it_was(as_user, org, usecase, stored):
    """What the form shows reads back as the same number: 2.125 is shown as 2.1250, since 2.125
    alone could be read as 2125."""
    usecase.metric_name, usecase.metric_baseline = "Days", Decimal(stored)
    usecase.metric_target = Decimal(stored)
    usecase.save()
    client = as_user(org.member)
    page = client.get(f"/usecases/{usecase.key}/edit/").content.decode()
    shown = page.split('name="metric_baseline" value="', 1)[1].split('"', 1)[0]
    assert parse_decimal(shown) == Decimal(stored)
    current = UseCase.objects.get(pk=usecase.pk)
    data = edit_form_data(current, title="Only the title changes")
    data["metric_baseline"] = data["metric_target"] = shown
    response = client.post(f"/usecases/{usecase.key}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = UseCase.objects.get(pk=usecase.pk)
    assert (saved.title, saved.metric_baseline) == ("Only the title changes", Decimal(stored))


def test_the_ambiguity_message_suggests_forms_that_cannot_be_misread():
    from django import forms as django_forms

    from usecases.numbers import LocalizedDecimalField

    field = LocalizedDecimalField(label="Baseline", max_digits=16, decimal_places=4)
    with pytest.raises(django_forms.ValidationError) as refusal:
        field.clean("2,125")
    message = refusal.value.messages[0]
    assert "Write it as 2125, or as 2.1250 (or 2,1250)" in message
    for suggestion in ("2125", "2.1250", "2,1250"):
        parse_decimal(suggestion)  # none of them is refused
