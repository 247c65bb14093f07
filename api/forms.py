"""The form that makes an access token: a name, a scope and an expiry date."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from api.models import Scope
from api.tokens import DEFAULT_LIFETIME, MAX_LIFETIME, TokenError, check_expiry


def default_expiry():
    return (timezone.localdate() + DEFAULT_LIFETIME).isoformat()


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What uses it, e.g. “Nightly portfolio report”.",
        error_messages={"required": "Give the token a name, so you know later what uses it."},
    )
    scope = forms.ChoiceField(
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
        help_text="A read token may only read; it is refused every change.",
    )
    expires_on = forms.DateField(
        label="Expires on",
        initial=default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"At most a year from today; {DEFAULT_LIFETIME.days} days if unsure.",
        error_messages={"required": "Choose the day the token stops working."},
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        moment = timezone.make_aware(datetime.combine(day, time.max))
        try:
            check_expiry(moment)
        except TokenError as error:
            raise forms.ValidationError(str(error)) from None
        if day > timezone.localdate() + MAX_LIFETIME - timedelta(days=1):
            raise forms.ValidationError("A token lasts at most a year: choose an earlier day.")
        return day

    def expires_at(self):
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(datetime.combine(day, time.max))
