"""History completeness: every row change is recorded by the database, whoever makes it: the
services, a page (with the signed-in person as context), or code that bypasses both."""

import pytest
from django.apps import apps
from django.urls import reverse

from tests.conftest import edit_form_data
from tests.factories import GoalFactory, ProductFactory
from usecases import services
from usecases.choices import Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

UseCaseHistory = apps.get_model("usecases", "UseCaseHistory")
UseCaseProductHistory = apps.get_model("usecases", "UseCaseProductHistory")
UseCaseGoalHistory = apps.get_model("usecases", "UseCaseGoalHistory")
ReviewHistory = apps.get_model("usecases", "ReviewHistory")
SignOffHistory = apps.get_model("usecases", "SignOffHistory")


def newest(history):
    return history.order_by("-pgh_id").first()


def context_of(row) -> dict:
    return row.pgh_context.metadata if row.pgh_context_id else {}


# -- Outside the services ------------------------------------------------------------------------


def test_creating_a_use_case_records_an_insert(usecase):
    inserted = usecase.history.get()

    assert inserted.pgh_label == "insert"
    assert inserted.title == usecase.title
    assert inserted.status == Status.DRAFT


def test_a_queryset_update_from_the_shell_is_recorded(usecase):
    UseCase.objects.filter(pk=usecase.pk).update(title="Renamed in the shell")

    row = newest(usecase.history)
    assert row.pgh_label == "update"
    assert row.title == "Renamed in the shell"
    # The services were bypassed, but the database still moves the version on, so nobody decides
    # on the text they saw before this change (usecases.models, usecase_material_change).
    assert row.version == usecase.version + 1
    assert usecase.history.count() == 2


def test_a_model_save_outside_the_services_is_recorded(usecase):
    usecase.problem = "Changed by an importer."
    usecase.save()

    row = newest(usecase.history)
    assert (row.pgh_label, row.problem) == ("update", "Changed by an importer.")
    assert "user" not in context_of(row)


def test_a_save_that_changes_nothing_adds_no_history_row(usecase):
    stored = UseCase.objects.get(pk=usecase.pk)
    rows_before = usecase.history.count()

    UseCase.objects.filter(pk=usecase.pk).update(title=stored.title)

    assert usecase.history.count() == rows_before


def test_linking_and_unlinking_a_product_outside_the_services_is_recorded(org, usecase):
    other_product = ProductFactory(name="Case Manager", team=org.team)

    usecase.products.add(other_product)
    usecase.products.remove(org.product)

    linked = UseCaseProductHistory.objects.filter(usecase_id=usecase.pk)
    assert set(linked.values_list("pgh_label", "product_id")) == {
        ("product.linked", org.product.pk),  # when the service created the use case
        ("product.linked", other_product.pk),
        ("product.unlinked", org.product.pk),
    }


def test_linking_a_goal_outside_the_services_is_recorded(usecase):
    goal = GoalFactory(title="Fewer complaints")

    usecase.goals.add(goal)

    row = UseCaseGoalHistory.objects.filter(usecase_id=usecase.pk).order_by("-pgh_id").first()
    assert (row.pgh_label, row.strategicgoal_id) == ("goal.linked", goal.pk)


def test_deleting_a_use_case_outside_the_services_is_recorded(usecase):
    pk, title = usecase.pk, usecase.title

    UseCase.objects.filter(pk=pk).delete()

    row = UseCaseHistory.objects.filter(pgh_obj_id=pk).order_by("-pgh_id").first()
    assert (row.pgh_label, row.title) == ("delete", title)


# -- Through the services ------------------------------------------------------------------------


def test_each_transition_through_the_services_is_recorded(org, usecase):
    services.usecase_submit(usecase=usecase, actor=org.lead)
    services.usecase_approve(usecase=usecase, actor=org.reviewer)
    services.usecase_sign_off(usecase=usecase, actor=org.owner, accepted=True)

    statuses = list(usecase.history.order_by("pgh_id").values_list("status", flat=True))
    assert statuses == [
        Status.DRAFT,
        Status.IN_REVIEW,
        Status.AWAITING_SIGN_OFF,
        Status.ACTIVE,
    ]
    review = usecase.reviews.get()
    assert list(review.history.order_by("pgh_id").values_list("pgh_label", "decision")) == [
        ("insert", ""),
        ("update", "approved"),
    ]
    sign_off = usecase.sign_offs.get()
    assert sign_off.history.get().pgh_label == "insert"


