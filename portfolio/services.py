"""Every administration write: teams, memberships, people, products and goals.

Shape of each: ``transaction.atomic()`` -> lock the row -> guard -> write -> an ``AdminEvent`` in
the same transaction (the admin history page) -> e-mail only after commit. pghistory triggers
record the row changes as well; the event says who did what, in the registry's words.
Permission to ask is the view's business (``permissions.is_admin``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, models, transaction
from django.utils.crypto import salted_hmac
from django.utils.text import slugify

from core import history
from core.history import history_context
from core.people import person_name
from portfolio.choices import (
    ADMINS_GROUP,
    REVIEWERS_GROUP,
    GoalStatus,
    MembershipRole,
    ProductLifecycle,
    TeamKind,
)
from portfolio.models import AdminEvent, Membership, Product, StrategicGoal, Team
from portfolio.selectors import goal_descendant_ids


class AdminError(Exception):
    """An administration rule refused the change; the message is for the person who asked."""


def _log(*, actor, action: str, target, details: dict | None = None) -> AdminEvent:
    return history.record(
        action,
        actor=actor,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_label=(person_name(target) if isinstance(target, get_user_model()) else str(target))[
            :200
        ],
        details=details or {},
    )


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, get_user_model()):
        return person_name(value)
    return str(value)


def _apply(instance, data: dict, fields: list[str]) -> dict:
    """Set ``fields`` from ``data`` on ``instance``; return ``{field: [before, after]}`` shown."""
    changes = {}
    for name in fields:
        if name not in data:
            continue
        before = getattr(instance, name, None)  # None: a new row without that link yet
        after = data[name]
        if before != after:
            changes[name] = [_shown(before), _shown(after)]
            setattr(instance, name, after)
    return changes


# Slugs that name a page beside the rows' own under the same prefix (``/administration/teams/new/``):
# a team or product called "New" gets ``new-2`` instead, so its links never open another page.
RESERVED_SLUGS = frozenset({"new", "edit", "archive"})


def _unique_slug(model, name: str, *, exclude_pk=None) -> str:
    base = slugify(name)[:110] or model._meta.model_name
    slug, n = base, 2
    if base in RESERVED_SLUGS:
        slug, n = f"{base}-{n}", n + 1
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Edits that never silently overwrite each other ---------------------------------------------
#
# Teams, products, goals and people have no version column. Their edit forms carry a fingerprint of
# the values they loaded instead, a digest per field: the service compares it with the row as
# saved, under the row's lock, and refuses (``EditConflict``) without writing anything if anyone
# changed it since. A digest per field lets the refusal name what someone else changed without the
# page carrying, or trusting, the values themselves.


def _comparable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, str):
        # A browser posts a textarea's line breaks as CRLF, and the forms strip the ends.
        return value.replace("\r\n", "\n").strip()
    return value


def _state_digest(name: str, value) -> str:
    text = f"{name}={_comparable(value)!r}"
    return salted_hmac("portfolio.edit_fingerprint", text).hexdigest()[:16]


def state_fingerprint(state: dict) -> str:
    """The hidden value an edit form carries for ``state`` (the row's values as it loaded them)."""
    return ".".join(f"{name}-{_state_digest(name, value)}" for name, value in state.items())


def fingerprint_differences(fingerprint: str, state: dict) -> list[str]:
    """The fields of ``state`` that differ from the state ``fingerprint`` was taken of (every
    field, when the fingerprint is not one)."""
    loaded = dict(part.partition("-")[::2] for part in (fingerprint or "").split("."))
    return [name for name, value in state.items() if loaded.get(name) != _state_digest(name, value)]


class EditConflict(AdminError):
    """Someone changed ``target`` after its edit form was loaded; nothing was saved.

    ``changed`` names the fields that differ from what the form loaded (keys of ``labels``, which
    names them for people); ``current`` holds the row's state as saved now.
    """

    def __init__(self, *, target, changed: list[str], current: dict, labels: dict[str, str]):
        self.target, self.changed, self.current, self.labels = target, changed, current, labels
        what = ", ".join(labels[name] for name in changed)
        super().__init__(
            f"Someone else changed {_shown(target)} after you opened this form ({what})."
        )


def _refuse_if_changed(*, current, state: dict, fingerprint: str | None, labels: dict) -> None:
    """Raise ``EditConflict`` if ``state`` (read under the row lock) is not what the form loaded.
    ``fingerprint=None`` is a caller that writes only the fields it names, on purpose (a
    handover), not a form's whole set of loaded values."""
    if fingerprint is None:
        return
    changed = fingerprint_differences(fingerprint, state)
    if changed:
        raise EditConflict(target=current, changed=changed, current=state, labels=labels)


_CHOICE_LABELS = {"kind": TeamKind, "lifecycle": ProductLifecycle, "status": GoalStatus}


def shown_state_value(name: str, value) -> str:
    """A value of a ``*_state`` dict in words."""
    if name == "is_active":
        return "active" if value else "deactivated"
    if name == "is_archived":
        return "archived" if value else "not archived"
    if isinstance(value, bool):
        return "member" if value else "not a member"
    if name in _CHOICE_LABELS and value:
        return str(dict(_CHOICE_LABELS[name].choices).get(value, value))
    return _shown(value)


TEAM_STATE_LABELS = {
    "name": "name",
    "kind": "kind",
    "description": "description",
    "is_archived": "archived",
}


def team_state(team: Team) -> dict:
    """What the team form edits, and whether the team is archived."""
    return {
        "name": team.name,
        "kind": team.kind,
        "description": team.description,
        "is_archived": team.is_archived,
    }


PRODUCT_STATE_LABELS = {
    "name": "name",
    "team": "owning team",
    "manager": "product manager",
    "vision": "vision",
    "lifecycle": "lifecycle",
    "is_archived": "archived",
}


def product_state(product: Product) -> dict:
    """What the product form edits, and whether it is archived (its team and manager loaded)."""
    return {
        "name": product.name,
        "team": product.team,
        "manager": product.manager,
        "vision": product.vision,
        "lifecycle": product.lifecycle,
        "is_archived": product.is_archived,
    }


GOAL_STATE_LABELS = {
    "title": "title",
    "description": "description",
    "owner": "owner",
    "parent": "place in the hierarchy (sits under)",
    "period": "period",
    "status": "status",
}


def goal_state(goal: StrategicGoal) -> dict:
    """What the goal form edits (its owner and parent loaded)."""
    return {
        "title": goal.title,
        "description": goal.description,
        "owner": goal.owner,
        "parent": goal.parent,
        "period": goal.period,
        "status": goal.status,
    }


# --- Teams and members --------------------------------------------------------------------------

TEAM_FIELDS = ["name", "kind", "description"]


@history_context(admin_action="team.created")
def team_create(*, actor, data: dict) -> Team:
    with transaction.atomic():
        if Team.objects.filter(name__iexact=data["name"]).exists():
            raise AdminError(f"A team called “{data['name']}” already exists.")
        team = Team(slug=_unique_slug(Team, data["name"]))
        _apply(team, data, TEAM_FIELDS)
        team.save()
        _log(actor=actor, action="team.created", target=team, details={"kind": team.kind})
    return team


@history_context(admin_action="team.updated")
def team_update(*, team: Team, actor, data: dict, fingerprint: str | None = None) -> Team:
    """Edit a team. ``fingerprint`` is ``state_fingerprint(team_state(team))`` as the edit form
    loaded it: if anyone changed the team since, ``EditConflict`` and nothing is written."""
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
        _refuse_if_changed(
            current=current,
            state=team_state(current),
            fingerprint=fingerprint,
            labels=TEAM_STATE_LABELS,
        )
        if (
            "name" in data
            and Team.objects.filter(name__iexact=data["name"]).exclude(pk=current.pk).exists()
        ):
            raise AdminError(f"A team called “{data['name']}” already exists.")
        changes = _apply(current, data, TEAM_FIELDS)
        if changes:
            current.save()
            _log(actor=actor, action="team.updated", target=current, details={"changes": changes})
    return current


@history_context(admin_action="team.archived")
def team_set_archived(*, team: Team, actor, archived: bool) -> Team:
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
        if current.is_archived == archived:
            return current
        current.is_archived = archived
        current.save(update_fields=["is_archived"])
        _log(actor=actor, action="team.archived" if archived else "team.restored", target=current)
    return current


@history_context(admin_action="membership.added")
def membership_add(*, team: Team, actor, user, role: str = MembershipRole.MEMBER) -> Membership:
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
        if current.is_archived:
            raise AdminError(f"{current} is archived; restore it before adding people.")
        if not user.is_active:
            raise AdminError(f"{person_name(user)}'s account is deactivated.")
        if Membership.objects.filter(team=current, user=user).exists():
            raise AdminError(f"{person_name(user)} is already in {current}.")
        try:
            with transaction.atomic():
                membership = Membership.objects.create(team=current, user=user, role=role)
        except IntegrityError:
            raise AdminError(f"{person_name(user)} is already in {current}.") from None
        _log(
            actor=actor,
            action="membership.added",
            target=current,
            details={"person": person_name(user), "user_id": user.pk, "role": role},
        )
    return membership


@history_context(admin_action="membership.role_changed")
def membership_set_role(*, membership: Membership, actor, role: str) -> Membership:
    if role not in MembershipRole.values:
        raise AdminError("Choose member or lead.")
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("team", "user")
            .get(pk=membership.pk)
        )
        if current.role == role:
            return current
        before, current.role = current.role, role
        current.save(update_fields=["role"])
        _log(
            actor=actor,
            action="membership.role_changed",
            target=current.team,
            details={
                "person": person_name(current.user),
                "user_id": current.user_id,
                "changes": {"role": [before, role]},
            },
        )
    return current


