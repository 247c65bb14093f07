"""Reads that shape the use-case pages: one queryset per page, related data fetched up front.

The modules by page: ``lists`` (the list, its search, the detail page's use case), ``inbox`` (each
person's notices), ``my_work`` (the review queue, the sign-offs page, My work), ``history`` (the
timeline; ``history_rows``: how the history tables' rows read), ``revisions`` (the text under
review against the last signed, and the events since a version), ``measurements`` (the evidence
panel), ``claims`` (claiming drafts nobody owns). The names other code reads are re-exported here, so ``from usecases import selectors;
selectors.my_work(...)`` works.
"""

from usecases.selectors.claims import ClaimPanel, claim_panel, ownership_requests_waiting
from usecases.selectors.history import (
    CREATED_OUTSIDE_TITLE,
    OUTSIDE_TITLE,
    TIMELINE_LIMIT,
    TimelineEntry,
    timeline_statements,
    usecase_timeline,
)
from usecases.selectors.history_rows import FieldChange, field_label
from usecases.selectors.inbox import (
    UnreadSummary,
    inbox_notifications,
    inbox_unread_summary,
    unread_count_statements,
    unread_notification_count,
)
from usecases.selectors.lists import (
    hold_usecase_links,
    owner_choices,
    search_usecases,
    usecase_detail,
    usecase_detail_statements,
    usecase_links_statements,
    usecase_list_queryset,
)
from usecases.selectors.measurements import (
    EvidencePanel,
    MeasurementRow,
    evidence_panel,
    evidence_statements,
)
from usecases.selectors.my_work import (
    MY_WORK_ROWS,
    SIGN_OFF_PAGE_ROWS,
    MyWork,
    SignOffWork,
    attestation_due_before,
    my_work,
    reviews_waiting_for,
    sign_off_requested_at,
    sign_off_work_for,
)
from usecases.selectors.revisions import (
    FieldDiff,
    events_since,
    last_signed_revision,
    revision_diff,
    revision_fields,
)

__all__ = [
    "ClaimPanel",
    "claim_panel",
    "ownership_requests_waiting",
    "CREATED_OUTSIDE_TITLE",
    "MY_WORK_ROWS",
    "OUTSIDE_TITLE",
    "SIGN_OFF_PAGE_ROWS",
    "TIMELINE_LIMIT",
    "EvidencePanel",
    "FieldChange",
    "FieldDiff",
    "MeasurementRow",
    "MyWork",
    "SignOffWork",
    "TimelineEntry",
    "UnreadSummary",
    "attestation_due_before",
    "events_since",
    "evidence_panel",
    "evidence_statements",
    "field_label",
    "inbox_notifications",
    "inbox_unread_summary",
    "last_signed_revision",
    "my_work",
    "owner_choices",
    "reviews_waiting_for",
    "revision_diff",
    "revision_fields",
    "search_usecases",
    "sign_off_requested_at",
    "sign_off_work_for",
    "unread_count_statements",
    "unread_notification_count",
    "hold_usecase_links",
    "usecase_detail",
    "usecase_detail_statements",
    "usecase_links_statements",
    "usecase_list_queryset",
    "timeline_statements",
    "usecase_timeline",
]
