"""People: create (they choose their password from an e-mailed link), edit name, e-mail and roles,
switch an account off or on again, send a fresh set-password link. Handing over what a leaver
holds is ``deactivation``'s; ``person_account_deactivate`` is its last step."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from administration.services import editing
from administration.services.errors import AdminError
from core.history import history_context
from core.people import person_name
from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, AdminAction, MembershipRole
from portfolio.models import Membership
from portfolio.tasks import send_set_password_email

# What the person form edits, as the history and a conflict name it; the two roles beyond team
# membership are group memberships. Superuser rights are granted nowhere in these pages.
PERSON_FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "e-mail",
    "is_admin": "Admins group",
    "is_reviewer": "Reviewers group",
}
PERSON_GROUPS = {"is_admin": ADMINS_GROUP, "is_reviewer": REVIEWERS_GROUP}
# A person's state as the edit form loads it: what it edits, and whether the account is active.
PERSON_STATE_LABELS = {**PERSON_FIELDS, "is_active": "account"}
NAME_FIELDS = ("first_name", "last_name", "email")


def person_state(user) -> dict:
    """The values the person form edits, and whether the account is active (one query)."""
    groups = set(user.groups.filter(name__in=PERSON_GROUPS.values()).values_list("name", flat=True))
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        **{field: group in groups for field, group in PERSON_GROUPS.items()},
        "is_active": user.is_active,
    }


def _lock(user):
    return editing.locked(get_user_model().objects).get(pk=user.pk)


def _send_set_password_email_on_commit(user) -> None:
    """Queue the set-password e-mail once the transaction commits (never for a rolled-back
    change); the background worker sends it."""
    user_id = user.pk
    transaction.on_commit(lambda: send_set_password_email.enqueue(user_id))


def guard_superuser(*, current, actor, doing: str) -> None:
    if current.is_superuser and not actor.is_superuser:
        raise AdminError(f"Only a superuser can {doing} a superuser.")


@history_context(admin_action=AdminAction.USER_CREATED)
def person_create(*, actor, data: dict, send_email: bool = True):
    """A new person without a usable password; they choose one from the e-mailed link."""
    User = get_user_model()
    username = data["username"].strip()
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise AdminError(f"The username “{username}” is taken.")
        email = (data.get("email") or "").strip()
        if email and User.objects.filter(email__iexact=email).exists():
            raise AdminError(f"Someone already uses the e-mail address {email}.")
        user = User(
            username=username,
            first_name=(data.get("first_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            email=email,
        )
        user.set_unusable_password()
        user.save()
        team = data.get("team")
        if team is not None:
            Membership.objects.create(
                team=team, user=user, role=data.get("role") or MembershipRole.MEMBER
            )
        editing.log(
            actor=actor,
            action=AdminAction.USER_CREATED,
            target=user,
            details={"username": username, "email": email, "team": str(team or "")},
        )
        if send_email and email:
            _send_set_password_email_on_commit(user)
    return user


@history_context(admin_action=AdminAction.USER_DEACTIVATED)
def person_account_deactivate(*, user, actor, reason: str = ""):
    """Sign ``user`` out of the registry for good; their history stays. What they own is the
    caller's to hand over first (``deactivation.person_deactivate``)."""
    if actor.pk == user.pk:
        raise AdminError("You cannot deactivate your own account.")
    with transaction.atomic():
        current = _lock(user)
        if not current.is_active:
            raise AdminError(f"{person_name(current)} is already deactivated.")
        guard_superuser(current=current, actor=actor, doing="deactivate")
        current.is_active = False
        current.save(update_fields=["is_active"])
        editing.log(
            actor=actor,
            action=AdminAction.USER_DEACTIVATED,
            target=current,
            details={"reason": (reason or "").strip()},
        )
    return current


