"""Batches split under OpenAI's limits (issue 14): 50,000 requests and 200 MB per input file.

The limits are module constants of `summarizer.batch`; these tests lower them so the five
fixture articles need several batches, and run the digest against the scripted server on
127.0.0.1 (its Batch API keeps every uploaded file, so the parts can be checked byte for byte).
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from summarizer import batch
from summarizer.digests.run import run_digest
from summarizer.llm import RetryPolicy
from summarizer.testserver import FakeOpenAIServer
from tests.digest_helpers import ARTICLES, responder

FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)
N_ARTICLES = 5


def line(custom_id: str, text: str) -> dict[str, Any]:
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"messages": [{"role": "user", "content": text}]}}  # fmt: skip


def test_the_real_limits_are_openais() -> None:
    assert batch.MAX_BATCH_REQUESTS == 50_000
    assert batch.MAX_BATCH_BYTES == 200 * 1024 * 1024


def test_split_by_request_count_keeps_order() -> None:
    lines = [line(str(i), "x") for i in range(7)]
    parts = batch.split_lines(lines, max_requests=3)
    assert [[p["custom_id"] for p in part] for part in parts] == [
        ["0", "1", "2"], ["3", "4", "5"], ["6"]
    ]  # fmt: skip


def test_split_by_bytes_measures_the_encoded_utf8_line() -> None:
    # "é" is two bytes in UTF-8 and stays unescaped (ensure_ascii=False), as uploaded
    a, b, c = line("a", "é" * 100), line("b", "é" * 100), line("c", "short")
    size = len((json.dumps(a, ensure_ascii=False) + "\n").encode())
    assert batch.line_bytes(a) == size
    assert size > len(json.dumps(a, ensure_ascii=False)) + 100  # counted in bytes, not chars
    # exactly two lines' bytes fit; one byte less does not
    assert [len(p) for p in batch.split_lines([a, b, c], max_bytes=2 * size)] == [2, 1]
    assert [len(p) for p in batch.split_lines([a, b, c], max_bytes=2 * size - 1)] == [1, 2]


def test_a_line_over_the_byte_limit_goes_alone() -> None:
    big, small = line("big", "x" * 1000), line("s", "y")
    parts = batch.split_lines([small, big, small], max_bytes=batch.line_bytes(small) * 2)
    assert [[p["custom_id"] for p in part] for part in parts] == [["s"], ["big"], ["s"]]


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        batch.split_lines([line("a", "x")], max_requests=0)


def digest(server: FakeOpenAIServer, db: Path) -> Any:
    return run_digest(
        [str(ARTICLES)], engine="llm", model="gpt-4.1-mini", base_url=server.base_url,
        api_key="test", db=db, retry=FAST, batch_api=True, batch_poll=0.01, batch_wait=5,
        synthesis="off",
    )  # fmt: skip


def recorded_batches(db: Path) -> list[tuple[str, list[str], str]]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT id, article_ids_json, status FROM batches ORDER BY id")
        return [(i, json.loads(ids), status) for i, ids, status in rows]
    finally:
        con.close()


def check_parts(server: FakeOpenAIServer, db: Path, result: Any, expected_parts: int) -> None:
    assert result.exit_code == 0 and result.progress.done == N_ARTICLES
    assert not any("waiting" in w for w in result.digest.warnings)
    # one batch, with its own input file, per part; all recorded and all collected
    assert len(server.batches) == expected_parts
    inputs = [b["input_file_id"] for b in server.batches.values()]
    assert len(set(inputs)) == expected_parts
    rows = recorded_batches(db)
    assert sorted(r[0] for r in rows) == sorted(server.batches)
    assert all(status == "collected" for _, _, status in rows)
    # every article in exactly one part, briefed once, from its batch (no live call)
    in_parts = [a for _, ids, _ in rows for a in ids]
    assert len(in_parts) == len(set(in_parts)) == N_ARTICLES
    # the server answered each article once (batch answers included): no live re-ask
    assert len(server.per_article) == N_ARTICLES
    assert set(server.per_article.values()) == {1}
    assert result.progress.calls == N_ARTICLES
    for batch_id, ids, _ in rows:
        uploaded = server.files[server.batches[batch_id]["input_file_id"]]
        sent = [json.loads(raw) for raw in uploaded.decode().splitlines()]
        assert [s["custom_id"] for s in sent] == ids
        # the size the splitter measured is the size that was uploaded, byte for byte
        assert sum(batch.line_bytes(s) for s in sent) == len(uploaded)
        assert len(sent) <= batch.MAX_BATCH_REQUESTS
        assert len(sent) == 1 or len(uploaded) <= batch.MAX_BATCH_BYTES


def test_request_limit_splits_a_digest_into_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "MAX_BATCH_REQUESTS", 2)
    db = tmp_path / "s.db"
    with FakeOpenAIServer(responder=responder) as server:
        server.batch_polls = 0
        result = digest(server, db)
        check_parts(server, db, result, math.ceil(N_ARTICLES / 2))
    assert sorted(len(ids) for _, ids, _ in recorded_batches(db)) == [1, 2, 2]


def test_byte_limit_splits_a_digest_into_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # First learn the five request lines' sizes from an unsplit run, then allow just under the
    # two smallest together: every part must hold one line.
    with FakeOpenAIServer(responder=responder) as server:
        server.batch_polls = 0
        digest(server, tmp_path / "one.db")
        (only,) = server.batches.values()
        sizes = sorted(
            len(raw) + 1 for raw in server.files[only["input_file_id"]].splitlines() if raw
        )
    assert len(sizes) == N_ARTICLES
    monkeypatch.setattr(batch, "MAX_BATCH_BYTES", sizes[0] + sizes[1] - 1)
    db = tmp_path / "s.db"
    with FakeOpenAIServer(responder=responder) as server:
        server.batch_polls = 0
        result = digest(server, db)
        check_parts(server, db, result, N_ARTICLES)


def test_waiting_articles_name_their_own_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "MAX_BATCH_REQUESTS", 2)
    db = tmp_path / "s.db"
    with FakeOpenAIServer(responder=responder) as server:
        server.batch_polls = 0
        first = run_digest(
            [str(ARTICLES)], engine="llm", model="gpt-4.1-mini", base_url=server.base_url,
            api_key="test", db=db, retry=FAST, batch_api=True, synthesis="off",
        )  # fmt: skip
        # nothing waited for: all five wait, each in the batch that holds it
        assert first.progress.skipped == N_ARTICLES
        assert any(
            "waiting in the Batch API (batch_fake_1, batch_fake_2, batch_fake_3)" in w
            for w in first.digest.warnings
        ), first.digest.warnings
        second = digest(server, db)
    assert second.exit_code == 0 and second.progress.cached == N_ARTICLES
    assert all(status == "collected" for _, _, status in recorded_batches(db))
