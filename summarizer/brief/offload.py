"""Grounding off the event loop: `check_reply` in a worker process, for briefs made with asyncio.

Grounding a reply (locating its quotes, the attribution pass, the claim checks) is pure CPU over
(article, reply): ~2-4 ms per 600-word article, more than everything else a brief costs the
client. On one event loop that CPU is throughput lost, so with many briefs in flight the async
path sends it to a worker process instead (`aground`), and the loop only sends requests and
parses replies. The report comes back into the article's index (`grounding.remember_report`),
where the `check_reply` calls that follow (the repair flow's, the engine's) find it: the same
report as a check on the loop, made by the same code.

When it is used (all must hold, else the loop grounds as before):
- `workers()` > 0: `SUMMARIZER_GROUND_WORKERS` (default: one per core beyond the first, so none
  on a one-core machine; 0 turns it off);
- the article has at least `min_chars()` characters (`SUMMARIZER_GROUND_MIN_CHARS`, default
  500): sending a job costs the loop ~0.3-0.5 ms, and grounding even a 600-character article
  ~2.6 ms (most of it a fixed cost), so it pays at any size a brief is asked for;
- another brief is waiting for the model or a worker at the same time: a lone brief (one
  `asummarize` call, the CLI) never waits for a worker process to start;
- the workers have started: they are started in the background at the first concurrent use,
  and briefs ground on the loop until a worker says it is ready.

A worker is `python -m summarizer.brief.offload`, a process of its own that imports only the
guard (not the caller's script, as multiprocessing's "spawn" would), reading (article, reply as
JSON) from its stdin and writing reports to its stdout. Two threads per worker in the caller's
process move the bytes, so the loop never blocks on a pipe. Workers are shared by every event
loop of the process, stopped at exit (and exit themselves when the caller does), and forgotten
by a forked child. A worker that dies fails its briefs' offloads, not the briefs: they ground
on the loop, and the next concurrent use starts a new one.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import pickle
import queue
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from summarizer.brief.grounding import (
    ArticleIndex,
    GroundingReport,
    known_report,
    remember_report,
    report_key,
)

if TYPE_CHECKING:
    from summarizer.brief.models import BriefReply

WORKERS_ENV = "SUMMARIZER_GROUND_WORKERS"
MIN_CHARS_ENV = "SUMMARIZER_GROUND_MIN_CHARS"
DEFAULT_MIN_CHARS = 500

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|_DSN|_DB$|DATABASE_URL", re.I)
_HEADER = struct.Struct("!I")  # every message: its length, then a pickle
_READY = "ready"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def workers() -> int:
    """How many worker processes ground replies: `SUMMARIZER_GROUND_WORKERS`, else one per core
    beyond the first (the event loop's)."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            return 0
    return _cores() - 1


def min_chars() -> int:
    """Articles shorter than this are grounded on the loop (`SUMMARIZER_GROUND_MIN_CHARS`)."""
    raw = os.environ.get(MIN_CHARS_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_MIN_CHARS
    except ValueError:
        return DEFAULT_MIN_CHARS


# --- the caller's side --------------------------------------------------------------------------


def _send(out: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


def _receive(inp: IO[bytes]) -> Any:
    head = inp.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    data = inp.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[GroundingReport | None]"]


class _Worker:
    """One worker process and the two threads that feed it and read its answers."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        # The guard needs no credentials: the worker gets none of the caller's keys.
        env = {k: v for k, v in os.environ.items() if not _SECRET_NAME.search(k)}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            _command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        self.ready = False
        self.alive = True
        self.pending: dict[int, _Waiter] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[tuple[int, str, str] | None] = queue.SimpleQueue()
        threading.Thread(target=self._write, name="ground-writer", daemon=True).start()
        threading.Thread(target=self._read, name="ground-reader", daemon=True).start()

    def submit(self, text: str, reply_json: str) -> asyncio.Future[GroundingReport | None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[GroundingReport | None] = loop.create_future()
        with self._lock:
            if not self.alive:
                future.set_result(None)
                return future
            self._next += 1
            job = self._next
            self.pending[job] = (loop, future)
        self._outbox.put((job, text, reply_json))
        return future

    def close(self) -> None:
        self._outbox.put(None)  # the writer closes the worker's stdin: it exits

    def kill(self) -> None:
        """Stop the worker at once (the reader then fails whatever is pending)."""
        with self._lock:
            self.alive = self.ready = False
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.close()

    def _write(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while (job := self._outbox.get()) is not None:
                _send(stdin, job)
        except (OSError, ValueError):
            pass  # the worker is gone: the reader fails what is pending
        finally:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            while True:
                message = _receive(stdout)
                if message == _READY:
                    self.ready = True
                    continue
                job, report = message
                with self._lock:
                    waiter = self.pending.pop(job, None)
                if waiter is not None:
                    _resolve(waiter, report)
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pass
        global _failed_starts
        with self._lock:
            if not self.ready and self.alive:
                _failed_starts += 1  # it died before it could answer (not killed by us)
            self.alive = self.ready = False
            left, self.pending = list(self.pending.values()), {}
        for waiter in left:
            _resolve(waiter, None)
        with contextlib.suppress(OSError, ValueError):
            stdout.close()


def _resolve(waiter: _Waiter, report: GroundingReport | None) -> None:
    loop, future = waiter

    def done() -> None:
        if not future.done():
            future.set_result(report)

    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
        loop.call_soon_threadsafe(done)


_lock = threading.Lock()
_workers: list[_Worker] = []
# Briefs of this process waiting for the model or a worker right now (see `busy`).
_active = 0
_count_lock = threading.Lock()


def _command() -> list[str]:
    return [sys.executable, "-m", "summarizer.brief.offload"]


# Workers that exited before saying they were ready (they cannot start here: a broken
# interpreter, no memory). After MAX_FAILED_STARTS of them, this process stops trying.
MAX_FAILED_STARTS = 3
_failed_starts = 0


def _ready_worker() -> _Worker | None:
    """The least busy ready worker; else start the missing workers (once) and return None."""
    global _failed_starts
    with _lock:
        _workers[:] = [w for w in _workers if w.alive]
        ready = [w for w in _workers if w.ready]
        missing = workers() - len(_workers)
        for _ in range(max(0, missing) if _failed_starts < MAX_FAILED_STARTS else 0):
            try:
                _workers.append(_Worker())
            except OSError:
                _failed_starts += 1
                break
    return min(ready, key=lambda w: len(w.pending)) if ready else None


def shutdown() -> None:
    """Stop the worker processes (at exit; a later concurrent use starts them again)."""
    with _lock:
        stopping, _workers[:] = list(_workers), []
    for w in stopping:
        w.close()
    for w in stopping:
        try:
            w.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            w.proc.kill()


def _forget_after_fork() -> None:
    # A forked child has no threads feeding the workers: it starts workers of its own.
    global _lock, _active, _count_lock, _failed_starts
    _lock = threading.Lock()
    _failed_starts = 0
    _count_lock = threading.Lock()
    _workers.clear()
    _active = 0


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


class busy:
    """Count a brief as in flight while its block runs: `aground` offloads only when another
    one is (`asyncio.gather` over many briefs), never for a lone brief."""

    def __enter__(self) -> busy:
        global _active
        with _count_lock:
            _active += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _active
        with _count_lock:
            _active -= 1


async def aground(reply: BriefReply, index: ArticleIndex) -> None:
    """Ground `reply` against `index` in a worker process when that pays (see the module's
    docstring), and keep the report on the index for `check_reply` to find. Otherwise, or when
    the worker fails, do nothing: `check_reply` then grounds on the loop, as it always did."""
    if _active < 2 or len(index.text) < min_chars() or workers() <= 0:
        return
    key = report_key(reply)
    if known_report(index, key) is not None:
        return
    worker = _ready_worker()
    if worker is None:
        return
    try:
        report = await asyncio.wait_for(worker.submit(index.text, key), _timeout(index.text))
    except TimeoutError:
        # A worker that does not answer (stopped, stuck) is killed: its briefs ground on the
        # loop, and the next concurrent use starts a new one.
        worker.kill()
        return
    if report is not None:
        remember_report(index, key, report)


# How long a worker may take over one reply before it is taken for stuck: grounding takes
# ~25 ms at 5,000 words and is linear in the article's length.
TIMEOUT_S = 30.0
TIMEOUT_S_PER_MILLION_CHARS = 60.0


def _timeout(text: str) -> float:
    return TIMEOUT_S + TIMEOUT_S_PER_MILLION_CHARS * len(text) / 1e6


# --- the worker's side -------------------------------------------------------------------------


def _serve(inp: IO[bytes], out: IO[bytes], ground: Callable[[str, str], GroundingReport]) -> None:
    """Answer (job, article, reply as JSON) with (job, report, or None when it failed)."""
    _send(out, _READY)
    while True:
        try:
            job, text, reply_json = _receive(inp)
        except EOFError:
            return
        try:
            report: GroundingReport | None = ground(text, reply_json)
        except Exception:  # the caller grounds this one itself, and sees the error there
            report = None
        _send(out, (job, report))


def _ground(text: str, reply_json: str) -> GroundingReport:
    """The report of a reply (as JSON) against the article, as `check_reply` makes it on the
    loop (the worker keeps its recent articles' indexes too)."""
    from summarizer.brief.grounding import check_reply
    from summarizer.brief.models import BriefReply

    # Parsed with no grounding context: the checks run once, in check_reply.
    reply = BriefReply.model_validate_json(reply_json)
    return check_reply(reply, ArticleIndex.of(text))


def main() -> None:
    """The worker process: the protocol on its own file descriptors, and anything printed goes
    to stderr."""
    import summarizer.brief.models  # noqa: F401  (imported before saying it is ready)

    inp = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull)  # noqa: SIM115
    _serve(inp, out, _ground)


if __name__ == "__main__":
    main()
