"""The detail page's timeline: everything that happened to a use case, whoever did it and however.

Five sources, each read once and each made entries by its own builder: the workflow events, the
comments, and what the database's history triggers caught outside the registry's pages (the use
case's own row; its product and goal links; its reviews and sign-offs). ``usecase_timeline`` reads
them, fetches what they name, and merges the entries newest first."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model

from core.compiled import Statement, compiled_values, statement
from core.people import NAME_FIELDS, named_person
from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import EventKind
from usecases.custom_fields.values import labels
from usecases.models import Comment, Revision, UseCase, UseCaseEvent
from usecases.selectors.history_queries import (
    links_reviews_and_sign_offs_changed_outside,
    links_reviews_and_sign_offs_statement,
    use_case_rows_changed_outside,
    use_case_rows_statement,
)
from usecases.selectors.history_rows import (
    EVENT_VERBS,
    LINK_HISTORY,
    RELATED_HISTORY,
    FieldChange,
    context_user_id,
    field_label,
    json_shown,
    row_changes,
)

User = get_user_model()


# The detail page shows this many timeline entries; "Show full history" shows them all.
TIMELINE_LIMIT = 50
OUTSIDE_TITLE = "Changed outside the registry's pages"
CREATED_OUTSIDE_TITLE = "Created outside the registry's pages"


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


# What the entries read of an event and a comment, as values, and of who made it: their name.
_EVENT_FIELDS = (
    "pk", "kind", "note", "from_status", "to_status", "version", "changes", "created_at",
    "actor", *(f"actor__{name}" for name in NAME_FIELDS),
)  # fmt: skip
_COMMENT_FIELDS = (
    "pk",
    "body",
    "created_at",
    "author",
    *(f"author__{name}" for name in NAME_FIELDS),
)
_EVENT_LABELS = {
    name: dict(UseCaseEvent._meta.get_field(name).flatchoices)
    for name in ("kind", "from_status", "to_status")
}


def _label(name: str, value) -> str:
    """An event's choice as ``get_<name>_display`` reads it."""
    return str(_EVENT_LABELS[name].get(value, value))


def usecase_timeline(usecase: UseCase, *, limit: int | None = None) -> list[TimelineEntry]:
    """``usecase``'s history, newest first, at most ``limit`` entries: workflow events and edits,
    comments, and changes made outside the registry's pages, which the database's history
    triggers caught (fields old -> new; product and goal links; its reviews and sign-offs).

    A fixed number of queries whatever the length: each source is read once (its newest
    ``limit``; the use case's own rows with the row before each and its team), and the people,
    products, goals and revisions the outside changes name in one query each. Who made an event
    or a comment comes with it, by name only (a long history names a few people many times).
    """
    # Values, not instances: a long history's events and comments are read as rows.
    events = compiled_values(_events_query, usecase.pk, limit=limit)
    comments = compiled_values(_comments_query, usecase.pk, limit=limit)
    rows = use_case_rows_changed_outside(usecase, limit)
    link_rows, related_rows = links_reviews_and_sign_offs_changed_outside(usecase, limit)
    names = _names(rows, link_rows, related_rows)
    custom = labels(usecase)  # the custom fields' labels, read if an entry names one
    return _merged(
        [
            _event_entries(events, custom),
            _comment_entries(comments),
            _use_case_row_entries(rows, names, custom),
            _link_entries(link_rows, names),
            _review_and_sign_off_entries(related_rows, names),
        ],
        limit,
    )


def timeline_statements(usecase: UseCase, *, limit: int | None = None) -> list[Statement]:
    """What ``usecase_timeline`` reads of its sources, for ``core.compiled.read_ahead``."""
    return [
        statement(_events_query, usecase.pk, limit=limit),
        statement(_comments_query, usecase.pk, limit=limit),
        use_case_rows_statement(usecase, limit),
        links_reviews_and_sign_offs_statement(usecase, limit),
    ]


def _events_query(usecase_pk: int, limit: int | None):
    events = (
        UseCaseEvent.objects.filter(usecase_id=usecase_pk)
        .order_by("-created_at", "-pk")
        .values_list(*_EVENT_FIELDS)
    )
    return events[:limit] if limit is not None else events


def _comments_query(usecase_pk: int, limit: int | None):
    comments = (
        Comment.objects.filter(usecase_id=usecase_pk)
        .order_by("-created_at", "-pk")
        .values_list(*_COMMENT_FIELDS)
    )
    return comments[:limit] if limit is not None else comments


def _merged(sources: list[list], limit: int | None) -> list[TimelineEntry]:
    """The entries of every source, newest first; at one moment, an outside change before the
    event that followed it, and comments last. Each source gives (sort key, entry) pairs."""
    dated = [item for source in sources for item in source]
    dated.sort(key=lambda item: item[0], reverse=True)
    entries = [entry for _, entry in dated]
    return entries[:limit] if limit is not None else entries


@dataclass(frozen=True)
class _Names:
    """The people, teams, products, goals and revisions the entries name, by id."""

    people: dict
    teams: dict
    products: dict
    goals: dict
    revisions: dict

    def related(self) -> dict:
        """The use case's own history rows name people and a team: by model, by id."""
        return {User: self.people, Team: self.teams}


