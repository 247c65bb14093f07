"""Reads that shape the use-case pages: one queryset per page, related data fetched up front."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from pghistory.models import Events

from portfolio.models import Product, StrategicGoal
from usecases import charts, evidence, permissions, readiness
from usecases.choices import (
    EDITABLE_FIELDS,
    MEASURABLE_STATUSES,
    EventKind,
    ReviewDecision,
    RevisionReason,
    Status,
)
from usecases.display import M2M_FIELDS, display_value, usecase_snapshot
from usecases.models import (
    Comment,
    Notification,
    OwnershipTransfer,
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
    parse_key,
)
from usecases.numbers import plain_decimal
from usecases.permissions import can_view_review_queue

User = get_user_model()


def usecase_list_queryset():
    return UseCase.objects.with_list_data().defer(
        "people_change",
        "process_change",
        "technology_change",
        "business_intent",
        "success_signal",
        "search_vector",
    )


def search_usecases(queryset, text: str):
    """Full-text prefix search over title, who and problem; a key such as ``UC-1042`` also matches."""
    text = (text or "").strip()
    if not text:
        return queryset
    number = parse_key(text)
    searched = queryset.search(text)
    if number is not None:
        return queryset.filter(Q(pk__in=searched.values("pk")) | Q(number=number))
    return searched


def usecase_detail(key: str) -> UseCase:
    return (
        UseCase.objects.by_key(key)
        .select_related("team", "owner", "author")
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.select_related("team")),
            Prefetch("goals", queryset=StrategicGoal.objects.select_related("parent")),
        )
        .get()
    )


def owner_choices():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


# --- Each person's own pages: inbox, reviews, sign-offs ------------------------------------------

# Text the personal pages never show; left out of their queries.
_LONG_TEXT = (
    "people_change",
    "process_change",
    "technology_change",
    "business_intent",
    "success_signal",
    "problem",
    "who",
    "search_vector",
)


def inbox_notifications(user):
    """``user``'s notices, newest first, each with the key and title of its use case."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("usecase")
        .only(
            "kind",
            "message",
            "created_at",
            "read_at",
            "recipient",
            "usecase",
            "usecase__number",
            "usecase__title",
        )
        .order_by("-created_at", "-pk")
    )


