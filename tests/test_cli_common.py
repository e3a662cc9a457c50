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
