"""Digest runs under a cost cap, and faults that end them cleanly (CLI through click's runner,
model on the local test server at 127.0.0.1).

- 40 articles at concurrency 16 with `--max-cost 0.01` never spend over the cap; every call is
  in `llm_calls`, completed, and the skipped articles say why;
- `--batch-api` with a cap submits only what fits, at batch prices;
- a capped run whose model has no known price refuses to start, in one line, before any call;
- calls in flight when a run is killed (-9) are in `llm_calls` at their reserved cost, count in
  `history`, and are marked interrupted by the next run;
- an output that cannot be written stops the run before the first paid call;
- a store write that fails ends the run in one line (exit 2), the run marked failed, every brief
  already made kept.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.brief.pricing import cost_of
from summarizer.cli import main
from summarizer.errors import StoreError
from summarizer.store import SQLiteStore
from summarizer.testing.server import (
    FakeOpenAIServer,
    article_of,
    first_sentences_reply,
    reply,
    synthetic_article,
)

MODEL = "gpt-4.1-mini"


def respond(request: dict[str, Any]) -> Any:
    return reply(first_sentences_reply(article_of(request)))


def articles(folder: Path, n: int, words: int = 900) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"a{i:03}.txt").write_text(synthetic_article(i, words=words), encoding="utf-8")
    return folder


def digest(server: FakeOpenAIServer, *args: str) -> Any:
    return CliRunner().invoke(
        main,
        ["digest", *args, "--engine", "llm", "--model", MODEL, "--base-url", server.base_url],
        catch_exceptions=False,
    )


def calls(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("SELECT * FROM llm_calls ORDER BY id")]


def test_concurrency_16_and_max_cost_never_spend_over_the_cap(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", 40)
    db = tmp_path / "s.db"
    with FakeOpenAIServer(responder=respond, latency=0.05) as server:
        result = digest(
            server, str(src), "--db", str(db), "--concurrency", "16", "--max-cost", "0.01",
            "--out", str(tmp_path / "d.md"),
        )  # fmt: skip
        sent = len(server.requests)
    assert result.exit_code == 7, result.output
    rows = calls(db)
    assert len(rows) == sent > 0  # every request the server saw is recorded
    assert {r["outcome"] for r in rows} == {"ok"}  # and completed
    spent = sum(r["cost_usd"] for r in rows)
    assert 0 < spent <= 0.01
    store = SQLiteStore(db)
    run, items = store.run(1) or ({}, [])
    store.close()
    skipped = [i for i in items if i["status"] == "skipped"]
    assert len(skipped) == 40 - sent and all("cost cap $0.0100" in i["reason"] for i in skipped)
    assert json.loads(run["totals_json"])["cost_usd"] == pytest.approx(spent, abs=1e-6)
    assert f"${spent:.4f}" in result.stderr


def test_batch_api_with_a_cap_submits_only_what_fits(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", 10)
    db = tmp_path / "s.db"
    one = cost_of(MODEL, 2500, 4096, batch=True) or 0
    cap = round(one * 4.2, 6)
    with FakeOpenAIServer(responder=respond) as server:
        result = digest(
            server, str(src), "--db", str(db), "--batch-api", "--max-cost", str(cap),
            "--out", str(tmp_path / "d.md"),
        )  # fmt: skip
        uploaded = server.files["file-fake-1"].decode().splitlines()
        assert server.requests == []  # nothing was briefed live
    assert result.exit_code == 7, result.output
    assert 2 <= len(uploaded) <= 4  # only what fits at half price (at list price: 2)
    rows = calls(db)
    assert len(rows) == len(uploaded) and {r["outcome"] for r in rows} == {"sent"}
    assert sum(r["reserved_usd"] for r in rows) <= cap
    store = SQLiteStore(db)
    _run, items = store.run(1) or ({}, [])
    store.close()
    over = [i for i in items if "cost cap" in (i["reason"] or "")]
    assert len(over) == 10 - len(uploaded)


def test_a_capped_run_with_an_unpriced_model_refuses_to_start(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", 2)
    with FakeOpenAIServer(responder=respond) as server:
        result = CliRunner().invoke(
            main,
            ["digest", str(src), "--engine", "llm", "--model", "local-llama", "--base-url",
             server.base_url, "--db", str(tmp_path / "s.db"), "--max-cost", "1"],
        )  # fmt: skip
        assert server.requests == []
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'local-llama'" in lines[0] and "SUMMARIZER_PRICES" in lines[0]


def test_an_output_that_cannot_be_written_stops_the_run_before_any_call(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", 3)
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with FakeOpenAIServer(responder=respond) as server:
            result = digest(server, str(src), "--db", str(tmp_path / "s.db"), "--out",
                            str(locked / "d.md"))  # fmt: skip
            assert server.requests == []
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"summarizer: error: {locked / 'd.md'}: cannot write here: Permission denied"
    ]


def test_an_output_in_a_missing_parent_that_is_a_file_stops_the_run(tmp_path: Path) -> None:
    """Root can write anywhere, but not below a file: checked before any call, too."""
    src = articles(tmp_path / "in", 3)
    (tmp_path / "plain").write_text("x")
    with FakeOpenAIServer(responder=respond) as server:
        result = digest(server, str(src), "--db", str(tmp_path / "s.db"), "--out",
                        str(tmp_path / "plain" / "d.md"))  # fmt: skip
        assert server.requests == []
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("summarizer: error: ") and "plain" in lines[0]


def test_a_store_write_failure_ends_the_run_in_one_line_and_keeps_the_briefs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = articles(tmp_path / "in", 12)
    db = tmp_path / "s.db"
    put = SQLiteStore.put_brief
    made: list[str] = []

    def put_brief(self: SQLiteStore, key: Any, brief: Any) -> None:
        if len(made) >= 5:
            raise StoreError("cannot write the store: database or disk is full", path=str(db))
        put(self, key, brief)
        made.append(key.article_id)

    monkeypatch.setattr(SQLiteStore, "put_brief", put_brief)
    with FakeOpenAIServer(responder=respond) as server:
        result = digest(server, str(src), "--db", str(db), "--concurrency", "2",
                        "--out", str(tmp_path / "d.md"))  # fmt: skip
        sent = len(server.requests)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"summarizer: error: {db}: cannot write the store: database or disk is full"
    ]
    assert sent < 12  # scheduling stopped
    monkeypatch.setattr(SQLiteStore, "put_brief", put)
    store = SQLiteStore(db)
    assert store.brief_count() == 5
    assert store.runs()[0]["status"] == "failed"
    store.close()
    assert not (tmp_path / "d.md").exists()


def test_calls_in_flight_at_a_kill_are_recorded_and_count_in_history(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", 6)
    db = tmp_path / "s.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    with FakeOpenAIServer(responder=respond, latency=60.0) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "summarizer", "digest", str(src), "--engine", "llm",
             "--model", MODEL, "--base-url", server.base_url, "--db", str(db),
             "--concurrency", "4", "--max-cost", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while len(server.requests) < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(server.requests) == 4
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
    rows = calls(db)
    assert len(rows) == 4 and {r["outcome"] for r in rows} == {"sent"}
    reserved = sum(r["cost_usd"] for r in rows)
    assert reserved > 0 and all(r["cost_usd"] == r["reserved_usd"] for r in rows)
    history = CliRunner().invoke(main, ["history", "--db", str(db)])
    assert history.exit_code == 0 and "running" in history.output
    assert f"${reserved:.4f}" in history.output
    # the next run marks them interrupted; their reserved cost stays counted
    with FakeOpenAIServer(responder=respond) as server:
        again = digest(server, str(src), "--db", str(db), "--out", str(tmp_path / "d.md"))
    assert again.exit_code == 0, again.output
    first = [r for r in calls(db) if r["run_id"] == 1]
    assert {r["outcome"] for r in first} == {"interrupted"}
    assert sum(r["cost_usd"] for r in first) == pytest.approx(reserved)
