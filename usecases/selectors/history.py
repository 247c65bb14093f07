"""The detail page's history: the timeline of everything that happened to a use case, whoever
did it and however, the events since a version, and a revision's text against the last signed."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from pghistory.models import Events

from portfolio.models import Product, StrategicGoal
from usecases.choices import EDITABLE_FIELDS, EventKind, RevisionReason
from usecases.display import M2M_FIELDS, display_value, usecase_snapshot
from usecases.models import (
    Comment,
    Review,
    ReviewHistory,
    Revision,
    SignOff,
    SignOffHistory,
    UseCase,
    UseCaseEvent,
    UseCaseGoalHistory,
    UseCaseHistory,
    UseCaseProductHistory,
)
from usecases.numbers import plain_decimal

User = get_user_model()


# --- The detail page: timeline and revisions -----------------------------------------------------

# The detail page shows this many timeline entries; "Show full history" shows them all.
TIMELINE_LIMIT = 50
OUTSIDE_TITLE = "Changed outside the registry's pages"
CREATED_OUTSIDE_TITLE = "Created outside the registry's pages"

# Columns that never change or that every save moves: no news in a timeline.
# Bookkeeping columns, and ones derived from other rows (evidence), are not changes people make.
_HISTORY_NOISE = frozenset(
    {"id", "number", "version", "created_at", "updated_at", "evidence_status", "last_measured_on"}
)
# Columns derived from measurements and kept by the services and the daily recompute: the
# measurements' own events tell that story; a new row's "No measurements" is no news either.
_HISTORY_NOISE |= {"evidence_status", "last_measured_on"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a use case's history. ``source`` says where it comes from: "event" (a
    workflow step or an edit through the registry), "comment", or "outside" (a change made in the
    admin, the shell or an importer, read from the database's own history)."""

    source: str
    at: datetime
    title: str
    actor: object = None  # a user; None when nobody is known (a script, the system)
    text: str = ""  # note, comment, rationale or reason
    changed_labels: tuple[str, ...] = ()
    from_status: str = ""  # status labels, for a transition
    to_status: str = ""
    changes: tuple[FieldChange, ...] = ()  # old -> new, for changes made outside
    version: int | None = None
    via: str = ""  # the address an outside change came through, when made in a request


def _outside_services() -> Q:
    """History rows not written by a service (see ``core.history.history_context``)."""
    return Q(pgh_context__isnull=True) | Q(pgh_context__metadata__service__isnull=True)


# Fields whose name, read aloud, is not what people call them.
_LABELS = {
    "changed_since_sign_off": "Changed since sign-off",
    "signed_off_at": "Signed off",
    "attestation_expires_at": "Attestation due",
    "external_ref": "External reference",
}


def field_label(name: str) -> str:
    """A use-case field as people name it ("success_signal" -> "Success signal")."""
    if name in _LABELS:
        return _LABELS[name]
    try:
        return capfirst(UseCase._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _shown(row, field) -> str:
    """A history row's value of ``field`` as people read it."""
    if field.is_relation:
        related = getattr(row, field.name)  # fetched with select_related
        return display_value(related)
    value = getattr(row, field.attname)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, date):
        return date_format(value, "j M Y")
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


_HISTORY_FIELDS = [
    field
    for field in UseCaseHistory._meta.concrete_fields
    if not field.name.startswith("pgh_") and field.name not in _HISTORY_NOISE
]


def _row_changes(row, previous) -> tuple[FieldChange, ...]:
    changes = []
    for field in _HISTORY_FIELDS:
        if previous is None and getattr(row, field.attname) is False:
            continue  # a new row's unset flag is no news
        old = _shown(previous, field) if previous is not None else ""
        new = _shown(row, field)
        if old != new:
            changes.append(FieldChange(field_label(field.name), old, new))
    return tuple(changes)


def _context_user_id(row):
    metadata = row.pgh_context.metadata if row.pgh_context_id and row.pgh_context else {}
    return metadata.get("user"), metadata.get("url", "")


# Review and sign-off rows changed outside the services: what each is called, and its columns as
# people name them, in the order shown. Ids, the use case and bookkeeping links are no news.
_RELATED_HISTORY = {
    ReviewHistory._meta.label: (
        "Review",
        Review,
        {
            "submitted_by": "Submitted by",
            "submitted_at": "Submitted",
            "revision": "Revision",
            "reviewer": "Reviewer",
            "decision": "Decision",
            "comment": "Comment",
            "decided_at": "Decided",
        },
    ),
    SignOffHistory._meta.label: (
        "Sign-off",
        SignOff,
        {
            "owner": "Signed by",
            "revision": "Revision signed",
            "kind": "Kind",
            "statement": "Statement",
            "signed_at": "Signed",
            "expires_at": "Expires",
            "superseded_at": "Superseded",
            "reminder_sent_at": "Attestation reminder sent",
        },
    ),
}
_LINK_HISTORY = {
    UseCaseProductHistory._meta.label: "product",
    UseCaseGoalHistory._meta.label: "goal",
}
_EVENT_VERBS = {"insert": "created", "delete": "deleted"}