def test_a_superseded_sign_off_keeps_its_history(org, usecase_in):
    usecase = usecase_in("active")
    first = usecase.sign_offs.get()

    services.usecase_reattest(usecase=usecase, actor=org.owner)

    labels = list(first.history.order_by("pgh_id").values_list("pgh_label", flat=True))
    assert labels[0] == "insert"
    superseded = newest(first.history)
    assert superseded.superseded_at is not None
    assert superseded.superseded_by_id == usecase.sign_offs.get(superseded_at__isnull=True).pk


def test_an_edit_through_the_services_records_the_links_it_changes(org, usecase):
    other_product = ProductFactory(name="Case Manager", team=org.team)

    services.usecase_update(
        usecase=usecase,
        actor=org.member,
        data={"products": [other_product]},
        expected_version=usecase.version,
    )

    labels = set(
        UseCaseProductHistory.objects.filter(usecase_id=usecase.pk).values_list(
            "pgh_label", "product_id"
        )
    )
    assert ("product.unlinked", org.product.pk) in labels
    assert ("product.linked", other_product.pk) in labels


# -- Through a page: who did it is in the context --------------------------------------------------


def test_a_transition_through_a_page_records_the_signed_in_person_and_the_url(
    client, org, usecase_in
):
    usecase = usecase_in("in_review")
    client.force_login(org.reviewer)
    url = reverse("usecases:usecase_approve", args=[usecase.key])

    response = client.post(url, {"note": "Clear and measurable.", "version": usecase.version})

    assert response.status_code == 302
    row = newest(usecase.history)
    assert row.status == Status.AWAITING_SIGN_OFF
    assert context_of(row)["user"] == org.reviewer.pk
    assert context_of(row)["url"] == url
    decided = newest(usecase.reviews.get().history)
    assert (decided.decision, context_of(decided)["user"]) == ("approved", org.reviewer.pk)


def test_a_sign_off_through_a_page_records_the_owner_on_every_row_it_writes(
    client, org, usecase_in
):
    usecase = usecase_in("awaiting_sign_off")
    client.force_login(org.owner)

    client.post(
        reverse("usecases:usecase_sign_off", args=[usecase.key]),
        {"accepted": "on", "version": usecase.version},
    )

    assert context_of(newest(usecase.history))["user"] == org.owner.pk
    assert context_of(usecase.sign_offs.get().history.get())["user"] == org.owner.pk


def test_an_edit_through_the_page_records_the_editor(client, org, usecase):
    client.force_login(org.member)

    response = client.post(
        reverse("usecases:usecase_edit", args=[usecase.key]),
        edit_form_data(usecase, title="A clearer title"),
    )

    assert response.status_code == 302
    row = newest(usecase.history)
    assert row.title == "A clearer title"
    assert context_of(row)["user"] == org.member.pk


@pytest.mark.parametrize("status", ["retired", "declined"])
def test_every_row_the_workflow_writes_carries_its_services_mark(org, usecase_in, status):
    """Create, submit, approve, sign off and retire (or reject): each history row of the use case,
    its reviews and sign-offs carries the mark of the service that wrote it, so none of them reads
    as a change made outside the registry's pages."""
    usecase = usecase_in(status)
    rows = [
        *UseCaseHistory.objects.filter(pgh_obj_id=usecase.pk),
        *ReviewHistory.objects.filter(usecase_id=usecase.pk),
        *SignOffHistory.objects.filter(usecase_id=usecase.pk),
    ]
    assert len(rows) >= 4
    unmarked = [
        row for row in rows if not (row.pgh_context and row.pgh_context.metadata.get("service"))
    ]
    assert unmarked == []
