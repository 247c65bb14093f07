import pytest

# A real SMTP server for the e-mail tests.
from tests.smtp import free_port, mail_server, smtp_settings

__all__ = ["free_port", "mail_server", "smtp_settings"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords with a cheap hasher: the org fixture creates seven people per test.

    The production hashers stay listed, so hashes made elsewhere still verify.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
