"""The navigation's unread count, asked on every page: one compiled query, the person's own unread
notices alone, answered from the partial index on unread notices without reading the table."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory
from tests.plans import plan_avoiding_table_reads
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


def test_the_count_is_read_from_the_index_on_unread_notices_alone():
    person = UserFactory()
    notices(person, 50)
    notices(person, 50, read=True)
    sql, params = _unread_query(person.pk, None).query.sql_with_params()
    plan = plan_avoiding_table_reads(sql, params, analyze="usecases_notification", bitmaps=False)
    assert "Index Only Scan using notification_unread" in plan, plan
