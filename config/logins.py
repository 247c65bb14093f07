"""Sign-in throttling (django-axes): after ``AXES_FAILURE_LIMIT`` wrong passwords for one username
from one address, that username is locked at that address for ``AXES_COOLOFF_TIME``, on the
registry's sign-in page and the Django admin's alike. Other people, and the same person elsewhere,
are not affected. An admin lifts a lock in the Django admin (portfolio/admin.py, "Sign-in locks").
"""

import ipaddress
import math
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone


class ThrottledSignInBackend(AxesStandaloneBackend):
    """Refuses a sign-in for a locked username and address before any password is checked; it
    signs nobody in itself (``portfolio.auth.RegistryBackend``, after it, does).

    Only sign-ins over the web are throttled: a call without a request (the test client's
    ``login()``, a shell) has no address to count against and is passed on unchecked, where
    axes would raise.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The address failures are counted against. Behind the TLS proxy (``DJANGO_BEHIND_TLS_PROXY``)
    that is the last address in X-Forwarded-For, the one the proxy itself saw and appended;
    addresses before it are whatever the client claimed, so they are never trusted."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops and _is_address(hops[-1]):
            return hops[-1]
    return request.META.get("REMOTE_ADDR")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def demo_login_in_development(request, credentials) -> bool:
    """In development the demo's accounts, whose password is published, are never locked: a
    newcomer trying the registry must always get in as the README says. Everyone else is
    throttled as in production."""
    if not settings.DEBUG:
        return False
    from demo.organisation import demo_logins  # the demo app, loaded only when needed

    username = get_client_username(request, credentials)
    return username in {login.username for login in demo_logins()}


def locked_until(request, credentials) -> datetime:
    """When the lock on this username at this address ends: the cool-off counted from the
    failure that set it (failures while locked are not counted, so the time does not move)."""
    latest = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(latest=Max("attempt_time"))["latest"]
    return (latest or timezone.now()) + get_cool_off(request)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (429), for /accounts/login/ and /admin/login/ alike:
    which account, how long to wait, and that an admin can lift it sooner."""
    until = locked_until(request, credentials)
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "locked_until": until,
        "minutes": minutes,
        "sign_in_url": request.path,
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
