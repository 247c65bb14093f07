from urllib.parse import urlsplit

from django import forms

from webhooks.models import WebhookEvent

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="https://…; plain http only to localhost or 127.0.0.1 (for testing).",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        if parts.scheme == "https":
            return url
        if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
            return url
        raise forms.ValidationError(
            "Use an https:// address; plain http:// is only allowed to localhost or 127.0.0.1."
        )
