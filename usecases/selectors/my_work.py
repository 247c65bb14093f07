"""What waits for one person: the review queue, the sign-offs page, and "My work", the home
page after sign-in."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.queries import any_of, count_of
from usecases import evidence, readiness
from usecases.choices import ReviewDecision, Status
from usecases.custom_fields.values import active_fields
from usecases.models import OwnershipTransfer, Review, TeamCount, UseCase, UseCaseFact
from usecases.models.summary import waiting_order
from usecases.permissions import can_view_review_queue
from usecases.selectors.claims import ownership_requests_waiting
from usecases.selectors.inbox import inbox_notifications, inbox_unread_summary

# --- Each person's own pages: reviews and sign-offs ---------------------------------------------

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


def reviews_waiting_for(user) -> "ReviewQueue":
    """What waits for ``user``'s review: in review, not written by them, the longest-waiting
    first. ``waiting_since`` is when the open review round began."""
    return ReviewQueue(user)


class ReviewQueue:
    """What waits for ``user``'s review (``UseCase.objects.reviewable_by``), in the order the
    queue has always had: by ``waiting_since`` (when the open review round began), then by number;
    a use case in review without an open round (bulk-loaded rows skip the workflow) has none and
    comes after all the others, by number.

    Read from the use cases' facts (``UseCaseFact``: status, ``waiting_since`` and number, kept
    by triggers in the same transaction as every change), whose index ``usecasefact_review_queue``
    holds this order: ``facts`` is the queue as a queryset a page can be read from at any depth
    (``list_page`` reads it by keyset), ``usecases`` reads a page's use cases whole. Slices
    (``queue[:5]``) and ``count()`` serve My work.
    """

    def __init__(self, user):
        self.user = user
        # ``reviewable_by`` as the facts' filter: their parties' few ids left out, each set
        # read once from its own index, so the queue is read in its index's order alone.
        authored, sent = UseCase.objects.review_parties(user)
        self.facts = (
            UseCaseFact.objects.filter(status=Status.IN_REVIEW)
            .exclude(usecase_id__in=authored)
            .exclude(usecase_id__in=sent)
            .only("usecase_id", "waiting_since", "number")
            .order_by(waiting_order().asc(), "number")
        )
        # One array of ids, each looked up by key (``IN`` over the two, or an OR, reads every
        # use case in review).
        self._parties = UseCaseFact.objects.filter(
            any_of("usecase_id", authored.order_by().union(sent.order_by())),
            status=Status.IN_REVIEW,
        )

    def count(self) -> int:
        """Exact, in one query whose cost follows the reader's own few use cases: every use case
        in review (the summary's per-team counts) less those the reader is a party to."""
        return TeamCount.objects.filter(status=Status.IN_REVIEW).aggregate(
            waiting=Sum("n", default=0) - count_of(self._parties)
        )["waiting"]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list:
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("The review queue is read in slices.")
        return self.usecases(self.facts[item].values("usecase_id"))

    def usecases(self, picked) -> list:
        """The use cases ``picked`` names (ids, or a query of them: a page of the queue) read
        whole, in the queue's order, each with ``waiting_since``: one query."""
        waiting = UseCaseFact.objects.filter(usecase_id=OuterRef("pk")).values("waiting_since")
        return list(
            UseCase.objects.filter(pk__in=picked)
            .select_related("team", "author", "owner")
            .defer(*_LONG_TEXT)
            .annotate(waiting_since=Subquery(waiting[:1]))
            .order_by(waiting_order().asc(), "number")
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


def awaiting_sign_off(user, *, rows: int) -> tuple[list, int]:
    """The first ``rows`` use cases awaiting ``user``'s sign-off, and how many there are: two
    queries whatever the numbers.

    Approved use cases and ownership transfers naming ``user``, oldest request first;
    ``requested_at`` is when the transfer was asked for or the approval given, and
    ``is_transfer`` tells the two apart.
    """
    open_transfer = OwnershipTransfer.objects.filter(
        usecase=OuterRef("pk"), resolved_at__isnull=True
    )
    # The rows are picked first, in order, from the facts' index of each owner's awaiting use
    # cases (their ``waiting_since`` is ``sign_off_requested_at``, kept by triggers); only
    # those rows are then read whole. Sorting by the lookups ``requested_at`` makes per row
    # read every one of an owner's awaiting use cases.
    first = (
        UseCaseFact.objects.filter(status=Status.AWAITING_SIGN_OFF, owner_id=user.pk)
        .order_by(waiting_order().asc(), "number")
        .values("usecase_id")[:rows]
    )
    awaiting = (
        UseCase.objects.filter(pk__in=first)
        .select_related("team", "author")
        .defer(*_LONG_TEXT)
        .annotate(
            is_transfer=Exists(open_transfer),
            requested_at=sign_off_requested_at(),
        )
        .order_by("requested_at", "number")
    )
    return list(awaiting), UseCase.objects.awaiting_sign_off_by(user).count()


def sign_off_work_for(user, *, now=None) -> SignOffWork:
    """Four queries whatever the numbers: two lists (capped) and their totals.

    Awaiting sign-off: ``awaiting_sign_off``. Attestations due: ``user``'s active use cases whose
    sign-off has lapsed or lapses within the due window, soonest first.
    """
    now = now or timezone.now()
    awaiting, awaiting_total = awaiting_sign_off(user, rows=SIGN_OFF_PAGE_ROWS)
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
        awaiting=awaiting,
        awaiting_total=awaiting_total,
        attestations_due=list(due[:SIGN_OFF_PAGE_ROWS]),
        attestations_due_total=due.count(),
        due_before=due_before,
    )


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
    ownership_requests: list  # open requests asking them to own a draft nobody owns
    ownership_requests_total: int
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
            self.involved
            or self.reviews_total
            or self.sign_offs_total
            or self.ownership_requests_total
            or self.unread_total
        )


