"""People administration on committed data, as in production: the re-sent set-password e-mail goes
through the database task queue and the worker delivers it; two admins saving the same person at
once never both win.

Transactional: the worker and each thread read what the others committed. Serialized rollback
restores the role groups the flush between transactional tests would delete.
"""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from administration.services import editing, people
from portfolio.models import AdminEvent
from tests.concurrency import HOLD_SECONDS, at_once
from tests.factories import UserFactory, admin_user
from tests.task_worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def password_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="send_set_password_email")


def test_the_re_sent_e_mail_goes_through_the_queue_and_the_worker_delivers_it(
    client, database_tasks
):
    adam = admin_user(username="adam", first_name="Adam", last_name="Admin")
    zoe = UserFactory(username="zoe", first_name="Zoe", last_name="Quinn")
    zoe.set_unusable_password()
    zoe.save()
    client.force_login(adam)

    response = client.post(reverse("administration:person_send_password_email", args=[zoe.pk]))
    assert response.status_code == 302
    assert password_tasks().ready().count() == 1
    assert not mail.outbox  # nothing is sent in the request

    run_worker()

    (message,) = mail.outbox
    assert message.to == ["zoe@example.org"]
    assert message.subject == "[Use-case registry] Choose your password"
    assert "Your username is zoe." in message.body
    finished = password_tasks().get()
    assert (finished.status, finished.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")
    assert AdminEvent.objects.get().action == "user.password_email_sent"

    # The link works: Zoe chooses a password and signs in.
    client.logout()
    path = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    response = client.get(path, follow=True)
    set_url = response.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "a-long-new-pass-2026", "new_password2": "a-long-new-pass-2026"}
    )
    assert response.status_code == 302
    assert client.login(username="zoe", password="a-long-new-pass-2026")


def test_a_refused_e_mail_queues_nothing(client, database_tasks):
    adam = admin_user(username="adam")
    gone = UserFactory(username="gus", is_active=False)
    client.force_login(adam)
    client.post(reverse("administration:person_send_password_email", args=[gone.pk]))
    assert not password_tasks().exists()
    run_worker()
    assert not mail.outbox


def test_two_admins_saving_at_once_one_wins_and_the_other_is_told(monkeypatch):
    adam = admin_user(username="adam", first_name="Adam", last_name="Admin")
    ada = admin_user(username="ada", first_name="Ada", last_name="Admin")
    zoe = UserFactory(username="zoe", first_name="Zoe", last_name="Quinn")
    loaded = editing.state_fingerprint(people.person_state(zoe))  # both opened the form

    guard = people.guard_superuser
    paused = []

    def guard_then_pause(**kwargs):  # runs after the fingerprint check, under the lock
        guard(**kwargs)
        paused.append(True)
        time.sleep(HOLD_SECONDS)

    monkeypatch.setattr(people, "guard_superuser", guard_then_pause)

    def save(actor, email):
        return lambda: people.person_update(
            user=zoe, actor=actor, data={"email": email}, fingerprint=loaded
        )

    outcomes = at_once(save(adam, "adams@example.org"), save(ada, "adas@example.org"))

    conflicts = [o for o in outcomes if isinstance(o, editing.EditConflict)]
    saved = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(conflicts) == 1, outcomes
    assert len(saved) == 1, outcomes
    assert conflicts[0].changed == ["email"]
    zoe.refresh_from_db()
    assert zoe.email == saved[0].email
    assert AdminEvent.objects.filter(action="user.updated").count() == 1
    assert paused, "the patched guard never ran: the race was not tested"
