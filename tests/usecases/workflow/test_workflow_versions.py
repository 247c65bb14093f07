"""A decision binds to the version the person saw (issue 8, item 3): every workflow action posted
with a stale version is refused with 409, says what changed and by whom, and changes nothing; a
missing version is refused too. Signing off binds to the exact revision shown."""

import pytest
from django.urls import reverse

from tests.conftest import advance_usecase, make_usecase
from tests.factories import reviewer
from usecases import services
from usecases.choices import Action
from usecases.models import Notification, SignOff, UseCase

pytestmark = pytest.mark.django_db

# Each action: the state it starts from, who takes it, what its form asks for.
ACTIONS = {
    Action.SUBMIT: ("draft", "lead", {}),
    Action.APPROVE: ("in_review", "reviewer", {"note": ""}),
    Action.REQUEST_CHANGES: ("in_review", "reviewer", {"note": "Name the offices."}),
    Action.REJECT: ("in_review", "reviewer", {"note": "Not this year."}),
    Action.SIGN_OFF: ("awaiting_sign_off", "owner", {"accepted": "on"}),
    Action.DECLINE_OWNERSHIP: ("awaiting_sign_off", "owner", {"note": "Not mine."}),
    Action.TRANSFER_OWNERSHIP: ("active", "lead", {"new_owner": "member", "note": ""}),
    Action.REATTEST: ("active", "owner", {}),
    Action.RETIRE: ("active", "lead", {"note": "Replaced."}),
    Action.REOPEN: ("declined", "lead", {}),
}


def url(usecase, action: Action) -> str:
    return reverse(f"usecases:usecase_{action.value}", args=[usecase.key])


def recorded(usecase) -> dict:
    stored = UseCase.objects.get(pk=usecase.pk)
    return {
        "row": UseCase.objects.values().get(pk=usecase.pk),
        "events": stored.events.count(),
        "reviews": list(stored.reviews.values_list("pk", "decision", "decided_at")),
        "sign_offs": SignOff.objects.filter(usecase=usecase).count(),
        "transfers": stored.transfers.count(),
        "notifications": Notification.objects.count(),
    }


def form_data(org, fields: dict, version) -> dict:
    data = {
        name: getattr(org, value).pk if name == "new_owner" else value
        for name, value in fields.items()
    }
    if version is not None:
        data["version"] = version
    return data


def moves_on(usecase, org, other_reviewer) -> str:
    """Someone takes the use case to a newer version in the same state, the way that state allows;
    returns how the refusal names what they did."""
    current = UseCase.objects.get(pk=usecase.pk)
    if current.status in ("draft", "active"):
        services.usecase_update(
            usecase=current,
            actor=org.lead,
            data={"business_value": 5},
            expected_version=current.version,
        )
        return "Leo Lead: edited (Business value)"
    if current.status == "in_review":
        services.usecase_request_changes(
            usecase=current, actor=other_reviewer, comment="Name them."
        )
        services.usecase_submit(usecase=UseCase.objects.get(pk=usecase.pk), actor=org.lead)
        return "Ray Reviewer: changes requested"
    if current.status == "awaiting_sign_off":
        for owner in (org.member, org.owner):
            services.usecase_reassign_owner(
                usecase=UseCase.objects.get(pk=usecase.pk), actor=org.admin, new_owner=owner
            )
        return "Adam Admin: edited (Owner)"
    assert current.status == "declined"
    services.usecase_reopen(usecase=current, actor=org.lead)
    services.usecase_submit(usecase=UseCase.objects.get(pk=usecase.pk), actor=org.lead)
    services.usecase_reject(
        usecase=UseCase.objects.get(pk=usecase.pk), actor=other_reviewer, rationale="Still no."
    )
    return "Leo Lead: reopened"


