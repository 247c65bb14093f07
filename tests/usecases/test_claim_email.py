"""The claim flow's e-mail over real SMTP: the person asked to own a draft is e-mailed, and so is
the lead who asked when they accept or decline. Transactional: the worker reads the task rows the
services committed, as in production."""

import pytest

from tests.task_worker import run_worker
from usecases import services
from usecases.choices import NotificationKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def subject(kind: NotificationKind, usecase) -> str:
    return f"[Use-case registry] {kind.label}: {usecase.key}"


@pytest.mark.usefixtures("smtp_settings")
def test_the_person_asked_and_the_lead_are_e_mailed(org, imported, contact, mail_server):
    mail_server.start()

    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    run_worker()

    assert mail_server.handler.received() == [
        ("Claire.Contact@Example.ORG", subject(NotificationKind.OWNERSHIP_REQUESTED, imported)),
    ]
    body = mail_server.handler.messages[0].get_content()
    assert f"Leo Lead asks you to own {imported.key}" in body
    assert imported.get_absolute_url() in body
    mail_server.handler.messages.clear()

    services.usecase_claim(usecase=imported, actor=contact)
    run_worker()

    assert mail_server.handler.received() == [
        ("leo@example.org", subject(NotificationKind.OWNERSHIP_CLAIMED, imported)),
    ]


@pytest.mark.usefixtures("smtp_settings")
def test_a_declined_request_is_e_mailed_to_the_lead_with_the_reason(
    org, imported, contact, mail_server
):
    mail_server.start()
    services.usecase_request_ownership(usecase=imported, actor=org.lead, person=contact)
    run_worker()
    mail_server.handler.messages.clear()

    services.usecase_decline_ownership_request(
        usecase=imported, actor=contact, reason="Not my system any more."
    )
    run_worker()

    assert mail_server.handler.received() == [
        ("leo@example.org", subject(NotificationKind.OWNERSHIP_DECLINED, imported)),
    ]
    assert "Not my system any more." in mail_server.handler.messages[0].get_content()
