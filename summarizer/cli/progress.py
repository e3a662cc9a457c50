"""The digest's progress line on stderr: rich.progress, only when stderr is a terminal.

rich (installed with instructor) is imported only then, so a digest run from cron or a pipe
loads none of it. The line has a bar, done/total, an ETA and the counts; the counts column is
the one that shrinks (ending in …) so the line is never wider than the terminal, and it is
redrawn in place rather than printed again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from summarizer.digests.run import Progress


def detail(p: Progress) -> str:
    """The counts after the bar."""
    return (
        f"{p.done} new, {p.cached} cached, {p.failed} failed, {p.skipped} skipped · "
        f"{p.tokens:,} tokens · ${p.cost_usd:.4f}"
    )


@contextmanager
def progress_line(
    stream: TextIO | None = None, *, clock: Callable[[], float] | None = None
) -> Iterator[Callable[[Progress], None] | None]:
    """Yield a callback that draws a `Progress` on `stream` (stderr), or None if not a tty.

    The ETA comes from the rate so far (`clock`: monotonic seconds, for tests).
    """
    stream = stream or sys.stderr
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )
    from rich.table import Column

    console = Console(file=stream)
    bar = Bar(
        TextColumn("briefing"),
        BarColumn(bar_width=16),
        MofNCompleteColumn(),
        TimeRemainingColumn(compact=True, elapsed_when_finished=True),
        TextColumn(
            "{task.fields[detail]}",
            table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
        ),
        console=console,
        get_time=clock,
        expand=True,
        refresh_per_second=8,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task: list[Any] = []

    def show(p: Progress) -> None:
        if not task:
            task.append(bar.add_task("briefing", total=p.total, detail=detail(p)))
        bar.update(task[0], total=p.total, completed=p.finished, detail=detail(p))

    with bar:
        yield show
