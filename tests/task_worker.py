"""The task worker in the tests: run in this process until the queue is empty, or as a separate
process the way ``make run`` and a service run it; and a real database outage to put it through."""

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psutil
import psycopg
from django.core.management import call_command
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_COMMAND = ["manage.py", "task_worker", "--no-reload", "--no-startup-delay"]
# How long to wait for something a worker process should do soon; a bound, not a timing.
PATIENCE = 60


def run_worker():
    """Run every task that is due, as ``manage.py task_worker --batch`` does, then return.

    The worker installs its own signal handlers; put pytest's back afterwards.
    """
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {number: signal.getsignal(number) for number in signals}
    try:
        call_command(
            "task_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            verbosity=0,
            stdout=StringIO(),
        )
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def this_database_url() -> str:
    """The URL of the database this test runs on, for a worker process to use."""
    settings = connection.settings_dict
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return (
        f"postgres://{quote(settings['USER'], safe='')}{password}@{host}{port}/{settings['NAME']}"
    )


def worker_environment(*, smtp_port: int, **extra) -> dict[str, str]:
    """Development settings on the test database, sending e-mail to 127.0.0.1:``smtp_port``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=this_database_url(),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(smtp_port),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_until(condition, *, what: str, process=None) -> None:
    """Poll ``condition`` until it holds; fail after ``PATIENCE`` seconds, or at once if
    ``process`` (a ``WorkerProcess``) ended."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if process is not None and not process.alive():
            raise AssertionError(f"The worker ended before {what}:\n{process.output()}")
        if time.monotonic() > deadline:
            detail = f":\n{process.output()}" if process is not None else ""
            raise AssertionError(f"Gave up waiting for {what}{detail}")
        time.sleep(0.05)


class WorkerProcess:
    """A worker run as its own process (``command`` before the manage.py arguments), its output
    (stdout and stderr) collected line by line."""

    def __init__(self, env: dict[str, str], command=(), interval: str = "0.1"):
        self.process = subprocess.Popen(
            [*command, sys.executable, *WORKER_COMMAND, "--interval", interval],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, signalled as a whole like `make run`
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def output(self) -> str:
        while not self._lines.empty():
            self._seen.append(self._lines.get())
        return "\n".join(self._seen)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.output().splitlines())

    def wait_for_output(self, text: str, *, times: int = 1) -> None:
        wait_until(lambda: self.count(text) >= times, what=f"{text!r} x{times}", process=self)

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal_group(self, number: int) -> None:
        os.killpg(self.process.pid, number)

    def wait(self) -> int:
        return self.process.wait(timeout=PATIENCE)

    def stop(self) -> None:
        """Stop it and all it started, whatever state it is in."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.signal_group(signal.SIGKILL)
            self.process.wait(timeout=PATIENCE)
        self.process.stdout.close()


def _maintenance_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def cut_connections(*, keep_own: bool = True) -> int:
    """Terminate the connections to the test database (all but this thread's own Django
    connection, unless ``keep_own`` is false), waiting until they are gone."""
    keep = None
    if keep_own:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            keep = cursor.fetchone()[0]
    with _maintenance_connection() as admin:
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid IS DISTINCT FROM %s",
            [connection.settings_dict["NAME"], keep],
        ).fetchone()[0]
    return cut


def allow_connections(allowed: bool) -> None:
    """Have the test database accept new connections, or refuse them (as while it restarts)."""
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with _maintenance_connection() as admin:
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {str(allowed).lower()}")


@contextlib.contextmanager
def database_outage():
    """The test database refuses every new connection, and those open (but this test's own) are
    cut, until the block ends: what a worker sees while PostgreSQL restarts or fails over."""
    allow_connections(False)
    try:
        cut_connections()
        yield
    finally:
        allow_connections(True)
