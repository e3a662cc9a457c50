"""The README promises what the code does: its --help blocks and its test command are current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- output: (?P<cmd>[^>]*?--help) -->\n```console\n(?P<body>.*?)```", re.S)
HELP_BLOCKS = [(m.group("cmd"), m.group("body")) for m in BLOCK.finditer(README)]


def test_readme_shows_the_main_commands_help() -> None:
    shown = {cmd for cmd, _ in HELP_BLOCKS}
    assert {"summarizer --help", "summarizer brief --help", "summarizer digest --help"} <= shown


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "readme_outputs", ROOT / "scripts" / "readme_outputs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("cmd", "body"), HELP_BLOCKS, ids=[c for c, _ in HELP_BLOCKS])
def test_help_in_readme_is_current(cmd: str, body: str, tmp_path: Path) -> None:
    # As the README was made: a real process, 80 columns, through scripts/readme_outputs.py.
    gen = _generator()
    assert body == gen.run(cmd, gen.environment(str(tmp_path))), (
        "README is out of date: run `python scripts/readme_outputs.py`"
    )


def test_ci_runs_the_readme_test_command() -> None:
    command = re.search(r"Run the tests.*?```sh\n(.+?)\n```", README, re.S)
    assert command is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command.group(1) in ci.splitlines()
