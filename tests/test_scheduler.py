"""The in-process scheduler: cron parsing, next times, and a loop driven by a fake clock."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from summarizer.config import load_digest_config
from summarizer.digests import scheduler
from summarizer.digests.scheduler import Cron, run_schedule
from summarizer.errors import ConfigError
from tests.digest_helpers import ARTICLES

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


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("expr", "zone", "after", "expected"),
    [
        # cron's reading of a list of steps: "5/15" is 5-59/15, next to a plain 1
        ("1,5/15 * * * *", None, T0, [(7, 1), (7, 5), (7, 20), (7, 35), (7, 50), (8, 1)]),
        ("0-10/5,30 7 * * *", None, T0, [(7, 0), (7, 5), (7, 10), (7, 30)]),
        # 07:00 in Berlin is 06:00 UTC in winter
        ("0 7 * * *", "Europe/Berlin", T0, [(7, 0), (7, 0)]),
    ],
    ids=["list-of-steps", "range-step-and-value", "berlin"],
)
def test_next_times_as_cron_reads_them(
    expr: str, zone: str | None, after: datetime, expected: list[tuple[int, int]]
) -> None:
    got = Cron.parse(expr, zone).next_times(after, len(expected))
    assert [(t.hour, t.minute) for t in got] == expected
    assert got == sorted(set(got))
    if zone:
        assert got[0] == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
        assert got[0].utcoffset() == timedelta(hours=1)


def test_daylight_saving_in_the_jobs_time_zone() -> None:
    # Berlin skips 02:00-03:00 on 29 March 2026: the 02:30 run happens at 03:00, as in cron;
    # the 07:00 run stays at 07:00 local, one hour earlier in UTC.
    after = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    got = Cron.parse("30 2 * * *", "Europe/Berlin").next_times(after, 3)
    assert [t.isoformat() for t in got] == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]
    seven = Cron.parse("0 7 * * *", "Europe/Berlin").next_times(after, 3)
    assert [t.astimezone(UTC).hour for t in seven] == [6, 5, 5]


@pytest.mark.parametrize(
    ("expr", "zone", "message"),
    [
        ("* * * *", None, "need 5 fields"),
        ("61 * * * *", None, "bad minute"),
        ("0 25 * * *", None, "bad hour"),
        ("a b c d e", None, "cron 'a b c d e'"),
        ("*/0 * * * *", None, "bad minute"),
        ("0 0 30 2 *", None, "bad day-of-month"),  # 30 February never comes
        ("0 0 31 4,6 *", None, "bad day-of-month"),
        ("0 7 * * *", "Europe/Berln", "timezone 'Europe/Berln': not an IANA time zone"),
    ],
)
def test_bad_expressions_are_rejected_at_once(expr: str, zone: str | None, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=re.escape(message)):
        Cron.parse(expr, zone)
    assert time.perf_counter() - started < 0.5


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


def _job(tmp_path: Path, schedule: str, *extra: str, sources: str = "") -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(
        f"sources = [{sources}]\nschedule = {schedule!r}\n"
        + "".join(f"{x}\n" for x in extra)
        + f'[settings]\nengine = "offline"\ndb = "{tmp_path / "s.db"}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("schedule", "extra", "zone"),
    [("0 7 * * *", (), UTC), ("0 7 * * *", ('timezone = "Europe/Berlin"',), BERLIN)],
    ids=["utc", "berlin"],
)
def test_cli_next_prints_iso_times_one_per_line(
    schedule: str, extra: tuple[str, ...], zone: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    out = CliRunner().invoke(
        main, ["schedule", str(_job(tmp_path, schedule, *extra)), "--next", "3"]
    )
    assert out.exit_code == 0, out.output
    times = [datetime.fromisoformat(line) for line in out.output.splitlines()]
    assert len(times) == 3 and times == sorted(times)
    for t in times:
        local = t.astimezone(zone)
        assert (local.hour, local.minute) == (7, 0) and t.utcoffset() == local.utcoffset()
    assert times[1] - times[0] <= timedelta(hours=25)


@pytest.mark.parametrize(
    ("sources", "code"),
    [(f'"{ARTICLES / "dam-wire.txt"}"', 0), (f'"{ARTICLES / "dam-wire.txt"}", "missing.txt"', 7)],
    ids=["ok", "a-source-failed"],
)
def test_cli_once_exits_with_the_runs_code(
    sources: str, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    clock = FakeClock(T0)
    monkeypatch.setattr(scheduler, "now", clock)
    monkeypatch.setattr(scheduler, "pause", clock.sleep)
    job = _job(tmp_path, "*/5 * * * *", sources=sources)
    out = CliRunner().invoke(main, ["schedule", str(job), "--once"])
    assert out.exit_code == code, out.output
    assert clock.slept == [90.0]  # waited for 07:00, then ran the digest once
    assert (tmp_path / "s.db").exists()
