"""The standards' profiles page's one write: an admin switches a profile on or off for the
organisation (``usecases.profiles``)."""

from __future__ import annotations

from django.db import transaction

from administration.services.errors import AdminError
from core import history
from portfolio.choices import AdminAction
from usecases.models import EnabledProfile
from usecases.profiles import PROFILES, Profile


def profile_set_enabled(*, key: str, actor, enabled: bool) -> Profile:
    """Switch the profile ``key`` on or off; nothing (and no event) if it already is. Recorded in
    the administration history."""
    profile = PROFILES.get(key)
    if profile is None:
        raise AdminError(f"There is no profile “{key}”.")
    with transaction.atomic():
        # The row lock of an existing row, or the unique key of a new one, serialises two admins.
        current = EnabledProfile.objects.select_for_update().filter(key=key).first()
        if enabled == (current is not None):
            return profile
        if enabled:
            EnabledProfile.objects.create(key=key, enabled_by=actor)
        else:
            current.delete()
        history.record(
            AdminAction.PROFILE_ENABLED if enabled else AdminAction.PROFILE_DISABLED,
            actor=actor,
            target_type="profile",
            target_id=key,
            target_label=profile.name[:200],
            details={},
        )
    return profile