def unread_notification_count(user) -> int:
    """One indexed count (the partial index on unread notices)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user).unread().count()


def reviews_waiting_for(user):
    """What waits for ``user``'s review: in review, not written by them, the longest-waiting
    first. ``waiting_since`` is when the open review round began."""
    open_review = Review.objects.filter(usecase=OuterRef("pk"), decided_at__isnull=True)
    return (
        UseCase.objects.reviewable_by(user)
        .select_related("team", "author", "owner")
        .defer(*_LONG_TEXT)
        .annotate(waiting_since=Subquery(open_review.values("submitted_at")[:1]))
        .order_by("waiting_since", "number")
    )


def attestation_due_before(now: datetime) -> datetime:
    """Attestations lapsing before this moment are due (the sign-offs page, My work, the
    dashboard); one window for all of them, ``settings.ATTESTATION_DUE_WITHIN_DAYS``."""
    return now + timedelta(days=settings.ATTESTATION_DUE_WITHIN_DAYS)


def sign_off_requested_at():
    """When the use case's pending sign-off was asked for: the open ownership transfer, or else
    the approval that sent it to its owner. An expression to annotate with."""
    open_transfer = OwnershipTransfer.objects.filter(
        usecase=OuterRef("pk"), resolved_at__isnull=True
    )
    approval = Review.objects.filter(
        usecase=OuterRef("pk"), decision=ReviewDecision.APPROVED
    ).order_by("-decided_at")
    return Coalesce(
        Subquery(open_transfer.values("requested_at")[:1]),
        Subquery(approval.values("decided_at")[:1]),
    )


# Each section of the sign-offs page shows at most this many rows, the most urgent first.
SIGN_OFF_PAGE_ROWS = 50


@dataclass(frozen=True)
class SignOffWork:
    """What waits for an owner: use cases to sign off, and attestations to renew."""

    awaiting: list
    awaiting_total: int
    attestations_due: list
    attestations_due_total: int
    due_before: object  # datetime: the end of the window the page looks at


def sign_off_work_for(user, *, now=None) -> SignOffWork:
    """Four queries whatever the numbers: two lists (capped) and their totals.

    Awaiting sign-off: approved use cases and ownership transfers naming ``user``, oldest request
    first; ``requested_at`` is when the transfer was asked for or the approval given, and
    ``is_transfer`` tells the two apart. Attestations due: ``user``'s active use cases whose
    sign-off has lapsed or lapses within the due window, soonest first.
    """
    now = now or timezone.now()
    open_transfer = OwnershipTransfer.objects.filter(
        usecase=OuterRef("pk"), resolved_at__isnull=True
    )
    awaiting = (
        UseCase.objects.awaiting_sign_off_by(user)
        .select_related("team", "author")
        .defer(*_LONG_TEXT)
        .annotate(
            is_transfer=Exists(open_transfer),
            requested_at=sign_off_requested_at(),
        )
        .order_by("requested_at", "number")
    )
    due_before = attestation_due_before(now)
    due = (
        UseCase.objects.filter(
            status=Status.ACTIVE, owner=user, attestation_expires_at__lt=due_before
        )
        .select_related("team")
        .defer(*_LONG_TEXT)
        .order_by("attestation_expires_at", "number")
    )
    return SignOffWork(
        awaiting=list(awaiting[:SIGN_OFF_PAGE_ROWS]),
        awaiting_total=awaiting.count(),
        attestations_due=list(due[:SIGN_OFF_PAGE_ROWS]),
        attestations_due_total=due.count(),
        due_before=due_before,
    )


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


@dataclass(frozen=True)
class UnreadSummary:
    count: int
    newest_id: int | None


def inbox_unread_summary(user) -> UnreadSummary:
    """How many notices ``user`` has not read, and the newest of them: one query."""
    row = (
        Notification.objects.filter(recipient=user)
        .unread()
        .aggregate(count=Count("pk"), newest_id=Max("pk"))
    )
    return UnreadSummary(count=row["count"], newest_id=row["newest_id"])


def _in_form_order(data: dict) -> list[str]:
    """The field names of a snapshot in the form's order (JSONB keeps no key order)."""
    known = [*EDITABLE_FIELDS, *M2M_FIELDS]
    return [name for name in known if name in data] + sorted(set(data) - set(known))


def revision_fields(revision: Revision) -> list[tuple[str, str]]:
    """A revision's snapshot as (label, value) pairs, in the form's order."""
    return [(field_label(name), revision.data[name]) for name in _in_form_order(revision.data)]


# --- My work: the home page after sign-in -----------------------------------------------------

# Each section of "My work" lists at most this many rows, the most urgent first; its count and
# "see all" link lead to the rest.
MY_WORK_ROWS = 5


@dataclass(frozen=True)
class MyWork:
    """What waits for one person, section by section: a short list and the total behind it.

    ``reviews`` is None for someone who is not a reviewer (the section is not theirs).
    """

    drafts: list  # each with ``missing`` (what submitting still needs) and ``changes_requested``
    drafts_total: int
    reviews: list | None
    reviews_total: int
    sign_offs: list
    sign_offs_total: int
    attention: list  # owned, active; each with ``attestation_due`` and ``evidence_stale``
    attention_total: int
    attestations_due_total: int
    evidence_stale_total: int
    owned_active_total: int
    notifications: list
    unread_total: int
    involved: bool  # has written or owns at least one use case, whatever its status
    due_before: datetime
    stale_days: int

    @property
    def is_new(self) -> bool:
        """Nothing written, owned, waiting or unread: the page welcomes them instead."""
        return not (
            self.involved or self.reviews_total or self.sign_offs_total or self.unread_total
        )


