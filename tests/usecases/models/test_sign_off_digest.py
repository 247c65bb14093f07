"""A sign-off is bound to the text it signed (issue 8, item 4): a material field changed anywhere
(shell, SQL, a restore) shows "changed since sign-off", counts on the dashboard as needing
re-review, and the daily job reports it."""

import importlib
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import UserFactory
from usecases import services
from usecases.choices import MATERIAL_FIELDS, Action, EventKind, MetricDirection
from usecases.concerns import concern_condition
from usecases.models.usecase import UseCase
from usecases.models.workflow import SignOff
from usecases.workflow import get_actions

pytestmark = pytest.mark.django_db

METRIC = {
    "metric_name": "Median days to a decision",
    "metric_direction": MetricDirection.DECREASE,
    "metric_baseline": Decimal(40),
    "metric_baseline_date": date(2026, 1, 1),
    "metric_target": Decimal(10),
    "metric_target_date": date(2027, 1, 1),
}


def new_value(name: str, org):
    return {
        "who": "Every clerk in the building",
        "problem": "A different problem altogether.",
        "success_signal": "Something else is measured now.",
        "metric_name": "Claims per clerk",
        "metric_direction": MetricDirection.INCREASE,
        "metric_baseline": Decimal("39.5"),
        "metric_baseline_date": date(2026, 2, 1),
        "metric_target": Decimal(11),
        "metric_target_date": date(2027, 6, 1),
        "owner": org.member,
    }[name]


@pytest.fixture
def signed(usecase_in):
    return usecase_in("active", **METRIC)


def test_the_sign_off_records_a_digest_of_what_was_signed(signed):
    digest = SignOff.objects.get(usecase=signed).material_digest
    assert len(digest) == 64


@pytest.mark.parametrize("field", MATERIAL_FIELDS)
def test_a_material_field_changed_from_the_shell_shows_and_counts(as_user, org, signed, field):
    UseCase.objects.filter(pk=signed.pk).update(**{field: new_value(field, org)})

    stored = UseCase.objects.get(pk=signed.pk)
    assert stored.changed_since_sign_off
    assert stored.version == signed.version + 1  # nobody decides on the old text
    assert stored.status == "active"
    page = as_user(org.member).get(signed.get_absolute_url()).content.decode()
    assert "Changed since sign-off" in page
    assert list(UseCase.objects.filter(concern_condition("changed"))) == [stored]
    listed = as_user(org.member).get("/usecases/?show=changed").content.decode()
    assert signed.key in listed


def test_a_change_in_sql_is_caught_too(signed):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE usecases_usecase SET problem = 'Rewritten' WHERE id = %s", [signed.pk]
        )
    assert UseCase.objects.get(pk=signed.pk).changed_since_sign_off


def test_the_dashboard_tile_counts_it_as_needing_re_review(as_user, org, signed):
    UseCase.objects.filter(pk=signed.pk).update(problem="Rewritten")
    html = as_user(org.reviewer).get("/dashboard/").content.decode()
    assert "Changed since sign-off" in html
    assert "/usecases/?show=changed" in html


@pytest.mark.parametrize(
    "change", [{"title": "A new title"}, {"business_value": 4}, {"metric_unit": "days"}]
)
def test_a_change_outside_what_was_signed_does_not_flag(signed, change):
    UseCase.objects.filter(pk=signed.pk).update(**change)
    assert not UseCase.objects.get(pk=signed.pk).changed_since_sign_off


def test_a_transfer_is_not_a_change_of_the_signed_text(org, signed):
    successor = UserFactory(username="sam")
    services.usecase_transfer_ownership(usecase=signed, actor=org.lead, new_owner=successor)
    assert not UseCase.objects.get(pk=signed.pk).changed_since_sign_off


def test_re_attesting_does_not_cover_a_changed_text_but_a_new_sign_off_does(org, signed):
    UseCase.objects.filter(pk=signed.pk).update(problem="Rewritten")
    current = UseCase.objects.get(pk=signed.pk)
    services.usecase_reattest(usecase=current, actor=org.owner, expected_version=current.version)
    assert UseCase.objects.get(pk=signed.pk).changed_since_sign_off

    # Through the pages' path: the edit sends it to review, the owner signs the new text.
    current = UseCase.objects.get(pk=signed.pk)
    services.usecase_update(
        usecase=current,
        actor=org.member,
        data={"problem": "Rewritten, and reviewed this time."},
        expected_version=current.version,
    )
    current = UseCase.objects.get(pk=signed.pk)
    current = services.usecase_approve(usecase=current, actor=org.reviewer)
    services.usecase_sign_off(usecase=current, actor=org.owner, accepted=True)
    assert not UseCase.objects.get(pk=signed.pk).changed_since_sign_off
    UseCase.objects.filter(pk=signed.pk).update(title="Unflagged: the title was not signed")
    assert not UseCase.objects.get(pk=signed.pk).changed_since_sign_off


