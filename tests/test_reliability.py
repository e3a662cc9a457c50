"""Fault injection: every fault kind of the test server, alone and mixed, through the real client.

Each kind is first served on every request, to check that the real `openai` client meets it and
that we turn it into the right outcome and error. Then 300 articles run with 20% of the answers
replaced by a mix of faults: every article must end briefed or failed with a reason, none twice,
none lost, requests per article within the bound the retry settings allow, and the usage
reported to `on_call` must add up to the usage recorded in briefs and errors.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from summarizer import engine
from summarizer.brief.grounding import ArticleIndex
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import Brief, CallRecord, Usage
from summarizer.brief.tokens import chunk_text, estimate_tokens
from summarizer.engine import OUTPUT_BUDGETS, asummarize, summarize
from summarizer.errors import (
    GroundingError,
    LLMError,
    OutputTruncatedError,
    RefusalError,
    ReplyValidationError,
    SummarizerError,
    TransientError,
)
from summarizer.testing.server import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    lognormal_latency,
    synthetic_article,
    uniform_latency,
)

FAST = RetryPolicy(attempts=4, backoff_base_s=0.001, backoff_max_s=0.005)
MAX_RETRIES = 2


def sha(text: str) -> str:
    return sha256(text.encode()).hexdigest()


def request_bound(article: str, policy: RetryPolicy = FAST, max_retries: int = MAX_RETRIES) -> int:
    """The most HTTP requests one short (single-part) article may cost.

    The engine asks once per output budget (a reply cut off at the limit is asked again with a
    larger one), then once per half of the article. Each ask is one instructor call: up to
    `max_retries + 1` validation attempts, each one transport call of up to `policy.attempts`
    HTTP requests (429, 5xx, timeouts and dropped connections are retried there).
    """
    assert len(engine._parts(article, None)) == 1
    halves = len(chunk_text(article, max(estimate_tokens(article) // 2, 200)))
    asks = len(OUTPUT_BUDGETS) + halves
    return asks * (max_retries + 1) * policy.attempts


def usage_sum(usages: list[Usage]) -> Usage:
    total = Usage()
    for u in usages:
        total = total.add(u)
    return total


# --- each fault kind alone, on every request -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error", "outcome", "requests"),
    [
        ("429", TransientError, "rate_limited", FAST.attempts),
        ("500", TransientError, "server_error", FAST.attempts),
        ("503", TransientError, "server_error", FAST.attempts),
        ("drop", TransientError, "connection", FAST.attempts),
        ("malformed", ReplyValidationError, "invalid", MAX_RETRIES + 1),
        ("invented_quote", GroundingError, "invalid", MAX_RETRIES + 1),
        ("refusal", RefusalError, "refusal", 1),
        ("length", OutputTruncatedError, "length", None),
    ],
)
def test_each_fault_kind_reaches_the_real_client(
    kind: str, error: type[LLMError], outcome: str, requests: int | None
) -> None:
    article = synthetic_article(1)
    calls: list[CallRecord] = []
    with (
        FakeOpenAIServer(responder=FirstSentencesResponder(), faults={kind: 1.0}) as server,
        pytest.raises(error) as info,
    ):
        summarize(
            article,
            base_url=server.base_url,
            retry=FAST,
            max_retries=MAX_RETRIES,
            on_call=calls.append,
        )
    if requests is None:  # length: every budget, then every half
        halves = len(chunk_text(article, max(estimate_tokens(article) // 2, 200)))
        requests = len(OUTPUT_BUDGETS) + 1 if halves > 1 else len(OUTPUT_BUDGETS)
    assert len(server.requests) == requests
    # the server counts by the text it was sent: a half of the article is another text
    whole = len(OUTPUT_BUDGETS) if kind == "length" else requests
    if kind == "invented_quote":
        whole = 1  # the repairs carry the failing items and passages, not the article
    assert server.per_article[sha(article)] == whole
    assert server.faults_served[kind] == requests
    assert {c.outcome for c in calls} == {outcome}
    assert len(calls) == requests
    message = str(info.value)
    assert message and "\n" not in message
    if kind == "invented_quote":
        assert "never in the article" in message


def test_timeout_fault_needs_a_small_client_timeout() -> None:
    article = synthetic_article(2)
    calls: list[CallRecord] = []
    policy = RetryPolicy(attempts=2, backoff_base_s=0.001, backoff_max_s=0.005)
    started = time.perf_counter()
    with (
        FakeOpenAIServer(
            responder=FirstSentencesResponder(), faults={"timeout": 1.0}, stall_s=2.0
        ) as server,
        pytest.raises(TransientError, match="timeout"),
    ):
        summarize(
            article, base_url=server.base_url, retry=policy, timeout=0.2, on_call=calls.append
        )
    assert [c.outcome for c in calls] == ["timeout", "timeout"]
    assert server.per_article[sha(article)] == 2
    # two client timeouts of 0.2 s, not two server stalls of 2 s
    assert time.perf_counter() - started < 1.5


def test_429_retry_after_is_honoured() -> None:
    article = synthetic_article(3)
    calls: list[CallRecord] = []
    policy = RetryPolicy(attempts=2, backoff_base_s=0.001, backoff_max_s=0.005)
    started = time.perf_counter()
    with (
        FakeOpenAIServer(
            responder=FirstSentencesResponder(), faults={"429": 1.0}, retry_after="0.3"
        ) as server,
        pytest.raises(TransientError, match="rate limited"),
    ):
        summarize(article, base_url=server.base_url, retry=policy, on_call=calls.append)
    assert [c.status_code for c in calls] == [429, 429]
    assert time.perf_counter() - started >= 0.3


@pytest.mark.parametrize(
    "latency",
    [lognormal_latency(0.02, 0.3, seed=1), uniform_latency(0.01, 0.03, seed=1)],
    ids=["lognormal", "uniform"],
)
def test_latency_drawn_from_a_distribution_delays_each_call(latency: Any) -> None:
    articles = [synthetic_article(i) for i in range(4)]
    calls: list[CallRecord] = []
    with FakeOpenAIServer(responder=FirstSentencesResponder(), latency=latency) as server:
        for a in articles:
            summarize(a, base_url=server.base_url, retry=FAST, on_call=calls.append)
    assert len(calls) == 4
    assert all(c.latency_s >= 0.005 for c in calls)
    assert len({round(c.latency_s, 4) for c in calls}) > 1


def test_latency_distributions_are_reproducible() -> None:
    a, b = lognormal_latency(0.2, 0.5, seed=3), lognormal_latency(0.2, 0.5, seed=3)
    draws = [a() for _ in range(200)]
    assert draws == [b() for _ in range(200)]
    assert all(d > 0 for d in draws)
    assert 0.15 < sorted(draws)[100] < 0.27  # the median is near 0.2
    assert lognormal_latency(0.0)() == 0.0


# --- 300 articles, 20% faults ------------------------------------------------------------------

MIX = ["429", "500", "503", "drop", "malformed", "invented_quote", "refusal", "length"]
N = 300


@dataclass
class Batch:
    """One faulty batch run: the articles, what became of each, and what the server saw."""

    texts: list[str]
    briefs: dict[str, Brief]
    failed: dict[str, BaseException]
    calls: dict[str, list[CallRecord]]
    server: FakeOpenAIServer
    seconds: float


def run_batch(mix: list[str], rate: float = 0.20, seed: int = 20) -> Batch:
    """Brief N short articles at concurrency 32 with `rate` of the answers replaced by faults."""
    texts = [synthetic_article(i, words=250) for i in range(N)]
    calls: dict[str, list[CallRecord]] = {sha(t): [] for t in texts}
    faults = dict.fromkeys(mix, rate / len(mix))

    async def run(base_url: str) -> list[Brief | BaseException]:
        from summarizer.brief import llm

        client: Any = llm.make_client(base_url=base_url, api_key="test", asynchronous=True)
        gate = asyncio.Semaphore(32)

        async def one(text: str) -> Brief:
            async with gate:
                return await asummarize(
                    text,
                    client=client,
                    retry=FAST,
                    max_retries=MAX_RETRIES,
                    on_call=calls[sha(text)].append,
                )

        try:
            return await asyncio.gather(*(one(t) for t in texts), return_exceptions=True)
        finally:
            await client.close()

    started = time.perf_counter()
    with FakeOpenAIServer(responder=FirstSentencesResponder(), faults=faults, seed=seed) as server:
        outcomes = asyncio.run(run(server.base_url))
    pairs = list(zip(texts, outcomes, strict=True))
    return Batch(
        texts=texts,
        briefs={sha(t): o for t, o in pairs if isinstance(o, Brief)},
        failed={sha(t): o for t, o in pairs if not isinstance(o, Brief)},
        calls=calls,
        server=server,
        seconds=time.perf_counter() - started,
    )


@pytest.fixture(scope="module")
def batch() -> Batch:
    """300 articles, 20% faults of every kind."""
    return run_batch(MIX)


@pytest.fixture(scope="module")
def batch_without_length() -> Batch:
    """300 articles, 20% faults of every kind but finish_reason=length."""
    return run_batch([k for k in MIX if k != "length"], seed=21)


def test_every_article_ends_briefed_or_failed_with_a_reason(batch: Batch) -> None:
    assert batch.seconds < 30
    assert len({sha(t) for t in batch.texts}) == N
    assert len(batch.briefs) + len(batch.failed) == N
    for err in batch.failed.values():
        assert isinstance(err, SummarizerError), repr(err)
        assert str(err) and "\n" not in str(err)
    reasons = Counter(type(e).__name__ for e in batch.failed.values())
    # faults of every kind were served, and most articles still came through
    assert set(batch.server.faults_served) == set(MIX)
    assert len(batch.briefs) >= 0.85 * N, reasons
    assert reasons["RefusalError"] >= 1  # a refusal is final: the article fails, honestly


def test_no_duplicate_no_crossed_no_ungrounded_brief(batch: Batch) -> None:
    by_sha = {sha(t): t for t in batch.texts}
    for key, brief in batch.briefs.items():
        assert brief.meta.source is not None and brief.meta.source.content_sha256 == key
        index = ArticleIndex(by_sha[key])
        assert all(index.find(q) for f in brief.key_facts for q in f.evidence)
        assert len(brief.meta.evidence) == sum(len(f.evidence) for f in brief.key_facts) + sum(
            len(p.evidence) for p in brief.positions
        )
    assert len({b.meta.source.content_sha256 for b in batch.briefs.values() if b.meta.source}) == (
        len(batch.briefs)
    )


def test_retries_are_bounded_and_every_request_is_accounted_for(batch: Batch) -> None:
    server = batch.server
    for t in batch.texts:
        assert 1 <= server.per_article[sha(t)] <= request_bound(t)
        assert 1 <= len(batch.calls[sha(t)]) <= request_bound(t)
    assert sum(server.per_article.values()) == len(server.requests)
    assert sum(len(c) for c in batch.calls.values()) == len(server.requests)
    assert len(server.requests) < 2 * N  # 20% faults cost about a quarter more requests


def assert_totals_add_up(batch: Batch) -> None:
    """What on_call saw, per article and in all, equals what the briefs and errors record."""
    for key, brief in batch.briefs.items():
        calls = batch.calls[key]
        outcomes = [c.outcome for c in calls]
        assert brief.meta.attempts == len(calls), outcomes
        assert usage_sum([c.usage for c in calls]) == brief.meta.usage, outcomes
    for key, err in batch.failed.items():
        calls = batch.calls[key]
        assert isinstance(err, LLMError) and err.usage is not None
        outcomes = [c.outcome for c in calls]
        assert err.attempts == len(calls), outcomes
        assert usage_sum([c.usage for c in calls]) == err.usage, outcomes
    seen = usage_sum([c.usage for cs in batch.calls.values() for c in cs])
    recorded = usage_sum(
        [b.meta.usage for b in batch.briefs.values()]
        + [e.usage for e in batch.failed.values() if isinstance(e, LLMError) and e.usage]
    )
    assert seen == recorded


def test_totals_add_up_without_length_faults(batch_without_length: Batch) -> None:
    assert batch_without_length.seconds < 30
    assert len(batch_without_length.briefs) + len(batch_without_length.failed) == N
    assert_totals_add_up(batch_without_length)


def test_totals_add_up_with_every_fault_kind(batch: Batch) -> None:
    assert_totals_add_up(batch)


# --- the article reaches the model as it is ------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "A reader wrote {{ 7*7 }} in the comments.",
        "The sign said {{ article }} in large letters.",
        "The template {% if x %} was never closed.",
        "An odd comment opener {# appeared in the text.",
    ],
    ids=["expression", "variable", "unclosed-block", "comment"],
)
def test_the_article_reaches_the_model_unchanged(tail: str) -> None:
    from summarizer.testing.server import article_of

    article = synthetic_article(7) + "\n\n" + tail
    with FakeOpenAIServer(responder=FirstSentencesResponder()) as server:
        brief = summarize(article, base_url=server.base_url, retry=FAST)
        sent = article_of(server.requests[0])
    assert sent == article
    assert brief.key_facts


# --- kill -9 at a random point, then rerun -------------------------------------------------------


def _briefs_in(db: Path) -> set[str]:
    import sqlite3

    if not db.exists():  # connecting would create it empty, and an empty store is refused
        return set()
    try:
        with sqlite3.connect(db) as c:
            return {r[0] for r in c.execute("SELECT article_id FROM briefs")}
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return set()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_at_a_random_point_then_rerun(tmp_path: Path, seed: int) -> None:
    """SIGKILL the digest CLI at a random point of a concurrent, faulty run; rerun it.

    tests/test_digest.py kills a sequential run of 5 after its second brief; this one kills a
    run of 30 at concurrency 8, with faults and random latencies, after a random number of
    briefs plus a random few milliseconds (so sometimes mid-write).
    """
    import random
    import signal
    import sqlite3
    import subprocess
    import sys

    from summarizer.testing.server import article_of

    rng = random.Random(seed)
    n = 30
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:02}.txt").write_text(synthetic_article(1000 * seed + i, 200), "utf-8")
    db = tmp_path / "s.db"
    env = {**os.environ, "SUMMARIZER_DATA_DIR": str(tmp_path)}
    # Faults whose retries need no backoff sleep (429 carries Retry-After: 0; a re-ask is
    # immediate), so the run's length does not depend on the default RetryPolicy's backoff.
    # Faults that exhaust an article's attempts are test_300_articles' subject, not this one's:
    # here every article must end briefed, so the rerun's exit status is 0.
    faults = {"429": 0.05, "invented_quote": 0.03}
    with FakeOpenAIServer(
        responder=FirstSentencesResponder(),
        latency=lognormal_latency(0.03, 0.5, seed=seed),
        faults=faults,
        seed=seed,
    ) as server:
        cmd = [sys.executable, "-m", "summarizer", "digest", str(folder), "--engine", "llm",
               "--base-url", server.base_url, "--db", str(db), "--concurrency", "8",
               "--out", str(tmp_path / "d.md")]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = rng.randint(1, n - 8)
        deadline = time.monotonic() + 30
        while len(_briefs_in(db)) < target:
            assert proc.poll() is None, "the run ended before the kill"
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        finished = _briefs_in(db)
        assert len(finished) >= target
        before = len(server.requests)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        redone = {sha(article_of(r)) for r in server.requests[before:]}
    assert not (redone & finished), "a finished article was briefed again"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [r[0] for r in c.execute("SELECT article_id FROM briefs")]
        statuses = [r[0] for r in c.execute("SELECT status FROM runs ORDER BY id")]
    texts = [p.read_text("utf-8") for p in sorted(folder.iterdir())]
    assert sorted(ids) == sorted({sha(t) for t in texts})  # none lost, none twice
    assert statuses == ["interrupted", "ok"]
