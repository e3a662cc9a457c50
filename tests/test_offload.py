"""Grounding off the event loop (`summarizer.brief.offload`): a batch of async briefs grounds in
a worker process, with the same reports as on the loop; a lone brief starts no worker; a dead
worker costs nothing but the offload.

Checked by behaviour (which process made each report, what the briefs say), never by timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.brief import grounding, offload
from summarizer.brief.grounding import ArticleIndex, _check_reply
from summarizer.brief.models import BriefReply
from summarizer.engine import asummarize
from summarizer.evaluation.dataset import load_dataset
from summarizer.testing.server import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    first_sentences_reply,
    synthetic_article,
)

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(responder=FirstSentencesResponder()) as s:
        yield s


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One worker process, offloading articles of any size; stopped after the test."""
    monkeypatch.setenv(offload.WORKERS_ENV, "1")
    monkeypatch.setenv(offload.MIN_CHARS_ENV, "0")
    offload.shutdown()
    yield
    offload.shutdown()


def _ready() -> offload._Worker:
    """Start the worker and wait until it says it is ready."""
    deadline = time.monotonic() + 60
    while (worker := offload._ready_worker()) is None:
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.05)
    return worker


def _perturbed(reply: BriefReply) -> list[BriefReply]:
    """The reply, and copies that fail: a quote with a word added, a position's party unlisted,
    a party the article does not name."""
    out = [reply]
    if reply.key_facts:
        bad = reply.model_copy(deep=True)
        bad.key_facts[0].evidence[0] = "not " + bad.key_facts[0].evidence[0]
        out.append(bad)
    if reply.positions:
        bad = reply.model_copy(deep=True)
        bad.positions[0].party = "Nobody Listed"
        out.append(bad)
    bad = reply.model_copy(deep=True)
    bad.parties.append(bad.parties[0].model_copy(update={"name": "Zyxwv Qrstu", "aliases": []}))
    out.append(bad)
    return out


def _cases() -> list[tuple[str, BriefReply]]:
    cases = []
    for art in load_dataset(GOLD).articles:
        cases += [(art.text, r) for r in _perturbed(art.gold)]
    for i in range(3):
        text = synthetic_article(i)
        cases += [
            (text, r) for r in _perturbed(BriefReply.model_validate(first_sentences_reply(text)))
        ]
    return cases


