"""Background tasks for administration: e-mail leaves after the request, never during it."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task


def set_password_link(user) -> str:
    """The one-time link (Django's password-reset token) where a new person chooses a password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@task()
def send_set_password_email(user_id: int) -> str:
    user = get_user_model().objects.get(pk=user_id)
    if not user.email:
        return "no address"
    if not user.is_active:
        return "deactivated"
    body = render_to_string(
        "portfolio/email/set_password.txt",
        {"user": user, "link": set_password_link(user), "site_url": settings.SITE_URL},
    )
    send_mail("[Use-case registry] Choose your password", body, None, [user.email])
    return "sent"
