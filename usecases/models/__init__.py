"""The registry's models, by sub-domain: ``usecase`` (the use case and its queryset), ``workflow``
(events, revisions, reviews, sign-offs, ownership transfers), ``messages`` (comments and
notices), ``measurements`` (readings and the dashboard's snapshots), ``history`` (pghistory's event
models), ``link_sets`` (the triggers that keep the goal and product id arrays) and ``profiles``
(the standards' profiles switched on), ``ownership_requests`` (asking someone to own a draft). Every model is
imported here, in the order the single module defined them, so Django finds them and
``from usecases.models import X`` keeps working."""

# Django registers the models in the order they are imported: kept as the single module had them.
# isort: off
from usecases.models.usecase import (
    KEY_PREFIX,
    NUMBER_SEQUENCE,
    NextVal,
    UseCase,
    UseCaseQuerySet,
    parse_key,
)
from usecases.models.workflow import OwnershipTransfer, Review, Revision, SignOff, UseCaseEvent
from usecases.models.messages import Comment, Notification, NotificationQuerySet
from usecases.models.measurements import Measurement, OwnershipSnapshot
from usecases.models.history import (
    MeasurementHistory,
    ReviewHistory,
    SignOffHistory,
    UseCaseGoalHistory,
    UseCaseHistory,
    UseCaseProductHistory,
)
from usecases.models.link_sets import LINK_SET_OPERATIONS, LINK_SET_TRIGGERS, repair_link_sets
from usecases.models.profiles import EnabledProfile
from usecases.models.custom_fields import CustomField, CustomFieldType
from usecases.models.ownership_requests import OwnershipRequest, OwnershipRequestQuerySet
from usecases.models.summary import (
    ALL_TEAMS,
    UNIT_ROWS,
    UNIT_ROWS_LOCK,
    AreaCount,
    GoalAncestor,
    GoalCount,
    GoalEvidenceCount,
    OwnerState,
    Phase,
    ProductCount,
    ProfileCount,
    SummaryClock,
    SummaryProfile,
    TeamCount,
    TeamTally,
    UseCaseFact,
    unit_key,
)
from usecases.models.summary_scope import (
    SUMMARY_MODELS,
    GoalAreaCount,
    GoalProductCount,
    GoalProfileCount,
    GoalScopeCount,
    GoalScopeTally,
    ProductAreaCount,
    ProductGoalCount,
    ProductGoalEvidenceCount,
    ProductProfileCount,
    ProductScopeCount,
    ProductScopeTally,
)

# isort: on

__all__ = [
    "ALL_TEAMS",
    "SUMMARY_MODELS",
    "UNIT_ROWS",
    "UNIT_ROWS_LOCK",
    "AreaCount",
    "GoalAncestor",
    "GoalAreaCount",
    "GoalCount",
    "GoalEvidenceCount",
    "GoalProductCount",
    "GoalProfileCount",
    "GoalScopeCount",
    "GoalScopeTally",
    "OwnerState",
    "Phase",
    "ProductAreaCount",
    "ProductCount",
    "ProductGoalCount",
    "ProductGoalEvidenceCount",
    "ProductProfileCount",
    "ProductScopeCount",
    "ProductScopeTally",
    "ProfileCount",
    "SummaryClock",
    "SummaryProfile",
    "TeamCount",
    "TeamTally",
    "UseCaseFact",
    "unit_key",
    "KEY_PREFIX",
    "LINK_SET_OPERATIONS",
    "LINK_SET_TRIGGERS",
    "NUMBER_SEQUENCE",
    "Comment",
    "EnabledProfile",
    "CustomField",
    "CustomFieldType",
    "Measurement",
    "MeasurementHistory",
    "NextVal",
    "Notification",
    "NotificationQuerySet",
    "OwnershipRequest",
    "OwnershipRequestQuerySet",
    "OwnershipSnapshot",
    "OwnershipTransfer",
    "Review",
    "ReviewHistory",
    "Revision",
    "SignOff",
    "SignOffHistory",
    "UseCase",
    "UseCaseEvent",
    "UseCaseGoalHistory",
    "UseCaseHistory",
    "UseCaseProductHistory",
    "UseCaseQuerySet",
    "parse_key",
    "repair_link_sets",
]
