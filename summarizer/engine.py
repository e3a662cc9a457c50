"""The public brief API: `summarize` and `asummarize`.

One article in, one grounded `Brief` out. The text is checked before any call is made, split on
paragraph boundaries when it is longer than the input budget, briefed part by part (each part's
reply validated and grounded against that part), merged, and grounded once more against the
whole article to record where every quote was found.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from summarizer.brief.grounding import (
    ArticleIndex,
    check_reply,
    prune_ungrounded,
    use_article_text,
)
from summarizer.brief.merge import merge_replies
from summarizer.brief.models import (
    Brief,
    BriefMeta,
    CallRecord,
    DroppedItem,
    SourceMeta,
    Usage,
)
from summarizer.brief.pricing import estimate_cost
from summarizer.brief.prompts import active_version, brief_messages
from summarizer.brief.tokens import chunk_text, estimate_tokens
from summarizer.errors import InputError, LLMError, OutputTruncatedError

if TYPE_CHECKING:
    from summarizer.brief.llm import ReplyResult, RetryPolicy
    from summarizer.budget import Meter

# Tokens of article per request. Far below most context windows on purpose: long inputs make
# extraction worse and re-asks dearer; a longer article is split and merged instead.
DEFAULT_MAX_INPUT_TOKENS = 24_000
MAX_ARTICLE_CHARS = 3_000_000
# Output budgets tried in turn when a reply is cut off at the limit (finish_reason=length).
OUTPUT_BUDGETS = (4096, 8192, 16384)
PART_CONCURRENCY = 4


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_LETTERS = re.compile(r"[^\W\d_]+")


def check_text(text: object) -> str:
    """Refuse input that is not an article before any call is made."""
    if isinstance(text, bytes | bytearray):
        raise InputError("got bytes, expected text: decode it first (summarizer.ingest does)")
    if not isinstance(text, str):
        raise InputError(f"expected article text (str), got {type(text).__name__}")
    if not text.strip():
        raise InputError("the article is empty")
    if "\x00" in text:
        raise InputError("the article looks binary (it contains NUL bytes)")
    sample = text[:20000]
    controls = len(_CONTROLS.findall(sample))
    if controls > len(sample) * 0.05:
        raise InputError("the article looks binary (too many control characters)")
    letters = 0
    for run in _LETTERS.finditer(sample):  # stops as soon as there are enough
        letters += len(run.group())
        if letters >= 20:
            break
    else:
        raise InputError("the article has almost no words")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"the article is too large ({len(text):,} characters; the limit is "
            f"{MAX_ARTICLE_CHARS:,})"
        )
    return text


@dataclass
class _Tally:
    """What a brief spent beyond its accepted replies: truncated replies, and warnings."""

    warnings: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    attempts: int = 0
    # Every call of the brief, as reported (`seen` stands in front of the caller's on_call).
    on_call: Callable[[CallRecord], None] | None = None
    calls: int = 0
    calls_usage: Usage = field(default_factory=Usage)

    def spend(self, exc: LLMError) -> None:
        """Count a failed request's calls and tokens."""
        self.usage = self.usage.add(exc.usage or Usage())
        self.attempts += exc.attempts

    def seen(self, record: CallRecord) -> None:
        """A call of this brief is reported: count it, and pass it on."""
        self.calls += 1
        self.calls_usage = self.calls_usage.add(record.usage)
        if self.on_call is not None:
            self.on_call(record)

    def charge(self, exc: LLMError) -> LLMError:
        """Make a brief's error carry everything the brief spent, not just its last request:
        every call reported so far (the requests that ended have all been; call it once the
        brief's other requests have stopped), whatever path the brief took to fail."""
        exc.usage = self.calls_usage
        exc.attempts = self.calls
        return exc


