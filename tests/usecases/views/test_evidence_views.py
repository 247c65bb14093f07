"""The evidence panel on the detail page: who sees and does what, htmx and plain posts, bad input,
the chart, and a query count that does not grow with the measurements."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import ROLES
from usecases import services
from usecases.choices import EventKind, EvidenceStatus, MetricDirection
from usecases.models import Measurement, UseCase, UseCaseEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
METRIC = {
    "metric_name": "Median days to a decision",
    "metric_unit": "days",
    "metric_direction": MetricDirection.DECREASE,
    "metric_baseline": Decimal(40),
    "metric_baseline_date": TODAY - timedelta(days=50),
    "metric_target": Decimal(10),
    "metric_target_date": TODAY + timedelta(days=50),
}
# Everyone in the permission matrix, and Mia again as a member the owner allowed to record.
EVIDENCE_ROLES = (*ROLES, "recorder")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def measured(usecase_in):
    return usecase_in("active", **METRIC)


@pytest.fixture
def as_evidence_role(client, org, measured):
    """Sign in as ``role``; "recorder" is Mia, allowed by the owner to record."""

    def sign_in(role):
        if role == "recorder":
            services.measurement_recorders_set(
                usecase=measured, actor=org.owner, users=[org.member]
            )
            client.force_login(org.member)
        elif role != "anonymous":
            client.force_login(getattr(org, role))
        return client

    return sign_in


def create_url(usecase):
    return f"/usecases/{usecase.key}/measurements/"


def delete_url(usecase, measurement):
    return f"/usecases/{usecase.key}/measurements/{measurement.pk}/delete/"


def recorders_url(usecase):
    return f"/usecases/{usecase.key}/measurements/recorders/"


def detail_url(usecase):
    return f"/usecases/{usecase.key}/"


def reading(**overrides) -> dict:
    data = {"measured_on": TODAY.isoformat(), "value": "24", "note": "", "source_url": ""}
    data.update(overrides)
    return data


def record(usecase, actor, value, *, days_ago=0):
    return services.measurement_record(
        usecase=usecase,
        actor=actor,
        measured_on=TODAY - timedelta(days=days_ago),
        value=Decimal(str(value)),
    )


def snapshot(usecase) -> tuple:
    """Everything a refused request must leave as it was."""
    stored = UseCase.objects.get(pk=usecase.pk)
    return (
        list(Measurement.objects.filter(usecase=usecase).values_list("pk", "value")),
        stored.evidence_status,
        stored.last_measured_on,
        stored.version,
        sorted(stored.measurement_recorders.values_list("pk", flat=True)),
        UseCaseEvent.objects.filter(usecase=usecase).count(),
    )


def assert_login_redirect(response, url):
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


# -- Permission matrix: record, delete, choose recorders ------------------------------------------

MAY_RECORD = {"owner", "recorder"}


@pytest.mark.parametrize("role", EVIDENCE_ROLES)
def test_recording_per_role(as_evidence_role, measured, role):
    client = as_evidence_role(role)
    before = snapshot(measured)
    response = client.post(create_url(measured), reading())
    if role == "anonymous":
        assert_login_redirect(response, create_url(measured))
    elif role in MAY_RECORD:
        assert response.status_code == 302
        assert response.url == f"{detail_url(measured)}#evidence-panel"
        assert Measurement.objects.filter(usecase=measured).count() == 1
        return
    else:
        assert response.status_code == 403
    if role == "recorder":
        return
    assert snapshot(measured) == before


@pytest.mark.parametrize("role", EVIDENCE_ROLES)
def test_deleting_the_owners_measurement_per_role(as_evidence_role, org, measured, role):
    measurement = record(measured, org.owner, 30)
    client = as_evidence_role(role)
    before = snapshot(measured)
    response = client.post(delete_url(measured, measurement))
    if role == "anonymous":
        assert_login_redirect(response, delete_url(measured, measurement))
    elif role == "owner":
        assert response.status_code == 302
        assert not Measurement.objects.filter(pk=measurement.pk).exists()
        return
    else:
        assert response.status_code == 403  # a recorder deletes only their own
    assert snapshot(measured) == before


def test_a_recorder_deletes_their_own(as_evidence_role, org, measured):
    client = as_evidence_role("recorder")
    own = record(measured, org.member, 30)
    response = client.post(delete_url(measured, own))
    assert response.status_code == 302
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("role", EVIDENCE_ROLES)
def test_choosing_recorders_per_role(as_evidence_role, org, measured, role):
    client = as_evidence_role(role)
    before = snapshot(measured)
    response = client.post(recorders_url(measured), {"recorders": [org.lead.pk]})
    if role == "anonymous":
        assert_login_redirect(response, recorders_url(measured))
    elif role == "owner":
        assert response.status_code == 302
        assert list(UseCase.objects.get(pk=measured.pk).measurement_recorders.all()) == [org.lead]
        return
    else:
        assert response.status_code == 403
    assert snapshot(measured) == before


@pytest.mark.parametrize("role", EVIDENCE_ROLES)
def test_what_the_panel_offers_per_role(as_evidence_role, org, measured, role):
    record(measured, org.owner, 30)
    client = as_evidence_role(role)
    response = client.get(detail_url(measured))
    if role == "anonymous":
        assert_login_redirect(response, detail_url(measured))
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="evidence-panel"' in html
    assert 'id="evidence-status">Off track<' in html  # 30 days when 25 is expected
    assert ("Record a measurement" in html) == (role in MAY_RECORD)
    assert (create_url(measured) in html) == (role in MAY_RECORD)
    assert (recorders_url(measured) in html) == (role == "owner")
    # Only the owner may delete the owner's measurement.
    assert (delete_url(measured, Measurement.objects.get()) in html) == (role == "owner")


def test_unknown_use_case_or_measurement_is_404(as_user, org, measured):
    client = as_user(org.owner)
    assert client.post("/usecases/UC-999999/measurements/", reading()).status_code == 404
    assert client.post(f"/usecases/{measured.key}/measurements/999999/delete/").status_code == 404


def test_a_measurement_of_another_use_case_is_404(as_user, org, measured, usecase_in):
    other = usecase_in("active", title="Another", **METRIC)
    measurement = record(other, org.owner, 30)
    response = as_user(org.owner).post(delete_url(measured, measurement))
    assert response.status_code == 404
    assert Measurement.objects.filter(pk=measurement.pk).exists()


def test_get_is_not_allowed(as_user, org, measured):
    assert as_user(org.owner).get(create_url(measured)).status_code == 405


# -- Without JavaScript: post, redirect, message ----------------------------------------------------


def test_a_plain_post_records_and_redirects_with_a_message(as_user, org, measured):
    client = as_user(org.owner)
    response = client.post(
        create_url(measured),
        reading(value="24.5", note="March report", source_url="https://example.org/march"),
        follow=True,
    )
    assert response.redirect_chain == [(f"{detail_url(measured)}#evidence-panel", 302)]
    html = response.content.decode()
    assert "Measurement of 24.5 days on" in html
    assert 'id="evidence-status">On track<' in html
    assert "March report" in html
    assert 'href="https://example.org/march"' in html
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.note) == (Decimal("24.5"), "March report")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (reading(value=""), "Enter the measured value."),
        (reading(value="lots"), "Value (days): “lots” is not a number"),
        (reading(value="1.23456"), "decimal places"),
        (reading(measured_on=""), "Give the date the value was measured."),
        (reading(measured_on="2025-13-45"), "Enter the date as year-month-day"),
        (
            reading(measured_on=(TODAY + timedelta(days=1)).isoformat()),
            "The date is in the future",
        ),
        (reading(measured_on="0001-01-01"), "Give the date measured between 1900 and 2199."),
        (reading(source_url="not a link"), "Enter a full web address"),
        (reading(note="x" * 501), "at most 500 characters"),
    ],
)
def test_bad_input_says_why_keeps_what_was_typed_and_saves_nothing(
    as_user, org, measured, data, message
):
    client = as_user(org.owner)
    before = snapshot(measured)
    response = client.post(create_url(measured), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="evidence-error"' in html
    if data["value"]:
        assert f'value="{data["value"]}"' in html
    assert snapshot(measured) == before


def test_a_use_case_without_a_metric_has_no_panel_and_refuses_with_a_reason(
    as_user, org, usecase_in
):
    usecase = usecase_in("active")
    client = as_user(org.owner)
    html = client.get(detail_url(usecase)).content.decode()
    assert 'id="evidence-panel"' not in html
    assert "No metric defined yet." in html
    response = client.post(create_url(usecase), reading(), follow=True)
    assert response.redirect_chain == [(detail_url(usecase), 302)]
    assert "has no success metric yet" in response.content.decode()
    assert not Measurement.objects.exists()
    # With htmx, the whole page is reloaded to show the message.
    response = client.post(create_url(usecase), reading(), **HTMX)
    assert response.headers["HX-Redirect"] == detail_url(usecase)
    assert not Measurement.objects.exists()


def test_the_owner_of_a_draft_is_told_to_wait(as_user, org, usecase_in):
    usecase = usecase_in("draft", **METRIC)
    client = as_user(org.owner)
    assert "Record a measurement" not in client.get(detail_url(usecase)).content.decode()
    response = client.post(create_url(usecase), reading())
    assert response.status_code == 400
    assert "once it is approved" in response.content.decode()
    assert not Measurement.objects.exists()


def test_choosing_someone_outside_the_team_is_refused(as_user, org, measured):
    client = as_user(org.owner)
    before = snapshot(measured)
    response = client.post(recorders_url(measured), {"recorders": [org.non_member.pk]})
    assert response.status_code == 400
    assert "Choose members of the owning team only." in response.content.decode()
    assert snapshot(measured) == before


def test_the_owner_allows_and_removes_recorders(as_user, org, measured):
    client = as_user(org.owner)
    response = client.post(recorders_url(measured), {"recorders": [org.member.pk]}, follow=True)
    assert "Mia Member may record measurements too." in response.content.decode()
    response = client.post(recorders_url(measured), {}, follow=True)
    assert "Only you record measurements now." in response.content.decode()
    assert not UseCase.objects.get(pk=measured.pk).measurement_recorders.exists()


# -- With htmx: the fresh panel and a usecaseChanged event ------------------------------------------


def after_swap_events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger-After-Swap", "{}"))


def test_htmx_post_returns_the_fresh_panel_and_triggers_usecase_changed(as_user, org, measured):
    client = as_user(org.owner)
    response = client.post(create_url(measured), reading(value="24"), **HTMX)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "usecases/_evidence.html"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="evidence-panel"')
    assert "<html" not in html
    assert 'id="evidence-status">On track<' in html
    assert "Measurement of 24 days on" in html
    assert after_swap_events(response) == {"usecaseChanged": {"source": "evidence"}}


def test_htmx_bad_input_returns_the_panel_with_the_message_and_no_event(as_user, org, measured):
    client = as_user(org.owner)
    before = snapshot(measured)
    response = client.post(create_url(measured), reading(value="lots"), **HTMX)
    assert response.status_code == 200  # htmx swaps it in place
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="evidence-panel"')
    assert "Value (days): “lots” is not a number" in html
    assert 'value="lots"' in html
    assert "HX-Trigger-After-Swap" not in response.headers
    assert snapshot(measured) == before


def test_htmx_delete_and_recorders_answer_with_the_panel(as_user, org, measured):
    client = as_user(org.owner)
    measurement = record(measured, org.owner, 30)
    response = client.post(delete_url(measured, measurement), **HTMX)
    assert "deleted" in response.content.decode()
    assert after_swap_events(response) == {"usecaseChanged": {"source": "evidence"}}
    response = client.post(recorders_url(measured), {"recorders": [org.member.pk]}, **HTMX)
    assert "Mia Member may record measurements too." in response.content.decode()
    assert after_swap_events(response) == {"usecaseChanged": {"source": "evidence"}}


def test_the_panel_refreshes_alone_on_request(as_user, org, measured):
    response = as_user(org.member).get(f"{detail_url(measured)}?panel=evidence", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="evidence-panel"')
    # It refreshes on others' changes, not on the one it answered itself.
    # (static/js/app.js turns usecaseChanged from another source into usecaseChangedElsewhere.)
    assert 'hx-trigger="usecaseChangedElsewhere" data-refresh-unless-source="evidence"' in html


def test_a_recorded_measurement_appears_in_the_timeline(as_user, org, measured):
    client = as_user(org.owner)
    client.post(create_url(measured), reading(value="24", note="March report"))
    html = client.get(detail_url(measured)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Measurement recorded" in timeline
    assert "24 days on" in timeline


# -- Status, staleness and the chart on the page ------------------------------------------------------


def chart_group(html: str, key: str) -> str:
    match = re.search(rf'<g class="chart-series chart-series-{key}.*?</g>', html, re.S)
    return match.group(0) if match else ""


def test_the_chart_draws_each_measurement_and_the_expected_line(as_user, org, measured):
    for days_ago, value in [(40, 40), (20, 26), (5, 35)]:
        record(measured, org.owner, value, days_ago=days_ago)
    html = as_user(org.member).get(detail_url(measured)).content.decode()
    measured_marks = chart_group(html, "measured")
    assert measured_marks.count('<circle class="chart-point"') == 3
    assert '<path class="chart-line"' in measured_marks
    expected = chart_group(html, "expected")
    assert '<path class="chart-line"' in expected and "<circle" not in expected
    assert chart_group(html, "target").count("<circle") == 1
    assert "Median days to a decision (days)</text>" in html  # the value axis, with its unit
    assert re.search(r"<desc [^>]*>3 measurements from .* Status: Off track\.</desc>", html)
    assert 'id="evidence-status">Off track<' in html
    # The table lists them newest first.
    table = html[html.index('class="table evidence-table"') :]
    assert table.index(">35<") < table.index(">26<") < table.index(">40<")


def test_no_measurements_shows_the_plan_and_no_data(as_user, org, measured):
    html = as_user(org.owner).get(detail_url(measured)).content.decode()
    assert 'id="evidence-status">No measurements<' in html
    assert chart_group(html, "measured").count("<circle") == 0
    assert '<path class="chart-line"' in chart_group(html, "expected")
    assert "No measurements recorded yet." in html


def test_stale_evidence_is_flagged(as_user, org, measured):
    record(measured, org.owner, 38, days_ago=91)
    html = as_user(org.member).get(detail_url(measured)).content.decode()
    assert 'id="evidence-stale">Evidence stale<' in html
    assert "Nothing measured in the last 90 days." in html
    record(measured, org.owner, 20, days_ago=3)
    html = as_user(org.member).get(detail_url(measured)).content.decode()
    assert "Evidence stale" not in html


def test_without_a_line_the_page_says_what_is_judged(as_user, org, usecase_in):
    usecase = usecase_in("active", metric_name="Claims per officer", metric_target=Decimal(30))
    record(usecase, org.owner, 20)
    html = as_user(org.owner).get(detail_url(usecase)).content.decode()
    assert 'id="evidence-status">At risk<' in html
    assert "until then the status says only whether the target is reached" in html


# -- Query budget -----------------------------------------------------------------------------------


# The detail page's budget (15, tests/usecases/test_query_budget.py) plus the evidence panel's
# readings; the owner's page also lists the team's members for the "who may record" form.
DETAIL_BUDGET = 16


@pytest.mark.parametrize("role", ["owner", "member", "recorder"])
def test_detail_page_queries_do_not_grow_with_measurements(
    as_evidence_role, org, measured, django_assert_max_num_queries, role
):
    client = as_evidence_role(role)

    def queries() -> int:
        with django_assert_max_num_queries(DETAIL_BUDGET) as captured:
            response = client.get(detail_url(measured))
        assert response.status_code == 200
        return len(captured)

    people = [org.owner, org.member] if role == "recorder" else [org.owner]
    for n in range(3):
        record(measured, people[n % len(people)], 30 - n, days_ago=40 - n)
    with_three = queries()
    for n in range(3, 30):
        record(measured, people[n % len(people)], 30 - n / 2, days_ago=40 - n)
    assert queries() == with_three
    html = client.get(detail_url(measured)).content.decode()
    assert chart_group(html, "measured").count("<circle") == 30


def test_status_text_follows_the_stored_column(as_user, org, measured):
    record(measured, org.owner, 25)
    UseCase.objects.filter(pk=measured.pk).update(evidence_status=EvidenceStatus.AT_RISK)
    html = as_user(org.owner).get(detail_url(measured)).content.decode()
    # The page shows what the dashboards count; the daily recompute brings both up to date.
    assert 'id="evidence-status">At risk<' in html
    assert UseCaseEvent.objects.filter(kind=EventKind.MEASUREMENT_RECORDED).count() == 1


def test_a_stored_reading_at_the_ends_of_the_calendar_still_draws(as_user, org, measured):
    """A date no form accepts any longer (an import, the shell) must not take the page down: the
    chart clamps its margins at the calendar's ends."""
    from datetime import date

    services.measurement_record(
        usecase=measured, actor=org.owner, measured_on=date(1, 1, 1), value=Decimal(30)
    )
    UseCase.objects.filter(pk=measured.pk).update(metric_target_date=date(9999, 12, 31))
    response = as_user(org.owner).get(detail_url(measured))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