@history_context(admin_action="membership.removed")
def membership_remove(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("team", "user")
            .filter(pk=membership.pk)
            .first()
        )
        if current is None:
            raise AdminError("That membership was already removed.")
        team, user, role = current.team, current.user, current.role
        current.delete()
        _log(
            actor=actor,
            action="membership.removed",
            target=team,
            details={"person": person_name(user), "user_id": user.pk, "role": role},
        )


# --- People -------------------------------------------------------------------------------------


@history_context(admin_action="user.created")
def user_create(*, actor, data: dict, send_email: bool = True):
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
        _log(
            actor=actor,
            action="user.created",
            target=user,
            details={"username": username, "email": email, "team": str(team or "")},
        )
        if send_email and email:
            _send_set_password_email_on_commit(user)
    return user


def _send_set_password_email_on_commit(user) -> None:
    """Queue the set-password e-mail once the transaction commits (never for a rolled-back
    change); the background worker sends it."""
    from portfolio.tasks import send_set_password_email

    user_id = user.pk
    transaction.on_commit(lambda: send_set_password_email.enqueue(user_id))


def _guard_superuser(*, current, actor, doing: str) -> None:
    if current.is_superuser and not actor.is_superuser:
        raise AdminError(f"Only a superuser can {doing} a superuser.")


