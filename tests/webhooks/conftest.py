import pytest

from tests.webhooks.receiver import start_receiver
from webhooks.models import WebhookEvent
from webhooks.services import endpoint_create


@pytest.fixture(autouse=True)
def private_addresses_allowed(settings):
    """The receiver listens on 127.0.0.1, which webhooks refuse unless the setting allows it; the
    tests of that refusal switch it off again."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


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