def test_during_a_handover_the_signed_owner_keeps_the_evidence(as_user, org, measured):
    """Ownership handed to someone who has not signed yet: the outgoing owner, whose sign-off
    still holds, keeps recording and managing; the incoming owner cannot delete what was measured
    or choose recorders until they sign."""
    kept = record(measured, org.owner, 25, days_ago=3)
    services.usecase_transfer_ownership(usecase=measured, actor=org.lead, new_owner=org.reviewer)
    before = snapshot(measured)

    incoming = as_user(org.reviewer)
    assert incoming.post(delete_url(measured, kept)).status_code == 403
    assert incoming.post(recorders_url(measured), {"recorders": [org.member.pk]}).status_code == 403
    assert snapshot(measured) == before
    assert "Delete" not in incoming.get(detail_url(measured)).content.decode()

    outgoing = as_user(org.owner)
    assert outgoing.post(create_url(measured), reading(value="22")).status_code == 302
    assert Measurement.objects.filter(usecase=measured).count() == 2
    assert "Delete" in outgoing.get(detail_url(measured)).content.decode()

    services.usecase_sign_off(usecase=measured, actor=org.reviewer, accepted=True)
    assert as_user(org.reviewer).post(delete_url(measured, kept)).status_code == 302
    assert as_user(org.owner).post(create_url(measured), reading()).status_code == 403


