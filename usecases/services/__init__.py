"""Every write to a use case goes through a function here.

Shape of each: ``transaction.atomic()`` -> lock the row (``select_for_update``) -> guard the state
and the rules of the workflow -> write -> record the event in the same transaction -> notify, whose
e-mail task is queued in that transaction too, so it exists exactly when the change commits.
Permission to ask is the view's business (``permissions.py``); the rules that must hold whoever
asks (an author never approves their own use case, only the named owner signs) are enforced here
as well, by asking the same predicates.

The functions live in modules by sub-domain (editing, workflow, ownership, claims, bulk_assign,
measurements, reminders, inbox; the refusals in errors); this package re-exports them, so callers outside
write ``services.usecase_submit(...)``. Code inside the package, and tests that patch a step,
name the defining module.
"""

from usecases.services.bulk_assign import (
    BULK_LIMIT,
    BulkRow,
    apply_bulk_assignment,
    parse_selection,
    plan_bulk_assignment,
)
from usecases.services.claims import (
    usecase_claim,
    usecase_decline_ownership_request,
    usecase_request_ownership,
)
from usecases.services.editing import (
    ChangeSince,
    changes_since,
    usecase_create,
    usecase_refusals,
    usecase_update,
    usecases_create_many,
)
from usecases.services.errors import (
    EditConflict,
    Incomplete,
    InvalidTransition,
    InvalidValue,
    NotAllowed,
    NotEditable,
    StaleVersion,
    UseCaseError,
)
from usecases.services.inbox import (
    comment_post,
    notification_mark_read,
    notifications_mark_all_read,
)
from usecases.services.measurements import (
    MEASUREMENT_LIMIT,
    evidence_recompute,
    evidence_status_of,
    measurement_delete,
    measurement_record,
    measurement_recorders_set,
    measurement_text,
)
from usecases.services.ownership import (
    REASSIGNABLE_STATUSES,
    current_sign_off,
    usecase_decline_ownership,
    usecase_reassign_owner,
    usecase_reattest,
    usecase_sign_off,
    usecase_transfer_ownership,
)
from usecases.services.reminders import record_lapsed_attestations, send_attestation_reminders
from usecases.services.workflow import (
    CLOSED_BY,
    OPEN_REQUESTS,
    REVIEW_REQUESTS,
    SIGN_OFF_REQUESTS,
    usecase_approve,
    usecase_reject,
    usecase_reopen,
    usecase_request_changes,
    usecase_retire,
    usecase_submit,
)

__all__ = [
    "BULK_LIMIT",
    "BulkRow",
    "apply_bulk_assignment",
    "parse_selection",
    "plan_bulk_assignment",
    "usecase_claim",
    "usecase_decline_ownership_request",
    "usecase_request_ownership",
    "CLOSED_BY",
    "MEASUREMENT_LIMIT",
    "OPEN_REQUESTS",
    "REASSIGNABLE_STATUSES",
    "REVIEW_REQUESTS",
    "SIGN_OFF_REQUESTS",
    "ChangeSince",
    "EditConflict",
    "Incomplete",
    "InvalidTransition",
    "InvalidValue",
    "NotAllowed",
    "NotEditable",
    "StaleVersion",
    "UseCaseError",
    "changes_since",
    "comment_post",
    "current_sign_off",
    "evidence_recompute",
    "evidence_status_of",
    "measurement_delete",
    "measurement_record",
    "measurement_recorders_set",
    "measurement_text",
    "notification_mark_read",
    "notifications_mark_all_read",
    "record_lapsed_attestations",
    "send_attestation_reminders",
    "usecase_approve",
    "usecase_create",
    "usecase_decline_ownership",
    "usecase_reassign_owner",
    "usecase_reattest",
    "usecase_refusals",
    "usecase_reject",
    "usecase_reopen",
    "usecase_request_changes",
    "usecase_retire",
    "usecase_sign_off",
    "usecase_submit",
    "usecase_transfer_ownership",
    "usecase_update",
    "usecases_create_many",
]