def my_work(user, *, now=None) -> MyWork:
    """Everything "My work" shows, in a fixed number of queries whatever the registry's size:
    drafts (list), one aggregate of the counts over ``user``'s drafts and owned active use cases,
    reviews (list and count, reviewers only), sign-offs (``sign_off_work_for``: four), the owned
    use cases needing attention (list), unread notices (list and count), and whether they wrote
    or own anything at all (EXISTS). Ten, twelve for a reviewer.
    """
    now = now or timezone.now()
    due_before = attestation_due_before(now)
    today = timezone.localdate(now)

    # Drafts carry what ``readiness.missing_for_review`` reads, the links as two EXISTS. The
    # newest few are picked first (a subquery), so the EXISTS probe those rows alone: over every
    # draft, PostgreSQL would hash the whole link tables instead.
    last_decision = Review.objects.filter(
        usecase=OuterRef("pk"), decided_at__isnull=False
    ).order_by("-decided_at", "-pk")
    newest_drafts = UseCase.objects.filter(status=Status.DRAFT, author=user).order_by(
        "-updated_at", "-number"
    )
    drafts = list(
        UseCase.objects.filter(pk__in=newest_drafts.values("pk")[:MY_WORK_ROWS])
        .select_related("team", "owner")
        .defer(
            "people_change",
            "process_change",
            "technology_change",
            "business_intent",
            "search_vector",
        )
        .annotate(
            has_products=Exists(UseCase.products.through.objects.filter(usecase=OuterRef("pk"))),
            has_goals=Exists(UseCase.goals.through.objects.filter(usecase=OuterRef("pk"))),
            last_decision=Subquery(last_decision.values("decision")[:1]),
        )
        .order_by("-updated_at", "-number")
    )
    for draft in drafts:
        draft.missing = readiness.missing_for_review(
            draft, {"products": draft.has_products, "goals": draft.has_goals}
        )
        draft.changes_requested = draft.last_decision == ReviewDecision.CHANGES_REQUESTED

    owned_active = Q(owner=user, status=Status.ACTIVE)
    attestation_due = Q(attestation_expires_at__lt=due_before)
    evidence_stale = evidence.stale_q(today)
    needs_attention = owned_active & (attestation_due | evidence_stale)
    my_drafts = Q(author=user, status=Status.DRAFT)
    counts = UseCase.objects.filter(my_drafts | owned_active).aggregate(
        drafts=Count("pk", filter=my_drafts),
        owned_active=Count("pk", filter=owned_active),
        attention=Count("pk", filter=needs_attention),
        attestations_due=Count("pk", filter=owned_active & attestation_due),
        evidence_stale=Count("pk", filter=owned_active & evidence_stale),
    )

    # Attestations due first, the soonest to lapse first; then stale evidence, the longest
    # unmeasured (or never measured) first.
    attention = list(
        UseCase.objects.filter(needs_attention)
        .select_related("team")
        .defer(*_LONG_TEXT)
        .annotate(
            due_on=Case(When(attestation_due, then=F("attestation_expires_at"))),
            first_signed_at=evidence.first_signed_at(),
        )
        .order_by(
            F("due_on").asc(nulls_last=True),
            F("last_measured_on").asc(nulls_first=True),
            "number",
        )[:MY_WORK_ROWS]
    )
    for usecase in attention:
        usecase.attestation_due = (
            usecase.attestation_expires_at is not None
            and usecase.attestation_expires_at < due_before
        )
        usecase.evidence_stale = evidence.usecase_is_stale(usecase, today)

    reviews, reviews_total = None, 0
    if can_view_review_queue(user):
        waiting = reviews_waiting_for(user)
        reviews, reviews_total = list(waiting[:MY_WORK_ROWS]), waiting.count()

    sign_offs = sign_off_work_for(user, now=now)
    unread = inbox_unread_summary(user)
    notifications = list(inbox_notifications(user).unread()[:MY_WORK_ROWS])

    return MyWork(
        drafts=drafts,
        drafts_total=counts["drafts"],
        reviews=reviews,
        reviews_total=reviews_total,
        sign_offs=sign_offs.awaiting[:MY_WORK_ROWS],
        sign_offs_total=sign_offs.awaiting_total,
        attention=attention,
        attention_total=counts["attention"],
        attestations_due_total=counts["attestations_due"],
        evidence_stale_total=counts["evidence_stale"],
        owned_active_total=counts["owned_active"],
        notifications=notifications,
        unread_total=unread.count,
        involved=UseCase.objects.filter(Q(author=user) | Q(owner=user)).exists(),
        due_before=due_before,
        stale_days=evidence.stale_days(),
    )