def _names(rows, link_rows, related_rows) -> _Names:
    """One query for each kind of thing named, and none for a kind nobody names (the teams come
    with the use case's rows)."""
    # (model, pk) of the people and revisions the review and sign-off rows name, old and new.
    named = [
        (field.related_model, value)
        for row in related_rows
        for field, _, *pair in row.field_values
        if field.is_relation
        for value in pair
        if value is not None
    ]
    linked = {
        kind: {row.pgh_data[column] for row in link_rows if LINK_HISTORY[row.pgh_model] == kind}
        for kind, column in (("product", "product_id"), ("goal", "strategicgoal_id"))
    }
    both = [*rows, *(row.previous_row for row in rows if row.previous_row is not None)]
    people = {
        *(user_id for row in rows if (user_id := context_user_id(row)[0]) is not None),
        *(
            user_id
            for row in (*link_rows, *related_rows)
            if (user_id := (row.pgh_context or {}).get("user")) is not None
        ),
        *(pk for model, pk in named if model is User),
        *(row.owner_id for row in both),
        *(row.author_id for row in both),
    }
    people.discard(None)
    return _Names(
        people=User.objects.in_bulk(people),
        teams={row.team_id: row.team for row in both},  # joined to the rows: few and small
        products=Product.objects.in_bulk(linked["product"]),
        goals=StrategicGoal.objects.in_bulk(linked["goal"]),
        revisions=Revision.objects.in_bulk({pk for model, pk in named if model is Revision}),
    )


def _event_entries(events, custom) -> list[tuple]:
    """Workflow steps and edits through the registry's pages (``_EVENT_FIELDS`` values)."""
    dated, people = [], {}
    for pk, kind, note, from_status, to_status, version, changes, at, *actor in events:
        transition = bool(from_status)
        dated.append(
            (
                (at, 1, pk),
                TimelineEntry(
                    source="event",
                    at=at,
                    title=_label("kind", kind),
                    actor=named_person(people, actor),
                    text=note,
                    changed_labels=tuple(field_label(name, custom) for name in changes)
                    if kind == EventKind.UPDATED
                    else (),
                    from_status=_label("from_status", from_status) if transition else "",
                    to_status=_label("to_status", to_status) if transition else "",
                    version=version,
                ),
            )
        )
    return dated


def _comment_entries(comments) -> list[tuple]:
    """Comments (``_COMMENT_FIELDS`` values)."""
    people = {}
    return [
        (
            (at, 2, pk),
            TimelineEntry(
                source="comment",
                at=at,
                title="Comment",
                actor=named_person(people, author),
                text=body,
            ),
        )
        for pk, body, at, *author in comments
    ]


def _use_case_row_entries(rows, names: _Names, custom) -> list[tuple]:
    """The use case changed outside the services: its fields, old -> new."""
    dated = []
    for row in rows:
        changes = row_changes(row, row.previous_row, custom, names.related())
        if not changes:
            continue  # a save that changed nothing people read
        user_id, url = context_user_id(row)
        dated.append(
            (
                (row.pgh_created_at, 0, row.pgh_id),
                TimelineEntry(
                    source="outside",
                    at=row.pgh_created_at,
                    title=CREATED_OUTSIDE_TITLE if row.pgh_label == "insert" else OUTSIDE_TITLE,
                    actor=names.people.get(user_id),
                    changes=changes,
                    version=row.version,
                    via=url,
                ),
            )
        )
    return dated


def _link_entries(link_rows, names: _Names) -> list[tuple]:
    """A product or goal linked or unlinked outside the services."""
    dated = []
    for row in link_rows:
        data = row.pgh_data or {}
        if LINK_HISTORY[row.pgh_model] == "product":
            label, linked = "Products", names.products.get(data.get("product_id"))
            name = linked.name if linked else f"a deleted product (#{data.get('product_id')})"
        else:
            label, linked = "Goals", names.goals.get(data.get("strategicgoal_id"))
            name = linked.title if linked else f"a deleted goal (#{data.get('strategicgoal_id')})"
        added = row.pgh_label.endswith(".linked")
        change = (
            FieldChange(label, "", f"{name} linked")
            if added
            else FieldChange(label, f"{name} unlinked", "")
        )
        dated.append(_related_outside(row, names, OUTSIDE_TITLE, (change,)))
    return dated


def _related_outside(row, names: _Names, title: str, changes: tuple) -> tuple:
    """A dated timeline entry for a related row (a link, a review, a sign-off) changed outside
    the services; who and where come from the row's own history context."""
    context = row.pgh_context or {}
    return (
        (row.pgh_created_at, 0, row.pgh_id),
        TimelineEntry(
            source="outside",
            at=row.pgh_created_at,
            title=title,
            actor=names.people.get(context.get("user")),
            changes=changes,
            via=context.get("url", ""),
        ),
    )


def _review_and_sign_off_entries(related_rows, names: _Names) -> list[tuple]:
    """A review or sign-off created, changed or deleted outside the services."""
    dated = []
    for row in related_rows:
        subject = RELATED_HISTORY[row.pgh_model][0]
        changes = []
        for field, label, old, new in row.field_values:
            old = json_shown(field, old, people=names.people, revisions=names.revisions)
            new = json_shown(field, new, people=names.people, revisions=names.revisions)
            if old != new:
                changes.append(FieldChange(label, old, new))
        if not changes:
            continue  # only bookkeeping moved
        title = (
            f"{subject} {EVENT_VERBS.get(row.pgh_label, 'changed')} outside the registry's pages"
        )
        dated.append(_related_outside(row, names, title, tuple(changes)))
    return dated