@history_context(admin_action="user.deactivated")
def user_deactivate(*, user, actor, reason: str = ""):
    """Sign ``user`` out of the registry for good; their history stays. What they own is the
    caller's to hand over first (``usecases.admin_people.person_deactivate``)."""
    User = get_user_model()
    if actor.pk == user.pk:
        raise AdminError("You cannot deactivate your own account.")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if not current.is_active:
            raise AdminError(f"{person_name(current)} is already deactivated.")
        _guard_superuser(current=current, actor=actor, doing="deactivate")
        current.is_active = False
        current.save(update_fields=["is_active"])
        _log(
            actor=actor,
            action="user.deactivated",
            target=current,
            details={"reason": (reason or "").strip()},
        )
    return current


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


@history_context(admin_action="user.updated")
def user_update(*, user, actor, data: dict, fingerprint: str):
    """Edit a person's name, e-mail address and Admins / Reviewers membership.

    ``fingerprint`` is ``state_fingerprint(person_state(user))`` as the form loaded it: if anyone
    changed the person since, ``EditConflict`` is raised and nothing is written. An admin
    cannot take themselves out of the Admins group; only a superuser changes a superuser.
    """
    User = get_user_model()
    with transaction.atomic():
        # The row lock orders concurrent saves (a Django admin save holds it too, from its UPDATE
        # to its commit): the second reads the first's result below and is told.
        current = User.objects.select_for_update().get(pk=user.pk)
        state = person_state(current)
        _refuse_if_changed(
            current=current, state=state, fingerprint=fingerprint, labels=PERSON_STATE_LABELS
        )
        _guard_superuser(current=current, actor=actor, doing="change")
        if actor.pk == current.pk and state["is_admin"] and not data.get("is_admin", True):
            raise AdminError("You cannot take yourself out of the Admins group; another admin can.")
        email = (data.get("email", current.email) or "").strip()
        if email and User.objects.filter(email__iexact=email).exclude(pk=current.pk).exists():
            raise AdminError(f"Someone else already uses the e-mail address {email}.")
        changes = {}
        for name in ("first_name", "last_name", "email"):
            if name in data:
                after = (data[name] or "").strip()
                if after != state[name]:
                    changes[name] = [state[name], after]
                    setattr(current, name, after)
        if changes:
            current.save(update_fields=list(changes))
        groups = {
            group.name: group for group in Group.objects.filter(name__in=PERSON_GROUPS.values())
        }
        for field, group_name in PERSON_GROUPS.items():
            if field in data and bool(data[field]) != state[field]:
                if data[field]:
                    current.groups.add(groups[group_name])
                else:
                    current.groups.remove(groups[group_name])
                changes[PERSON_FIELDS[field]] = [
                    shown_state_value(field, state[field]),
                    shown_state_value(field, bool(data[field])),
                ]
        if changes:
            _log(actor=actor, action="user.updated", target=current, details={"changes": changes})
    return current