def _related_columns(model, labels) -> list:
    """(column, field, label) of ``model``'s columns the timeline shows, in ``labels``' order."""
    return [
        (model._meta.get_field(name).column, model._meta.get_field(name), label)
        for name, label in labels.items()
    ]


_RELATED_COLUMNS = {
    name: _related_columns(model, labels) for name, (_, model, labels) in _RELATED_HISTORY.items()
}


def _json_shown(field, value, *, people, revisions) -> str:
    """A value from a history row's JSON (``row_to_json``) as people read it."""
    if value is None or value == "":
        return ""
    if field.is_relation:
        if field.related_model is Revision:
            revision = revisions.get(value)
            return f"Revision {revision.number}" if revision else f"a deleted revision (#{value})"
        person = people.get(value)
        return display_value(person) if person else f"a deleted person (#{value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(field, DateTimeField):
        moment = parse_datetime(value)
        return date_format(timezone.localtime(moment), "j M Y H:i") if moment else str(value)
    return str(value)


def _related_values(event) -> list[tuple]:
    """(field, label, old, new) raw JSON values of a review or sign-off history row: every value
    a new or deleted row held, or what an update changed."""
    columns = _RELATED_COLUMNS[event.pgh_model]
    data = event.pgh_data or {}
    if event.pgh_label == "insert":
        return [(f, label, None, data.get(col)) for col, f, label in columns]
    if event.pgh_label == "delete":
        return [(f, label, data.get(col), None) for col, f, label in columns]
    diff = event.pgh_diff or {}
    return [(f, label, *diff[col]) for col, f, label in columns if col in diff]


