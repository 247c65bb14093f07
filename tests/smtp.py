"""A real SMTP server for the tests (aiosmtpd on a local port), so e-mail goes over the wire as in
production, and the settings that point Django's mail API at it."""

import contextlib
import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings


class CollectingHandler:
    """An SMTP server's message handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.accepting(message)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def accepting(self, message) -> None:
        """Called with each message just before the server says it took it."""

    def received(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each message, in arrival order."""
        with self._lock:
            return [(message["X-Envelope-To"], message["Subject"]) for message in self.messages]


class SMTPServer:
    """A real SMTP server on 127.0.0.1:``port`` that can be brought up late and shut down."""

    def __init__(self, port: int, handler: CollectingHandler | None = None):
        self.port = port
        self.handler = handler or CollectingHandler()
        self._controller: Controller | None = None

    def start(self):
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="mail.test"
        )
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextlib.contextmanager
def running_mail_server(port: int, handler: CollectingHandler):
    """An SMTP server on ``port`` with ``handler``, up for the length of the block."""
    server = SMTPServer(port, handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unused_port() -> int:
    """A local port nothing listens on (until a test starts a server there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings_for(port: int) -> dict:
    """Django settings sending over SMTP to 127.0.0.1:``port``, through the database queue."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": 5,
        "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    }


# Fixtures: a test module imports the ones it uses.


@pytest.fixture
def free_port() -> int:
    return unused_port()


@pytest.fixture
def mail_server(free_port):
    server = SMTPServer(free_port)
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(free_port):
    with override_settings(**smtp_settings_for(free_port)):
        yield