def _finish(
    text: str,
    results: list[ReplyResult],
    *,
    model: str,
    source: SourceMeta | None,
    lang: str | None,
    started: float,
    tally: _Tally,
    index: ArticleIndex | None = None,
) -> Brief:
    reply = merge_replies([r.reply for r in results])
    # The article's index, as the request used it when the article is one part: a reply that
    # passed validation there is not checked again (`check_reply` keeps its report).
    index = index or ArticleIndex.of(text)
    report = check_reply(reply, index)
    dropped = [
        DroppedItem(path=f"part{i + 1}.{path}" if len(results) > 1 else path, reason=why, item=item)
        for i, r in enumerate(results)
        for path, why, item in r.dropped
    ]
    corrected = [
        c.model_copy(update={"path": f"part{i + 1}.{c.path}"}) if len(results) > 1 else c
        for i, r in enumerate(results)
        for c in r.corrected
    ]
    if report.issues:
        # Parts are verbatim slices of the article, so this only happens if merging broke a
        # quote; keep the brief honest by saying so rather than failing the whole article.
        tally.warnings.extend(i.message for i in report.issues)
        if any(".evidence[" in i.path for i in report.issues):
            reply, more = prune_ungrounded(reply, index)
            dropped += [DroppedItem(path=p, reason=why, item=item) for p, why, item in more]
            report = check_reply(reply, index)
    # The brief shows the article's own text of every quote, never the model's rendering.
    reply, evidence = use_article_text(reply, report, text)
    usage = tally.usage
    attempts = tally.attempts
    for r in results:
        usage = usage.add(r.log.usage)
        attempts += len(r.log.records)
    meta = BriefMeta(
        engine="llm",
        model=model,
        prompt_version=active_version(),  # the built-in one, or `use_prompt`'s
        usage=usage,
        cost_usd=estimate_cost(model, usage),
        attempts=attempts,
        chunks=len(results),
        evidence=evidence,
        dropped=dropped,
        corrected=corrected,
        language=lang,
        source=source,
        duration_s=round(time.perf_counter() - started, 3),
        warnings=tally.warnings,
    )
    return Brief(**reply.model_dump(), meta=meta)


def _parts(text: str, max_input_tokens: int | None, model: str | None = None) -> list[str]:
    """The article's parts, each within the input budget in `model`'s own tokens when known."""
    budget = max_input_tokens or DEFAULT_MAX_INPUT_TOKENS
    if 4 * len(text) + 1 <= budget:
        # Fits whatever the tokenizer: a byte-level BPE token holds at least one of the text's
        # UTF-8 bytes (at most 4 per char), and the offline estimate is at most one per char
        # plus one. Most articles are this short; counting them exactly costs ~0.3 ms each.
        return [text]
    return chunk_text(text, budget, model)


def _meter(model: str, max_cost: float | None, meter: Meter | None) -> Meter | None:
    """The meter for a brief: the one given, else one for `max_cost` (its model priced)."""
    if meter is not None or max_cost is None:
        return meter
    from summarizer.brief.pricing import require_price
    from summarizer.budget import Meter

    require_price(model)
    return Meter(max_cost)


def _with_source(text: str, source: SourceMeta | None) -> SourceMeta:
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if source is None:
        return SourceMeta(content_sha256=digest)
    return source if source.content_sha256 else source.model_copy(update={"content_sha256": digest})