def usecase_timeline(usecase: UseCase, *, limit: int | None = None) -> list[TimelineEntry]:
    """``usecase``'s history, newest first, at most ``limit`` entries: workflow events and edits,
    comments, and changes made outside the registry's pages, which the database's history
    triggers caught (fields old -> new; product and goal links; its reviews and sign-offs).

    A fixed number of queries whatever the length: each source is read once (its newest
    ``limit``), the row before each outside change of the use case in one more, and the people,
    products, goals and revisions they name in one query each.
    """

    def newest(queryset):
        return list(queryset[:limit] if limit is not None else queryset)

    events = newest(
        UseCaseEvent.objects.filter(usecase=usecase)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    comments = newest(
        Comment.objects.filter(usecase=usecase)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
    before = UseCaseHistory.objects.filter(
        pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id")
    ).order_by("-pgh_id")
    outside_rows = newest(
        UseCaseHistory.objects.filter(_outside_services(), pgh_obj_id=usecase.pk)
        .exclude(pgh_label="delete")
        .select_related("pgh_context", "team", "owner", "author")
        .annotate(previous_id=Subquery(before.values("pgh_id")[:1]))
        .order_by("-pgh_id")
    )
    previous_ids = [row.previous_id for row in outside_rows if row.previous_id]
    previous = UseCaseHistory.objects.select_related("team", "owner", "author").in_bulk(
        previous_ids, field_name="pgh_id"
    )
    # Links, reviews and sign-offs changed outside the services: one query across their history
    # tables, each row with its values and what it changed (pghistory's aggregate events, whose
    # ``pgh_context`` is the context's metadata: ``_outside_services`` one level up).
    other_rows = newest(
        Events.objects.across(
            UseCaseProductHistory, UseCaseGoalHistory, ReviewHistory, SignOffHistory
        )
        .references(usecase)
        .filter(Q(pgh_context__isnull=True) | Q(pgh_context__service__isnull=True))
        .order_by("-pgh_created_at", "-pgh_id")
    )
    link_rows = [row for row in other_rows if row.pgh_model in _LINK_HISTORY]
    related_rows = [row for row in other_rows if row.pgh_model in _RELATED_HISTORY]
    related_values = {row.pgh_slug: _related_values(row) for row in related_rows}
    # (model, pk) of the people and revisions those rows name, old values and new.
    named = [
        (field.related_model, value)
        for values in related_values.values()
        for field, _, *pair in values
        if field.is_relation
        for value in pair
        if value is not None
    ]
    products = Product.objects.in_bulk(
        {
            row.pgh_data["product_id"]
            for row in link_rows
            if _LINK_HISTORY[row.pgh_model] == "product"
        }
    )
    goals = StrategicGoal.objects.in_bulk(
        {
            row.pgh_data["strategicgoal_id"]
            for row in link_rows
            if _LINK_HISTORY[row.pgh_model] == "goal"
        }
    )
    revisions = Revision.objects.in_bulk({pk for model, pk in named if model is Revision})
    people = User.objects.in_bulk(
        {
            *(user_id for row in outside_rows if (user_id := _context_user_id(row)[0]) is not None),
            *(
                user_id
                for row in other_rows
                if (user_id := (row.pgh_context or {}).get("user")) is not None
            ),
            *(pk for model, pk in named if model is User),
        }
    )

    dated = []  # (when, tie-break, entry)
    for event in events:
        transition = bool(event.from_status)
        dated.append(
            (
                (event.created_at, 1, event.pk),
                TimelineEntry(
                    source="event",
                    at=event.created_at,
                    title=event.get_kind_display(),
                    actor=event.actor,
                    text=event.note,
                    changed_labels=tuple(event.changed_labels)
                    if event.kind == EventKind.UPDATED
                    else (),
                    from_status=event.get_from_status_display() if transition else "",
                    to_status=event.get_to_status_display() if transition else "",
                    version=event.version,
                ),
            )
        )
    for comment in comments:
        dated.append(
            (
                (comment.created_at, 2, comment.pk),
                TimelineEntry(
                    source="comment",
                    at=comment.created_at,
                    title="Comment",
                    actor=comment.author,
                    text=comment.body,
                ),
            )
        )
    for row in outside_rows:
        changes = _row_changes(row, previous.get(row.previous_id))
        if not changes:
            continue  # a save that changed nothing people read
        user_id, url = _context_user_id(row)
        dated.append(
            (
                (row.pgh_created_at, 0, row.pgh_id),
                TimelineEntry(
                    source="outside",
                    at=row.pgh_created_at,
                    title=CREATED_OUTSIDE_TITLE if row.pgh_label == "insert" else OUTSIDE_TITLE,
                    actor=people.get(user_id),
                    changes=changes,
                    version=row.version,
                    via=url,
                ),
            )
        )
    for row in link_rows:
        data = row.pgh_data or {}
        if _LINK_HISTORY[row.pgh_model] == "product":
            label, linked = "Products", products.get(data.get("product_id"))
            name = linked.name if linked else f"a deleted product (#{data.get('product_id')})"
        else:
            label, linked = "Goals", goals.get(data.get("strategicgoal_id"))
            name = linked.title if linked else f"a deleted goal (#{data.get('strategicgoal_id')})"
        added = row.pgh_label.endswith(".linked")
        context = row.pgh_context or {}
        dated.append(
            (
                (row.pgh_created_at, 0, row.pgh_id),
                TimelineEntry(
                    source="outside",
                    at=row.pgh_created_at,
                    title=OUTSIDE_TITLE,
                    actor=people.get(context.get("user")),
                    changes=(
                        FieldChange(label, "", f"{name} linked")
                        if added
                        else FieldChange(label, f"{name} unlinked", ""),
                    ),
                    via=context.get("url", ""),
                ),
            )
        )
    for row in related_rows:
        subject = _RELATED_HISTORY[row.pgh_model][0]
        changes = []
        for field, label, old, new in related_values[row.pgh_slug]:
            old = _json_shown(field, old, people=people, revisions=revisions)
            new = _json_shown(field, new, people=people, revisions=revisions)
            if old != new:
                changes.append(FieldChange(label, old, new))
        if not changes:
            continue  # only bookkeeping moved
        context = row.pgh_context or {}
        dated.append(
            (
                (row.pgh_created_at, 0, row.pgh_id),
                TimelineEntry(
                    source="outside",
                    at=row.pgh_created_at,
                    title=f"{subject} {_EVENT_VERBS.get(row.pgh_label, 'changed')} "
                    "outside the registry's pages",
                    actor=people.get(context.get("user")),
                    changes=tuple(changes),
                    via=context.get("url", ""),
                ),
            )
        )
    dated.sort(key=lambda item: item[0], reverse=True)
    entries = [entry for _, entry in dated]
    return entries[:limit] if limit is not None else entries


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
    names = _in_form_order({**(before or {}), **proposed})
    return [
        FieldDiff(
            field=name,
            label=field_label(name),
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
    return [(field_label(name), revision.data[name]) for name in _in_form_order(revision.data)]