# --- Success-signal evidence: the detail page's evidence panel -----------------------------------


@dataclass(frozen=True)
class MeasurementRow:
    measurement: object  # a Measurement, with ``recorded_by``
    value_text: str  # as entered: 12.5, not 12.5000
    can_delete: bool


@dataclass(frozen=True)
class EvidencePanel:
    """The success metric's evidence on the detail page: status, chart, readings, and what this
    person may do. ``status`` is the stored column the dashboards count (kept by the services and
    the daily ``recompute_evidence``)."""

    status: str
    status_label: str
    tone: str
    stale: bool
    stale_days: int
    last_measured_on: date | None
    rows: list  # MeasurementRow, newest first
    chart: object  # charts.LineChart
    latest: object  # the newest Measurement, or None
    latest_text: str
    expected_latest_text: (
        str  # the line's value on the newest measurement's date, if there is a line
    )
    has_line: bool  # baseline, target and target date are set: the status is judged on the line
    can_record: bool
    can_manage_recorders: bool
    recorders: list
    recorder_choices: list  # team members the owner may allow (only for the owner)


def _evidence_chart(usecase: UseCase, readings: list, *, today: date):
    """Measurements (oldest first) against the line from baseline to target."""
    unit = usecase.metric_unit
    series = []
    first_on = readings[0].measured_on if readings else None
    start = usecase.metric_baseline_date or first_on
    has_line = (
        usecase.metric_baseline is not None
        and usecase.metric_target is not None
        and usecase.metric_target_date is not None
    )
    if has_line and start is not None and start < usecase.metric_target_date:
        series.append(
            charts.Series(
                "Expected",
                [
                    (start, usecase.metric_baseline),
                    (usecase.metric_target_date, usecase.metric_target),
                ],
                style="reference",
                key="expected",
            )
        )
    if usecase.metric_target is not None and usecase.metric_target_date is not None:
        series.append(
            charts.Series(
                "Target",
                [(usecase.metric_target_date, usecase.metric_target)],
                style="points",
                key="target",
            )
        )
    elif usecase.metric_target is not None and len({r.measured_on for r in readings}) > 1:
        series.append(
            charts.Series(
                "Target",
                [
                    (first_on, usecase.metric_target),
                    (readings[-1].measured_on, usecase.metric_target),
                ],
                style="reference",
                key="target",
            )
        )
    series.append(
        charts.Series(
            "Measured",
            [(reading.measured_on, reading.value) for reading in readings],
            style="line",
            key="measured",
        )
    )

    shown_unit = f" {unit}" if unit else ""
    if readings:
        latest = readings[-1]
        measured = (
            f"{len(readings)} measurement{'s' if len(readings) != 1 else ''} from "
            f"{date_format(first_on, 'j M Y')} to {date_format(latest.measured_on, 'j M Y')}; "
            f"the latest is {display_value(latest.value)}{shown_unit} on "
            f"{date_format(latest.measured_on, 'j M Y')}."
        )
    else:
        measured = "No measurements yet."
    if has_line:
        line = (
            f" Expected: from {display_value(usecase.metric_baseline)}{shown_unit}"
            + (f" on {date_format(start, 'j M Y')}" if start else "")
            + f" to {display_value(usecase.metric_target)}{shown_unit} by "
            f"{date_format(usecase.metric_target_date, 'j M Y')}."
        )
    elif usecase.metric_target is not None:
        line = f" Target: {display_value(usecase.metric_target)}{shown_unit}."
    else:
        line = ""
    return charts.line_chart(
        series,
        width=640,
        height=260,
        y_label=f"{usecase.metric_name} ({unit})" if unit else usecase.metric_name,
        x_label="Date measured",
        unit=unit,
        title=f"{usecase.metric_name}: measurements against the expected line",
        description=measured + line + f" Status: {usecase.get_evidence_status_display()}.",
        empty_text="No measurements yet, and no line from baseline to target to draw.",
        chart_id=f"evidence-chart-{usecase.pk}",
    )


