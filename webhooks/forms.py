from urllib.parse import urlsplit

from django import forms

from webhooks.addresses import private_address_of
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
        if not (
            parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)
        ):
            raise forms.ValidationError(
                "Use an https:// address; plain http:// is only allowed to localhost or 127.0.0.1."
            )
        address, kind = private_address_of(url)
        if address:
            raise forms.ValidationError(
                f"{parts.hostname} resolves to {address}, which is {kind}: webhooks are not "
                "sent to this machine or the network it is in."
            )
        return url
