import pytest

from tests.webhooks.receiver import start_receiver
from webhooks.models import WebhookEvent
from webhooks.services import endpoint_create


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def endpoint(org, receiver):
    """An active endpoint on the receiver that asks for every event."""
    return endpoint_create(actor=org.admin, url=receiver.url, events=list(WebhookEvent.values))
