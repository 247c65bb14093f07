"""The text a reviewer or signer decides on: the newest revision against the last signed one,
field by field, a revision's snapshot, and the events since the version someone last saw."""

from dataclasses import dataclass

from usecases.choices import EDITABLE_FIELDS, RevisionReason
from usecases.custom_fields.values import active_fields, labels
from usecases.display import M2M_FIELDS, usecase_snapshot
from usecases.models import Revision, UseCase, UseCaseEvent
from usecases.selectors.history_rows import field_label


@dataclass(frozen=True)
class FieldDiff:
    """One field of the text under review beside the last signed text. ``signed`` is None when
    the use case was never signed off."""

    field: str
    label: str
    signed: str | None
    proposed: str

    @property
    def changed(self) -> bool:
        return self.signed is not None and self.signed != self.proposed


def events_since(usecase: UseCase, version: int) -> list[UseCaseEvent]:
    """What moved the use case past ``version``, oldest first, with who did it: what a person who
    decided on that version needs to see before deciding again."""
    return list(
        UseCaseEvent.objects.filter(usecase=usecase, version__gt=version)
        .select_related("actor")
        .order_by("version", "pk")[:50]
    )


def last_signed_revision(usecase: UseCase) -> Revision | None:
    return (
        usecase.revisions.filter(reason=RevisionReason.SIGNED)
        .select_related("created_by")
        .order_by("-number")
        .first()
    )


def revision_diff(usecase: UseCase) -> list[FieldDiff]:
    """The text under review (the newest submitted revision; for an ownership transfer, the use
    case as it stands), field by field, against the last signed revision. Two queries."""
    newest = usecase.revisions.order_by("-number").first()
    signed = last_signed_revision(usecase)
    if newest is not None and newest.reason == RevisionReason.SUBMITTED:
        proposed = newest.data
    else:
        # Nothing submitted since the last sign-off: a transfer asks the new owner to sign
        # the text as it stands (with them as owner).
        proposed = usecase_snapshot(usecase)
    before = signed.data if signed is not None else None
    # An archived custom field keeps its values, so it has not changed: it leaves the diff.
    in_use = {field.key for field in active_fields(usecase).values()}
    names = [
        name
        for name in _in_form_order({**(before or {}), **proposed})
        if not name.startswith("cf_") or name in in_use
    ]
    custom = labels(usecase)
    return [
        FieldDiff(
            field=name,
            label=field_label(name, custom),
            signed=before.get(name, "") if before is not None else None,
            proposed=proposed.get(name, ""),
        )
        for name in names
    ]


def _in_form_order(data: dict) -> list[str]:
    """The field names of a snapshot in the form's order (JSONB keeps no key order)."""
    known = [*EDITABLE_FIELDS, *M2M_FIELDS]
    return [name for name in known if name in data] + sorted(set(data) - set(known))


def revision_fields(revision: Revision) -> list[tuple[str, str]]:
    """A revision's snapshot as (label, value) pairs, in the form's order."""
    custom = labels()
    return [
        (field_label(name, custom), revision.data[name]) for name in _in_form_order(revision.data)
    ]
