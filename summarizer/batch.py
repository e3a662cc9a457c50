"""Brief a digest's articles through the OpenAI Batch API: half the price, answers within 24 h.

A run submits the articles that need a brief as one batch (a JSONL upload, then a batch) and
records it in the store; that run, or any later one, polls it and collects the answers. Each
answer is validated and grounded exactly like a live reply. One that fails is not re-asked in the
batch (a batch cannot hold a conversation): its article is briefed live instead, with the usual
re-asks. So a scheduled job with `--batch-api` submits on one run and collects on the next, and
no article is ever submitted twice while its batch is open.

The HTTP side is `summarizer.llm` (`batch_line`, `submit_batch`, `batch_state`, `batch_results`,
`reply_from_batch_line`); this module is the bookkeeping around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from summarizer.brief.grounding import check_reply, use_article_text
from summarizer.models import SCHEMA_VERSION, Brief, BriefMeta, BriefReply, CallRecord, Usage
from summarizer.pricing import estimate_cost
from summarizer.prompts import active_version, brief_messages
from summarizer.store import BriefKey, Store

if TYPE_CHECKING:
    from summarizer.budget import Meter, Ticket


@dataclass
class Collected:
    """What polling the open batches gave."""

    briefs: dict[str, Brief] = field(default_factory=dict)  # article id -> brief (stored)
    retry_live: dict[str, str] = field(default_factory=dict)  # article id -> why not usable
    pending: dict[str, str] = field(default_factory=dict)  # article id -> open batch id


def submit(
    store: Store, client: Any, articles: dict[str, str], *, model: str, lang: str | None
) -> str:
    """Submit one batch briefing `articles` (id -> text) and record it; return its id."""
    from summarizer import llm

    lines = [
        llm.batch_line(article_id, brief_messages(text, lang=lang), model=model, client=client)
        for article_id, text in articles.items()
    ]
    batch_id = llm.submit_batch(client, lines, model=model)
    store.add_batch(batch_id, model, active_version(), list(articles))
    return batch_id


@dataclass
class Submitted:
    """What `submit_within` sent: the batch (None if nothing fit), and what did not fit."""

    batch_id: str | None
    tickets: dict[str, Ticket] = field(default_factory=dict)  # article id -> its reservation
    over_cap: list[str] = field(default_factory=list)  # article ids left out by the cost cap


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
    from summarizer import llm
    from summarizer.budget import Meter
    from summarizer.errors import BudgetExceeded

    meter = meter or Meter()
    out = Submitted(batch_id=None)
    lines: dict[str, dict[str, Any]] = {}
    handles: list[int] = []
    for article_id, text in articles.items():
        line = llm.batch_line(
            article_id, brief_messages(text, lang=lang), model=model, client=client
        )
        body = line["body"]
        budget = body.get("max_completion_tokens") or body.get("max_tokens")

        def begin(record: CallRecord, article_id: str = article_id) -> int:
            row = store.begin_call(run_id, article_id, record)
            handles.append(row)
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
    try:
        out.batch_id = llm.submit_batch(client, list(lines.values()), model=model)
    except BaseException as exc:
        for ticket in out.tickets.values():
            meter.settle(ticket, 0.0)  # nothing was submitted
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
        raise
    store.name_batch(handles, out.batch_id)
    store.add_batch(out.batch_id, model, active_version(), list(lines))
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
) -> Collected:
    """Poll every open batch of `model` (for up to `wait_s`); store the briefs of finished ones.

    With `record_calls`, each answer completes the request's 'sent' row in `llm_calls` (written
    by `submit_within`) or adds one (under `run_id`), and `on_call` is only told; without it,
    `on_call` records.
    """
    from summarizer import llm

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
        for article_id in article_ids:
            stored = store.article(article_id)
            line = lines.get(article_id)
            if stored is None or line is None:
                out.retry_live[article_id] = f"no answer for it in batch {batch_id}"
                unanswered(batch_id, article_id, out.retry_live[article_id])
                continue
            text, source = stored
            reply, usage, reason = llm.reply_from_batch_line(line, text, model=model)
            cost = estimate_cost(model, usage, batch=True)
            tell(
                batch_id,
                article_id,
                CallRecord(
                    model=model,
                    attempt=1,
                    outcome="ok" if reply else "invalid",
                    latency_s=0.0,
                    usage=usage,
                    cost_usd=cost,
                    error=reason,
                ),
            )
            if reply is None:
                out.retry_live[article_id] = reason or "unusable batch answer"
                continue
            brief = _brief(reply, text, source, model=model, usage=usage, cost=cost, batch=batch_id)
            store.put_brief(
                BriefKey(article_id, "llm", model, active_version(), SCHEMA_VERSION), brief
            )
            out.briefs[article_id] = brief
        store.finish_batch(batch_id, "collected")
    return out


def _brief(
    reply: BriefReply,
    text: str,
    source: Any,
    *,
    model: str,
    usage: Usage,
    cost: float | None,
    batch: str,
) -> Brief:
    report = check_reply(reply, text)
    # The brief shows the article's own text of every quote, never the model's rendering.
    reply, evidence = use_article_text(reply, report, text)
    meta = BriefMeta(
        engine="llm",
        model=model,
        prompt_version=active_version(),
        usage=usage,
        cost_usd=cost,
        attempts=1,
        chunks=1,
        evidence=evidence,
        source=source,
        warnings=[f"briefed through the Batch API ({batch}), billed at half price"],
    )
    return Brief(**reply.model_dump(), meta=meta)
