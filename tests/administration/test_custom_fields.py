"""The custom fields pages: admins only; defining, editing and archiving a field is recorded in
the administration history; what would strand stored values is refused with nothing changed."""

import pytest
from django.urls import reverse

from administration.services import custom_fields, editing
from administration.services.errors import AdminError
from portfolio.models import AdminEvent
from tests.conftest import ROLES, expect_admin_only, make_usecase
from usecases.models import CustomField, UseCase

pytestmark = pytest.mark.django_db

VALID = {
    "label": "Cost centre",
    "name": "cost_centre",
    "help_text": "Where the money comes from.",
    "type": "text",
    "choices": "",
    "required_for_review": "on",
    "group": "Finance",
    "order": "10",
}


def cost_centre(org, **fields):
    data = {
        "label": "Cost centre",
        "name": "cost_centre",
        "type": "text",
        "choices": [],
        "required_for_review": False,
        "group": "",
        "order": 100,
        **fields,
    }
    return custom_fields.customfield_create(actor=org.admin, data=data)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["customfield_list", "customfield_create", "customfield_edit"])
def test_only_admins_open_the_custom_field_pages(as_role, org, role, page):
    field = cost_centre(org)
    args = [field.pk] if page == "customfield_edit" else []
    expect_admin_only(as_role(role).get(reverse(f"administration:{page}", args=args)), role)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_define_a_field(as_role, org, role):
    response = as_role(role).post(reverse("administration:customfield_create"), VALID)
    expect_admin_only(response, role, ok=(302,))
    assert CustomField.objects.filter(name="cost_centre").exists() == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_archive_a_field(as_role, org, role):
    field = cost_centre(org)
    response = as_role(role).post(
        reverse("administration:customfield_archive", args=[field.pk]), {"archived": "1"}
    )
    expect_admin_only(response, role, ok=(302,))
    field.refresh_from_db()
    assert field.is_archived == (role == "admin")


def test_an_admin_defines_a_field_and_it_is_recorded(as_user, org):
    client = as_user(org.admin)
    response = client.post(reverse("administration:customfield_create"), VALID, follow=True)
    assert "Custom field “Cost centre” created." in response.content.decode()
    field = CustomField.objects.get()
    assert (field.label, field.required_for_review, field.group, field.order) == (
        "Cost centre",
        True,
        "Finance",
        10,
    )
    event = AdminEvent.objects.get(action="customfield.created")
    assert event.target_label == "Cost centre"
    assert "Cost centre" in client.get(reverse("administration:customfield_list")).content.decode()


@pytest.mark.parametrize(
    "overrides, says",
    [
        ({"name": "Cost Centre"}, "lower-case letters"),
        ({"type": "choice", "choices": ""}, "at least one choice"),
        ({"type": "colour"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(as_user, org, overrides, says):
    response = as_user(org.admin).post(
        reverse("administration:customfield_create"), {**VALID, **overrides}
    )
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not CustomField.objects.exists()


def test_a_second_field_of_the_same_label_or_name_is_refused(org):
    cost_centre(org)
    with pytest.raises(AdminError, match="labelled “cost centre”"):
        cost_centre(org, label="cost centre", name="other")
    with pytest.raises(AdminError, match="named “cost_centre”"):
        cost_centre(org, label="Other")


def test_the_type_of_a_field_holding_values_cannot_change(org):
    field = cost_centre(org)
    make_usecase(org=org, custom_values={"cost_centre": "CC-1"})
    with pytest.raises(AdminError, match="its type can't change"):
        custom_fields.customfield_update(field=field, actor=org.admin, data={"type": "integer"})
    field.refresh_from_db()
    assert field.type == "text"


def test_a_choice_held_by_a_use_case_cannot_be_removed(org):
    field = cost_centre(org, type="multiple_choice", choices=["North", "South"])
    make_usecase(org=org, custom_values={"cost_centre": ["South"]})
    with pytest.raises(AdminError, match="“South”"):
        custom_fields.customfield_update(field=field, actor=org.admin, data={"choices": ["North"]})
    custom_fields.customfield_update(
        field=field, actor=org.admin, data={"choices": ["South", "East"]}
    )
    field.refresh_from_db()
    assert field.choices == ["South", "East"]


def test_an_edit_over_someone_elses_change_is_refused(as_user, org):
    field = cost_centre(org)
    loaded = editing.state_fingerprint(custom_fields.customfield_state(field))
    custom_fields.customfield_update(field=field, actor=org.admin, data={"label": "Budget code"})
    response = as_user(org.admin).post(
        reverse("administration:customfield_edit", args=[field.pk]),
        {**VALID, "label": "Cost center", "fingerprint": loaded},
    )
    assert response.status_code == 409
    field.refresh_from_db()
    assert field.label == "Budget code"


def test_archiving_hides_the_field_and_keeps_its_values_restoring_brings_them_back(as_user, org):
    field = cost_centre(org)
    usecase = make_usecase(org=org, custom_values={"cost_centre": "CC-7"})
    client = as_user(org.member)
    assert "CC-7" in client.get(usecase.get_absolute_url()).content.decode()

    custom_fields.customfield_set_archived(field=field, actor=org.admin, archived=True)
    assert "CC-7" not in client.get(usecase.get_absolute_url()).content.decode()
    assert "cf_cost_centre" not in client.get(f"/usecases/{usecase.key}/edit/").content.decode()
    assert UseCase.objects.get(pk=usecase.pk).custom_values == {"cost_centre": "CC-7"}
    assert AdminEvent.objects.filter(action="customfield.archived").exists()

    custom_fields.customfield_set_archived(field=field, actor=org.admin, archived=False)
    assert "CC-7" in client.get(usecase.get_absolute_url()).content.decode()