def summarize(
    text: str,
    *,
    model: str | None = None,
    client: Any = None,
    base_url: str | None = None,
    api_key: str | None = None,
    engine: Literal["llm", "offline"] = "llm",
    strict: bool = True,
    lang: str | None = None,
    source: SourceMeta | None = None,
    max_retries: int = 2,
    max_input_tokens: int | None = None,
    timeout: float | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
    retry: RetryPolicy | None = None,
    mode: str = "tools",
    max_cost: float | None = None,
    meter: Meter | None = None,
) -> Brief:
    """Brief one article.

    `engine="llm"` (the default) asks `model` (argument, then `SUMMARIZER_MODEL`, then a small
    current OpenAI model) through `client`, or a client built from `api_key`/`OPENAI_API_KEY`
    and `base_url`/`OPENAI_BASE_URL`. `engine="offline"` needs no model at all.

    Every evidence quote is checked against `text`; replies that fail are re-asked up to
    `max_retries` times. Then, with `strict=True`, a `GroundingError` is raised; with
    `strict=False` the brief comes back without the ungrounded items (listed in
    `brief.meta.dropped`).

    `max_cost` (USD) is a hard cap: each call's worst case (input plus its whole output budget)
    is reserved before it is sent, and a call that does not fit raises `BudgetExceeded`; a model
    with no known price is refused before any call. A `meter` (`summarizer.budget.Meter`) shares
    one cap, and the record of every call, between many briefs.
    """
    text = check_text(text)
    source = _with_source(text, source)
    if engine == "offline":
        from summarizer.offline import brief_offline

        return brief_offline(text, source=source, lang=lang)
    from summarizer.brief import llm

    started = time.perf_counter()
    model = llm.resolve_model(model)
    meter = _meter(model, max_cost, meter)
    if client is None:
        # One client per endpoint and key for the whole process, closed at exit: building one
        # costs ~18 ms of CPU, more than the rest of a brief's own work.
        client = llm.shared_client(api_key=api_key, base_url=base_url, timeout=timeout)
    parts = _parts(text, max_input_tokens, model)
    # Held for the whole brief, so every lookup of this text finds this one index (its quotes'
    # locator, the reports of replies checked), however many briefs are in flight.
    index = ArticleIndex.of(text)
    tally = _Tally(on_call=on_call)
    results: list[ReplyResult] = []
    try:
        for i, part in enumerate(parts):

            def ask(
                messages: list[dict[str, str]], part_text: str, budget: int, i: int = i
            ) -> ReplyResult:
                return llm.request_brief(
                    client,
                    messages,
                    article=part_text,
                    model=model,
                    strict=strict,
                    max_retries=max_retries,
                    max_tokens=budget,
                    policy=retry,
                    mode=mode,
                    chunk=i,
                    on_call=tally.seen,
                    meter=meter,
                )

            plan = _part_plan(part, i, len(parts), lang=lang, title=source.title, tally=tally)
            results.extend(_drive(plan, ask))
    except LLMError as exc:
        raise tally.charge(exc) from None
    return _finish(
        text,
        results,
        model=model,
        source=source,
        lang=lang,
        started=started,
        tally=tally,
        index=index,
    )


async def asummarize(
    text: str,
    *,
    model: str | None = None,
    client: Any = None,
    base_url: str | None = None,
    api_key: str | None = None,
    engine: Literal["llm", "offline"] = "llm",
    strict: bool = True,
    lang: str | None = None,
    source: SourceMeta | None = None,
    max_retries: int = 2,
    max_input_tokens: int | None = None,
    timeout: float | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
    retry: RetryPolicy | None = None,
    mode: str = "tools",
    before_call: Callable[[int], Awaitable[None]] | None = None,
    max_cost: float | None = None,
    meter: Meter | None = None,
) -> Brief:
    """Brief one article with asyncio (see `summarize`); parts of a long article run at once.

    `before_call(estimated_tokens)` is awaited before every HTTP request: a rate limiter hooks in
    there.
    """
    text = check_text(text)
    source = _with_source(text, source)
    if engine == "offline":
        from summarizer.offline import brief_offline

        return await asyncio.to_thread(brief_offline, text, source=source, lang=lang)
    from summarizer.brief import llm

    started = time.perf_counter()
    model = llm.resolve_model(model)
    meter = _meter(model, max_cost, meter)
    if client is None:
        # One client per endpoint and key in this event loop, closed when the loop shuts down.
        client = llm.shared_client(
            api_key=api_key, base_url=base_url, timeout=timeout, asynchronous=True
        )
    parts = _parts(text, max_input_tokens, model)
    # Held for the whole brief, so every lookup of this text finds this one index (its quotes'
    # locator, the reports of replies checked), however many briefs are in flight.
    index = ArticleIndex.of(text)
    tally = _Tally(on_call=on_call)
    gate = asyncio.Semaphore(PART_CONCURRENCY)

    async def one(i: int, part: str) -> list[ReplyResult]:
        async def ask(messages: list[dict[str, str]], part_text: str, budget: int) -> ReplyResult:
            return await llm.arequest_brief(
                client,
                messages,
                article=part_text,
                model=model,
                strict=strict,
                max_retries=max_retries,
                max_tokens=budget,
                policy=retry,
                mode=mode,
                chunk=i,
                on_call=tally.seen,
                before_call=before_call,
                meter=meter,
            )

        async with gate:
            plan = _part_plan(part, i, len(parts), lang=lang, title=source.title, tally=tally)
            return await _adrive(plan, ask)

    try:
        if len(parts) == 1:
            groups = [await one(0, parts[0])]  # most articles: no task of its own needed
        else:
            groups = await _all_or_none([one(i, p) for i, p in enumerate(parts)])
    except LLMError as exc:
        raise tally.charge(exc) from None
    results = [r for g in groups for r in g]
    return _finish(
        text,
        results,
        model=model,
        source=source,
        lang=lang,
        started=started,
        tally=tally,
        index=index,
    )