@history_context(admin_action="user.reactivated")
def user_reactivate(*, user, actor, send_email: bool = False):
    """Let a deactivated person sign in again, with the password they had; ``send_email`` also
    sends them a link to choose a new one. What was handed over when they left stays handed over."""
    User = get_user_model()
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.is_active:
            raise AdminError(f"{person_name(current)} is already active.")
        _guard_superuser(current=current, actor=actor, doing="reactivate")
        sending = bool(send_email and current.email)
        current.is_active = True
        current.save(update_fields=["is_active"])
        _log(
            actor=actor,
            action="user.reactivated",
            target=current,
            details={"set-password e-mail": "sent" if sending else ""},
        )
        if sending:
            _send_set_password_email_on_commit(current)
    return current


@history_context(admin_action="user.password_email_sent")
def user_send_password_email(*, user, actor):
    """Send ``user`` a fresh link to choose their password, as when they were created (the link
    replaces nothing: an earlier one keeps working until a password is chosen)."""
    User = get_user_model()
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if not current.is_active:
            raise AdminError(
                f"{person_name(current)}'s account is deactivated; reactivate it first."
            )
        if not current.email:
            raise AdminError(f"{person_name(current)} has no e-mail address; add one first.")
        _guard_superuser(current=current, actor=actor, doing="send a set-password e-mail to")
        _log(
            actor=actor,
            action="user.password_email_sent",
            target=current,
            details={"email": current.email},
        )
        _send_set_password_email_on_commit(current)
    return current


# --- Products -----------------------------------------------------------------------------------

PRODUCT_FIELDS = ["name", "team", "manager", "vision", "lifecycle"]


@history_context(admin_action="product.created")
def product_create(*, actor, data: dict) -> Product:
    with transaction.atomic():
        if Product.objects.filter(name__iexact=data["name"]).exists():
            raise AdminError(f"A product called “{data['name']}” already exists.")
        product = Product(slug=_unique_slug(Product, data["name"]))
        _apply(product, data, PRODUCT_FIELDS)
        product.save()
        _log(
            actor=actor,
            action="product.created",
            target=product,
            details={"team": str(product.team)},
        )
    return product


