"""What the calls of one request cost and how they went (`CallLog`), and how hard to
retry (`RetryPolicy`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from summarizer.brief.models import CallRecord, Usage

if TYPE_CHECKING:
    from summarizer.budget import Meter, Ticket


DEFAULT_MAX_OUTPUT_TOKENS = 4096


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry transient failures (429, 5xx, timeouts, dropped connections)."""

    attempts: int = 6
    max_total_s: float = 180.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    # A server's Retry-After is honoured up to this; past it we give up rather than hang.
    max_retry_after_s: float = 60.0


@dataclass
class CallLog:
    """What the calls for one request cost and how they went."""

    model: str
    chunk: int = 0
    records: list[CallRecord] = field(default_factory=list)
    on_call: Callable[[CallRecord], None] | None = None
    base_url: str | None = None
    # Reserves each call's worst case before it is sent and writes it down (see `budget`);
    # `tickets[i]` is the reservation of `records[i]`.
    meter: Meter | None = None
    tickets: list[Ticket | None] = field(default_factory=list)
    # Set when the request ends with a reply (passing, or pruned with strict=False).
    succeeded: bool = False
    # The records (indices) of the replies the final reply is made of: the brief it started
    # from, then each repair merged into it (see `answered`). Empty: the last reply alone.
    kept: list[int] = field(default_factory=list)
    # Calls made for this request before this log's first (a Batch API answer being repaired):
    # attempts are numbered after them.
    attempts_before: int = 0

    def replies(self) -> int:
        """How many replies the model has sent so far (HTTP 200s, re-asks and repairs)."""
        return sum(r.outcome == "ok" for r in self.records)

    @property
    def usage(self) -> Usage:
        """Usage added up over every call."""
        total = Usage()
        for r in self.records:
            total = total.add(r.usage)
        return total

    def add(self, record: CallRecord) -> None:
        """Keep a record (outcomes of earlier 200s are fixed up by `finish`)."""
        self.records.append(record)

    def answered(self, kind: str, answer: Any) -> None:
        """The reply just received (the last 'ok' record) was taken: a "brief" one starts the
        reply anew, a "repair" one is merged into it. An unusable answer (None) is not taken."""
        if answer is None:
            return
        last = max((i for i, r in enumerate(self.records) if r.outcome == "ok"), default=None)
        if last is None:
            return
        self.kept = [last] if kind == "brief" else [*self.kept, last]

    def finish(self, *, success: bool) -> None:
        """Name what became of each reply, then report every call.

        When the request succeeded, its final reply stays 'ok'; a reply whose failing items
        were repaired (its other items are in the final reply) is 'repaired'; every other reply
        was thrown away (it broke the schema, or was asked for again whole) and is 'invalid'.
        When the request failed, every reply was thrown away.
        """
        oks = [i for i, r in enumerate(self.records) if r.outcome == "ok"]
        final = (self.kept[-1] if self.kept else oks[-1]) if success and oks else None
        for i in oks:
            if i != final:
                kept = success and i in self.kept
                self.records[i].outcome = "repaired" if kept else "invalid"
        if self.meter is not None:
            for r, ticket in zip(self.records, self.tickets, strict=False):
                if ticket is not None:
                    self.meter.end(ticket, r)
        if self.on_call:
            for r in self.records:
                self.on_call(r)
