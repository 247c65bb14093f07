"""Who is asking: a personal access token (``Authorization: Bearer ucr_...``) for scripts, or a
signed-in session (with its CSRF token on writes, as the pages ask) for the interactive docs and
scripts in a browser. Without either the API answers 401, never a redirect to the sign-in page.

A token acts as its person, never more: a read token is refused every unsafe method, and each
token has its own rate (``API_RATE_PER_MINUTE`` requests a minute), counted in PostgreSQL so
that every worker process shares it."""

import time

from django.conf import settings
from django.db import connection
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth

from api import tokens
from api.models import RateWindow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WINDOW = 60


class RateLimited(Exception):
    """Too many requests with one token in this minute; ``retry_after`` seconds until the next."""

    def __init__(self, retry_after: int):
        super().__init__("rate limited")
        self.retry_after = retry_after


# One statement a request: drop the token's past minutes (at most one row, the minute before),
# then add one to this minute's count, atomically whichever process asks.
COUNT_SQL = f"""
WITH past AS (
    DELETE FROM {RateWindow._meta.db_table} WHERE token_id = %(token)s AND minute < %(minute)s
)
INSERT INTO {RateWindow._meta.db_table} AS rate (token_id, minute, count)
VALUES (%(token)s, %(minute)s, 1)
ON CONFLICT (token_id, minute) DO UPDATE SET count = rate.count + 1
RETURNING count
"""


def count_request(token) -> None:
    """Count one request against the token's fixed one-minute window; raise past the rate."""
    now = int(time.time())
    window = now // WINDOW
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, {"token": token.pk, "minute": window})
        [count] = cursor.fetchone()
    if count > settings.API_RATE_PER_MINUTE:
        raise RateLimited(retry_after=(window + 1) * WINDOW - now)


class TokenAuth(HttpBearer):
    """A bearer token's person, with the token kept on the request (``request.api_token``) so an
    endpoint can ask its scope. A bearer header that names no live token is refused outright,
    whatever session the browser also holds."""

    def authenticate(self, request, key):
        token = tokens.authenticate(key)
        if token is None:
            raise AuthenticationError()
        count_request(token)
        if request.method not in SAFE_METHODS and not token.can_write:
            raise HttpError(403, "This token may only read")
        request.user = token.user
        request.api_token = token
        return token.user


class RegistrySession(SessionAuth):
    """The session's person, while their account is active. Nobody signed in is answered 401
    before any CSRF check: that check guards a session, and a request without one (a script that
    forgot its token) must hear it needs credentials, not that a cookie was missing."""

    def __call__(self, request):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


token_auth = TokenAuth()
session = RegistrySession(csrf=True)
AUTH = [token_auth, session]
