"""Run digests on a cron schedule, in process: for containers and machines without cron.

`Cron` parses the five standard fields (minute hour day-of-month month day-of-week) with
cronsim, a maintained parser that reads them as cron does (`1,5/15` is 1, 5, 20, 35 and 50;
day-of-month and day-of-week restricted together mean either), rejects a date that never comes
(`0 0 30 2 *`) at once, and evaluates the expression in a time zone (`timezone =
"Europe/Berlin"` in the job file; UTC by default), across daylight-saving changes the way cron
does. `run_schedule` waits for each due time, runs the job, survives a failing run (logs it and
waits for the next), and never overlaps runs: a run that is still going when the next time
comes simply makes that time be skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import islice

from summarizer.errors import ConfigError

log = logging.getLogger("summarizer.digests.scheduler")

# cronsim reads five fields only; the usual shorthands are spelled out here.
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def pause(seconds: float) -> None:
    """Sleep `seconds`."""
    time.sleep(seconds)


def time_zone(name: str | None) -> tzinfo:
    """The IANA time zone `name` (None or "UTC": UTC), or ConfigError naming it."""
    if not name or name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {name!r}: not an IANA time zone (like 'Europe/Berlin' or 'UTC')"
        ) from None


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression, evaluated in `tz`."""

    expression: str
    tz: tzinfo = UTC

    @classmethod
    def parse(cls, expression: str, timezone: str | None = None) -> Cron:
        """Parse `expression` (in IANA zone `timezone`), or raise ConfigError saying why."""
        cron = cls(expression.strip(), time_zone(timezone))
        cron._sim(datetime.now(UTC))  # cronsim checks the whole expression when it is built
        return cron

    @property
    def zone(self) -> str:
        """The time zone's name."""
        return "UTC" if self.tz is UTC else str(self.tz)

    def _sim(self, after: datetime) -> Iterator[datetime]:
        from cronsim import CronSim, CronSimError

        text = _ALIASES.get(self.expression.lower(), self.expression)
        if len(text.split()) != 5:
            raise ConfigError(
                f"cron {self.expression!r}: need 5 fields (minute hour day month weekday)"
            )
        try:
            return CronSim(text, after.astimezone(self.tz).replace(second=0, microsecond=0))
        except CronSimError as exc:
            why = str(exc).lower()
            if why == "bad day-of-month":
                why += " (out of range, or a day the month never has, like 30 February)"
            raise ConfigError(f"cron {self.expression!r}: {why}") from None

    def next_after(self, t: datetime) -> datetime:
        """The first due minute strictly after `t`, in the schedule's time zone."""
        return next(iter(self.next_times(t, 1)))

    def next_times(self, t: datetime, n: int) -> list[datetime]:
        """The next `n` due minutes strictly after `t`."""
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return list(islice(self._sim(t), n))


def run_schedule(
    cron: Cron,
    job: Callable[[], int],
    *,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    max_runs: int | None = None,
) -> list[tuple[datetime, int | str]]:
    """Run `job` at every due time; return (time, exit code or error) per run.

    Runs are sequential, so they never overlap; a due time that passes while a run is still
    going is skipped, not queued. `clock` and `sleep` default to this module's `now` and
    `pause`, looked up at each call so a test can replace them.
    """
    clock = clock or now
    sleep = sleep or pause
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
        else:
            if outcome != 0:
                log.error("run due at %s exited %s", due.isoformat(), outcome)
        history.append((due, outcome))
        due = cron.next_after(max(clock(), due))
    return history