async def _all_or_none(steps: list[Awaitable[list[ReplyResult]]]) -> list[list[ReplyResult]]:
    """Run the parts at once; when one fails, stop the others (their answers could not make a
    brief any more) and wait until they have, so every call they made is reported before the
    failure is raised."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


# --- one part: what to ask, and what to do when the reply is cut off ---------------------------

Request = tuple[list[dict[str, str]], str, int]
Plan = Generator[Request, "ReplyResult | OutputTruncatedError", list["ReplyResult"]]


def _part_plan(
    part: str,
    index: int,
    count: int,
    *,
    lang: str | None,
    title: str | None,
    tally: _Tally,
) -> Plan:
    """Decide the requests for one part: yields (messages, text, output budget), is sent each
    outcome, returns the results.

    A reply cut off at the output limit is asked again with a larger budget; when the largest
    budget is not enough, the part is halved; when halves are not enough either, a clear error.
    The same plan drives the sync and the async engine.
    """

    def messages(text: str) -> list[dict[str, str]]:
        return brief_messages(text, lang=lang, title=title, part_number=index + 1, part_count=count)

    last: OutputTruncatedError | None = None
    for budget in OUTPUT_BUDGETS:
        outcome = yield messages(part), part, budget
        if not isinstance(outcome, OutputTruncatedError):
            return [outcome]
        last = outcome
        tally.spend(outcome)
        tally.warnings.append(f"part {index + 1}: reply cut off at {budget} tokens, retrying")
    halves = chunk_text(part, max(estimate_tokens(part) // 2, 200))
    if len(halves) > 1:
        tally.warnings.append(f"part {index + 1}: split in {len(halves)} to fit the output limit")
        out: list[ReplyResult] = []
        for half in halves:
            outcome = yield messages(half), half, OUTPUT_BUDGETS[-1]
            if isinstance(outcome, OutputTruncatedError):
                last = outcome
                tally.spend(outcome)
                break
            out.append(outcome)
        else:
            return out
    assert last is not None
    raise OutputTruncatedError(
        f"the model's reply kept hitting its output limit (up to {OUTPUT_BUDGETS[-1]} tokens) "
        "even on smaller parts: try a model with a larger output limit",
        model=last.model,
        # what the truncated requests cost is in the tally, which charges it to this error
        attempts=0,
        usage=Usage(),
        last_reply=last.last_reply,
    )


def _drive(
    plan: Plan, ask: Callable[[list[dict[str, str]], str, int], ReplyResult]
) -> list[ReplyResult]:
    """Run a part plan with a sync `ask`."""
    request = next(plan)
    while True:
        outcome: ReplyResult | OutputTruncatedError
        try:
            outcome = ask(*request)
        except OutputTruncatedError as exc:
            outcome = exc
        try:
            request = plan.send(outcome)
        except StopIteration as done:
            return done.value


async def _adrive(
    plan: Plan, ask: Callable[[list[dict[str, str]], str, int], Awaitable[ReplyResult]]
) -> list[ReplyResult]:
    """Run a part plan with an async `ask`."""
    request = next(plan)
    while True:
        outcome: ReplyResult | OutputTruncatedError
        try:
            outcome = await ask(*request)
        except OutputTruncatedError as exc:
            outcome = exc
        try:
            request = plan.send(outcome)
        except StopIteration as done:
            return done.value


__all__ = ["asummarize", "check_text", "summarize"]
