"""Custom fields: each type refuses bad input on every write path (the form, and the services a
shell or an importer calls), naming the field and writing nothing; good input is stored in one
JSON column, shown by label, counted in the diff and the history, and required for review when
the admins say so."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import signing

from tests.conftest import create_form_data, edit_form_data, make_usecase
from usecases import services
from usecases.custom_fields.values import checked_custom_values
from usecases.models import CustomField, CustomFieldType, UseCase

pytestmark = pytest.mark.django_db
T = CustomFieldType

# type: (a value it takes, how it is stored, what it refuses, how the refusal reads)
CASES = {
    T.TEXT: ("CC-4711", "CC-4711", "x" * 501, "keep it to 500 characters"),
    T.LONG_TEXT: ("Two\nlines", "Two\nlines", "x" * 10001, "keep it to 10000 characters"),
    T.INTEGER: ("42", 42, "42abc", "enter a whole number"),
    T.DECIMAL: ("12,5", "12.5", "12.5.3x", "enter a number"),
    T.DATE: ("2025-03-31", "2025-03-31", "9999-01-01", "between 1900 and 2199"),
    T.BOOLEAN: ("yes", True, "maybe", "answer yes or no"),
    T.URL: ("https://example.org/a", "https://example.org/a", "ftp://example.org", "http://"),
    T.CHOICE: ("Gold", "Gold", "Platinum", "is not one of the choices"),
    T.MULTIPLE_CHOICE: (["Silver", "Gold"], ["Gold", "Silver"], ["Tin"], "is not one of"),
}


def define(type_, *, name="extra", label="Extra", **fields):
    choices = ["Gold", "Silver"] if type_ in (T.CHOICE, T.MULTIPLE_CHOICE) else []
    return CustomField.objects.create(name=name, label=label, type=type_, choices=choices, **fields)


@pytest.mark.parametrize("type_", list(CASES))
def test_the_service_stores_a_good_value_and_refuses_a_bad_one_naming_the_field(org, type_):
    define(type_)
    good, stored, bad, says = CASES[type_]
    usecase = make_usecase(org=org, custom_values={"extra": good})
    usecase.refresh_from_db()
    assert usecase.custom_values == {"extra": stored}

    with pytest.raises(services.InvalidValue) as refusal:
        services.usecase_update(
            usecase=usecase,
            actor=org.member,
            data={"title": "Changed too", "custom_values": {"extra": bad}},
            expected_version=usecase.version,
        )
    assert says in refusal.value.errors["cf_extra"]
    assert refusal.value.errors["cf_extra"].startswith("Extra")
    usecase.refresh_from_db()
    assert usecase.title != "Changed too"
    assert usecase.custom_values == {"extra": stored}


def test_a_person_field_takes_an_active_person_by_username_and_refuses_anyone_else(org):
    define(T.PERSON, label="Data steward")
    usecase = make_usecase(org=org, custom_values={"extra": "owen"})
    assert usecase.custom_values == {"extra": org.owner.pk}
    org.lead.is_active = False
    org.lead.save()
    for bad in ("leo", "nobody", 999999):
        with pytest.raises(services.InvalidValue) as refusal:
            make_usecase(org=org, custom_values={"extra": bad})
        assert refusal.value.errors["cf_extra"].startswith("Data steward:")


def test_an_unknown_key_is_refused_and_nothing_is_created(org):
    define(T.TEXT)
    before = UseCase.objects.count()
    with pytest.raises(services.InvalidValue) as refusal:
        make_usecase(org=org, custom_values={"extra": "fine", "colour": "red"})
    assert "Not custom fields in use: “colour”" in refusal.value.errors["custom_values"]
    assert UseCase.objects.count() == before


def test_an_archived_field_takes_no_new_values_but_keeps_its_old_ones(org):
    field = define(T.TEXT)
    usecase = make_usecase(org=org, custom_values={"extra": "kept"})
    field.is_archived = True
    field.save()
    with pytest.raises(services.InvalidValue):
        services.usecase_update(
            usecase=usecase,
            actor=org.member,
            data={"custom_values": {"extra": "new"}},
            expected_version=usecase.version,
        )
    saved = services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"title": "Renamed"},
        expected_version=usecase.version,
    )
    assert saved.custom_values == {"extra": "kept"}


def test_an_empty_value_clears_the_field():
    values, errors = checked_custom_values({"extra": "x"}, {"extra": ""}, {"extra": _unsaved()})
    assert (values, errors) == ({}, {})


def _unsaved():
    return CustomField(name="extra", label="Extra", type=T.TEXT)


@pytest.mark.parametrize("type_", list(CASES))
def test_the_form_refuses_a_bad_value_naming_the_field_and_saves_nothing(as_user, org, type_):
    define(type_)
    _, _, bad, _ = CASES[type_]
    client = as_user(org.member)
    before = UseCase.objects.count()
    response = client.post("/usecases/new/", create_form_data(org=org, cf_extra=bad))
    assert response.status_code == 200
    form = response.context["form"]
    assert "cf_extra" in form.errors
    assert "Extra" in form.fields["cf_extra"].label
    assert UseCase.objects.count() == before


@pytest.mark.parametrize("type_", list(CASES))
def test_the_form_saves_a_good_value_of_each_type(as_user, org, type_):
    define(type_)
    good, stored, _, _ = CASES[type_]
    client = as_user(org.member)
    response = client.post("/usecases/new/", create_form_data(org=org, cf_extra=good))
    assert response.status_code == 302
    assert UseCase.objects.get().custom_values == {"extra": stored}


def test_an_edit_of_a_custom_value_moves_the_version_and_is_recorded_by_label(as_user, org):
    define(T.TEXT, name="cost_centre", label="Cost centre")
    usecase = make_usecase(org=org, custom_values={"cost_centre": "CC-1"})
    client = as_user(org.member)
    response = client.post(
        f"/usecases/{usecase.key}/edit/", edit_form_data(usecase, cf_cost_centre="CC-2")
    )
    assert response.status_code == 302
    usecase.refresh_from_db()
    assert usecase.version == 2
    event = usecase.events.latest("version")
    assert event.changes == {"cf_cost_centre": ["CC-1", "CC-2"]}
    response = client.get(usecase.get_absolute_url())
    assert "CC-2" in response.content.decode()
    edit = next(entry for entry in response.context["timeline"] if entry.changed_labels)
    assert edit.changed_labels == ("Cost centre",)


def test_a_change_outside_the_registry_shows_in_the_history_by_label(as_user, org):
    define(T.DECIMAL, name="budget", label="Budget")
    usecase = make_usecase(org=org, custom_values={"budget": "10"})
    UseCase.objects.filter(pk=usecase.pk).update(custom_values={"budget": "12.5"})
    response = as_user(org.member).get(usecase.get_absolute_url())
    outside = next(entry for entry in response.context["timeline"] if entry.changes)
    assert [(c.label, c.old, c.new) for c in outside.changes] == [("Budget", "10", "12.5")]


def test_a_field_required_for_review_blocks_submitting_until_filled(org):
    define(T.TEXT, name="cost_centre", label="Cost centre", required_for_review=True)
    usecase = make_usecase(org=org)
    with pytest.raises(services.Incomplete) as refusal:
        services.usecase_submit(usecase=usecase, actor=org.lead)
    assert "Cost centre" in str(refusal.value)
    usecase = services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"custom_values": {"cost_centre": "CC-9"}},
        expected_version=usecase.version,
    )
    submitted = services.usecase_submit(usecase=usecase, actor=org.lead)
    assert submitted.status == "in_review"
    assert submitted.revisions.get().data["cf_cost_centre"] == "CC-9"


def test_custom_values_are_not_material_to_a_sign_off(org):
    from tests.conftest import advance_usecase

    define(T.TEXT)
    usecase = advance_usecase(make_usecase(org=org), org=org, to="active")
    saved = services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"custom_values": {"extra": "new"}},
        expected_version=usecase.version,
    )
    assert saved.status == "active" and not saved.changed_since_sign_off


def test_values_take_python_types_from_a_shell():
    fields = {
        "d": CustomField(name="d", label="D", type=T.DATE),
        "n": CustomField(name="n", label="N", type=T.DECIMAL),
        "b": CustomField(name="b", label="B", type=T.BOOLEAN),
        "i": CustomField(name="i", label="I", type=T.INTEGER),
    }
    values, errors = checked_custom_values(
        {}, {"d": date(2025, 1, 2), "n": Decimal("1.50"), "b": False, "i": True}, fields
    )
    assert values == {"d": "2025-01-02", "n": "1.5", "b": False}
    assert errors == {"cf_i": "I: enter a whole number, e.g. 42."}


def test_a_person_who_left_stays_named_through_an_edit_of_something_else(as_user, org):
    define(T.PERSON, name="steward", label="Data steward")
    usecase = make_usecase(org=org, custom_values={"steward": "leo"})
    org.lead.is_active = False
    org.lead.save()
    client = as_user(org.member)
    form = client.get(f"/usecases/{usecase.key}/edit/").context["form"]
    assert form["cf_steward"].value() == org.lead.pk
    response = client.post(
        f"/usecases/{usecase.key}/edit/",
        edit_form_data(usecase, title="Renamed", cf_steward=org.lead.pk),
    )
    assert response.status_code == 302
    usecase.refresh_from_db()
    assert (usecase.title, usecase.custom_values) == ("Renamed", {"steward": org.lead.pk})


def test_a_stale_edit_keeps_a_custom_value_someone_else_saved(as_user, org):
    define(T.TEXT, name="cost_centre", label="Cost centre")
    usecase = make_usecase(org=org, custom_values={"cost_centre": "CC-1"})
    client = as_user(org.member)
    loaded = client.get(f"/usecases/{usecase.key}/edit/").context["form"]
    stale = {**edit_form_data(usecase, title="Mine"), "original": loaded["original"].value()}
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"custom_values": {"cost_centre": "CC-2"}},
        expected_version=usecase.version,
    )
    conflict = client.post(f"/usecases/{usecase.key}/edit/", {**stale, "cf_cost_centre": "CC-1"})
    assert conflict.status_code == 409
    theirs = {change.label: change.theirs for change in conflict.context["their_changes"]}
    assert theirs == {"Cost centre": "CC-2"}
    assert conflict.context["form"]["cf_cost_centre"].value() == "CC-2"


@pytest.mark.parametrize(
    "value",
    [Decimal("1E+30"), 1e30, "12345678901234567", "0.12345678901234567"],
)
def test_a_decimal_is_held_to_the_form_s_digit_limit_on_every_path(org, value):
    """The shell or an import can't store what the form refuses (and what the list can't sort)."""
    define(T.DECIMAL)
    with pytest.raises(services.InvalidValue) as refusal:
        make_usecase(org=org, custom_values={"extra": value})
    assert "at most 16 digits" in refusal.value.errors["cf_extra"]


def test_every_unknown_key_is_named(org):
    with pytest.raises(services.InvalidValue) as refusal:
        make_usecase(org=org, custom_values={"nope": 1, "neither": 2})
    assert "“nope”" in refusal.value.errors["custom_values"]
    assert "“neither”" in refusal.value.errors["custom_values"]


def test_a_post_that_leaves_a_custom_field_out_keeps_its_value(as_user, org):
    """A script, or a page loaded while the field was archived and since restored: only what the
    post carries changes."""
    define(T.TEXT)
    usecase = make_usecase(org=org, custom_values={"extra": "CC-1"})
    data = edit_form_data(usecase, title="Retitled")
    del data["cf_extra"]
    response = as_user(org.member).post(f"/usecases/{usecase.key}/edit/", data)
    assert response.status_code == 302
    usecase.refresh_from_db()
    assert (usecase.title, usecase.custom_values) == ("Retitled", {"extra": "CC-1"})


def test_unticking_every_choice_on_the_page_clears_a_multiple_choice(as_user, org):
    define(T.MULTIPLE_CHOICE)
    usecase = make_usecase(org=org, custom_values={"extra": ["Gold"]})
    page = as_user(org.member).get(f"/usecases/{usecase.key}/edit/").content.decode()
    assert 'name="custom_shown" value="cf_extra"' in page
    data = edit_form_data(usecase)
    data.pop("cf_extra", None)
    data["custom_shown"] = ["cf_extra"]  # what the page posts with nothing ticked
    as_user(org.member).post(f"/usecases/{usecase.key}/edit/", data)
    usecase.refresh_from_db()
    assert usecase.custom_values == {}


def test_an_archived_field_leaves_the_revision_diff_instead_of_reading_as_cleared(
    as_user, org, usecase_in
):
    field = define(T.TEXT)
    active = usecase_in("active", custom_values={"extra": "CC-1"})
    field.is_archived = True
    field.save()
    services.usecase_update(
        usecase=active,
        actor=org.member,
        data={"problem": "Claims now wait months."},
        expected_version=active.version,
    )
    response = as_user(org.reviewer).get(active.get_absolute_url())
    diff = response.context["revision_diff"]
    assert "cf_extra" not in {row.field for row in diff}
    assert any(row.field == "problem" and row.changed for row in diff)


def test_a_form_shown_again_after_an_error_keeps_a_field_its_page_did_not_show(as_user, org):
    """Loaded while the field was archived, since restored; the save fails on another field: the
    form drawn again holds the stored value, so fixing the error and saving keeps it."""
    define(T.TEXT)
    usecase = make_usecase(org=org, custom_values={"extra": "CC-1"})
    data = edit_form_data(usecase, title="")
    del data["cf_extra"]
    client = as_user(org.member)
    response = client.post(f"/usecases/{usecase.key}/edit/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["cf_extra"].value() == "CC-1"
    again = {key: form.data.getlist(key) for key in form.data}
    again["title"] = "Fixed title"
    assert client.post(f"/usecases/{usecase.key}/edit/", again).status_code == 302
    usecase.refresh_from_db()
    assert (usecase.title, usecase.custom_values) == ("Fixed title", {"extra": "CC-1"})


def test_a_conflict_keeps_the_saved_value_of_a_field_the_editor_s_page_did_not_show(as_user, org):
    define(T.TEXT)
    usecase = make_usecase(org=org, custom_values={"extra": "CC-1"})
    loaded = edit_form_data(usecase)
    del loaded["cf_extra"]  # archived when the page was loaded
    typed = {**loaded, "title": "Mine", "original": signing.dumps(loaded)}
    services.usecase_update(
        usecase=usecase,
        actor=org.lead,
        data={"custom_values": {"extra": "CC-2"}},
        expected_version=usecase.version,
    )
    response = as_user(org.member).post(f"/usecases/{usecase.key}/edit/", typed)
    assert response.status_code == 409
    form = response.context["form"]
    assert form.data["cf_extra"] == "CC-2"
    assert form.data["title"] == "Mine"
