"""Starting and stopping `summarizer worker` processes, for the tests and the benchmarks.

One way to do it (tests/test_workers.py and benchmarks/bench_workers.py both use it): each
worker is `python -m summarizer worker --db URL ...` in its own process, its stderr in a file
(never a pipe nobody reads, which a chatty worker could fill and block on); stopping sends
SIGTERM, waits, then SIGKILL. `running_workers` waits until every worker's heartbeat is in the
database before its block runs, unless told not to (a benchmark that times from the launch).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

WORKER = ("-m", "summarizer", "worker")


class Worker(subprocess.Popen[bytes]):
    """A worker process, with the file its stderr goes to (`log`) and the last heartbeat row
    in the database before it was started (`started_after`: its own row comes after)."""

    log: IO[bytes]
    started_after: int = 0

    def stderr_tail(self, chars: int = 2000) -> str:
        """The end of what the worker wrote to stderr so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]


def start_workers(
    url: str,
    n: int,
    *args: str,
    command: Sequence[str] = WORKER,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    log_dir: Path | None = None,
) -> list[Worker]:
    """Launch `n` workers on the database `url` with `args` (`--concurrency`, `--base-url`...).

    `command` is what follows the interpreter (a wrapper script of the benchmark's, taking
    the same arguments, may stand in); `log_dir` keeps each worker's stderr in
    `worker<k>.log` there, else in a temporary file."""
    procs: list[Worker] = []
    # A row left by a worker killed before (kill -9 leaves its heartbeat) is not one of these.
    started_after = last_heartbeat_row(url)
    try:
        for k in range(n):
            log: IO[bytes] = (
                (log_dir / f"worker{k}.log").open("w+b")
                if log_dir is not None
                else tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop_workers)
            )
            try:
                proc = Worker(
                    [sys.executable, *command, "--db", url, *args],
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    env=env,
                    cwd=cwd,
                )
            except BaseException:
                log.close()
                raise
            proc.log = log
            proc.started_after = started_after
            procs.append(proc)
    except BaseException:
        stop_workers(procs)
        raise
    return procs


def stop_workers(procs: Sequence[Worker], timeout: float = 15.0) -> None:
    """SIGTERM every worker still running, wait up to `timeout` seconds for each, then
    SIGKILL; close their log files."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.log.close()


def _workers_query(url: str, sql: str, args: tuple[Any, ...] = ()) -> int:
    """One number from procrastinate's workers table (0 before its schema is there)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(sql, args).fetchone()
    except psycopg.Error:
        return 0
    return int(row[0] or 0) if row else 0


def last_heartbeat_row(url: str) -> int:
    """The id of the newest worker's heartbeat row in the database (0: none yet)."""
    return _workers_query(url, "SELECT max(id) FROM procrastinate_workers")


def heartbeats(url: str, after: int = 0) -> int:
    """How many workers have a heartbeat row in the database, of those registered after row
    `after` (0 before procrastinate's schema is there)."""
    return _workers_query(url, "SELECT count(*) FROM procrastinate_workers WHERE id > %s", (after,))


def wait_until_up(url: str, procs: Sequence[Worker], timeout: float = 60.0) -> None:
    """Return once every worker's heartbeat is in the database (rows registered since they
    were started: not a dead worker's left behind); an AssertionError (with the worker's
    stderr) when one exits first, or when `timeout` seconds pass."""
    after = min((p.started_after for p in procs), default=0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise AssertionError(f"a worker exited with {p.returncode}: {p.stderr_tail()}")
        if heartbeats(url, after) >= len(procs):
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {len(procs)} workers up")


@contextmanager
def running_workers(
    url: str,
    n: int,
    *args: str,
    up_within: float | None = 60.0,
    stop_within: float = 15.0,
    **start: Any,
) -> Iterator[list[Worker]]:
    """`n` workers on `url` (`start_workers`'s arguments) for the block: up (heartbeat in the
    database) before it runs unless `up_within` is None; stopped after, even when it raises."""
    procs = start_workers(url, n, *args, **start)
    try:
        if up_within is not None:
            wait_until_up(url, procs, up_within)
        yield procs
    finally:
        stop_workers(procs, stop_within)
