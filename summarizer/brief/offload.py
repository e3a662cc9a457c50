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
JSON) from its stdin and writing reports to its stdout. The caller's event loop moves the bytes
itself, on non-blocking pipes (`loop.add_reader`, and `add_writer` when the pipe is full): no
threads, no waking of one (a thread per pipe cost the loop 0.2-0.9 ms per brief, in pickling
handed between threads and in waiting for the GIL). Workers are shared by every event loop of
the process, one loop at a time (a loop running in another thread at the same moment grounds
its briefs itself), stopped at exit (and exit themselves when the caller does), and forgotten
by a forked child. A worker that dies fails its briefs' offloads, not the briefs: they ground
on the loop, and the next concurrent use starts a new one.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import pickle
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
    out.write(_frame(obj))
    out.flush()


def _frame(obj: object) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _receive(inp: IO[bytes]) -> Any:
    head = inp.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    data = inp.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


_Future = asyncio.Future[GroundingReport | None]


class _Worker:
    """One worker process, and its pipes, read and written by the event loop that uses it.

    No threads: the pipes are non-blocking, and the worker is attached to one event loop at a
    time (`loop.add_reader` on its answers, `loop.add_writer` while a job does not fit in the
    pipe), the loop of the briefs waiting for it. A loop that has closed, or stopped with
    nothing running, gives the worker up to the next loop that asks; a loop running in another
    thread at the same time does not share it (its briefs ground on their own loop).
    """

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
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._wfd = self.proc.stdin.fileno()
        self._rfd = self.proc.stdout.fileno()
        os.set_blocking(self._wfd, False)
        os.set_blocking(self._rfd, False)
        self.ready = False
        self._alive = True
        self._killed = False
        self.pending: dict[int, _Future] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._inbox = bytearray()  # bytes read from the worker, not yet a whole message
        self._outbox = bytearray()  # jobs not yet written to it (the pipe was full)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._writing = False

    @property
    def alive(self) -> bool:
        """Whether the worker process can still answer (an exit is noticed here too)."""
        if self._alive and self.proc.poll() is not None:
            self._gone()
        return self._alive

    def usable_from(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether briefs of `loop` can use this worker now (see the class)."""
        other = self.loop
        return other is None or other is loop or other.is_closed() or not other.is_running()

    def submit(self, text: str, reply_json: str) -> _Future:
        """Send one job; the future is its report, or None when the worker cannot make it."""
        loop = asyncio.get_running_loop()
        future: _Future = loop.create_future()
        with self._lock:
            if not self._alive or not self._attach(loop):
                future.set_result(None)
                return future
            self._next += 1
            job = self._next
            self.pending[job] = future
            self._outbox += _frame((job, text, reply_json))
            self._flush()
        return future

    def poll(self) -> None:
        """Read what the worker has said so far, without waiting (its "ready" when no loop
        reads for it yet)."""
        if self.loop is None or self.loop.is_closed() or not self.loop.is_running():
            self._on_readable()

    def close(self) -> None:
        """Stop the worker: its stdin closes, so it exits; whatever is pending grounds on the
        loop."""
        self._killed = True
        self._gone()

    def kill(self) -> None:
        """Stop the worker at once; whatever is pending grounds on the loop."""
        self._killed = True
        with contextlib.suppress(OSError):
            self.proc.kill()
        self._gone()

    # -- on the loop's thread ------------------------------------------------------------------

    def _attach(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Make `loop` read (and write) this worker's pipes (under `_lock`)."""
        if self.loop is loop:
            return True
        if not self.usable_from(loop):
            return False
        old, self.loop = self.loop, loop
        self._detach(old)
        try:
            loop.add_reader(self._rfd, self._on_readable)
        except (NotImplementedError, OSError, ValueError):  # a loop that cannot watch pipes
            self.loop = None
            return False
        self._writing = False
        return True

    def _detach(self, loop: asyncio.AbstractEventLoop | None) -> None:
        if loop is None or loop.is_closed():
            return  # a closed loop has forgotten its readers
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            loop.remove_reader(self._rfd)
            loop.remove_writer(self._wfd)

    def _flush(self) -> None:
        """Write what the pipe takes of the jobs not yet sent (under `_lock`)."""
        try:
            while self._outbox:
                sent = os.write(self._wfd, self._outbox)
                del self._outbox[:sent]
        except BlockingIOError:
            if not self._writing and self.loop is not None:
                self.loop.add_writer(self._wfd, self._write_more)
                self._writing = True
            return
        except (OSError, ValueError):
            # The worker is gone: its reader sees the end and fails what is pending.
            self._outbox.clear()
            return
        if self._writing and self.loop is not None:
            self.loop.remove_writer(self._wfd)
            self._writing = False

    def _write_more(self) -> None:
        with self._lock:
            self._flush()

    def _on_readable(self) -> None:
        try:
            while True:
                chunk = os.read(self._rfd, 1 << 16)
                if not chunk:
                    self._gone()
                    break
                self._inbox += chunk
        except BlockingIOError:
            pass
        except (OSError, ValueError):
            self._gone()
        self._deliver()

    def _deliver(self) -> None:
        inbox, size = self._inbox, _HEADER.size
        while len(inbox) >= size:
            (length,) = _HEADER.unpack_from(inbox)
            if len(inbox) < size + length:
                break
            try:
                message = pickle.loads(inbox[size : size + length])
            except (pickle.UnpicklingError, EOFError, ValueError):
                message = None
            del inbox[: size + length]
            if message == _READY:
                self.ready = True
                continue
            if not isinstance(message, tuple):
                continue
            job, report = message
            with self._lock:
                future = self.pending.pop(job, None)
                idle = not self.pending and not self._outbox
            if future is not None:
                _resolve(future, report)
            if idle and self.loop is not None and self._alive:
                # Nothing waits: another loop may take the worker now.
                with self._lock:
                    loop, self.loop = self.loop, None
                self._detach(loop)

    def _gone(self) -> None:
        """The worker cannot answer any more: fail what is pending (it grounds on the loop),
        and let its pipes go."""
        global _failed_starts
        with self._lock:
            if not self._alive:
                return
            if not self.ready and not self._killed:
                _failed_starts += 1  # it died before it could answer (not killed by us)
            self._alive = self.ready = False
            left, self.pending = list(self.pending.values()), {}
            loop, self.loop = self.loop, None
            self._outbox.clear()
        if loop is not None and loop.is_running() and loop is not _running_loop():
            # Another thread's loop reads these pipes: it lets them go itself.
            try:
                loop.call_soon_threadsafe(self._release, loop)
            except RuntimeError:  # it has closed meanwhile
                self._release(None)
        else:
            self._release(loop)
        for future in left:
            _resolve(future, None)
        if self.proc.poll() is None:
            # It has closed its pipes, exited or been killed, but its exit status may not be in
            # yet: reap it when it comes, without waiting here, so that no zombie is left and
            # the dropped Popen does not warn "still running".
            threading.Thread(target=self.proc.wait, name="offload-reaper", daemon=True).start()

    def _release(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self._detach(loop)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                assert pipe is not None
                pipe.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _resolve(future: _Future, report: GroundingReport | None) -> None:
    """Set a job's report: at once on its own loop, else through that loop's queue (a loop
    that has closed waits for nothing any more)."""
    loop = future.get_loop()
    if loop.is_closed() or future.done():
        return
    if loop is _running_loop():
        future.set_result(report)
        return

    def done() -> None:
        if not future.done():
            future.set_result(report)

    with contextlib.suppress(RuntimeError):
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
    """The least busy ready worker this event loop can use (any, outside a loop); else start
    the missing workers (once) and return None."""
    global _failed_starts
    loop = _running_loop()
    with _lock:
        for w in _workers:
            if not w.ready:
                w.poll()  # its "ready", or its end
        _workers[:] = [w for w in _workers if w.alive]
        ready = [w for w in _workers if w.ready and (loop is None or w.usable_from(loop))]
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
    # A forked child must not share the parent's pipes: it starts workers of its own.
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
