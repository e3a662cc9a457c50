"""What every subcommand shares: a reader that goes away (`| head -1`) ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED


@pytest.mark.parametrize(
    "args",
    [
        ["config"],
        ["schema"],
        ["brief", str(SEED), "--engine", "offline", "--format", "md"],
        ["digest", "--help"],
    ],
    ids=["config", "schema", "brief", "help"],
)
def test_closed_pipe_exits_quietly(args: list[str], tmp_path: Path) -> None:
    # A real process: a closed pipe is the operating system's doing, not click's runner's.
    # The read end is closed before the command writes, as after `head -1` has exited.
    read, write = os.pipe()
    os.close(read)
    env = {
        **os.environ,
        "SUMMARIZER_CONFIG_DIR": str(tmp_path),
        "SUMMARIZER_DATA_DIR": str(tmp_path),
    }
    env.pop("OPENAI_API_KEY", None)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "summarizer", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write)
    assert "BrokenPipe" not in proc.stderr and "Traceback" not in proc.stderr
    assert "error" not in proc.stderr
    assert proc.returncode == 141  # as a tool killed by SIGPIPE


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_local_server_fails_fast_in_one_line(tmp_path: Path) -> None:
    # A real process, as a user runs it: stderr is the terminal's, not click's runner's, so a
    # library's own log line (instructor logs "Max retries exceeded" at ERROR) would show here.
    base_url = f"http://127.0.0.1:{_closed_port()}/v1"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(SUMMARIZER_CONFIG_DIR=str(tmp_path), SUMMARIZER_DATA_DIR=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", "brief", str(SEED), "--base-url", base_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 5
    assert proc.stdout == ""
    assert proc.stderr == (
        f"summarizer: error: cannot connect to the model server at {base_url}: connection "
        "refused (is it running?)\n"
    )
    # how long it takes (one attempt, no backoff) is timed in-process below


def test_refused_local_server_is_one_attempt_within_three_seconds() -> None:
    import time

    from summarizer import LLMError, summarize
    from summarizer.brief.models import CallRecord

    calls: list[CallRecord] = []
    warm = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(LLMError):  # openai's first request imports much: not what is timed
        summarize(SEED.read_text("utf-8"), base_url=warm)
    started = time.monotonic()
    with pytest.raises(LLMError, match="connection refused") as info:
        summarize(
            SEED.read_text("utf-8"),
            base_url=f"http://127.0.0.1:{_closed_port()}/v1",
            on_call=calls.append,
        )
    assert time.monotonic() - started < 3
    assert [c.outcome for c in calls] == ["connection"] and info.value.attempts == 1


def test_verbose_shows_every_attempt(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main
    from summarizer.testing.server import FakeOpenAIServer, error

    script = [error(429, "slow down", headers={"retry-after": "0"}), error(500, "oops")]
    with FakeOpenAIServer(script) as server:
        out = CliRunner().invoke(
            main, ["brief", str(SEED), "--base-url", server.base_url, "--format", "json", "-v"]
        )
    assert out.exit_code == 0, out.output
    calls = [line for line in out.output.splitlines() if line.startswith("summarizer: call ")]
    assert [c.split(":")[1].strip() for c in calls] == ["call 1", "call 2", "call 3"]
    assert "rate_limited 429" in calls[0] and "server_error 500" in calls[1]
    assert calls[2].startswith("summarizer: call 3: ok 200") and "tokens" in calls[2]


@pytest.mark.parametrize(
    ("args", "where"),
    [(["--mode", "json"], "flag"), ([], "env")],
    ids=["flag", "env"],
)
def test_mode_json_asks_without_tools(
    args: list[str], where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main
    from summarizer.testing.server import FakeOpenAIServer
    from tests.digest_helpers import ARTICLES

    if where == "env":
        monkeypatch.setenv("SUMMARIZER_MODE", "json")
    with FakeOpenAIServer() as server:
        brief = CliRunner().invoke(
            main, ["brief", str(SEED), "--base-url", server.base_url, "--format", "json", *args]
        )
        store = ["--db", str(tmp_path / "s.db"), "--out", str(tmp_path / "d.md")]
        digest = CliRunner().invoke(
            main, ["digest", str(ARTICLES), "--base-url", server.base_url, *args, *store]
        )
        requests = list(server.requests)
    assert brief.exit_code == 0, brief.output
    assert digest.exit_code == 0, digest.output
    # 1 brief, 5 digest briefs, and one synthesis per multi-source story (2), all without tools
    assert len(requests) == 8
    assert all("tools" not in r and "tool_choice" not in r for r in requests)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["config"], "mode must be tools, json, json_schema, md_json, got 'xml'"),
        (
            [
                "digest",
                "x.txt",
                "--mode",
                "json",
                "--batch-api",
                "--base-url",
                "http://127.0.0.1:1",
            ],
            "--batch-api sends tool calls: it cannot be used with --mode json",
        ),
    ],
    ids=["bad-mode", "batch-needs-tools"],
)
def test_mode_errors(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    config = tmp_path / "config.toml"
    config.write_text('mode = "xml"\n' if args == ["config"] else "", encoding="utf-8")
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(config))
    out = CliRunner().invoke(main, [*args])
    assert out.exit_code == 2 and out.output.count("\n") == 1
    assert message in out.output