def my_work(user, *, now=None) -> MyWork:
    """Everything "My work" shows, in a fixed number of queries whatever the registry's size:
    drafts (list and their count), one aggregate of the counts over ``user``'s owned active use
    cases, reviews (list and count, reviewers only), sign-offs awaiting (list and count),
    requests to own a draft (list and count), the owned use cases needing attention (list), unread
    notices (list and count), and whether they wrote or own anything at all (EXISTS). Ten,
    twelve for a reviewer.

    Each reads one person's rows from an index on (author, status, ...) or (owner, status, ...)
    that holds what the query tests, and the lists pick their few rows there before reading them
    whole, so the page costs what the person has, not what the registry holds.
    """
    now = now or timezone.now()
    due_before = attestation_due_before(now)
    today = timezone.localdate(now)
    drafts, drafts_total = _newest_drafts(user)
    rules = _AttentionRules.for_owner(user, due_before=due_before, today=today)
    counts = _counts(rules)
    attention = _needing_attention(rules, due_before=due_before, today=today)
    reviews, reviews_total = _reviews_waiting(user)
    sign_offs, sign_offs_total = awaiting_sign_off(user, rows=MY_WORK_ROWS)
    requests, requests_total = ownership_requests_waiting(user, limit=MY_WORK_ROWS)
    unread = inbox_unread_summary(user)
    notifications = list(inbox_notifications(user).unread()[:MY_WORK_ROWS])
    return MyWork(
        drafts=drafts,
        drafts_total=drafts_total,
        reviews=reviews,
        reviews_total=reviews_total,
        sign_offs=sign_offs,
        sign_offs_total=sign_offs_total,
        ownership_requests=requests,
        ownership_requests_total=requests_total,
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


def _newest_drafts(user) -> tuple[list, int]:
    """``user``'s newest drafts, each with ``missing`` (what submitting still needs) and
    ``changes_requested`` (the last review sent it back), and how many drafts they have: one
    query. The count rides along on each row (no row: no draft), read from the author and status
    index alone.

    Drafts carry what ``readiness.missing_for_review`` reads, the links as two EXISTS. The newest
    few are picked first (a subquery), so the EXISTS probe those rows alone: over every draft,
    PostgreSQL would hash the whole link tables instead.
    """
    last_decision = Review.objects.filter(
        usecase=OuterRef("pk"), decided_at__isnull=False
    ).order_by("-decided_at", "-pk")
    my_drafts = UseCase.objects.filter(status=Status.DRAFT, author=user)
    newest_drafts = my_drafts.order_by("-updated_at", "-number")
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
            drafts_total=count_of(my_drafts),
        )
        .order_by("-updated_at", "-number")
    )
    custom = active_fields() if drafts else {}
    for draft in drafts:
        draft.missing = readiness.missing_for_review(
            draft, {"products": draft.has_products, "goals": draft.has_goals}, custom
        )
        draft.changes_requested = draft.last_decision == ReviewDecision.CHANGES_REQUESTED
    return drafts, drafts[0].drafts_total if drafts else 0


