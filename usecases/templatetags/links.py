"""Links to places outside the registry, only where they are web addresses."""

from urllib.parse import urlsplit

from django import template

register = template.Library()

WEB_SCHEMES = frozenset({"http", "https"})


@register.filter
def is_web_url(value) -> bool:
    """True for an http(s) address with a host: only these are rendered as links. Anything else
    (``javascript:``, ``data:``, a bare word), however it reached the database, shows as text."""
    text = str(value or "").strip()
    if not text or any(ord(char) < 32 for char in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)