def test_the_owner_ticks_who_may_record_among_the_teams_other_members(client, org, measured):
    """A box per other member of the team, by name and username (escaped), ticked for those
    allowed; posting the boxes as drawn keeps who may record as it was."""
    org.member.first_name = "Mia <b>"
    org.member.save()
    services.measurement_recorders_set(usecase=measured, actor=org.owner, users=[org.member])
    client.force_login(org.owner)
    page = client.get(measured.get_absolute_url()).content.decode()
    boxes = re.findall(
        r'<input type="checkbox" name="recorders" value="(\d+)" id="evidence-recorders_\d+"'
        r"( checked)?>",
        page,
    )
    others = measured.team.memberships.exclude(user=org.owner).values_list("user_id", flat=True)
    assert sorted(int(pk) for pk, _ in boxes) == sorted(others)
    assert [int(pk) for pk, ticked in boxes if ticked] == [org.member.pk]
    assert f" Mia &lt;b&gt; {org.member.last_name} ({org.member.username})</label>" in page
    assert "Mia <b>" not in page
    ticked = [pk for pk, ticked in boxes if ticked]
    assert client.post(recorders_url(measured), {"recorders": ticked}).status_code == 302
    assert list(UseCase.objects.get(pk=measured.pk).measurement_recorders.all()) == [org.member]
