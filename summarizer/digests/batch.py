"""Brief a digest's articles through the OpenAI Batch API: half the price, answers within 24 h.

A run submits the articles that need a brief as one batch (a JSONL upload, then a batch) and
records it in the store; that run, or any later one, polls it and collects the answers. Each
answer is validated and grounded exactly like a live reply. One that fails is not re-asked in the
batch (a batch cannot hold a conversation): its article is briefed live instead, with the usual
re-asks. So a scheduled job with `--batch-api` submits on one run and collects on the next, and
no article is ever submitted twice while its batch is open.

The HTTP side is `summarizer.brief.llm` (`batch_line`, `submit_batch`, `batch_state`,
`batch_results`, `reply_from_batch_line`); this module is the bookkeeping around it.

OpenAI caps one batch's input file at 50,000 requests and 200 MB. A submission larger than that
is split (`split_lines`) into parts under both limits, measured on the exact bytes uploaded; each
part is uploaded and submitted as its own batch and recorded in the store, and `collect` polls
every recorded batch, so the parts are collected like any single batch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from summarizer.brief.grounding import GroundingReport, check_reply, use_article_text
from summarizer.brief.models import SCHEMA_VERSION, Brief, BriefMeta, BriefReply, CallRecord, Usage
from summarizer.brief.pricing import estimate_cost
from summarizer.brief.prompts import active_version, brief_messages
from summarizer.errors import SummarizerError
from summarizer.store import BriefKey, Store

if TYPE_CHECKING:
    from summarizer.budget import Meter, Ticket


# OpenAI's limits on one batch's input file: requests per file, and the file's size in bytes.
# Module constants, read at call time, so a test can lower them.
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
# Batch answers whose items fail the guard are repaired live, this many at once, taken from the
# answers this many at a time.
REPAIR_CONCURRENCY = 8
REPAIR_CHUNK = 64


def line_bytes(line: dict[str, Any]) -> int:
    """How many bytes `line` takes in the uploaded JSONL file, newline included.

    Must match how `llm.submit_batch` encodes the file: `json.dumps(ensure_ascii=False)`, UTF-8,
    one line per request, each followed by a newline.
    """
    return len(json.dumps(line, ensure_ascii=False).encode()) + 1


def split_lines(
    lines: list[dict[str, Any]],
    *,
    max_requests: int | None = None,
    max_bytes: int | None = None,
) -> list[list[dict[str, Any]]]:
    """Split batch lines, in order, into parts of at most `max_requests` lines and `max_bytes`.

    Defaults are `MAX_BATCH_REQUESTS` and `MAX_BATCH_BYTES`. A single line larger than
    `max_bytes` goes alone into its own part (the API will refuse that batch, and its article is
    then briefed live like any failed batch's); it never holds up the others.
    """
    max_requests = MAX_BATCH_REQUESTS if max_requests is None else max_requests
    max_bytes = MAX_BATCH_BYTES if max_bytes is None else max_bytes
    if max_requests < 1 or max_bytes < 1:
        raise ValueError("batch limits must be positive")
    parts: list[list[dict[str, Any]]] = []
    part: list[dict[str, Any]] = []
    size = 0
    for line in lines:
        n = line_bytes(line)
        if part and (len(part) >= max_requests or size + n > max_bytes):
            parts.append(part)
            part, size = [], 0
        part.append(line)
        size += n
    if part:
        parts.append(part)
    return parts


@dataclass
class Collected:
    """What polling the open batches gave."""

    briefs: dict[str, Brief] = field(default_factory=dict)  # article id -> brief (stored)
    retry_live: dict[str, str] = field(default_factory=dict)  # article id -> why not usable
    pending: dict[str, str] = field(default_factory=dict)  # article id -> open batch id


def submit(
    store: Store, client: Any, articles: dict[str, str], *, model: str, lang: str | None
) -> str:
    """Submit batches briefing `articles` (id -> text), one per part under the API's limits
    (`split_lines`), and record each; return the first batch's id."""
    from summarizer.brief import llm

    lines = [
        llm.batch_line(article_id, brief_messages(text, lang=lang), model=model, client=client)
        for article_id, text in articles.items()
    ]
    ids: list[str] = []
    for part in split_lines(lines):
        batch_id = llm.submit_batch(client, part, model=model)
        store.add_batch(batch_id, model, active_version(), [line["custom_id"] for line in part])
        ids.append(batch_id)
    return ids[0]


@dataclass
class Submitted:
    """What `submit_within` sent: the batches (one per part under the API's limits; none if
    nothing fit), which article went in which, and what did not fit."""

    batch_id: str | None  # the first batch's id
    tickets: dict[str, Ticket] = field(default_factory=dict)  # article id -> its reservation
    over_cap: list[str] = field(default_factory=list)  # article ids left out by the cost cap
    batch_ids: list[str] = field(default_factory=list)  # every batch submitted, in order
    batch_of: dict[str, str] = field(default_factory=dict)  # article id -> its batch id


class BatchNotSubmitted(SummarizerError):
    """A part of a split submission could not be submitted; the parts before it were.

    `submitted` is what went (each batch recorded in the store, its requests written down as
    'sent', collected by the next run); `not_submitted` the article ids that did not (their
    reservations released, their `llm_calls` rows 'not_submitted'; the next run submits them).
    The exit code is the cause's.
    """

    def __init__(
        self,
        cause: Exception,
        submitted: Submitted,
        not_submitted: list[str],
        *,
        part: int,
        parts: int,
    ) -> None:
        self.cause = cause
        self.submitted = submitted
        self.not_submitted = not_submitted
        self.exit_code = getattr(cause, "exit_code", 1)
        done = [
            f"{b} ({sum(1 for x in submitted.batch_of.values() if x == b)} article(s))"
            for b in submitted.batch_ids
        ]
        went = (
            f"submitted and recorded: {', '.join(done)}, collected by the next run, which "
            "also submits the rest"
            if done
            else "nothing was submitted; the next run submits them"
        )
        super().__init__(
            f"Batch API: part {part} of {parts} could not be submitted ({cause}); "
            f"{len(not_submitted)} article(s) not submitted, their reservations released; {went}"
        )


def submit_within(
    store: Store,
    client: Any,
    articles: dict[str, str],
    *,
    model: str,
    lang: str | None,
    meter: Meter | None = None,
    run_id: int | None = None,
) -> Submitted:
    """Submit only the articles whose worst case fits under the meter's cap, at batch prices.

    Each article's request is reserved (input estimate plus its output budget, at half price)
    and written to `llm_calls` as 'sent' before the batch is submitted; `collect` completes it.
    Articles are taken in order; the first that does not fit, and every one after it, is left
    out (`over_cap`).
    """
    from summarizer.brief import llm
    from summarizer.budget import Meter
    from summarizer.errors import BudgetExceeded

    meter = meter or Meter()
    out = Submitted(batch_id=None)
    lines: dict[str, dict[str, Any]] = {}
    handles: dict[str, int] = {}  # article id -> its 'sent' row
    for article_id, text in articles.items():
        line = llm.batch_line(
            article_id, brief_messages(text, lang=lang), model=model, client=client
        )
        body = line["body"]
        budget = body.get("max_completion_tokens") or body.get("max_tokens")

        def begin(record: CallRecord, article_id: str = article_id) -> int:
            row = store.begin_call(run_id, article_id, record)
            handles[article_id] = row
            return row

        def end(handle: Any, record: CallRecord) -> None:
            store.end_call(int(handle), record)

        try:
            ticket = meter.with_hooks(on_begin=begin, on_end=end).begin(
                model,
                prompt_tokens=llm._prompt_estimate(body, model),
                max_tokens=int(budget or llm.DEFAULT_MAX_OUTPUT_TOKENS),
                batch=True,
            )
        except BudgetExceeded:
            out.over_cap = [a for a in articles if a not in lines]
            break
        lines[article_id] = line
        out.tickets[article_id] = ticket
    if not lines:
        return out
    parts = split_lines(list(lines.values()))
    for number, part in enumerate(parts, start=1):
        ids = [line["custom_id"] for line in part]
        try:
            batch_id = llm.submit_batch(client, part, model=model)
        except BaseException as exc:
            # Parts already submitted stay recorded and are collected by the next run; this
            # one and the rest were never sent: their reservations are released.
            unsent = [a for a in lines if a not in out.batch_of]
            for article_id in unsent:
                ticket = out.tickets.pop(article_id)
                meter.settle(ticket, 0.0)
                store.end_call(
                    int(ticket.handle),
                    CallRecord(
                        model=model,
                        attempt=1,
                        outcome="not_submitted",
                        latency_s=0.0,
                        cost_usd=0.0,
                        error=str(exc) or type(exc).__name__,
                    ),
                )
            if not isinstance(exc, Exception):
                raise  # an interrupt: what is done is written down
            raise BatchNotSubmitted(exc, out, unsent, part=number, parts=len(parts)) from exc
        store.name_batch([handles[a] for a in ids if a in handles], batch_id)
        store.add_batch(batch_id, model, active_version(), ids)
        out.batch_ids.append(batch_id)
        out.batch_of.update(dict.fromkeys(ids, batch_id))
    out.batch_id = out.batch_ids[0]
    return out


def collect(
    store: Store,
    client: Any,
    *,
    model: str,
    wait_s: float = 0.0,
    poll_s: float = 30.0,
    on_call: Callable[[str, CallRecord], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    record_calls: bool = False,
    run_id: int | None = None,
    meter: Meter | None = None,
    on_repair_call: Callable[[str, CallRecord], None] | None = None,
) -> Collected:
    """Poll every open batch of `model` (for up to `wait_s`); store the briefs of finished ones.

    With `record_calls`, each answer completes the request's 'sent' row in `llm_calls` (written
    by `submit_within`) or adds one (under `run_id`), and `on_call` is only told; without it,
    `on_call` records.

    An answer whose items fail the guard is repaired (`repair_answer`): only those items are
    asked for again, live, each call reserved on `meter` (a run's, so its cap holds; else an
    uncapped one) and written to `llm_calls` like a live brief's. Each is told, after the batch
    answer's own record, to `on_repair_call` when given, else to `on_call`: with `meter` given,
    a repair call's cost is settled on it already, so pass an `on_repair_call` that only counts
    (a digest that does not pass its meter has its `on_call` add the cost after the call).
    """
    from summarizer.brief import llm

    def tell(batch_id: str, article_id: str, call: CallRecord) -> None:
        if record_calls:
            row = store.sent_batch_call(batch_id, article_id)
            if row is not None:
                store.end_call(row, call)
            elif call.outcome != "no_answer":
                store.record_call(run_id, article_id, call)
        if on_call:
            on_call(article_id, call)

    def unanswered(batch_id: str, article_id: str, why: str) -> None:
        tell(
            batch_id,
            article_id,
            CallRecord(
                model=model, attempt=1, outcome="no_answer", latency_s=0.0, cost_usd=0.0, error=why
            ),
        )

    told_repair = on_repair_call or on_call

    def mend(a: _Answer) -> Repaired:
        assert a.reply is not None  # only parsed answers are repaired
        return repair_answer(
            store, client, a.article_id, a.reply, a.text, model=model, meter=meter,
            run_id=run_id if record_calls else None, record_calls=record_calls,
        )  # fmt: skip

    out = Collected()
    deadline = time.monotonic() + wait_s
    for batch_id, article_ids in store.open_batches(model, active_version()):
        state = llm.batch_state(client, batch_id, model=model)
        while not state.finished and time.monotonic() + poll_s <= deadline:
            sleep(poll_s)
            state = llm.batch_state(client, batch_id, model=model)
        if not state.finished:
            out.pending.update(dict.fromkeys(article_ids, batch_id))
            continue
        if state.status != "completed":
            store.finish_batch(batch_id, state.status)
            out.retry_live.update(dict.fromkeys(article_ids, f"batch {batch_id} {state.status}"))
            for article_id in article_ids:
                unanswered(batch_id, article_id, f"batch {batch_id} {state.status}")
            continue
        lines = llm.batch_results(client, state, model=model)
        # A chunk at a time: its failing answers are repaired concurrently, and no more than a
        # chunk of parsed answers is held at once.
        for at in range(0, len(article_ids), REPAIR_CHUNK):
            answers: list[_Answer] = []
            for article_id in article_ids[at : at + REPAIR_CHUNK]:
                stored = store.article(article_id)
                line = lines.get(article_id)
                if stored is None or line is None:
                    out.retry_live[article_id] = f"no answer for it in batch {batch_id}"
                    unanswered(batch_id, article_id, out.retry_live[article_id])
                    continue
                text, source = stored
                reply, usage, reason = llm.reply_from_batch_line(
                    line, text, model=model, ground=False
                )
                report = check_reply(reply, text) if reply is not None else None
                answers.append(_Answer(article_id, text, source, reply, usage, reason, report))
            fixes = _repair_all(
                [a for a in answers if a.report is not None and a.report.issues], mend
            )
            for a in answers:
                reply, report, reason = a.reply, a.report, a.reason
                cost = estimate_cost(model, a.usage, batch=True)
                record = CallRecord(
                    model=model,
                    attempt=1,
                    outcome="ok" if reply else "invalid",
                    latency_s=0.0,
                    usage=a.usage,
                    cost_usd=cost,
                    error=reason,
                )
                repaired = fixes.get(a.article_id)
                if repaired is not None:
                    if repaired.reply is None:
                        reply, reason = None, repaired.why
                        record.outcome, record.error = "invalid", repaired.why
                    else:
                        reply, report = repaired.reply, repaired.report
                        record.outcome = "repaired"
                # The batch answer first (it settles the batch request's reservation), then
                # the live repair calls made for it.
                tell(batch_id, a.article_id, record)
                calls = repaired.calls if repaired is not None else []
                if told_repair is not None:
                    for call in calls:
                        told_repair(a.article_id, call)
                if reply is None:
                    out.retry_live[a.article_id] = reason or "unusable batch answer"
                    continue
                brief = _brief(
                    reply, a.text, a.source, model=model, batch=batch_id, report=report,
                    usage=_usage(a.usage, *(c.usage for c in calls)),
                    cost=_total(cost, *(c.cost_usd for c in calls)),
                    attempts=1 + len(calls),
                )  # fmt: skip
                store.put_brief(
                    BriefKey(a.article_id, "llm", model, active_version(), SCHEMA_VERSION), brief
                )
                out.briefs[a.article_id] = brief
        store.finish_batch(batch_id, "collected")
    return out


@dataclass
class _Answer:
    """One batch answer, parsed (schema only) and grounded: `report` None when unparsable."""

    article_id: str
    text: str
    source: Any
    reply: BriefReply | None
    usage: Usage
    reason: str | None
    report: GroundingReport | None


def _repair_all(
    answers: list[_Answer], repair_one: Callable[[_Answer], Repaired]
) -> dict[str, Repaired]:
    """Repair each answer, up to `REPAIR_CONCURRENCY` at once (the client and the stores are
    thread-safe); article id -> what its repair gave. An error of the store is raised."""
    if len(answers) <= 1:
        return {a.article_id: repair_one(a) for a in answers}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(REPAIR_CONCURRENCY, len(answers))) as pool:
        return dict(
            zip([a.article_id for a in answers], pool.map(repair_one, answers), strict=True)
        )


@dataclass
class Repaired:
    """What repairing a batch answer gave: the merged reply and its report (None: not repaired,
    `why`), and every live call it took."""

    reply: BriefReply | None
    report: GroundingReport | None = None
    why: str | None = None
    calls: list[CallRecord] = field(default_factory=list)


def repair_answer(
    store: Store,
    client: Any,
    article_id: str,
    reply: BriefReply,
    text: str,
    *,
    model: str,
    meter: Meter | None = None,
    run_id: int | None = None,
    record_calls: bool = False,
) -> Repaired:
    """Repair a batch answer whose items fail the guard, live, like a live brief's first reply:
    only the failing items are asked for again (`llm.repair_reply`, prompt repair-v1), at list
    price. Each call is reserved on `meter` (else an uncapped one) and, with `record_calls`,
    written to `llm_calls` (under `run_id`) before it is sent. Never raises for the model's or
    the endpoint's sake: a reply that cannot be repaired comes back with `why`, for the caller to
    brief the article live instead.
    """
    from summarizer.brief import llm
    from summarizer.budget import Meter
    from summarizer.errors import OutputError, StoreError

    calls: list[CallRecord] = []
    meter = meter or Meter()
    if record_calls:
        meter = meter.with_hooks(
            on_begin=lambda call: store.begin_call(run_id, article_id, call),
            on_end=lambda row, call: store.end_call(int(row), call),
        )
    try:
        result = llm.repair_reply(
            client, reply, text, model=model, on_call=calls.append, meter=meter
        )  # fmt: skip
    except (StoreError, OutputError):
        raise  # the store cannot take what was paid for: the run stops, as on the live path
    except SummarizerError as exc:
        return Repaired(None, why=f"its repair failed: {exc}", calls=calls)
    if result is None:
        report = check_reply(reply, text)
        first = report.issues[0].message if report.issues else "failed the guard"
        return Repaired(None, why=f"the batch answer could not be repaired ({first})", calls=calls)
    return Repaired(result.reply, result.report, calls=calls)


def _usage(*usages: Usage) -> Usage:
    """Usage added up."""
    total = Usage()
    for u in usages:
        total = total.add(u)
    return total


def _total(*costs: float | None) -> float | None:
    """The sum of known costs; None when none is known."""
    known = [c for c in costs if c is not None]
    return sum(known) if known else None


def _brief(
    reply: BriefReply,
    text: str,
    source: Any,
    *,
    model: str,
    usage: Usage,
    cost: float | None,
    batch: str,
    report: GroundingReport | None = None,
    attempts: int = 1,
) -> Brief:
    report = report if report is not None else check_reply(reply, text)
    # The brief shows the article's own text of every quote, never the model's rendering.
    reply, evidence = use_article_text(reply, report, text)
    warnings = [f"briefed through the Batch API ({batch}), billed at half price"]
    if attempts > 1:
        warnings.append(
            f"items of the batch answer failing the guard were repaired live in "
            f"{attempts - 1} call(s), billed at list price"
        )
    meta = BriefMeta(
        engine="llm",
        model=model,
        prompt_version=active_version(),
        usage=usage,
        cost_usd=cost,
        attempts=attempts,
        chunks=1,
        evidence=evidence,
        source=source,
        warnings=warnings,
    )
    return Brief(**reply.model_dump(), meta=meta)
