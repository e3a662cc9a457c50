"""The in-process scheduler: cron parsing, next times, and a loop driven by a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from summarizer.config import load_digest_config
from summarizer.digests.scheduler import Cron, run_schedule
from summarizer.errors import ConfigError

T0 = datetime(2026, 11, 24, 6, 58, 30, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("0 7 * * *", T0, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),
        ("*/15 * * * *", T0, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),
        ("30 6 * * *", T0, datetime(2026, 11, 25, 6, 30, tzinfo=UTC)),
        (
            "0 9 * * 1-5",
            datetime(2026, 11, 28, 10, 0, tzinfo=UTC),  # Saturday -> Monday
            datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        ),
        ("0 0 1 * *", T0, datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        ("@hourly", T0, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),
        ("0 12 * * 7", T0, datetime(2026, 11, 29, 12, 0, tzinfo=UTC)),  # 7 is Sunday
        ("5,35 8-9 * * *", T0, datetime(2026, 11, 24, 8, 5, tzinfo=UTC)),
    ],
)
def test_next_after(expr: str, after: datetime, expected: datetime) -> None:
    assert Cron.parse(expr).next_after(after) == expected


@pytest.mark.parametrize(
    "expr", ["* * * *", "61 * * * *", "0 25 * * *", "a b c d e", "*/0 * * * *"]
)
def test_bad_expressions(expr: str) -> None:
    with pytest.raises(ConfigError, match="cron"):
        Cron.parse(expr)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_runs_on_time_and_survives_a_failing_run() -> None:
    clock = FakeClock(T0)
    calls: list[datetime] = []

    def job() -> int:
        calls.append(clock.now)
        if len(calls) == 2:
            raise RuntimeError("the feed server is down")
        return 0

    history = run_schedule(
        Cron.parse("*/10 * * * *"), job, clock=clock, sleep=clock.sleep, max_runs=3
    )
    assert [t.minute for t, _ in history] == [0, 10, 20]
    assert history[1][1] == "error: the feed server is down"
    assert history[2][1] == 0


def test_a_long_run_skips_due_times_instead_of_overlapping() -> None:
    clock = FakeClock(T0)

    def slow_job() -> int:
        clock.now += timedelta(minutes=25)  # longer than two periods
        return 0

    history = run_schedule(
        Cron.parse("*/10 * * * *"), slow_job, clock=clock, sleep=clock.sleep, max_runs=2
    )
    first, second = (t for t, _ in history)
    assert second - first == timedelta(minutes=30)  # 7:10 and 7:20 were skipped


def test_digest_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "digest.toml"
    cfg.write_text(
        'sources = ["articles", "https://example.org/rss"]\nschedule = "0 7 * * *"\n'
        'since = "24h"\n[[outputs]]\npath = "out/digest.html"\n[settings]\nconcurrency = 8\n',
        encoding="utf-8",
    )
    job = load_digest_config(cfg)
    assert job.sources == [str(tmp_path / "articles"), "https://example.org/rss"]
    assert job.outputs == [(str(tmp_path / "out" / "digest.html"), "html")]
    assert job.schedule == "0 7 * * *" and job.settings == {"concurrency": 8}
    cfg.write_text('sources = "not a list"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="sources must be a list"):
        load_digest_config(cfg)
