"""After a workflow action on the detail page, every part of the page the action changed is fresh
without a reload: the status panel is swapped in place, and the same answer carries the version
line and the Ownership card out of band. Without JavaScript the form posts and the page reloads.
A refused action (someone else was quicker) brings the page up to date the same way. The Ownership
card only says an earlier sign-off holds while it still does: through a transfer of the signed text,
not after the text was changed.
"""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from tests.conftest import edit_form_data
from tests.factories import GoalFactory, ProductFactory, reviewer
from usecases import services
from usecases.choices import Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def action_url(usecase, action: str) -> str:
    return reverse(f"usecases:usecase_{action}", args=[usecase.key])


def fragment(html: str, element_id: str) -> str:
    """The element with ``element_id``, from its opening tag to the end of its own tag name."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"', html)
    assert match, f"no #{element_id} in the answer"
    tag = match.group(1)
    end = html.index(f"</{tag}>", match.start())
    return html[match.start() : end + len(tag) + 3]


def today() -> str:
    return date_format(timezone.localtime(), "j M Y")


def test_signing_off_with_htmx_refreshes_the_ownership_card_and_the_version(
    as_user, org, usecase_in
):
    usecase = usecase_in("awaiting_sign_off")
    page = as_user(org.owner).get(usecase.get_absolute_url()).content.decode()
    assert "Awaiting Owen Owner's sign-off" in fragment(page, "ownership-card")

    response = as_user(org.owner).post(
        action_url(usecase, "sign_off"),
        {"accepted": "on", "version": usecase.version},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    stored = UseCase.objects.get(pk=usecase.pk)
    assert stored.status == Status.ACTIVE
    # The status panel replaces the old one (hx-target); the rest comes out of band.
    panel = fragment(html, "status-panel")
    assert "hx-swap-oob" not in panel
    assert "signed off." in panel
    card = fragment(html, "ownership-card")
    assert 'hx-swap-oob="true"' in card
    assert f"Signed off {today()}" in card
    assert "Awaiting" not in card
    expires = date_format(timezone.localtime(stored.attestation_expires_at), "j M Y")
    assert f"attestation due {expires}" in card
    version = fragment(html, "version-line")
    assert 'hx-swap-oob="true"' in version
    assert f"Version {stored.version} ·" in version
    assert stored.version > usecase.version


def test_a_transfer_with_htmx_shows_the_new_owner_awaited_and_the_old_sign_off_holding(
    as_user, org, usecase_in, successor
):
    usecase = usecase_in("active")

    response = as_user(org.lead).post(
        action_url(usecase, "transfer_ownership"),
        {
            "new_owner": successor.pk,
            "note": "Moves to the payments team.",
            "version": usecase.version,
        },
        headers=HTMX,
    )

    card = fragment(response.content.decode(), "ownership-card")
    assert "Sam Successor" in card
    assert "Owen Owner" not in card
    assert f"Awaiting Sam Successor's sign-off; the sign-off of {today()} holds until then" in (
        " ".join(card.split())
    )


@pytest.mark.parametrize(
    ("status", "action", "actor", "data"),
    [
        ("draft", "submit", "lead", {}),
        ("in_review", "approve", "reviewer", {"note": ""}),
        ("in_review", "request_changes", "reviewer", {"note": "Name the offices."}),
        ("in_review", "reject", "reviewer", {"note": "Out of scope."}),
        ("active", "reattest", "owner", {}),
        ("active", "retire", "lead", {"note": "Replaced."}),
        ("declined", "reopen", "lead", {}),
        ("awaiting_sign_off", "decline_ownership", "owner", {"note": "Not mine."}),
    ],
)
def test_every_action_answers_with_the_fresh_version_line_and_ownership_card(
    as_user, org, usecase_in, status, action, actor, data
):
    usecase = usecase_in(status)
    data = {**data, "version": usecase.version}

    response = as_user(getattr(org, actor)).post(action_url(usecase, action), data, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    stored = UseCase.objects.get(pk=usecase.pk)
    assert stored.version > usecase.version
    assert f"Version {stored.version} ·" in fragment(html, "version-line")
    assert 'hx-swap-oob="true"' in fragment(html, "ownership-card")
    assert html.count('id="status-panel"') == 1


def test_a_refused_action_brings_the_page_up_to_date_too(as_user, org, usecase_in):
    """Someone was quicker: the answer says so and shows the state the use case is in now."""
    usecase = usecase_in("awaiting_sign_off")
    client = as_user(org.owner)
    shown = {"accepted": "on", "version": usecase.version}
    client.post(action_url(usecase, "sign_off"), shown, headers=HTMX)

    again = client.post(action_url(usecase, "sign_off"), shown, headers=HTMX)

    html = again.content.decode()
    assert again.status_code == 409
    assert f"{usecase.key} changed after you opened it" in fragment(html, "status-panel")
    assert f"Signed off {today()}" in fragment(html, "ownership-card")
    stored = UseCase.objects.get(pk=usecase.pk)
    assert f"Version {stored.version} ·" in fragment(html, "version-line")


def change_event(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger-After-Swap", "{}"))


def test_a_refused_action_tells_the_rest_of_the_page_to_refresh(as_user, org, usecase_in):
    """Rita approved while Rob's page still offered Reject: his answer says so, and the timeline,
    diff, evidence panel and inbox count refresh as they do after his own change."""
    rob = reviewer(username="rob", first_name="Rob", last_name="Reviewer")
    usecase = usecase_in("in_review")
    shown = usecase.version
    services.usecase_approve(usecase=usecase, actor=org.reviewer)

    response = as_user(rob).post(
        action_url(usecase, "reject"), {"note": "Out of scope.", "version": shown}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Rita Reviewer: approved" in fragment(html, "status-panel")
    assert UseCase.objects.get(pk=usecase.pk).status == Status.AWAITING_SIGN_OFF
    assert change_event(response) == {"usecaseChanged": {"source": "status"}}


def test_a_refusal_by_the_service_tells_the_page_to_refresh_too(as_user, org, usecase_in):
    """A second Re-attest from a page shown before the first one."""
    usecase = usecase_in("active")
    client = as_user(org.owner)
    shown = {"version": usecase.version}
    client.post(action_url(usecase, "reattest"), shown, headers=HTMX)

    again = client.post(action_url(usecase, "reattest"), shown, headers=HTMX)

    assert "Owen Owner: re-attested" in fragment(again.content.decode(), "status-panel")
    assert change_event(again) == {"usecaseChanged": {"source": "status"}}


def test_the_status_panel_ignores_the_event_its_own_action_sent(as_user, org, usecase_in):
    """The answer already holds the fresh panel: fetching it again would drop the message."""
    usecase = usecase_in("in_review")

    response = as_user(org.reviewer).post(
        action_url(usecase, "approve"), {"note": "", "version": usecase.version}, headers=HTMX
    )

    assert json.loads(response["HX-Trigger-After-Swap"]) == {"usecaseChanged": {"source": "status"}}
    panel = fragment(response.content.decode(), "status-panel")
    # (static/js/app.js turns usecaseChanged from another source into usecaseChangedElsewhere.)
    assert 'hx-trigger="usecaseChangedElsewhere" data-refresh-unless-source="status"' in panel


def test_without_javascript_the_action_redirects_and_the_page_shows_the_sign_off(
    as_user, org, usecase_in
):
    usecase = usecase_in("awaiting_sign_off")
    client = as_user(org.owner)

    response = client.post(
        action_url(usecase, "sign_off"), {"accepted": "on", "version": usecase.version}
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    card = fragment(page, "ownership-card")
    assert f"Signed off {today()}" in card
    # The whole page carries each part once, and nothing out of band.
    assert page.count('id="ownership-card"') == page.count('id="version-line"') == 1
    assert "hx-swap-oob" not in card
    assert "hx-swap-oob" not in fragment(page, "version-line")


def test_the_ownership_card_says_when_nobody_has_signed_yet(as_user, org, usecase):
    page = as_user(org.member).get(usecase.get_absolute_url()).content.decode()
    assert "Not signed off yet" in fragment(page, "ownership-card")


def test_the_ownership_card_marks_an_overdue_attestation(as_user, org, usecase_in):
    usecase = usecase_in("active")
    UseCase.objects.filter(pk=usecase.pk).update(
        attestation_expires_at=timezone.now() - timedelta(days=1)
    )

    page = as_user(org.member).get(usecase.get_absolute_url()).content.decode()

    assert "<strong>overdue</strong> since" in fragment(page, "ownership-card")


def test_the_action_answer_keeps_a_fixed_query_count(
    as_user, org, usecase_in, django_assert_max_num_queries
):
    """The extra fragments read what the page already loads: the prefetched links and people."""
    counts = []
    for extra_links in (0, 10):
        usecase = usecase_in("awaiting_sign_off")
        if extra_links:
            usecase.products.add(*(ProductFactory(team=org.team) for _ in range(extra_links)))
            usecase.goals.add(*(GoalFactory() for _ in range(extra_links)))
        client = as_user(org.owner)
        with django_assert_max_num_queries(60) as captured:
            client.post(
                action_url(usecase, "sign_off"),
                {"accepted": "on", "version": usecase.version},
                headers=HTMX,
            )
        counts.append(len(captured))
    assert counts[0] == counts[1]


# -- What the Ownership card says about an earlier sign-off ----------------------------------------


def card_text(html: str) -> str:
    return " ".join(fragment(html, "ownership-card").split())


def test_after_a_material_edit_the_card_no_longer_says_the_old_sign_off_holds(
    as_user, org, usecase_in
):
    """The signed text changed: the old sign-off covers the earlier text, which the page links."""
    usecase = usecase_in("active")
    signed_on = today()
    client = as_user(org.member)
    client.post(
        reverse("usecases:usecase_edit", args=[usecase.key]),
        edit_form_data(usecase, problem="Claims wait three weeks for a decision."),
    )
    usecase = UseCase.objects.get(pk=usecase.pk)
    assert (usecase.status, usecase.changed_since_sign_off) == (Status.IN_REVIEW, True)

    page = client.get(usecase.get_absolute_url()).content.decode()
    assert f'Signed off {signed_on}, before <a href="#revision-diff">the text changed</a>' in (
        card_text(page)
    )

    response = as_user(org.reviewer).post(
        action_url(usecase, "approve"), {"note": "", "version": usecase.version}, headers=HTMX
    )
    answered = card_text(response.content.decode())
    page = client.get(usecase.get_absolute_url()).content.decode()
    for card in (answered, card_text(page)):
        assert "holds until then" not in card
        assert (
            "Awaiting Owen Owner's sign-off of the changed text; the last sign-off "
            f'({signed_on}) was of <a href="#revision-diff">the earlier text</a>'
        ) in card
    # The link lands on the note that links the last signed revision.
    revision_diff = fragment(page, "revision-diff")
    assert "Read the last signed text (revision" in revision_diff


def test_a_transfer_of_an_unchanged_text_keeps_saying_the_sign_off_holds(
    as_user, org, usecase_in, successor
):
    usecase = usecase_in("active")
    services.usecase_transfer_ownership(usecase=usecase, actor=org.lead, new_owner=successor)

    page = as_user(org.member).get(usecase.get_absolute_url()).content.decode()

    card = card_text(page)
    assert f"Awaiting Sam Successor's sign-off; the sign-off of {today()} holds until then" in card
    assert "changed text" not in card


def test_a_first_sign_off_awaited_mentions_no_earlier_one(as_user, org, usecase_in):
    usecase = usecase_in("awaiting_sign_off")

    card = card_text(as_user(org.member).get(usecase.get_absolute_url()).content.decode())

    assert "Awaiting Owen Owner's sign-off" in card
    assert "holds until then" not in card
    assert "changed text" not in card


def test_the_transfer_chooser_is_drawn_wherever_a_transfer_is_offered(as_user, org, usecase_in):
    """The new-owner chooser, built only for a page offering the transfer, is there on the
    detail page and on the action's own page without JavaScript (and again on that page after a
    refusal); a page offering no transfer carries none."""
    usecase = usecase_in("active")
    lead = as_user(org.lead)
    chooser = 'id="transfer_ownership-new-owner"'
    assert chooser in lead.get(usecase.get_absolute_url()).text
    action_page = lead.get(action_url(usecase, "transfer_ownership"))
    assert action_page.status_code == 200 and chooser in action_page.text
    refused = lead.post(
        action_url(usecase, "transfer_ownership"), {"new_owner": "", "version": usecase.version}
    )
    assert refused.status_code == 400 and chooser in refused.text
    assert 'name="new_owner"' not in as_user(org.member).get(usecase.get_absolute_url()).text
    assert UseCase.objects.get(pk=usecase.pk).owner_id == org.owner.pk  # nothing changed
