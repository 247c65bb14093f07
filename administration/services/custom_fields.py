"""Custom fields: define one, edit it, archive or restore it. Every change is in the
administration history.

A field is archived, never deleted: it leaves the use-case form, the detail page, the list and
the exports, while the values use cases hold stay in their JSON column, in their revisions and in
their history, still named by the field's label; restoring it brings them back as they were.
Deleting the definition would leave those values without a name or a type to read them by.

The name is the key the values are stored under, so it never changes; nor does the type once a
use case holds a value (the stored values would no longer read as that type). Removing a choice
that use cases hold is refused for the same reason."""

from __future__ import annotations

from django.db import transaction

from administration.services import editing
from administration.services.errors import AdminError
from core.history import history_context
from portfolio.choices import AdminAction
from usecases.custom_fields.values import lock_definitions
from usecases.models import CustomField, CustomFieldType, UseCase
from usecases.models.custom_fields import CHOICE_TYPES

CUSTOM_FIELD_FIELDS = [
    "name",
    "label",
    "help_text",
    "type",
    "choices",
    "required_for_review",
    "group",
    "order",
]

CUSTOM_FIELD_STATE_LABELS = {
    "label": "label",
    "help_text": "help text",
    "type": "type",
    "choices": "choices",
    "required_for_review": "required for review",
    "group": "group",
    "order": "order",
    "is_archived": "archived",
}


def customfield_state(field: CustomField) -> dict:
    return editing.row_state(field, CUSTOM_FIELD_STATE_LABELS)


def _holding(field: CustomField):
    """The use cases holding a value of ``field`` (the JSON column's GIN index answers)."""
    return UseCase.objects.filter(custom_values__has_key=field.name)


def _holds(holding, field: CustomField, choice: str) -> bool:
    held = [choice] if field.type == CustomFieldType.MULTIPLE_CHOICE else choice
    return holding.filter(custom_values__contains={field.name: held}).exists()


def _refuse_bad_definition(current: CustomField | None, data: dict) -> None:
    label = data.get("label", current.label if current else "")
    taken = CustomField.objects.filter(label__iexact=label)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if taken.exists():
        raise AdminError(f"A custom field labelled “{label}” already exists.")
    kind = data.get("type", current.type if current else "")
    choices = data.get("choices", current.choices if current else [])
    if kind in CHOICE_TYPES and not choices:
        raise AdminError("A choice field needs at least one choice.")
    if current is None:
        if CustomField.objects.filter(name=data["name"]).exists():
            raise AdminError(f"A custom field named “{data['name']}” already exists.")
        return
    holding = _holding(current)
    if kind != current.type and holding.exists():
        raise AdminError(
            f"Use cases hold values of “{current.label}”, so its type can't change; "
            "add a new field instead."
        )
    dropped = [choice for choice in current.choices if choice not in choices]
    if current.type in CHOICE_TYPES and dropped:
        held = [choice for choice in dropped if _holds(holding, current, choice)]
        if held:
            raise AdminError(
                f"Use cases hold the choice {', '.join(f'“{c}”' for c in held)}; keep it, or "
                "change those use cases first."
            )


@history_context(admin_action=AdminAction.CUSTOM_FIELD_CREATED)
def customfield_create(*, actor, data: dict) -> CustomField:
    with transaction.atomic():
        _refuse_bad_definition(None, data)
        field = CustomField()
        editing.apply_changes(field, data, CUSTOM_FIELD_FIELDS)
        if field.type not in CHOICE_TYPES:
            field.choices = []
        field.save()
        editing.log(
            actor=actor,
            action=AdminAction.CUSTOM_FIELD_CREATED,
            target=field,
            details={"name": field.name, "type": field.get_type_display()},
        )
    return field


@history_context(admin_action=AdminAction.CUSTOM_FIELD_UPDATED)
def customfield_update(
    *, field: CustomField, actor, data: dict, fingerprint: str | None = None
) -> CustomField:
    """Edit a field's label, help, type, choices, review rule, group or order (never its name).
    ``fingerprint``: the edit form's, as for teams and products."""
    with transaction.atomic():
        # Waits for use-case writes checking values by the definitions now (they hold the table
        # in SHARE mode, ``lock_definitions``), so the check for values held below sees theirs.
        lock_definitions("ROW EXCLUSIVE")
        current = CustomField.objects.select_for_update().get(pk=field.pk)
        editing.refuse_if_changed(
            current=current,
            state=customfield_state(current),
            fingerprint=fingerprint,
            labels=CUSTOM_FIELD_STATE_LABELS,
        )
        data = {name: value for name, value in data.items() if name != "name"}
        _refuse_bad_definition(current, data)
        if data.get("type", current.type) not in CHOICE_TYPES:
            data["choices"] = []
        changes = editing.apply_changes(current, data, CUSTOM_FIELD_FIELDS)
        if changes:
            current.save()
            editing.log(
                actor=actor,
                action=AdminAction.CUSTOM_FIELD_UPDATED,
                target=current,
                details={"changes": changes},
            )
    return current


@history_context(admin_action=AdminAction.CUSTOM_FIELD_ARCHIVED)
def customfield_set_archived(*, field: CustomField, actor, archived: bool) -> CustomField:
    """Archive (take off the form, the pages and the list; the values stay) or restore."""
    return editing.set_archived(
        CustomField, field, actor=actor, archived=archived, noun="customfield"
    )