def _guard_update(*, current, actor, state: dict, data: dict) -> None:
    guard_superuser(current=current, actor=actor, doing="change")
    if actor.pk == current.pk and state["is_admin"] and not data.get("is_admin", True):
        raise AdminError("You cannot take yourself out of the Admins group; another admin can.")
    email = (data.get("email", current.email) or "").strip()
    taken = get_user_model().objects.filter(email__iexact=email).exclude(pk=current.pk)
    if email and taken.exists():
        raise AdminError(f"Someone else already uses the e-mail address {email}.")


def _update_names(current, state: dict, data: dict) -> dict:
    changes = {}
    for name in NAME_FIELDS:
        if name in data:
            after = (data[name] or "").strip()
            if after != state[name]:
                changes[name] = [state[name], after]
                setattr(current, name, after)
    if changes:
        current.save(update_fields=list(changes))
    return changes


def _update_groups(current, state: dict, data: dict) -> dict:
    changes = {}
    groups = {group.name: group for group in Group.objects.filter(name__in=PERSON_GROUPS.values())}
    for field, group_name in PERSON_GROUPS.items():
        if field in data and bool(data[field]) != state[field]:
            if data[field]:
                current.groups.add(groups[group_name])
            else:
                current.groups.remove(groups[group_name])
            changes[PERSON_FIELDS[field]] = [
                editing.shown_state_value(field, state[field]),
                editing.shown_state_value(field, bool(data[field])),
            ]
    return changes


@history_context(admin_action=AdminAction.USER_UPDATED)
def person_update(*, user, actor, data: dict, fingerprint: str):
    """Edit a person's name, e-mail address and Admins / Reviewers membership.

    ``fingerprint`` is ``state_fingerprint(person_state(user))`` as the form loaded it: if anyone
    changed the person since, ``EditConflict`` is raised and nothing is written. An admin
    cannot take themselves out of the Admins group; only a superuser changes a superuser.
    """
    with transaction.atomic():
        # The row lock orders concurrent saves (a Django admin save holds it too, from its UPDATE
        # to its commit): the second reads the first's result below and is told.
        current = _lock(user)
        state = person_state(current)
        editing.refuse_if_changed(
            current=current, state=state, fingerprint=fingerprint, labels=PERSON_STATE_LABELS
        )
        _guard_update(current=current, actor=actor, state=state, data=data)
        changes = _update_names(current, state, data)
        changes.update(_update_groups(current, state, data))
        if changes:
            editing.log(
                actor=actor,
                action=AdminAction.USER_UPDATED,
                target=current,
                details={"changes": changes},
            )
    return current


@history_context(admin_action=AdminAction.USER_REACTIVATED)
def person_reactivate(*, user, actor, send_email: bool = False):
    """Let a deactivated person sign in again, with the password they had; ``send_email`` also
    sends them a link to choose a new one. What was handed over when they left stays handed over."""
    with transaction.atomic():
        current = _lock(user)
        if current.is_active:
            raise AdminError(f"{person_name(current)} is already active.")
        guard_superuser(current=current, actor=actor, doing="reactivate")
        sending = bool(send_email and current.email)
        current.is_active = True
        current.save(update_fields=["is_active"])
        editing.log(
            actor=actor,
            action=AdminAction.USER_REACTIVATED,
            target=current,
            details={"set-password e-mail": "sent" if sending else ""},
        )
        if sending:
            _send_set_password_email_on_commit(current)
    return current


@history_context(admin_action=AdminAction.USER_PASSWORD_EMAIL_SENT)
def person_send_password_email(*, user, actor):
    """Send ``user`` a fresh link to choose their password, as when they were created (the link
    replaces nothing: an earlier one keeps working until a password is chosen)."""
    with transaction.atomic():
        current = _lock(user)
        if not current.is_active:
            raise AdminError(
                f"{person_name(current)}'s account is deactivated; reactivate it first."
            )
        if not current.email:
            raise AdminError(f"{person_name(current)} has no e-mail address; add one first.")
        guard_superuser(current=current, actor=actor, doing="send a set-password e-mail to")
        editing.log(
            actor=actor,
            action=AdminAction.USER_PASSWORD_EMAIL_SENT,
            target=current,
            details={"email": current.email},
        )
        _send_set_password_email_on_commit(current)
    return current