@pytest.fixture
def second_reviewer(db):
    return reviewer(username="ray", first_name="Ray", last_name="Reviewer")


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_action_on_a_version_that_moved_on_is_refused_with_what_changed(
    client, org, second_reviewer, action, htmx
):
    state, role, fields = ACTIONS[action]
    usecase = advance_usecase(make_usecase(org=org), org=org, to=state)
    seen = usecase.version
    done = moves_on(usecase, org, second_reviewer)
    assert UseCase.objects.get(pk=usecase.pk).status == state
    before = recorded(usecase)

    client.force_login(getattr(org, role))
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(url(usecase, action), form_data(org, fields, seen), headers=headers)

    assert response.status_code == 409
    page = response.content.decode()
    assert f"{usecase.key} changed after you opened it (you saw version {seen}" in page
    assert "nothing was done" in page
    assert done in page
    assert recorded(usecase) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_without_the_version_it_was_shown_for_is_refused(client, org, action):
    state, role, fields = ACTIONS[action]
    usecase = advance_usecase(make_usecase(org=org), org=org, to=state)
    before = recorded(usecase)
    client.force_login(getattr(org, role))
    response = client.post(url(usecase, action), form_data(org, fields, None), follow=True)
    assert "The form is missing the version you saw; reload the page and try again." in (
        response.content.decode()
    )
    assert recorded(usecase) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_on_the_version_shown_goes_through(client, org, action):
    state, role, fields = ACTIONS[action]
    usecase = advance_usecase(make_usecase(org=org), org=org, to=state)
    client.force_login(getattr(org, role))
    response = client.post(url(usecase, action), form_data(org, fields, usecase.version))
    assert response.status_code == 302
    assert UseCase.objects.get(pk=usecase.pk).version == usecase.version + 1


def test_a_sign_off_binds_to_the_revision_the_owner_was_shown(client, org):
    """The owner opens the approved text; it is changed before they sign. Their tick is for the
    text they read, so it is refused; signing what they see now records that text."""
    usecase = advance_usecase(make_usecase(org=org), org=org, to="awaiting_sign_off")
    shown = usecase.version
    client.force_login(org.owner)
    page = client.get(url(usecase, Action.SIGN_OFF)).content.decode()
    assert f'name="version" value="{shown}"' in page

    # Meanwhile someone rewrites the problem from the shell: no page, no event.
    UseCase.objects.filter(pk=usecase.pk).update(
        problem="Claims wait weeks, and half of them are in the wrong queue."
    )

    refused = client.post(url(usecase, Action.SIGN_OFF), {"accepted": "on", "version": shown})
    assert refused.status_code == 409
    assert "changed outside the registry's pages" in refused.content.decode()
    assert not SignOff.objects.filter(usecase=usecase).exists()

    current = UseCase.objects.get(pk=usecase.pk)
    signed = client.post(
        url(usecase, Action.SIGN_OFF), {"accepted": "on", "version": current.version}
    )
    assert signed.status_code == 302
    sign_off = SignOff.objects.get(usecase=usecase)
    assert sign_off.revision.version == current.version
    assert sign_off.revision.data["problem"] == (
        "Claims wait weeks, and half of them are in the wrong queue."
    )


def test_a_double_click_acts_once_and_the_second_says_what_happened(client, org):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="in_review")
    client.force_login(org.reviewer)
    data = {"note": "", "version": usecase.version}
    first = client.post(url(usecase, Action.APPROVE), data)
    after = recorded(usecase)
    second = client.post(url(usecase, Action.APPROVE), data)
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Rita Reviewer: approved" in second.content.decode()
    assert recorded(usecase) == after


def test_a_post_by_someone_who_may_not_take_the_action_is_forbidden(client, org):
    usecase = advance_usecase(make_usecase(org=org), org=org, to="in_review")
    before = recorded(usecase)
    client.force_login(org.non_member)  # signed in, but no reviewer
    response = client.post(url(usecase, Action.APPROVE), {"note": "", "version": usecase.version})
    assert response.status_code == 403
    assert recorded(usecase) == before


def test_an_owner_replaced_while_deciding_is_told_what_changed(client, org):
    """Owen opened the page to sign; an admin named Mia the owner meanwhile. His tick is refused
    as stale (not a bare 403), naming the change, and no Sign off button is offered any more."""
    usecase = advance_usecase(make_usecase(org=org), org=org, to="awaiting_sign_off")
    seen = usecase.version
    services.usecase_reassign_owner(usecase=usecase, actor=org.admin, new_owner=org.member)
    before = recorded(usecase)
    client.force_login(org.owner)
    response = client.post(url(usecase, Action.SIGN_OFF), {"accepted": "on", "version": seen})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Adam Admin: edited (Owner)" in page
    assert 'name="accepted"' not in page
    assert recorded(usecase) == before
