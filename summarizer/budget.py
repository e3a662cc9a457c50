"""A cost cap that holds at any concurrency: reserve each call's worst case, settle it after.

Counting cost when an answer comes back lets every call in flight overrun the cap (16 calls at
once, each allowed because the others had not finished yet). A `Meter` instead reserves, before
a call is sent, the most it can cost: its estimated input tokens plus its whole output budget
(`max_tokens`) at the output price. A call whose reservation does not fit under the cap is not
sent (`BudgetExceeded`); one that would fit once the calls in flight are settled waits for them.
When the answer comes, the reservation is replaced by what the call cost; a call that got no
answer (a timeout, a dropped connection, a cancelled task) may still be billed, so it keeps its
reservation.

The same meter writes every call down before it is sent and completes the record after
(`on_begin`, `on_end`: the digest's store), so calls in flight when a run is killed are in
`llm_calls`, at their reserved cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from summarizer.brief.models import CallRecord
from summarizer.brief.pricing import cost_of
from summarizer.errors import BudgetExceeded


@dataclass
class Ticket:
    """One reserved call: what was set aside for it, and the record its hooks keep."""

    model: str
    reserved: float | None
    chunk: int = 0
    attempt: int = 1
    handle: Any = None  # what `on_begin` returned (the store's row id)
    settled: bool = False
    ended: bool = False
    batch: bool = False  # a Batch API request: settled when its batch is collected


@dataclass
class _Purse:
    cap: float | None
    spent: float = 0.0
    reserved: float = 0.0
    # Of `reserved`, what live calls hold: it is settled within a call's timeout, so a call
    # that would fit once it is can wait for it (batch reservations may last a day).
    live: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    settled: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.settled = threading.Condition(self.lock)


_FITS, _WAIT = "fits", "wait"


def _money(value: float) -> float:
    return value if value > 1e-12 else 0.0


class Meter:
    """Reserve, record and settle model calls against an optional cap in USD."""

    def __init__(
        self,
        max_usd: float | None = None,
        *,
        on_begin: Callable[[CallRecord], Any] | None = None,
        on_end: Callable[[Any, CallRecord], None] | None = None,
        _purse: _Purse | None = None,
        begin_in_thread: bool = False,
    ) -> None:
        if max_usd is not None and max_usd < 0:
            raise ValueError("a cost cap cannot be negative")
        self._purse = _purse or _Purse(max_usd)
        self.on_begin = on_begin
        self.on_end = on_end
        # `abegin` runs `on_begin` in a thread (a hook that waits for a database's commit, as
        # a worker's does, would otherwise hold up every other brief on the event loop).
        self.begin_in_thread = begin_in_thread

    def with_hooks(
        self,
        *,
        on_begin: Callable[[CallRecord], Any] | None = None,
        on_end: Callable[[Any, CallRecord], None] | None = None,
    ) -> Meter:
        """A meter sharing this one's cap and spending, with its own record hooks (one per
        article of a digest)."""
        return Meter(on_begin=on_begin, on_end=on_end, _purse=self._purse)

    @property
    def cap(self) -> float | None:
        """The cap in USD, or None."""
        return self._purse.cap

    @property
    def spent(self) -> float:
        """USD settled so far (answers' costs, and the reservations of calls never answered)."""
        return self._purse.spent

    @property
    def reserved(self) -> float:
        """USD set aside for calls in flight."""
        return self._purse.reserved

    @property
    def committed(self) -> float:
        """Spent plus reserved: what the cap is checked against."""
        with self._purse.lock:
            return self._purse.spent + self._purse.reserved

    def worst_case(
        self, model: str, prompt_tokens: int, max_tokens: int, *, batch: bool = False
    ) -> float | None:
        """The most a call can cost: its input estimate plus its whole output budget."""
        return cost_of(model, prompt_tokens, max_tokens, batch=batch)

    def _try(self, amount: float | None, model: str, what: str, *, can_wait: bool) -> str:
        """Reserve `amount` now (_FITS), or say it fits once live calls settle (_WAIT); raise
        when it cannot fit. Called with the purse's lock held."""
        purse = self._purse
        if purse.cap is None:
            return _FITS
        if amount is None:
            raise BudgetExceeded(
                f"no price is known for model {model!r}, so {what} cannot be kept under the "
                f"cost cap ${purse.cap:.4f}"
            )
        if purse.spent + purse.reserved + amount <= purse.cap + 1e-12:
            return _FITS
        if (
            can_wait
            and purse.live > 0
            and purse.spent + purse.reserved - purse.live + amount <= (purse.cap + 1e-12)
        ):
            return _WAIT
        raise BudgetExceeded(
            f"cost cap ${purse.cap:.4f} reached: {what} could cost up to ${amount:.4f} and "
            f"${purse.spent + purse.reserved:.4f} is spent or reserved"
        )

    def _take(self, ticket: Ticket) -> Ticket:
        purse = self._purse
        purse.reserved += ticket.reserved or 0.0
        if not ticket.batch:
            purse.live += ticket.reserved or 0.0
        return ticket

    def reserve(
        self,
        model: str,
        *,
        prompt_tokens: int,
        max_tokens: int,
        chunk: int = 0,
        attempt: int = 1,
        batch: bool = False,
        what: str = "the next model call",
    ) -> Ticket:
        """Set aside a call's worst case, or raise `BudgetExceeded` if it cannot fit.

        A live call that would fit once the calls in flight are settled waits for them (this
        thread blocks); a Batch API request never waits.
        """
        amount = self.worst_case(model, prompt_tokens, max_tokens, batch=batch)
        ticket = Ticket(model=model, reserved=amount, chunk=chunk, attempt=attempt, batch=batch)
        purse = self._purse
        with purse.settled:
            while self._try(amount, model, what, can_wait=not batch) == _WAIT:
                purse.settled.wait(timeout=0.5)
            return self._take(ticket)

    async def areserve(
        self,
        model: str,
        *,
        prompt_tokens: int,
        max_tokens: int,
        chunk: int = 0,
        attempt: int = 1,
        what: str = "the next model call",
    ) -> Ticket:
        """`reserve` for a live call under asyncio: waits without blocking the event loop."""
        amount = self.worst_case(model, prompt_tokens, max_tokens)
        ticket = Ticket(model=model, reserved=amount, chunk=chunk, attempt=attempt)
        delay = 0.005
        while True:
            with self._purse.lock:
                if self._try(amount, model, what, can_wait=True) == _FITS:
                    return self._take(ticket)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    def begin(
        self,
        model: str,
        *,
        prompt_tokens: int,
        max_tokens: int,
        chunk: int = 0,
        attempt: int = 1,
        batch: bool = False,
    ) -> Ticket:
        """Reserve a call and write it down (outcome "sent") before it is sent."""
        ticket = self.reserve(
            model,
            prompt_tokens=prompt_tokens,
            max_tokens=max_tokens,
            chunk=chunk,
            attempt=attempt,
            batch=batch,
        )
        return self._written(ticket)

    async def abegin(
        self, model: str, *, prompt_tokens: int, max_tokens: int, chunk: int = 0, attempt: int = 1
    ) -> Ticket:
        """`begin` under asyncio."""
        ticket = await self.areserve(
            model, prompt_tokens=prompt_tokens, max_tokens=max_tokens, chunk=chunk, attempt=attempt
        )
        if self.begin_in_thread and self.on_begin is not None:
            return await asyncio.to_thread(self._written, ticket)
        return self._written(ticket)

    def _written(self, ticket: Ticket) -> Ticket:
        if self.on_begin is not None:
            try:
                ticket.handle = self.on_begin(
                    CallRecord(
                        model=ticket.model,
                        attempt=ticket.attempt,
                        outcome="sent",
                        latency_s=0.0,
                        cost_usd=ticket.reserved,
                        chunk=ticket.chunk,
                    )
                )
            except BaseException:
                self.settle(ticket, 0.0)  # never sent: nothing to pay
                raise
        return ticket

    def settle(self, ticket: Ticket, actual: float | None) -> None:
        """Replace a reservation by what the call cost (None: keep the reservation as spent)."""
        if ticket.settled:
            return
        purse = self._purse
        with purse.settled:
            reserved = ticket.reserved or 0.0
            # (sums of floats: what is left of nothing is a rounding error, not money)
            purse.reserved = _money(purse.reserved - reserved)
            if not ticket.batch:
                purse.live = _money(purse.live - reserved)
            purse.spent += reserved if actual is None else actual
            ticket.settled = True
            purse.settled.notify_all()

    def end(self, ticket: Ticket, record: CallRecord) -> None:
        """Complete a call's written record (its final outcome)."""
        if ticket.ended:
            return
        ticket.ended = True
        if self.on_end is not None:
            self.on_end(ticket.handle, record)

    def abandon(self, ticket: Ticket, reason: str) -> None:
        """A call that never completed (cancelled, killed task): its reservation stays spent."""
        self.settle(ticket, None)
        record = CallRecord(
            model=ticket.model,
            attempt=ticket.attempt,
            outcome="interrupted",
            latency_s=0.0,
            cost_usd=ticket.reserved,
            chunk=ticket.chunk,
            error=reason,
        )
        # Called while another exception (a cancellation) is on its way: that one is what the
        # caller must see. A row left 'sent' is marked interrupted by the next run.
        with contextlib.suppress(Exception):
            self.end(ticket, record)

    def spend(self, amount: float | None) -> None:
        """Count money already spent outside a reservation (a batch an earlier run submitted)."""
        with self._purse.lock:
            self._purse.spent += amount or 0.0


__all__ = ["Meter", "Ticket"]
