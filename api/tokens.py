"""Access tokens: made (the text shown once), revoked, and checked on each request.

A token reads ``ucr_<prefix>_<secret>``: the prefix finds the row, the secret's SHA-256 is
compared in constant time. Nothing else of the secret is stored."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from api.models import AccessToken, Scope
from api.permissions import can_revoke
from core import history
from portfolio.choices import AdminAction

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)
LAST_USED_EVERY = timedelta(minutes=1)
TOKEN = re.compile(r"^ucr_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{32,64})$")


class TokenError(ValueError):
    """A token that cannot be made or revoked; the message is for the person."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _prefix() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _log(action, actor, token) -> None:
    """The administration history's row: who made or revoked which token of whose."""
    history.record(
        action,
        actor=actor,
        target_type="accesstoken",
        target_id=str(token.pk),
        target_label=str(token)[:200],
        details={"person": token.user.get_username(), "scope": token.scope},
    )


def check_expiry(expires_at, now=None):
    now = now or timezone.now()
    if expires_at <= now:
        raise TokenError("The expiry date must be in the future.")
    if expires_at > now + MAX_LIFETIME:
        raise TokenError("A token lasts at most a year: choose an earlier expiry date.")


MAX_LIVE_TOKENS = 10


def create(user, *, name: str, scope: str, expires_at=None) -> tuple[AccessToken, str]:
    """A new token for ``user``; the token text is returned here and never again."""
    name = (name or "").strip()
    if not name:
        raise TokenError("Give the token a name, so you know later what uses it.")
    if scope not in Scope.values:
        raise TokenError("The scope is read, or read and write.")
    now = timezone.now()
    expires_at = expires_at or now + DEFAULT_LIFETIME
    check_expiry(expires_at, now)

    secret = secrets.token_urlsafe(32)
    prefix = _prefix()
    with transaction.atomic():
        # The person's row locked, so two tokens made at once are counted one after the other.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        live = AccessToken.objects.filter(user=user, revoked_at=None, expires_at__gt=now)
        if live.count() >= MAX_LIVE_TOKENS:
            # Each token has its own rate: without a ceiling, more tokens would be more rate.
            raise TokenError(
                f"You have {MAX_LIVE_TOKENS} tokens in use, the most a person may: "
                "revoke one first."
            )
        token = AccessToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            prefix=prefix,
            secret_hash=_digest(secret),
            created_at=now,
            expires_at=expires_at,
        )
        _log(AdminAction.TOKEN_CREATED, user, token)
    return token, f"ucr_{prefix}_{secret}"


def revoke(actor, token_id: int) -> AccessToken:
    """Revoke a token, by its person or an admin. Revoking twice changes nothing."""
    with transaction.atomic():
        token = AccessToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or not can_revoke(actor, token):
            raise AccessToken.DoesNotExist
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            _log(AdminAction.TOKEN_REVOKED, actor, token)
    return token


def authenticate(raw: str) -> AccessToken | None:
    """The live token ``raw`` names, or None: unknown, malformed, revoked, expired or its
    person deactivated. Marks it used, at most once a minute."""
    match = TOKEN.match(raw or "")
    if match is None:
        return None
    prefix, secret = match.groups()
    token = AccessToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
