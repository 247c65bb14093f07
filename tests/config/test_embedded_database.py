"""The zero-config database: an embedded PostgreSQL server that starts from nothing, is shared by
every process that needs it, and stops when the last one exits, even after a kill -9.

Each scenario runs in subprocesses against its own data directory, so the test database of this
run is never touched. The data directory reaches the subprocesses through the environment, so the
only processes whose command line names it are PostgreSQL's own.
"""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 120

START = """
import os
from pathlib import Path

import psycopg

from config.database import embedded_database_url

url = embedded_database_url(Path(os.environ["PGDATA_UNDER_TEST"]))
conn = psycopg.connect(url, autocommit=True)
"""

FIRST_RUN = (
    START
    + """
assert conn.execute("select 1").fetchone() == (1,)
conn.execute("create table kept (note text)")
conn.execute("insert into kept values ('still here')")
conn.close()
print(url)
"""
)

READ_BACK = (
    START
    + """
print(conn.execute("select note from kept").fetchone()[0])
conn.close()
"""
)

SERVER_IDENTITY = """
row = conn.execute("select pg_postmaster_start_time(), current_setting('unix_socket_directories')")
print(*row.fetchone(), sep="|", flush=True)
conn.close()
"""

# Holds its handle on the server until the test closes its stdin.
HOLDER = (
    START
    + SERVER_IDENTITY
    + """
import sys
sys.stdin.read()
"""
)

JOINER = START + SERVER_IDENTITY


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(str(pgdata) in part for part in cmdline):
            found.append(proc)
    return found


