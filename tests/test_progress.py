"""The digest's progress line: rich, only on a terminal, with an ETA, never wider than it."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from summarizer.cli.progress import progress_line
from summarizer.digests.run import Progress
from tests.digest_helpers import ARTICLES

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _drawn(stream: io.StringIO) -> list[str]:
    """Every state the line was drawn in, control sequences removed."""
    text = ANSI.sub("", stream.getvalue())
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


@pytest.mark.parametrize("columns", [40, 60, 80, 132])
def test_line_fits_the_terminal_and_has_an_eta(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = Terminal()
    big = Progress(total=12_345, done=4_000, cached=3_210, failed=123, skipped=45)
    big.tokens, big.cost_usd = 98_765_432, 1234.5678
    now = [100.0]
    with progress_line(stream, clock=lambda: now[0]) as show:
        assert show is not None
        show(Progress(total=12_345))
        now[0] += 2.0
        show(Progress(total=12_345, done=1_000))
        now[0] += 8.0  # 6,378 more in 8 s: the other 4,967 take about 7 s
        show(big)
    lines = _drawn(stream)
    assert lines, "nothing was drawn"
    assert max(len(line) for line in lines) <= columns
    last = lines[-1]
    assert "7378/12345" in last  # done + cached + failed + skipped, of the total
    assert re.search(r" 00:0[67] ", last), "no ETA"
    if columns >= 132:
        assert "98,765,432 tokens · $1234.5678" in last
    # redrawn in place: the line never ends in a newline until the bar is done
    assert stream.getvalue().count("\n") <= 2


def test_no_terminal_no_line_and_no_rich(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    # rich cannot be imported at all: a digest whose stderr is not a terminal never needs it.
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rich", None)
    out = CliRunner().invoke(
        main, ["digest", str(ARTICLES), "--engine", "offline", "--db", str(tmp_path / "s.db")]
    )
    assert out.exit_code == 0, out.output
    assert "\r" not in out.output and "briefing" not in out.output
    assert "(5 briefed," in out.output
