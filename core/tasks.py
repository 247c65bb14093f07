"""Queueing background tasks (Django's tasks API) so they exist exactly when a change commits.

The database backend keeps its queue in our database, so a task row written inside the
transaction commits with the change that caused it or not at all. Queuing after the commit
instead (``transaction.on_commit``) would lose the task to a crash in the instant between the
commit and the queuing.
"""

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def queue_shares_the_transaction(task) -> bool:
    """Whether ``task``'s backend writes its queue rows in our database's transaction."""
    return isinstance(task.get_backend(), DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )


def enqueue_with_this_transaction(task, *args) -> None:
    """Queue ``task`` so that it exists exactly when the surrounding transaction commits.

    The database backend's task row is written inside the transaction: it commits with it, or
    rolls back with it. A backend that runs or hands off a task at once (the immediate backend,
    a broker) is only called after the commit, so it never acts on a change that was undone.
    """
    if queue_shares_the_transaction(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
