"""The navigation's unread count, asked on every page: one compiled query, the person's own unread
notices alone, written so the partial index on unread notices can answer it by itself."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory
from usecases.choices import NotificationKind
from usecases.models import Notification
from usecases.selectors.inbox import _unread_query, unread_notification_count

pytestmark = pytest.mark.django_db


def notices(person, count: int, *, read: bool = False) -> None:
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            kind=NotificationKind.choices[0][0],
            message=f"Notice {n}",
            read_at=timezone.now() if read else None,
        )
        for n in range(count)
    )


def test_counts_the_persons_own_unread_notices_in_one_query():
    person, other = UserFactory(), UserFactory()
    assert unread_notification_count(person) == 0
    notices(person, 3)
    notices(person, 2, read=True)
    notices(other, 4)
    with CaptureQueriesContext(connection) as queries:
        assert unread_notification_count(person) == 3
    assert len(queries) == 1
    assert unread_notification_count(other) == 4
    assert unread_notification_count(AnonymousUser()) == 0


def test_the_count_reads_nothing_the_index_on_unread_notices_does_not_hold():
    """Rows are counted, not a column's values (``COUNT(*)``), and the only columns read are the
    partial index's own: its key's recipient and its condition's ``read_at``. So the index can
    answer the count alone (an index-only scan, on pages a vacuum has marked all-visible); a
    count of the id read every unread row from the table. Checked on the statement and the
    index's definition rather than on a plan: a test database's dead rows and statistics make
    the planner's choice between the two indexes on the recipient a matter of luck."""
    sql, _ = _unread_query(1, None).query.sql_with_params()
    assert "COUNT(*)" in sql
    read = set(re.findall(r'"usecases_notification"\."(\w+)"', sql))
    assert read == {"recipient_id", "read_at"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'notification_unread'")
        (definition,) = cursor.fetchone()
    assert "(recipient_id, created_at DESC) WHERE (read_at IS NULL)" in definition