def _loop_groundings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the articles grounded on the loop (not in a worker) from now on."""
    here: list[str] = []
    real = grounding._check_reply

    def counting(reply: Any, index: Any) -> Any:
        here.append(index.text)
        return real(reply, index)

    monkeypatch.setattr(grounding, "_check_reply", counting)
    return here


def test_the_workers_reports_equal_the_loops(one_worker: None) -> None:
    cases = _cases()
    assert len(cases) > 60
    worker = _ready()

    async def remote() -> list[Any]:
        return await asyncio.gather(
            *(worker.submit(text, grounding.report_key(reply)) for text, reply in cases)
        )

    reports = asyncio.run(remote())
    local = [_check_reply(reply, ArticleIndex(text)) for text, reply in cases]
    assert reports == local
    assert any(r.issues for r in local) and any(not r.issues for r in local)
    assert all(r.evidence for r in local)


def _dump(brief: Any) -> dict[str, Any]:
    data = brief.model_dump(mode="json")
    for key in ("created_at", "duration_s"):
        data["meta"].pop(key)
    for call in data["meta"].get("calls", []) or []:
        call.pop("latency_s", None)
    return data


def test_a_batch_grounds_in_the_worker_with_the_same_briefs(
    one_worker: None, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [synthetic_article(200 + i) for i in range(12)]

    async def batch() -> list[Any]:
        return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

    monkeypatch.setenv(offload.WORKERS_ENV, "0")
    on_loop = asyncio.run(batch())
    grounding._clear_index_cache()

    monkeypatch.setenv(offload.WORKERS_ENV, "1")
    _ready()
    here = _loop_groundings(monkeypatch)
    offloaded = asyncio.run(batch())
    assert here == []  # every reply was grounded in the worker
    assert [_dump(b) for b in offloaded] == [_dump(b) for b in on_loop]
    assert all(b.meta.evidence for b in offloaded)


def test_a_lone_brief_starts_no_worker(one_worker: None, server: FakeOpenAIServer) -> None:
    brief = asyncio.run(asummarize(synthetic_article(300), base_url=server.base_url))
    assert brief.meta.evidence
    assert offload._workers == []


def test_no_offload_when_turned_off_or_the_article_is_short(
    one_worker: None, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [synthetic_article(400 + i) for i in range(4)]

    async def batch() -> list[Any]:
        return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

    monkeypatch.setenv(offload.WORKERS_ENV, "0")
    assert all(b.meta.evidence for b in asyncio.run(batch()))
    assert offload._workers == []  # none started

    monkeypatch.setenv(offload.WORKERS_ENV, "1")
    _ready()
    here = _loop_groundings(monkeypatch)
    for env, value in ((offload.WORKERS_ENV, "0"), (offload.MIN_CHARS_ENV, "100000")):
        # A worker is ready, but turned off, or the articles are below the size that pays.
        with monkeypatch.context() as m:
            m.setenv(env, value)
            grounding._clear_index_cache()
            here.clear()
            assert all(b.meta.evidence for b in asyncio.run(batch()))
            assert sorted(here) == sorted(texts)


def test_a_dead_worker_costs_only_the_offload(
    one_worker: None, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = _ready()
    worker.proc.kill()
    worker.proc.wait()
    here = _loop_groundings(monkeypatch)
    texts = [synthetic_article(500 + i) for i in range(6)]

    async def batch() -> list[Any]:
        return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

    briefs = asyncio.run(batch())
    assert all(b.meta.evidence for b in briefs)
    assert sorted(here) == sorted(texts)  # grounded on the loop instead
    deadline = time.monotonic() + 10
    while worker.alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not worker.alive


def test_the_worker_does_not_run_the_callers_script(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # multiprocessing's "spawn" would run a script with no `if __name__ == "__main__"` again in
    # every worker; ours imports only the guard.
    marks = tmp_path / "marks"
    script = tmp_path / "batch.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio
            from summarizer.brief import offload
            from summarizer.engine import asummarize
            from summarizer.testing.server import synthetic_article

            with open({str(marks)!r}, "a") as f:
                f.write("ran\\n")
            while offload._ready_worker() is None:
                import time; time.sleep(0.05)

            async def batch():
                texts = [synthetic_article(600 + i) for i in range(4)]
                return await asyncio.gather(
                    *(asummarize(t, base_url={server.base_url!r}) for t in texts)
                )

            print(sum(len(b.meta.evidence) > 0 for b in asyncio.run(batch())))
            """
        )
    )
    env = {**os.environ, offload.WORKERS_ENV: "1", offload.MIN_CHARS_ENV: "0"}
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "4"
    assert marks.read_text() == "ran\n"


def test_the_worker_gets_no_keys(one_worker: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-" + "x" * 30)
    monkeypatch.setenv("SUMMARIZER_DB", "postgresql://user:secret@localhost/db")
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "t" * 20)
    worker = _ready()
    environ = Path(f"/proc/{worker.proc.pid}/environ")
    if not environ.exists():
        pytest.skip("no /proc here")
    names = {e.split(b"=", 1)[0].decode() for e in environ.read_bytes().split(b"\0") if e}
    assert not {"OPENAI_API_KEY", "SOME_SERVICE_TOKEN", "SUMMARIZER_DB"} & names
    assert "PYTHONPATH" in names


