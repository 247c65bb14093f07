"""Two admins deactivating people at the same moment, on committed data: each deactivation locks
the leaver and every successor first, in one order, and reads them again; so two admins who make
each other's leaver the successor wait for one another instead of deadlocking, and the second is
told that the person it chose has just been deactivated. Nothing half-done either way.

Transactional: each thread has its own connection and reads what the other committed.
"""

import time

import pytest

from administration.services import deactivation
from administration.services.errors import AdminError
from tests.concurrency import HOLD_SECONDS, at_once
from tests.conftest import make_usecase
from tests.factories import UserFactory
from usecases import services
from usecases.choices import Status
from usecases.models import OwnershipTransfer, UseCase

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def paused_after_locking(monkeypatch):
    """Whoever locks first holds the people a moment, long enough for the other to arrive."""
    lock = deactivation._lock_people
    paused = []

    def lock_then_pause(*args):
        locked = lock(*args)
        paused.append(True)
        time.sleep(HOLD_SECONDS)
        return locked

    monkeypatch.setattr(deactivation, "_lock_people", lock_then_pause)
    yield
    assert paused, "the patched lock never ran: the race was not tested"


def test_two_admins_handing_each_other_s_leaver_over_at_once(org, usecase_in, paused_after_locking):
    # Owen and Yara each own an active use case; Adam makes Yara Owen's successor while Ada makes
    # Owen Yara's successor.
    yara = UserFactory(username="yara", first_name="Yara", last_name="Young")
    ada = UserFactory(username="ada", first_name="Ada", last_name="Admin")
    ada.groups.set(org.admin.groups.all())
    owens = usecase_in("active", title="Owen's")
    yaras = services.usecase_transfer_ownership(
        usecase=usecase_in("active", title="Yara's"), actor=org.lead, new_owner=yara
    )
    yaras = services.usecase_sign_off(usecase=yaras, actor=yara, accepted=True)

    def deactivate(actor, leaver, successor):
        return lambda: deactivation.person_deactivate(
            person=leaver, actor=actor, successor=successor, reason="Left"
        )

    outcomes = at_once(deactivate(org.admin, org.owner, yara), deactivate(ada, yara, org.owner))

    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1, outcomes  # one wins, the other is told; no deadlock, no 500
    assert isinstance(refused[0], services.UseCaseError | AdminError)
    assert "deactivated" in str(refused[0])
    winner = next(o for o in outcomes if not isinstance(o, Exception))
    gone, stays = (org.owner, yara) if winner.pk == org.owner.pk else (yara, org.owner)
    gone.refresh_from_db()
    stays.refresh_from_db()
    assert (gone.is_active, stays.is_active) == (False, True)
    # The winner's use case went to the one who stays; the loser's was never touched.
    handed, kept = (owens, yaras) if gone.pk == org.owner.pk else (yaras, owens)
    handed.refresh_from_db()
    kept.refresh_from_db()
    assert (handed.owner, handed.status) == (stays, Status.AWAITING_SIGN_OFF)
    assert (kept.owner, kept.status) == (stays, Status.ACTIVE)
    assert OwnershipTransfer.objects.filter(resolved_at__isnull=True).count() == 1
    assert not UseCase.objects.filter(owner__is_active=False).exists()


def test_a_successor_deactivated_by_another_admin_at_once(org, paused_after_locking):
    """Whichever goes first, nothing is left with a deactivated person."""
    sam = UserFactory(username="sam", first_name="Sam", last_name="Successor")
    ada = UserFactory(username="ada")
    ada.groups.set(org.admin.groups.all())
    draft = make_usecase(org=org, author=org.owner, owner=None)

    outcomes = at_once(
        lambda: deactivation.person_deactivate(person=org.owner, actor=org.admin, successor=sam),
        lambda: deactivation.person_deactivate(person=sam, actor=ada),
    )
    sam.refresh_from_db()
    org.owner.refresh_from_db()
    draft.refresh_from_db()
    adams, adas = outcomes
    assert isinstance(adams, Exception) != isinstance(adas, Exception), outcomes
    if isinstance(adams, Exception):
        # Ada locked Sam first and deactivated him: Owen's handover then found Sam deactivated
        # and changed nothing.
        assert "Sam Successor's account is deactivated" in str(adams)
        assert (org.owner.is_active, sam.is_active, draft.author) == (True, False, org.owner)
    else:
        # Adam locked first and handed Owen's draft to Sam: Ada's deactivation then found that
        # Sam holds something now, and asks who takes it over.
        assert f"{draft.key} as its author" in str(adas)
        assert (org.owner.is_active, sam.is_active, draft.author) == (False, True, sam)
