"""A limiter for requests per minute and tokens per minute, shared by concurrent briefs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RateLimiter:
    """Token buckets for requests/min and tokens/min; `acquire(tokens)` waits for room.

    Buckets start full (one minute's worth), so a short batch is not slowed at all, and
    refill continuously, so a long batch runs at the configured rate.
    """

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.rpm = rpm
        self.tpm = tpm
        self._clock = clock
        self._sleep = sleep
        self._requests = float(rpm or 0)
        self._tokens = float(tpm or 0)
        self._last = clock()
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._last
        self._last = now
        if self.rpm:
            self._requests = min(float(self.rpm), self._requests + elapsed * self.rpm / 60)
        if self.tpm:
            self._tokens = min(float(self.tpm), self._tokens + elapsed * self.tpm / 60)

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until one request of `tokens` tokens fits under both limits."""
        if not self.rpm and not self.tpm:
            return
        # A request larger than the whole per-minute budget could never fit: let it through
        # when the bucket is full rather than wait forever (the endpoint will say what it thinks).
        tokens = min(tokens, self.tpm) if self.tpm else 0
        async with self._lock:
            while True:
                self._refill()
                need_r = 1 - self._requests if self.rpm else 0.0
                need_t = tokens - self._tokens if self.tpm else 0.0
                if need_r <= 0 and need_t <= 0:
                    if self.rpm:
                        self._requests -= 1
                    if self.tpm:
                        self._tokens -= tokens
                    return
                wait = max(
                    need_r * 60 / self.rpm if self.rpm and need_r > 0 else 0.0,
                    need_t * 60 / self.tpm if self.tpm and need_t > 0 else 0.0,
                )
                self.waited_s += wait
                await self._sleep(wait)  # type: ignore[misc]