def test_a_stuck_worker_is_killed_and_its_briefs_ground_on_the_loop(
    one_worker: None, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    worker = _ready()
    worker.proc.send_signal(signal.SIGSTOP)  # alive, but never answers
    monkeypatch.setattr(offload, "TIMEOUT_S", 0.5)
    texts = [synthetic_article(700 + i) for i in range(4)]

    async def batch() -> list[Any]:
        return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

    try:
        briefs = asyncio.run(batch())
    finally:
        with contextlib.suppress(OSError):
            worker.proc.send_signal(signal.SIGCONT)
    assert all(b.meta.evidence for b in briefs)
    assert worker.proc.wait(timeout=10) is not None  # killed
    assert not worker.alive


def test_a_worker_that_cannot_start_is_tried_a_few_times_only(
    one_worker: None, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []

    def broken() -> list[str]:
        started.append(1)
        return [sys.executable, "-c", "raise SystemExit(3)"]

    monkeypatch.setattr(offload, "_command", broken)
    monkeypatch.setattr(offload, "_failed_starts", 0)
    for round_ in range(6):
        texts = [synthetic_article(800 + 10 * round_ + i) for i in range(3)]

        async def batch(texts: list[str] = texts) -> list[Any]:
            return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

        assert all(b.meta.evidence for b in asyncio.run(batch()))
        deadline = time.monotonic() + 10
        while any(w.alive for w in offload._workers) and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(started) == offload.MAX_FAILED_STARTS


def test_the_loop_moves_the_bytes_itself(
    one_worker: None, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No thread of ours moves jobs or reports: the loop reads and writes the worker's pipes,
    including jobs that do not fit in the pipe at once (more than 64 KiB in flight)."""
    import threading

    worker = _ready()
    texts = [synthetic_article(900 + i, 1500) for i in range(24)]  # ~9 KB each, 24 at once
    here = _loop_groundings(monkeypatch)
    offloading: set[str] = set()  # threads seen running offload.py's code
    loop_thread = threading.get_ident()

    async def batch() -> list[Any]:
        async def watch() -> None:
            while True:
                for ident, frame in sys._current_frames().items():
                    stack = frame
                    while stack is not None and ident != loop_thread:
                        if stack.f_code.co_filename == offload.__file__:
                            offloading.add(stack.f_code.co_name)
                        stack = stack.f_back
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        try:
            return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))
        finally:
            watcher.cancel()

    briefs = asyncio.run(batch())
    assert all(b.meta.evidence for b in briefs)
    assert here == []  # every reply was grounded in the worker
    assert offloading == set()
    assert worker.alive and worker.pending == {}


def test_two_loops_in_two_threads_share_one_worker_safely(
    one_worker: None, server: FakeOpenAIServer
) -> None:
    """A loop running in another thread at the same time grounds on its own loop, and every
    brief of both comes out grounded."""
    import threading

    _ready()
    results: dict[int, list[Any]] = {}
    failures: list[BaseException] = []

    def run(n: int) -> None:
        texts = [synthetic_article(1000 + 100 * n + i) for i in range(10)]

        async def batch() -> list[Any]:
            return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

        try:
            results[n] = asyncio.run(batch())
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures
    assert all(not t.is_alive() for t in threads)
    assert all(b.meta.evidence for n in (0, 1) for b in results[n])
    worker = _ready()  # still usable by the next loop
    assert worker.alive


class _OneBadQuote(FirstSentencesResponder):
    """Every brief's first fact quotes a sentence the article does not hold (its repair, by
    the server's repair responder, removes that fact)."""

    def __call__(self, request: dict[str, Any]) -> Any:
        import json

        from summarizer.testing.server import reply

        step = super().__call__(request)
        data = json.loads(step.data) if isinstance(step.data, str) else dict(step.data)
        data["key_facts"][0]["evidence"] = ["this sentence was never in the article"]
        return reply(data)


def test_a_repaired_reply_grounds_in_the_worker_too(
    one_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [synthetic_article(1100 + i) for i in range(8)]

    def batch() -> list[Any]:
        async def run(url: str) -> list[Any]:
            # One more brief counted in flight for the whole batch: the last brief's repair is
            # never "lone" (grounded on the loop), however the briefs' timings fall.
            with offload.busy():
                return await asyncio.gather(*(asummarize(t, base_url=url) for t in texts))

        with FakeOpenAIServer(responder=_OneBadQuote()) as server:
            briefs = asyncio.run(run(server.base_url))
            assert len(server.requests) == 2 * len(texts)  # a brief and a repair each
        return briefs

    monkeypatch.setenv(offload.WORKERS_ENV, "0")
    on_loop = batch()
    grounding._clear_index_cache()

    monkeypatch.setenv(offload.WORKERS_ENV, "1")
    _ready()
    here = _loop_groundings(monkeypatch)
    offloaded = batch()
    # The first replies and the repaired ones all ground in the worker.
    assert here == []
    assert [_dump(b) for b in offloaded] == [_dump(b) for b in on_loop]
    assert all(len(b.key_facts) == 2 for b in offloaded)  # the bad fact was repaired away


def test_a_worker_noticed_gone_is_reaped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker whose pipes end (it exited) is waited for without blocking the loop: no zombie
    is left, and its Popen does not warn "still running" when dropped (a ResourceWarning that
    failed a full CI run of test_a_worker_that_cannot_start_is_tried_a_few_times_only)."""
    monkeypatch.setattr(offload, "_command", lambda: [sys.executable, "-c", "raise SystemExit(3)"])
    monkeypatch.setattr(offload, "_failed_starts", 0)
    worker = offload._Worker()
    # Wait until it has exited, without reaping it (WNOWAIT): as when its pipes' end is read
    # before anyone asks for its exit status.
    os.waitid(os.P_PID, worker.proc.pid, os.WEXITED | os.WNOWAIT)
    worker._gone()
    deadline = time.monotonic() + 10
    while worker.proc.returncode is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert worker.proc.returncode == 3