def wait_until_stopped(pgdata: Path, timeout: float = 30) -> list[psutil.Process]:
    """Poll until no process names ``pgdata``; return whatever is still running at the deadline."""
    deadline = time.monotonic() + timeout
    while (running := postgres_processes(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting on PostgreSQL to finish shutting down
    return running


def environment(pgdata: Path) -> dict[str, str]:
    return {**os.environ, "PGDATA_UNDER_TEST": str(pgdata)}


def run(script: str, pgdata: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=environment(pgdata),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return result


def start_holder(pgdata: Path) -> tuple[subprocess.Popen, str]:
    """Start a process that keeps the server open; return it with its server identity line."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=BASE_DIR,
        env=environment(pgdata),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    identity = holder.stdout.readline().strip()  # blocks until the server is up (or it failed)
    if not identity:
        holder.kill()
        _, stderr = holder.communicate(timeout=TIMEOUT)
        pytest.fail(f"the holder could not start the server:\n{stderr}")
    return holder, identity


@pytest.fixture
def pgdata(tmp_path):
    """A data directory that does not exist yet; whatever is left running is stopped afterwards."""
    path = (tmp_path / "pg").resolve()
    yield path
    for proc in postgres_processes(path):
        proc.kill()


def test_starts_from_nothing_and_stops_when_the_process_exits(pgdata):
    assert not pgdata.exists()
    result = run(FIRST_RUN, pgdata)
    assert (pgdata / "PG_VERSION").exists()
    # A Unix socket inside the data folder, never a TCP port.
    assert f"host={pgdata}" in result.stdout
    assert wait_until_stopped(pgdata) == []


def test_a_second_start_on_the_same_directory_finds_the_data(pgdata):
    run(FIRST_RUN, pgdata)
    assert wait_until_stopped(pgdata) == []
    assert run(READ_BACK, pgdata).stdout.strip() == "still here"
    assert wait_until_stopped(pgdata) == []


def test_concurrent_processes_share_one_server_and_the_last_one_stops_it(pgdata):
    holder, holder_sees = start_holder(pgdata)
    try:
        joiner_sees = run(JOINER, pgdata).stdout.strip()
        # Same start time and socket: the second process joined the running server.
        assert joiner_sees == holder_sees
        assert str(pgdata) in joiner_sees
        # The joiner exiting must not stop the server the holder still uses.
        assert postgres_processes(pgdata), "the server stopped while another process used it"
        assert run(JOINER, pgdata).stdout.strip() == holder_sees

        holder.communicate(input="", timeout=TIMEOUT)
        assert holder.returncode == 0
    finally:
        if holder.poll() is None:
            holder.kill()
    assert wait_until_stopped(pgdata) == []


def test_a_killed_holder_does_not_block_the_next_start(pgdata):
    holder, holder_sees = start_holder(pgdata)
    holder.kill()  # SIGKILL: no atexit, its pid stays registered
    holder.communicate(timeout=TIMEOUT)
    assert postgres_processes(pgdata), "expected the orphaned server to still be running"

    # The next process joins the orphaned server, forgets the dead pid, and stops it on exit.
    assert run(JOINER, pgdata).stdout.strip() == holder_sees
    assert wait_until_stopped(pgdata) == []
    assert (pgdata / ".handle_pids.json").read_text() == "[]"

    # And the directory starts cleanly once more.
    run(JOINER, pgdata)
    assert wait_until_stopped(pgdata) == []


def kill_everything(pgdata: Path) -> int:
    """kill -9 the holder and the server, as an OOM kill or a power cut would; return the
    server's pid, which stays behind in postmaster.pid."""
    holder, _ = start_holder(pgdata)
    holder.kill()
    holder.communicate(timeout=TIMEOUT)
    server_pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    server = psutil.Process(server_pid)
    workers = server.children()
    server.kill()
    # Its workers notice the death and exit at once; waiting on them keeps the test deterministic.
    psutil.wait_procs(workers, timeout=30)
    return server_pid


def test_a_killed_server_does_not_block_the_next_start(pgdata):
    """Until its parent reaps it, the killed server is a zombie that still holds its pid: a plain
    "is that pid alive?" check would take it for a running server and never start a new one."""
    kill_everything(pgdata)
    assert (pgdata / "postmaster.pid").exists()

    assert run(JOINER, pgdata).stdout.strip()
    assert wait_until_stopped(pgdata) == []


def test_a_stale_postmaster_pid_naming_an_unrelated_live_process_does_not_block_the_start(pgdata):
    """After a reboot (or a container restart) the old server's pid often belongs to some other
    process; that must not pass for a running server."""
    server_pid = kill_everything(pgdata)
    with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
        psutil.Process(server_pid).wait(timeout=30)  # waiting for the zombie to be reaped
    unrelated = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        for lock in (pgdata / "postmaster.pid", pgdata / ".s.PGSQL.5432.lock"):
            lines = lock.read_text().splitlines()
            lock.write_text("\n".join([str(unrelated.pid), *lines[1:]]) + "\n")

        assert run(JOINER, pgdata).stdout.strip()
        assert unrelated.poll() is None, "the unrelated process was killed"
    finally:
        unrelated.kill()
        unrelated.wait(timeout=TIMEOUT)
    assert wait_until_stopped(pgdata) == []


def test_a_torn_handle_file_does_not_block_the_next_start(pgdata):
    """A process killed while rewriting the handle file leaves it empty; the next start repairs it."""
    run(FIRST_RUN, pgdata)
    assert wait_until_stopped(pgdata) == []
    (pgdata / ".handle_pids.json").write_text("")

    assert run(READ_BACK, pgdata).stdout.strip() == "still here"
    assert wait_until_stopped(pgdata) == []


def test_the_survivor_stops_the_server_when_a_partner_was_killed_first(pgdata):
    """Django's autoreloader, terminated, SIGKILLs its child; the parent must still stop the server."""
    parent, parent_sees = start_holder(pgdata)
    child, child_sees = start_holder(pgdata)
    assert child_sees == parent_sees
    child.kill()
    child.communicate(timeout=TIMEOUT)

    parent.communicate(input="", timeout=TIMEOUT)
    assert parent.returncode == 0
    assert wait_until_stopped(pgdata) == []


def test_the_last_holder_stops_the_server_even_after_the_handle_file_was_torn(pgdata):
    """A partner killed mid-write can leave the file empty while this process still holds."""
    holder, _ = start_holder(pgdata)
    (pgdata / ".handle_pids.json").write_text("")

    holder.communicate(input="", timeout=TIMEOUT)
    assert holder.returncode == 0
    assert wait_until_stopped(pgdata) == []
