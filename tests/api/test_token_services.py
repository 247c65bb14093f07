"""Making and revoking tokens: bad input is refused with a clear message and makes nothing; a
token is revoked by its person or an admin, by nobody else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api import tokens
from api.models import AccessToken
from portfolio.models import AdminEvent


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Give the token a name"),
        ({"scope": "admin"}, "The scope is read, or read and write."),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "must be in the future"),
        ({"expires_at": timezone.now() + timedelta(days=400)}, "at most a year"),
    ],
    ids=["empty-name", "unknown-scope", "past-expiry", "beyond-a-year"],
)
def test_bad_input_makes_no_token(org, fields, message):
    with pytest.raises(tokens.TokenError, match=message):
        tokens.create(org.member, **{"name": "Script", "scope": "read", **fields})
    assert not AccessToken.objects.exists() and not AdminEvent.objects.exists()


def test_a_new_token_lasts_ninety_days_by_default(org):
    token, text = tokens.create(org.member, name="Default", scope="write")
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert token.state == "active"
    assert tokens.authenticate(text) == token


def test_its_person_or_an_admin_revokes_nobody_else(org):
    token, text = tokens.create(org.member, name="Mine", scope="read")
    with pytest.raises(AccessToken.DoesNotExist):
        tokens.revoke(org.non_member, token.pk)
    assert tokens.authenticate(text) is not None
    tokens.revoke(org.member, token.pk)
    assert tokens.authenticate(text) is None
    other, _ = tokens.create(org.lead, name="Lead's", scope="read")
    assert tokens.revoke(org.admin, other.pk).state == "revoked"


def test_making_and_revoking_are_in_the_administration_history(org):
    token, _ = tokens.create(org.lead, name="Deploy bot", scope="write")
    tokens.revoke(org.admin, token.pk)
    tokens.revoke(org.admin, token.pk)
    events = AdminEvent.objects.order_by("pk")
    assert [(event.action, event.actor) for event in events] == [
        ("accesstoken.created", org.lead),
        ("accesstoken.revoked", org.admin),
    ]
    assert events[0].details == {"person": "leo", "scope": "write"}
