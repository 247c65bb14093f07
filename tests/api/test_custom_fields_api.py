"""Custom fields through the API: their definitions listed for a client to read and send values
by, each use case's values typed by their field's type (a number as a number, a date as a date, a
person by username), and values sent by name, refused by the form's rules naming the field with
nothing changed."""

import pytest

from tests.api.test_editing_api import patch
from tests.conftest import make_usecase
from usecases.models import CustomField, CustomFieldType, UseCase

pytestmark = pytest.mark.django_db
T = CustomFieldType
FIELDS = "/api/v1/custom-fields"


def define(name: str, type_: str, **fields) -> CustomField:
    choices = ["Gold", "Silver"] if type_ in (T.CHOICE, T.MULTIPLE_CHOICE) else []
    label = name.replace("_", " ").capitalize()
    return CustomField.objects.create(name=name, label=label, type=type_, choices=choices, **fields)


@pytest.fixture
def every_type(db):
    """A field of each type, in the order the form shows them, and an archived one."""
    for order, type_ in enumerate(T.values):
        define(type_, type_, order=order)
    define("retired_code", T.TEXT, is_archived=True)


STORED = {
    "text": "CC-4711",
    "integer": 42,
    "decimal": "12,5",
    "date": "2025-03-31",
    "boolean": "no",
    "url": "https://example.org/a",
    "choice": "Gold",
    "multiple_choice": ["Silver", "Gold"],
    "person": "owen",
}


def test_the_definitions_are_listed_with_their_types_and_choices(as_user, org, every_type):
    response = as_user(org.member).get(FIELDS)

    assert response.status_code == 200
    listed = {field["name"]: field for field in response.json()}
    assert list(listed) == list(T.values)  # in the form's order; the archived one left out
    assert listed["choice"] == {
        "name": "choice",
        "key": "cf_choice",
        "label": "Choice",
        "help_text": "",
        "type": "choice",
        "choices": ["Gold", "Silver"],
        "required_for_review": False,
        "group": "",
        "order": T.values.index("choice"),
    }


def test_the_definitions_need_a_session_and_take_fixed_queries_whatever_their_number(
    client, as_user, org, every_type, django_assert_max_num_queries
):
    assert client.get(FIELDS).status_code == 401
    signed_in = as_user(org.member)
    with django_assert_max_num_queries(3):  # the session, the person, the definitions
        assert signed_in.get(FIELDS).status_code == 200
    for number in range(20):
        define(f"more_{number}", T.CHOICE)
    with django_assert_max_num_queries(3):
        assert len(signed_in.get(FIELDS).json()) == len(T.values) + 20


def test_a_use_case_shows_each_custom_value_typed_by_its_field(as_user, org, every_type):
    usecase = make_usecase(org=org, custom_values=STORED)

    shown = as_user(org.member).get(f"/api/v1/usecases/{usecase.key}").json()

    values = {field["name"]: field["value"] for field in shown["custom_fields"]}
    assert values == {
        "text": "CC-4711",
        "long_text": None,
        "integer": 42,
        "decimal": "12.5",
        "date": "2025-03-31",
        "boolean": False,
        "url": "https://example.org/a",
        "choice": "Gold",
        "multiple_choice": ["Gold", "Silver"],
        "person": {"username": "owen", "name": "Owen Owner"},
    }
    assert [field["type"] for field in shown["custom_fields"]] == list(T.values)
    assert shown["custom_fields"][0]["label"] == "Text"


def test_custom_values_are_sent_by_name_typed_as_they_are_shown(as_user, org, every_type):
    usecase = make_usecase(org=org, custom_values={"text": "Kept"})
    sent = {
        "integer": 7,
        "decimal": 2.25,
        "date": "2026-01-31",
        "boolean": True,
        "choice": "Silver",
        "multiple_choice": ["Gold"],
        "person": "leo",
        "url": None,
    }

    response = patch(as_user(org.member), usecase, {"custom_fields": sent})

    assert response.status_code == 200, response.content
    assert UseCase.objects.get(pk=usecase.pk).custom_values == {
        "text": "Kept",
        "integer": 7,
        "decimal": "2.25",
        "date": "2026-01-31",
        "boolean": True,
        "choice": "Silver",
        "multiple_choice": ["Gold"],
        "person": org.lead.pk,
    }
    values = {field["name"]: field["value"] for field in response.json()["custom_fields"]}
    assert values["person"] == {"username": "leo", "name": "Leo Lead"}


@pytest.mark.parametrize(
    ("sent", "field", "says"),
    [
        ({"integer": "forty"}, "cf_integer", "whole number"),
        ({"choice": "Platinum"}, "cf_choice", "Platinum"),
        ({"boolean": "maybe"}, "cf_boolean", "maybe"),
        ({"date": "2025-02-30"}, "cf_date", "year-month-day"),
        ({"person": "nobody"}, "cf_person", "nobody"),
        ({"colour": "red"}, "custom_fields.colour", "No custom field in use is named “colour”"),
        ({"retired_code": "X"}, "custom_fields.retired_code", "No custom field in use"),
    ],
)
def test_a_bad_custom_value_is_refused_naming_the_field_and_nothing_changes(
    as_user, org, every_type, sent, field, says
):
    usecase = make_usecase(org=org, custom_values={"integer": 1})

    response = patch(as_user(org.member), usecase, {"title": "Changed too", "custom_fields": sent})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert says in response.json()["errors"][field]
    fresh = UseCase.objects.get(pk=usecase.pk)
    assert (fresh.title, fresh.custom_values, fresh.version) == (
        usecase.title,
        {"integer": 1},
        usecase.version,
    )
