"""Run digests on a cron schedule, in process: for containers and machines without cron.

`Cron` understands the five standard fields (minute hour day-of-month month day-of-week) with
`*`, lists, ranges and steps. `run_schedule` waits for each due time, runs the job, survives a
failing run (logs it and waits for the next), and never overlaps runs: a run that is still going
when the next time comes simply makes that time be skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from summarizer.errors import ConfigError

log = logging.getLogger("summarizer.digests.scheduler")

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 6))
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
}


def _parse_field(text: str, lo: int, hi: int, name: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError
        if part in ("*", ""):
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = end = int(part)
            if "/" in text:
                end = hi
        # 7 is Sunday too
        top = 7 if name == "weekday" else hi
        if not (lo <= start <= end <= top):
            raise ValueError
        values.update(range(start, end + 1, step))
    if name == "weekday" and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A parsed five-field cron expression (times in UTC)."""

    expression: str
    minute: frozenset[int]
    hour: frozenset[int]
    day: frozenset[int]
    month: frozenset[int]
    weekday: frozenset[int]
    day_any: bool
    weekday_any: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        """Parse `expression`, or raise ConfigError saying what is wrong."""
        text = _ALIASES.get(expression.strip(), expression.strip())
        parts = text.split()
        if len(parts) != 5:
            raise ConfigError(f"cron {expression!r}: need 5 fields (minute hour day month weekday)")
        try:
            fields = [
                _parse_field(p, lo, hi, n) for p, (n, lo, hi) in zip(parts, _FIELDS, strict=True)
            ]
        except ValueError:
            raise ConfigError(
                f"cron {expression!r}: a field is out of range or malformed"
            ) from None
        minute, hour, day, month, weekday = fields
        return cls(
            expression,
            minute,
            hour,
            day,
            month,
            weekday,
            day_any=parts[2] == "*",
            weekday_any=parts[4] == "*",
        )

    def matches(self, t: datetime) -> bool:
        """Whether minute `t` is a due time."""
        day_ok = t.day in self.day
        weekday_ok = (t.isoweekday() % 7) in self.weekday
        # cron's rule: when both day fields are restricted, either may match.
        either = not (self.day_any or self.weekday_any)
        days = (day_ok or weekday_ok) if either else (day_ok and weekday_ok)
        return t.minute in self.minute and t.hour in self.hour and t.month in self.month and days

    def next_after(self, t: datetime) -> datetime:
        """The first due minute strictly after `t`."""
        t = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(60 * 24 * 366 * 5):
            if self.matches(t):
                return t
            t += timedelta(minutes=1)
        raise ConfigError(f"cron {self.expression!r} never fires")


def run_schedule(
    cron: Cron,
    job: Callable[[], int],
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    max_runs: int | None = None,
) -> list[tuple[datetime, int | str]]:
    """Run `job` at every due time; return (time, exit code or error) per run.

    Runs are sequential, so they never overlap; a due time that passes while a run is still
    going is skipped, not queued.
    """
    history: list[tuple[datetime, int | str]] = []
    due = cron.next_after(clock())
    while max_runs is None or len(history) < max_runs:
        wait = (due - clock()).total_seconds()
        if wait > 0:
            sleep(wait)
            continue
        log.info("run due at %s", due.isoformat())
        try:
            outcome: int | str = job()
        except Exception as exc:
            log.error("run due at %s failed: %s", due.isoformat(), exc)
            outcome = f"error: {exc}"
        history.append((due, outcome))
        due = cron.next_after(max(clock(), due))
    return history
