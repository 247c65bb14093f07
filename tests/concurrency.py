"""Two people at once: each call in its own thread and database connection, released together."""

import threading

from django.db import connection

# How long the first to take a row lock holds it after passing its check in the race tests; long
# enough for the other to arrive and wait on the lock. Without the lock both would pass the check.
HOLD_SECONDS = 0.3


def at_once(*calls, timeout: float = 20) -> list:
    """Run each call in its own thread (and so on its own database connection), all released at
    the same moment. Returns each call's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - handed back to the test to assert on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread is stuck; the row lock was never released"
    return outcomes
