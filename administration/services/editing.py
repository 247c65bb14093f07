"""What every administration write shares: the event row it records, the values it shows, the
slug it chooses, and the fingerprint that keeps two edits from silently overwriting each other."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.crypto import salted_hmac

from administration.services.errors import AdminError
from core import history
from core.people import person_name
from portfolio.choices import AdminAction, GoalStatus, ProductLifecycle, TeamKind
from portfolio.models import AdminEvent


def log(*, actor, action: str, target, details: dict | None = None) -> AdminEvent:
    """Record ``action`` on ``target`` in the administration history (in the caller's
    transaction)."""
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


def shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, get_user_model()):
        return person_name(value)
    return str(value)


def apply_changes(instance, data: dict, fields: list[str]) -> dict:
    """Set ``fields`` from ``data`` on ``instance``; return ``{field: [before, after]}`` shown."""
    changes = {}
    for name in fields:
        if name not in data:
            continue
        before = getattr(instance, name, None)  # None: a new row without that link yet
        after = data[name]
        if before != after:
            changes[name] = [shown(before), shown(after)]
            setattr(instance, name, after)
    return changes


def locked(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset``'s rows (teams, products, goals, people) locked for an admin's edit until the
    transaction ends, their key left alone (``FOR NO KEY UPDATE``): two edits of a row still wait
    for each other, but a use case being saved that refers to one checks only its key as it
    commits, while holding the summary's locks the edit's triggers take next; locking the whole
    row, the two waited for each other (a deadlock, one of them refused)."""
    return queryset.select_for_update(no_key=True)


def set_archived(model, row, *, actor, archived: bool, noun: str):
    """Archive or restore ``row`` (a team or product) under its lock (``locked``); nothing if it
    already is."""
    with transaction.atomic():
        current = locked(model.objects).get(pk=row.pk)
        if current.is_archived == archived:
            return current
        current.is_archived = archived
        current.save(update_fields=["is_archived"])
        log(
            actor=actor,
            action=AdminAction(f"{noun}.{'archived' if archived else 'restored'}"),
            target=current,
        )
    return current


def refuse_taken_name(model, name: str, *, noun: str, exclude_pk=None) -> None:
    """Refuse a second team or product of the same name (case aside)."""
    if model.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise AdminError(f"A {noun} called “{name}” already exists.")


def refuse_deactivated(person, *, unless_pk=None) -> None:
    """Refuse naming a deactivated person (``unless_pk``: the one already named may stay)."""
    if person is not None and person.pk != unless_pk and not person.is_active:
        raise AdminError(f"{person_name(person)}'s account is deactivated.")


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


def row_state(row, labels: dict) -> dict:
    """What an edit form edits on ``row``: each field ``labels`` names, as the row holds it (the
    state a fingerprint is taken of and a conflict is told in)."""
    return {name: getattr(row, name) for name in labels}


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
            f"Someone else changed {shown(target)} after you opened this form ({what})."
        )


def refuse_if_changed(*, current, state: dict, fingerprint: str | None, labels: dict) -> None:
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
    return shown(value)
