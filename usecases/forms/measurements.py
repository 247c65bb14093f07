"""Success-signal evidence: one measurement, and who may record them."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.utils import timezone

from core.people import person_label
from usecases.choosers.kinds import recorder_candidates
from usecases.choosers.widgets import ChooserCheckboxSelectMultiple, ChooserMultipleChoiceField
from usecases.forms.fields import _within_bounds
from usecases.models import UseCase
from usecases.numbers import LocalizedDecimalField

User = get_user_model()


class MeasurementForm(forms.Form):
    """One reading of the success metric, in the metric's unit."""

    measured_on = forms.DateField(
        label="Date measured",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the date the value was measured.",
            "invalid": "Enter the date as year-month-day, e.g. 2025-03-31.",
        },
    )
    value = LocalizedDecimalField(
        label="Value",
        max_digits=16,
        decimal_places=4,
        error_messages={"required": "Enter the measured value."},
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)
    source_url = forms.URLField(
        label="Source link (optional)",
        max_length=500,
        required=False,
        assume_scheme="https",
        # Only web addresses: they are what the page links (ftp and the rest show as text).
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where the number comes from: a report, a dashboard, a query.",
        error_messages={
            "invalid": "Enter a full web address, e.g. https://reports.example.org/42."
        },
    )

    def __init__(self, *args, usecase: UseCase, today=None, **kwargs):
        kwargs.setdefault("auto_id", "measurement-%s")
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if usecase.metric_unit:
            self.fields["value"].label = f"Value ({usecase.metric_unit})"
        self.fields["measured_on"].widget.attrs["max"] = self.today.isoformat()
        if not self.is_bound:
            self.fields["measured_on"].initial = self.today

    def clean_measured_on(self):
        measured_on = self.cleaned_data["measured_on"]
        if measured_on > self.today:
            raise forms.ValidationError(
                "The date is in the future; record a measurement once it has been taken."
            )
        _within_bounds(measured_on, "the date measured")
        return measured_on

    def error_text(self) -> str:
        return " ".join(error for errors in self.errors.values() for error in errors)


class MeasurementRecordersForm(forms.Form):
    """The members of the owning team the owner allows to record measurements: tick boxes of the
    first of them by name and of those allowed now, and a search box for the rest of a large
    team (``usecases.choosers``; the search's scope is ``recorders``)."""

    recorders = ChooserMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Team members who may record measurements",
        widget=ChooserCheckboxSelectMultiple(kind="people", scope="recorders"),
        error_messages={
            "invalid_choice": "Choose members of the owning team only.",
            "invalid_pk_value": "Choose members of the owning team only.",
        },
    )

    def __init__(self, *args, usecase: UseCase, offered=None, **kwargs):
        """``offered``: the options the page has read already (the evidence panel's, with the
        first members and the allowed ones), so drawing the boxes asks nothing more."""
        kwargs.setdefault("auto_id", "evidence-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["recorders"]
        if self.is_bound or offered is None:
            # What a posted choice is checked against, and what the boxes are read from when
            # the page has read none: a form drawn from ``offered`` reads neither.
            field.queryset = recorder_candidates(usecase.team_id, usecase.evidence_keeper_id)
        field.label_from_instance = person_label
        field.widget.search_params = {"usecase": usecase.key}
        field.widget.search_first = True
        field.widget.offered = offered

    def error_text(self) -> str:
        return " ".join(error for errors in self.errors.values() for error in errors)