def test_the_daily_job_finds_what_no_trigger_saw_and_reports_it(signed, usecase_in):
    other = usecase_in("active", title="Still as signed", **METRIC)
    with pgtrigger.ignore("usecases.UseCase:usecase_material_change"):
        UseCase.objects.filter(pk=signed.pk).update(who="Restored from an old backup")
    assert not UseCase.objects.get(pk=signed.pk).changed_since_sign_off

    out = StringIO()
    call_command("send_attestation_reminders", stdout=out)

    assert UseCase.objects.get(pk=signed.pk).changed_since_sign_off
    assert not UseCase.objects.get(pk=other.pk).changed_since_sign_off
    report = out.getvalue()
    assert f"1 active use case changed since sign-off, needing re-review: {signed.key}" in report
    assert f"newly found: {signed.key}" in report

    again = StringIO()
    call_command("send_attestation_reminders", stdout=again)
    assert f"needing re-review: {signed.key}" in again.getvalue()
    assert "newly found" not in again.getvalue()


def test_the_daily_job_says_when_everything_matches(signed):
    out = StringIO()
    call_command("send_attestation_reminders", stdout=out)
    assert "Every active use case matches the text its owner signed." in out.getvalue()


def test_an_old_sign_off_date_does_not_matter(signed):
    SignOff.objects.filter(usecase=signed).update(
        signed_at=signed.signed_off_at - timedelta(days=9)
    )
    assert not UseCase.objects.get(pk=signed.pk).changed_since_sign_off


def test_any_change_to_the_form_s_fields_moves_the_version_on_but_only_material_ones_flag(signed):
    """A title changed from the shell while the owner reads the page: their decision would be on
    a text they did not see, so the version moves on; the signed digest still matches."""
    UseCase.objects.filter(pk=signed.pk).update(title="Renamed from the shell")
    stored = UseCase.objects.get(pk=signed.pk)
    assert stored.version == signed.version + 1
    assert not stored.changed_since_sign_off


def test_the_migration_digests_an_open_transfer_with_the_signer_as_owner(org, signed):
    """Rows signed before the digest existed: one in the middle of a transfer names the new owner
    already, but what was signed named the previous one, who gets it back if the new one says no."""
    backfill = importlib.import_module("usecases.migrations.0007_sign_off_digest").BACKFILL
    successor = UserFactory(username="sam")
    waiting = services.usecase_transfer_ownership(
        usecase=signed, actor=org.lead, new_owner=successor
    )
    SignOff.objects.filter(usecase=signed).update(material_digest="")
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert SignOff.objects.get(usecase=signed, superseded_at=None).material_digest

    services.usecase_decline_ownership(usecase=waiting, actor=successor, reason="Not mine.")
    back = UseCase.objects.get(pk=signed.pk)
    assert (back.status, back.owner, back.changed_since_sign_off) == ("active", org.owner, False)


def test_a_lead_sends_a_changed_active_use_case_back_to_review(client, org, signed):
    """The way back for a text changed outside the pages: review, then the owner signs it."""
    assert Action.SUBMIT.value not in {b.name for b in get_actions(signed, org.lead)}
    UseCase.objects.filter(pk=signed.pk).update(problem="Rewritten from the shell")
    flagged = UseCase.objects.get(pk=signed.pk)
    assert Action.SUBMIT.value in {b.name for b in get_actions(flagged, org.lead)}
    assert Action.SUBMIT.value not in {b.name for b in get_actions(flagged, org.member)}

    client.force_login(org.lead)
    response = client.post(f"/usecases/{signed.key}/submit/", {"version": flagged.version})
    assert response.status_code == 302
    in_review = UseCase.objects.get(pk=signed.pk)
    assert (in_review.status, in_review.changed_since_sign_off) == ("in_review", True)
    assert in_review.events.first().kind == EventKind.RESUBMITTED

    approved = services.usecase_approve(usecase=in_review, actor=org.reviewer)
    services.usecase_sign_off(usecase=approved, actor=org.owner, accepted=True)
    owned = UseCase.objects.get(pk=signed.pk)
    assert (owned.status, owned.changed_since_sign_off) == ("active", False)


def test_an_unchanged_active_use_case_cannot_be_submitted(org, signed):
    with pytest.raises(services.InvalidTransition):
        services.usecase_submit(usecase=signed, actor=org.lead)