@history_context(admin_action="product.updated")
def product_update(
    *, product: Product, actor, data: dict, fingerprint: str | None = None
) -> Product:
    """Edit a product. ``fingerprint`` is ``state_fingerprint(product_state(product))`` as the
    edit form loaded it: if anyone changed the product since, ``EditConflict`` and nothing is
    written."""
    with transaction.atomic():
        current = Product.objects.select_for_update().get(pk=product.pk)
        _refuse_if_changed(
            current=current,
            state=product_state(current),
            fingerprint=fingerprint,
            labels=PRODUCT_STATE_LABELS,
        )
        if (
            "name" in data
            and Product.objects.filter(name__iexact=data["name"]).exclude(pk=current.pk).exists()
        ):
            raise AdminError(f"A product called “{data['name']}” already exists.")
        manager = data.get("manager")
        if manager is not None and manager.pk != current.manager_id and not manager.is_active:
            raise AdminError(f"{person_name(manager)}'s account is deactivated.")
        changes = _apply(current, data, PRODUCT_FIELDS)
        if changes:
            current.save()
            _log(
                actor=actor,
                action="product.updated",
                target=current,
                details={"changes": changes},
            )
    return current


@history_context(admin_action="product.archived")
def product_set_archived(*, product: Product, actor, archived: bool) -> Product:
    with transaction.atomic():
        current = Product.objects.select_for_update().get(pk=product.pk)
        if current.is_archived == archived:
            return current
        current.is_archived = archived
        current.save(update_fields=["is_archived"])
        _log(
            actor=actor,
            action="product.archived" if archived else "product.restored",
            target=current,
        )
    return current


# --- Strategic goals ----------------------------------------------------------------------------

GOAL_FIELDS = ["title", "description", "owner", "parent", "period", "status"]


def _guard_parent(goal: StrategicGoal | None, parent: StrategicGoal | None) -> None:
    if parent is None or goal is None or goal.pk is None:
        return
    if parent.pk in goal_descendant_ids(goal):
        raise AdminError("A goal cannot sit under itself or one of its own sub-goals.")


@history_context(admin_action="goal.created")
def goal_create(*, actor, data: dict) -> StrategicGoal:
    with transaction.atomic():
        goal = StrategicGoal()
        _apply(goal, data, GOAL_FIELDS)
        goal.save()
        _log(
            actor=actor,
            action="goal.created",
            target=goal,
            details={"parent": _shown(goal.parent)},
        )
    return goal


@history_context(admin_action="goal.updated")
def goal_update(
    *, goal: StrategicGoal, actor, data: dict, fingerprint: str | None = None
) -> StrategicGoal:
    """Edit a goal; a new ``parent`` moves it (and its sub-goals) in the hierarchy.
    ``fingerprint`` is ``state_fingerprint(goal_state(goal))`` as the edit form loaded it: if
    anyone changed the goal since (moved it, say), ``EditConflict`` and nothing is written."""
    with transaction.atomic():
        # Lock every goal: two moves at once could otherwise build a cycle between them.
        list(StrategicGoal.objects.select_for_update().values_list("pk", flat=True))
        current = StrategicGoal.objects.get(pk=goal.pk)
        _refuse_if_changed(
            current=current,
            state=goal_state(current),
            fingerprint=fingerprint,
            labels=GOAL_STATE_LABELS,
        )
        if "parent" in data:
            _guard_parent(current, data["parent"])
        owner = data.get("owner")
        if owner is not None and owner.pk != current.owner_id and not owner.is_active:
            raise AdminError(f"{person_name(owner)}'s account is deactivated.")
        changes = _apply(current, data, GOAL_FIELDS)
        if changes:
            current.save()
            action = "goal.moved" if list(changes) == ["parent"] else "goal.updated"
            _log(actor=actor, action=action, target=current, details={"changes": changes})
    return current


@history_context(admin_action="goal.archived")
def goal_set_archived(*, goal: StrategicGoal, actor, archived: bool) -> StrategicGoal:
    """Archiving a goal sets it to "dropped" (use cases keep their link); restoring, "active"."""
    with transaction.atomic():
        current = StrategicGoal.objects.select_for_update().get(pk=goal.pk)
        status = GoalStatus.DROPPED if archived else GoalStatus.ACTIVE
        if current.status == status:
            return current
        before, current.status = current.status, status
        current.save(update_fields=["status"])
        _log(
            actor=actor,
            action="goal.archived" if archived else "goal.restored",
            target=current,
            details={"changes": {"status": [before, status]}},
        )
    return current
