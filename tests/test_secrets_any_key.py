"""A key that does not look like one: a proxy's or a gateway's token, echoed back by the server.

The key here never starts with `sk-`, so no pattern can catch it: only knowing it does. The
local server echoes it whole in the message of every error it can answer with, and each place
a run leaves text behind is searched for it: the error, its traceback, the logs, the call
records, a cassette recorded with the project's own vcr settings, the CLI's stderr and stdout,
the store's raw bytes (with its WAL) and the output files.
"""

from __future__ import annotations

import logging
import secrets as random_secrets
import sqlite3
import string
import traceback
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
from click.testing import CliRunner

from summarizer import secrets, summarize
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import CallRecord, SourceMeta
from summarizer.errors import (
    APIStatusError,
    AuthenticationError,
    LLMError,
    SummarizerError,
    TransientError,
)
from summarizer.store import SQLiteStore
from summarizer.testing.server import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    error,
    synthetic_article,
)
from tests.test_secrets import LOGGERS, leaks, log_text

FAST = RetryPolicy(attempts=2, backoff_base_s=0.001, backoff_max_s=0.005)


def _token(prefix: str) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(random_secrets.choice(alphabet) for _ in range(40))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A gateway token (no `sk-`), as OPENAI_API_KEY for this test."""
    value = _token("gw-live-")
    monkeypatch.setenv("OPENAI_API_KEY", value)
    return value


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def echo(status: int, key: str, code: str | None = None) -> Any:
    return error(status, f"Key {key} is not valid for this gateway (status {status}).", code=code)


# --- the redactor -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "known"),
    [
        ("OPENAI_API_KEY", "gw-0123456789abcdef", True),
        ("AZURE_OPENAI_KEY", "0123456789abcdef0123", True),
        ("LLM_PROXY_TOKEN", "tok_0123456789", True),
        ("MY_SERVICE_SECRET", "s3cr3t-value-xyz", True),
        ("DB_PASSWORD", "hunter2hunter2", True),
        ("GITHUB_AUTH", "ghp_0123456789abcdef", True),
        ("OPENAI_APIKEY", "0123456789abcdef0123", True),
        ("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock", False),
        ("SSH_AUTH_SOCK", "relative-agent.sock", False),
        ("GIT_AUTHOR_EMAIL", "dev@example.org", False),
        ("KEYBOARD_LAYOUT", "us-international", False),
        ("OPENAI_ORG_ID", "org-0123456789abc", False),
        ("API_KEY_FILE", "/run/secrets/key", False),
        ("MY_TOKEN", "short", False),
        ("SUMMARIZER_MODEL", "gpt-4.1-mini-0123", False),
    ],
)
def test_secret_named_variables_are_known(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, known: bool
) -> None:
    monkeypatch.setenv(name, value)
    assert (value in secrets.known()) is known
    assert (value in secrets.redact(f"x {value} y")) is not known


def test_a_registered_key_goes_everywhere_it_is_redacted() -> None:
    value = _token("cfg-")
    assert secrets.redact(f"echo: {value}") == f"echo: {value}"
    secrets.register(value)
    try:
        assert secrets.redact(f"echo: {value}.") == "echo: [redacted]."
        assert secrets.redact_bytes(f'{{"k": "{value}"}}'.encode()) == b'{"k": "[redacted]"}'
        assert value not in str(SummarizerError(f"bad key {value}"))
    finally:
        secrets.forget(value)


def test_content_keeps_words_that_only_look_like_tokens() -> None:
    text = "Bearer bonds were sold; the sk-team met."
    assert secrets.redact_known(text) == text
    assert "Bearer bonds" not in secrets.redact(text)  # messages: anything token-like goes


# --- every error path, on a real server ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "raised"),
    [
        (401, "invalid_api_key", AuthenticationError),
        (403, None, AuthenticationError),
        (404, "model_not_found", APIStatusError),
        (400, None, APIStatusError),
        (429, "insufficient_quota", APIStatusError),
        (409, None, APIStatusError),
        (500, None, TransientError),
        (503, None, TransientError),
        (429, None, TransientError),
    ],
)
def test_each_error_path_leaves_the_key_nowhere(
    key: str,
    debug_logs: pytest.LogCaptureFixture,
    vcr_config: dict[str, Any],
    tmp_path: Path,
    status: int,
    code: str | None,
    raised: type[LLMError],
) -> None:
    calls: list[CallRecord] = []
    cassette = tmp_path / "echo.yaml"
    recorder = vcrpy.VCR(**vcr_config, record_mode="all")
    with (
        recorder.use_cassette(str(cassette)),
        FakeOpenAIServer([echo(status, key, code)] * FAST.attempts) as server,
        pytest.raises(raised) as info,
    ):
        summarize(synthetic_article(7), base_url=server.base_url, retry=FAST, on_call=calls.append)
    err = info.value
    raw_cassette = cassette.read_bytes()
    assert b"is not valid for this gateway" in raw_cassette  # the echo was recorded...
    assert "[redacted]" in str(err)  # ...and reached the message, where it was taken out
    places: dict[str, str | bytes] = {
        "message": str(err),
        "repr": repr(err),
        "traceback": "".join(traceback.format_exception(err)),
        "logs": log_text(debug_logs),
        "call records": "\n".join(c.model_dump_json() for c in calls),
        "cassette": raw_cassette,
    }
    assert [name for name, text in places.items() if leaks(key, text)] == []
    assert calls and all(c.status_code == status for c in calls)


def test_cli_brief_digest_and_store_leave_the_key_nowhere(
    key: str, debug_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from summarizer.cli import main

    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(3):
        (articles / f"a{i}.txt").write_text(synthetic_article(60 + i), encoding="utf-8")
    out, db = tmp_path / "out", tmp_path / "store.db"
    runner = CliRunner()
    shown: dict[str, str] = {}
    with FakeOpenAIServer(responder=FirstSentencesResponder()) as server:
        url = server.base_url
        server.script.append(echo(401, key))
        denied = runner.invoke(
            main, ["brief", str(articles / "a0.txt"), "--engine", "llm", "--base-url", url]
        )
        assert denied.exit_code == 2 and "401" in denied.stderr, denied.output
        shown["brief 401"] = denied.output
        server.script.append(echo(400, key))
        run = runner.invoke(
            main,
            ["digest", str(articles), "--engine", "llm", "--base-url", url, "--db", str(db),
             "--concurrency", "1", "--out", str(out / "digest.json"), "--format", "json",
             "-v"],
        )  # fmt: skip
        shown["digest"] = run.output
    for args in (["history", "--db", str(db), "--json"], ["show", "1", "--db", str(db)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        shown[args[0]] = result.output
    with sqlite3.connect(db) as c:
        reasons = [r[0] for r in c.execute("SELECT reason FROM run_items WHERE reason IS NOT NULL")]
        errors = [r[0] for r in c.execute("SELECT error FROM llm_calls WHERE error IS NOT NULL")]
    assert any("400" in r for r in reasons), (reasons, run.output)
    assert any("[redacted]" in e for e in errors), errors
    files = {p.name: p.read_bytes() for p in [*out.iterdir(), *tmp_path.glob("store.db*")]}
    assert {"digest.json", "store.db"} <= set(files)
    places = {**shown, **files, "logs": log_text(debug_logs)}
    assert [name for name, text in places.items() if leaks(key, text)] == []


def test_store_rows_are_redacted_when_written(key: str, tmp_path: Path) -> None:
    """The store redacts on its own: a caller that forgot still leaves no key behind."""
    store = SQLiteStore(tmp_path / "s.db")
    run = store.start_run({"api_key": "cfg-" + key[::-1], "sources": [f"x?token={key}"]})
    store.record_item(run, "a", None, "failed", f"the endpoint said: bad key {key}")
    store.record_call(
        run,
        None,
        CallRecord(model="m", attempt=1, outcome="client_error", latency_s=0.1, error=f"key {key}"),
    )
    store.add_article("text " * 50, "a", SourceMeta())
    store.finish_run(run, "failed", {"note": f"last error mentioned {key}"})
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    assert b"[redacted]" in raw
    assert not leaks(key, raw)
    assert (key[::-1]).encode() not in raw  # a secret-named argument is dropped whole


def test_a_key_only_in_the_config_file_is_redacted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from summarizer.cli import main

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    value = _token("corp-")
    config = tmp_path / "config.toml"
    config.write_text(f'api_key = "{value}"\n', encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text(synthetic_article(9), encoding="utf-8")
    try:
        with FakeOpenAIServer([echo(401, value)]) as server:
            result = CliRunner().invoke(
                main,
                ["brief", str(article), "--engine", "llm", "--base-url", server.base_url,
                 "--config", str(config)],
            )  # fmt: skip
            assert server.requests, result.output
    finally:
        secrets.forget(value)
    assert result.exit_code == 2, result.output
    assert not leaks(value, result.output)
