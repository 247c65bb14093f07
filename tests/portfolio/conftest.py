from tests.smtp import free_port, mail_server, smtp_settings
from tests.usecases.conftest import fast_password_hashing

__all__ = ["fast_password_hashing", "free_port", "mail_server", "smtp_settings"]