@dataclass(frozen=True)
class _AttentionRules:
    """Which of an owner's use cases need attention, as filters: active and theirs, with an
    attestation due or evidence gone stale."""

    owned_active: Q
    attestation_due: Q
    evidence_stale: Q

    @classmethod
    def for_owner(cls, user, *, due_before: datetime, today) -> "_AttentionRules":
        return cls(
            owned_active=Q(owner=user, status=Status.ACTIVE),
            attestation_due=Q(attestation_expires_at__lt=due_before),
            evidence_stale=evidence.stale_q(today),
        )

    @property
    def needs_attention(self) -> Q:
        return self.owned_active & (self.attestation_due | self.evidence_stale)


def _counts(rules: _AttentionRules) -> dict:
    """The totals behind the owned use cases' sections, in one aggregate over ``user``'s owned
    active use cases: the owner and status index holds every column it reads."""
    return UseCase.objects.filter(rules.owned_active).aggregate(
        owned_active=Count("pk"),
        attention=Count("pk", filter=rules.attestation_due | rules.evidence_stale),
        attestations_due=Count("pk", filter=rules.attestation_due),
        evidence_stale=Count("pk", filter=rules.evidence_stale),
    )


def _needing_attention(rules: _AttentionRules, *, due_before: datetime, today) -> list:
    """The owned use cases needing attention, each with ``attestation_due`` and
    ``evidence_stale``: attestations due first, the soonest to lapse first; then stale evidence,
    the longest unmeasured (or never measured) first. One query: the rows are picked from the
    owner and status index (it holds every column the rule and the order read), then only those
    are read whole."""
    due_on = Case(When(rules.attestation_due, then=F("attestation_expires_at")))
    order = (
        F("due_on").asc(nulls_last=True),
        F("last_measured_on").asc(nulls_first=True),
        "number",
    )
    first = (
        UseCase.objects.filter(rules.needs_attention)
        .annotate(due_on=due_on)
        .order_by(*order)
        .values("pk")[:MY_WORK_ROWS]
    )
    attention = list(
        UseCase.objects.filter(pk__in=first)
        .select_related("team")
        .defer(*_LONG_TEXT)
        .annotate(due_on=due_on, first_signed_at=evidence.first_signed_at())
        .order_by(*order)
    )
    for usecase in attention:
        usecase.attestation_due = (
            usecase.attestation_expires_at is not None
            and usecase.attestation_expires_at < due_before
        )
        usecase.evidence_stale = evidence.usecase_is_stale(usecase, today)
    return attention


def _reviews_waiting(user) -> tuple[list | None, int]:
    """The first of the reviews waiting for ``user`` and their number; (None, 0) for someone who
    is not a reviewer."""
    if not can_view_review_queue(user):
        return None, 0
    waiting = reviews_waiting_for(user)
    return list(waiting[:MY_WORK_ROWS]), waiting.count()
