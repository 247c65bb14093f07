"""Who is asking: a signed-in session (with its CSRF token on writes, as the pages ask) for the
interactive docs and scripts in a browser. Without one the API answers 401, never a redirect to
the sign-in page."""

from ninja.security import SessionAuth


class RegistrySession(SessionAuth):
    """The session's person, while their account is active."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def may_write(request) -> bool:
    """Whether the request may change anything: a session may; an access token only with the
    write scope (``request.api_scope``, set by the token's authentication)."""
    return getattr(request, "api_scope", "write") == "write"


session = RegistrySession(csrf=True)
AUTH = [session]
