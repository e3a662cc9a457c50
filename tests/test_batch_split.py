"""Batches split under OpenAI's limits (issue 14): 50,000 requests and 200 MB per input file.

The limits are module constants of `summarizer.digests.batch`; these tests lower them so the five
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

from summarizer.brief.llm import RetryPolicy
from summarizer.digests import batch
from summarizer.digests.run import run_digest
from summarizer.testing.server import FakeOpenAIServer
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


class FailingPartServer(FakeOpenAIServer):
    """The scripted server whose Batch API refuses one step (`fail`: "upload" or "create") of
    the `nth` part, with a 400 (not retried), until `fail` is cleared."""

    def __init__(self, fail: str, nth: int = 2, **kw: Any) -> None:
        super().__init__(**kw)
        self.fail: str | None = fail
        self.nth = nth
        self.seen = {"upload": 0, "create": 0}
        self.refused = 0

    def _batch_post(self, path: str, raw: bytes, content_type: str) -> tuple[int, Any]:
        step = "upload" if path.rstrip("/").endswith("/files") else "create"
        self.seen[step] += 1
        if step == self.fail and self.seen[step] == self.nth:
            self.refused += 1
            return 400, {"error": {"message": f"{step} refused (scripted)", "type": "x"}}
        return super()._batch_post(path, raw, content_type)


def sql(db: Path, query: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("step", ["upload", "create"])
def test_a_later_part_that_fails_to_submit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    monkeypatch.setattr(batch, "MAX_BATCH_REQUESTS", 2)
    db = tmp_path / "s.db"
    args = ["digest", str(ARTICLES), "--db", str(db), "--batch-api"]
    args += ["--synthesis", "off", "--out", str(tmp_path / "d.md")]
    server = FailingPartServer(step, responder=responder)
    with server:
        server.batch_polls = 0
        args += ["--base-url", server.base_url]
        first = CliRunner().invoke(main, args, catch_exceptions=False)
        # The digest is written with the 3 articles not submitted as failed (exit 7) and one
        # warning line: part 1 (2 articles) went, part 2 did not, part 3 was never tried.
        assert first.exit_code == 7, first.stderr
        (message,) = [w for w in first.stderr.splitlines() if "could not be submitted" in w]
        assert first.stderr.count("not submitted to the Batch API") == 3, first.stderr
        assert "part 2 of 3" in message and f"{step} refused (scripted)" in message
        assert "3 article(s) not submitted" in message
        assert "batch_fake_1 (2 article(s))" in message and "next run" in message
        assert server.refused == 1 and list(server.batches) == ["batch_fake_1"]
        # The submitted part is recorded and its requests wait for their answers; the others'
        # reservations are released (cost 0) and their rows say they were not submitted.
        assert [(i, len(ids), status) for i, ids, status in recorded_batches(db)] == [
            ("batch_fake_1", 2, "submitted")
        ]
        rows = sql(db, "SELECT outcome, batch_id, cost_usd FROM llm_calls ORDER BY id")
        assert [(o, b) for o, b, _ in rows] == [("sent", "batch_fake_1")] * 2 + [
            ("not_submitted", None)
        ] * 3
        assert [c for o, _, c in rows if o == "not_submitted"] == [0.0] * 3
        assert all(c > 0 for o, _, c in rows if o == "sent")  # reserved until answered

        # The next run collects the submitted part and submits only the rest.
        server.fail = None
        server.per_article.clear()
        second = CliRunner().invoke(main, [*args, "--batch-wait", "5"], catch_exceptions=False)
        assert second.exit_code == 0, second.stderr
    batches = recorded_batches(db)
    assert all(status == "collected" for _, _, status in batches)
    in_batches = [a for _, ids, _ in batches for a in ids]
    assert len(in_batches) == len(set(in_batches)) == N_ARTICLES  # each submitted once
    assert set(server.per_article.values()) == {1}  # each answered once
    assert len(server.per_article) == N_ARTICLES
    outcomes = [o for (o,) in sql(db, "SELECT outcome FROM llm_calls ORDER BY id")]
    assert outcomes == ["ok"] * 2 + ["not_submitted"] * 3 + ["ok"] * 3


@pytest.mark.parametrize(("nth", "went"), [(1, 0), (2, 2), (3, 4)])
def test_submit_within_releases_what_was_not_submitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int, went: int
) -> None:
    from summarizer.brief.llm import make_client
    from summarizer.brief.models import SourceMeta
    from summarizer.budget import Meter
    from summarizer.store import SQLiteStore

    monkeypatch.setattr(batch, "MAX_BATCH_REQUESTS", 2)
    store = SQLiteStore(tmp_path / "s.db")
    run_id = store.start_run({})
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.iterdir())]
    articles = {store.add_article(t, f"a{i}", SourceMeta()): t for i, t in enumerate(texts)}
    meter = Meter(10.0)
    try:
        with FailingPartServer("create", nth=nth, responder=responder) as server:
            client = make_client(base_url=server.base_url, api_key="test")
            with pytest.raises(batch.BatchNotSubmitted) as info:
                batch.submit_within(
                    store, client, articles, model="gpt-4.1-mini", lang=None, meter=meter,
                    run_id=run_id,
                )  # fmt: skip
            client.close()
        err = info.value
        assert err.exit_code == getattr(err.cause, "exit_code", None) == 5  # the cause's
        assert f"part {nth} of 3" in str(err) and "\n" not in str(err)
        assert len(err.submitted.batch_of) == went == len(err.submitted.tickets)
        assert sorted(err.not_submitted) == sorted(set(articles) - set(err.submitted.batch_of))
        if not went:
            assert "nothing was submitted" in str(err)
        # Only the submitted requests' worst cases stay reserved; nothing is spent.
        reserved = sum(t.reserved or 0 for t in err.submitted.tickets.values())
        assert meter.reserved == pytest.approx(reserved) and meter.spent == 0
        rows = store.calls(run_id)
        assert sorted(r["outcome"] for r in rows) == sorted(
            ["sent"] * went + ["not_submitted"] * (N_ARTICLES - went)
        )
        assert [b for b, _ in store.open_batches("gpt-4.1-mini", batch.active_version())] == [
            f"batch_fake_{i}" for i in range(1, nth)
        ]
    finally:
        store.close()
