"""An API key set for a run never shows up in anything the run leaves behind.

A realistic key is set (OPENAI_API_KEY = "sk-test-" + 40 random characters) and the package is
run through the local test server: a brief recorded to a cassette with the project's own vcr
settings, a 401 whose message echoes the whole key (real servers echo a masked one), logging at
DEBUG for openai, httpx, instructor and summarizer, the error's message and printed traceback,
the outputs written to files, and, where they exist, a digest with its store (the raw SQLite
bytes) and the CLI's output files. Every one of them is searched for the key and for its tail.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import string
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy

from summarizer import AuthenticationError, summarize
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import CallRecord
from summarizer.engine import asummarize
from summarizer.testing.server import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    error,
    synthetic_article,
)

FAST = RetryPolicy(attempts=2, backoff_base_s=0.001, backoff_max_s=0.005)
# What a user's program logs when it runs the package. (vcr's own logger, present only while a
# test records a cassette, prints raw response bodies before they are scrubbed: not ours.)
LOGGERS = ["openai", "httpx", "httpx2", "httpcore", "httpcore2", "instructor", "summarizer"]


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A realistic-looking key, set in the environment for this test only."""
    alphabet = string.ascii_letters + string.digits
    value = "sk-test-" + "".join(secrets.choice(alphabet) for _ in range(40))
    monkeypatch.setenv("OPENAI_API_KEY", value)
    return value


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every record of the HTTP stack and ours at DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def leaks(key: str, text: str | bytes) -> bool:
    """Whether `text` holds the key, or enough of its random tail to rebuild it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return key in text or key[-20:] in text or key[8:28] in text


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as a handler would print it, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    ours = [r for r in caplog.records if r.name.split(".")[0] in LOGGERS]
    return "\n".join(formatter.format(r) for r in ours)


def echo_key_401(key: str) -> Any:
    """A 401 whose message echoes the key in full (OpenAI masks it; a proxy might not)."""
    return error(401, f"Incorrect API key provided: {key}.", code="invalid_api_key")


def test_brief_and_401_leave_the_key_nowhere(
    key: str,
    debug_logs: pytest.LogCaptureFixture,
    tmp_path: Path,
    vcr_config: dict[str, Any],
) -> None:
    article = synthetic_article(5)
    calls: list[CallRecord] = []
    cassette = tmp_path / "secrets.yaml"
    recorder = vcrpy.VCR(**vcr_config, record_mode="all")
    with (
        recorder.use_cassette(str(cassette)),
        FakeOpenAIServer(responder=FirstSentencesResponder()) as server,
    ):
        brief = summarize(article, base_url=server.base_url, retry=FAST, on_call=calls.append)
        server.script.append(echo_key_401(key))
        with pytest.raises(AuthenticationError) as info:
            summarize(article, base_url=server.base_url, retry=FAST, on_call=calls.append)
    # the key really was sent: the check below would prove nothing otherwise
    assert brief.key_facts
    assert cassette.exists()
    raw_cassette = cassette.read_bytes()
    assert b"Incorrect API key provided" in raw_cassette
    logged = {r.name.split(".")[0] for r in debug_logs.records}
    assert {"openai", "httpcore2", "instructor"} <= logged, logged

    out = tmp_path / "out"
    out.mkdir()
    (out / "brief.json").write_text(brief.to_json(), encoding="utf-8")
    err = info.value
    printed = "".join(traceback.format_exception(err))
    places: dict[str, str | bytes] = {
        "cassette": raw_cassette,
        "logs": log_text(debug_logs),
        "error message": str(err),
        "error repr": repr(err),
        "printed traceback": printed,
        "call records": "\n".join(c.model_dump_json() for c in calls),
        "brief file": (out / "brief.json").read_bytes(),
    }
    leaked = [name for name, text in places.items() if leaks(key, text)]
    assert leaked == []
    assert "401" in str(err) and "[redacted]" in str(err)
    assert [c.outcome for c in calls] == ["ok", "client_error"]


def test_async_401_leaves_the_key_nowhere(key: str, debug_logs: pytest.LogCaptureFixture) -> None:
    calls: list[CallRecord] = []
    with (
        FakeOpenAIServer([echo_key_401(key)]) as server,
        pytest.raises(AuthenticationError) as info,
    ):
        asyncio.run(
            asummarize(
                synthetic_article(6), base_url=server.base_url, retry=FAST, on_call=calls.append
            )
        )
    err = info.value
    texts = [
        str(err),
        repr(err),
        "".join(traceback.format_exception(err)),
        log_text(debug_logs),
        "\n".join(c.model_dump_json() for c in calls),
    ]
    assert not any(leaks(key, t) for t in texts)
    assert calls and calls[0].status_code == 401


def test_leak_check_would_catch_a_leak(key: str) -> None:
    """The search above is not vacuous: it finds the key, or its tail alone, when present."""
    assert leaks(key, f"Authorization: Bearer {key}")
    assert leaks(key, f"masked: sk-...{key[-20:]}".encode())
    assert not leaks(key, "Authorization: Bearer [redacted]")


def test_cli_digest_and_store_leave_the_key_nowhere(
    key: str, debug_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(4):
        (articles / f"a{i}.txt").write_text(synthetic_article(40 + i), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    db = tmp_path / "store.db"
    runner = CliRunner()
    outputs: dict[str, str] = {}
    with FakeOpenAIServer(responder=FirstSentencesResponder()) as server:
        url = server.base_url
        ok = runner.invoke(
            main,
            ["brief", str(articles / "a0.txt"), "--engine", "llm", "--base-url", url,
             "--format", "json", "--out", str(out / "brief.json"), "-v"],
        )  # fmt: skip
        assert ok.exit_code == 0, ok.output
        outputs["brief"] = ok.output
        server.script.append(echo_key_401(key))
        denied = runner.invoke(
            main, ["brief", str(articles / "a1.txt"), "--engine", "llm", "--base-url", url]
        )
        assert denied.exit_code == 2, denied.output
        assert "401" in denied.output
        outputs["brief 401"] = denied.output
        # one source of the digest meets the 401: its failure reason goes to the store
        server.script.append(echo_key_401(key))
        run = runner.invoke(
            main,
            ["digest", str(articles), "--engine", "llm", "--base-url", url, "--db", str(db),
             "--concurrency", "1", "--out", str(out / "digest.md"), "-v"],
        )  # fmt: skip
        outputs["digest"] = run.output
        assert len(server.requests) >= 5
    assert (out / "digest.md").exists(), run.output
    for args in (["history", "--db", str(db), "--json"], ["show", "1", "--db", str(db)]):
        shown = runner.invoke(main, args)
        assert shown.exit_code == 0, shown.output
        outputs[" ".join(args[:1])] = shown.output
    import sqlite3

    with sqlite3.connect(db) as c:
        reasons = [r[0] for r in c.execute("SELECT reason FROM run_items WHERE reason IS NOT NULL")]
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [repr(r) for t in tables for r in c.execute(f"SELECT * FROM {t}")]
    assert any("401" in r for r in reasons), reasons  # the failure was recorded, redacted
    files = {p.name: p.read_bytes() for p in [*out.iterdir(), *tmp_path.glob("store.db*")]}
    assert "store.db" in files and "brief.json" in files and "digest.md" in files
    places: dict[str, str | bytes] = {
        **{f"output of {k}": v for k, v in outputs.items()},
        **{f"file {k}": v for k, v in files.items()},
        "store rows": "\n".join(rows),
        "logs": log_text(debug_logs),
    }
    leaked = [name for name, text in places.items() if leaks(key, text)]
    assert leaked == []