def evidence_panel(usecase: UseCase, *, user, today: date | None = None) -> EvidencePanel:
    """At most two queries whatever the number of measurements: the readings with who recorded
    them, and the recorders (for the owner, the team's members marked if allowed; for a team
    member, the allowed recorders; for anyone else, nothing)."""
    today = today or timezone.localdate()
    readings = list(
        usecase.measurements.select_related("recorded_by").order_by("measured_on", "pk")
    )
    by_name = ("first_name", "last_name", "username")
    can_manage = permissions.can_manage_recorders(user, usecase)
    choices, recorders = [], []
    if can_manage:
        # The owner's form, in one query: the team's members, each marked if allowed. Someone
        # allowed who has since left the team no longer counts, and is not listed.
        allowed = UseCase.measurement_recorders.through.objects.filter(
            usecase=usecase, user=OuterRef("pk")
        )
        choices = list(
            User.objects.filter(is_active=True, memberships__team_id=usecase.team_id)
            .exclude(pk=usecase.owner_id)
            .annotate(is_recorder=Exists(allowed))
            .distinct()
            .order_by(*by_name)
        )
        recorders = [person for person in choices if person.is_recorder]
    elif permissions.is_member(user, usecase.team_id):
        # Only a team member can be a recorder: prefetched, so the permission check below reads
        # them without asking again. For anyone else there is nothing to ask.
        prefetch_related_objects(
            [usecase],
            Prefetch("measurement_recorders", queryset=User.objects.order_by(*by_name)),
        )
        recorders = list(usecase.measurement_recorders.all())
    can_record = permissions.can_record_measurement(user, usecase)
    latest = readings[-1] if readings else None
    has_line = (
        usecase.metric_baseline is not None
        and usecase.metric_target is not None
        and usecase.metric_target_date is not None
    )
    expected_latest = ""
    if latest is not None and has_line:
        expected_latest = evidence.expected_value(
            baseline=usecase.metric_baseline,
            baseline_date=usecase.metric_baseline_date or readings[0].measured_on,
            target=usecase.metric_target,
            target_date=usecase.metric_target_date,
            on=latest.measured_on,
        )
    return EvidencePanel(
        status=usecase.evidence_status,
        status_label=usecase.get_evidence_status_display(),
        tone=usecase.evidence_tone,
        # Flagged only where measuring is expected: approved, not retired.
        stale=usecase.status in MEASURABLE_STATUSES and evidence.usecase_is_stale(usecase, today),
        stale_days=evidence.stale_days(),
        last_measured_on=usecase.last_measured_on,
        rows=[
            MeasurementRow(
                reading,
                display_value(reading.value),
                can_record and permissions.can_delete_measurement(user, reading, usecase),
            )
            for reading in reversed(readings)
        ],
        chart=_evidence_chart(usecase, readings, today=today),
        latest=latest,
        latest_text=display_value(latest.value) if latest else "",
        expected_latest_text=display_value(expected_latest),
        has_line=has_line,
        can_record=can_record,
        can_manage_recorders=can_manage,
        recorders=recorders,
        recorder_choices=choices,
    )
