"""The use-case app's forms, one module per subject."""

from usecases.forms.actions import ActionForm, CommentForm
from usecases.forms.claims import (
    BulkAssignForm,
    ClaimForm,
    DeclineRequestForm,
    OwnershipRequestForm,
)
from usecases.forms.measurements import MeasurementForm, MeasurementRecordersForm
from usecases.forms.usecase import UseCaseForm, rebase_on_saved

__all__ = [
    "ActionForm",
    "BulkAssignForm",
    "ClaimForm",
    "DeclineRequestForm",
    "OwnershipRequestForm",
    "CommentForm",
    "MeasurementForm",
    "MeasurementRecordersForm",
    "UseCaseForm",
    "rebase_on_saved",
]
