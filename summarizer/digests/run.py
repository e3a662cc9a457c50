"""One digest run: many sources -> cached briefs -> one digest of stories. Safe to run from cron.

A run takes a lock beside the store's real path (a second run at once exits, or waits), records
every source's outcome and every model call (written before it is sent, completed after),
commits each brief the moment it is made (a killed run loses nothing it finished, and the next
run redoes nothing), keeps a hard cost cap (each call's worst case reserved before it is sent),
and writes its outputs atomically, having checked them before the first paid call. One source
failing never stops the others; a store that cannot be written ends the run, marked failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from summarizer.brief.models import (
    SCHEMA_VERSION,
    Brief,
    CallRecord,
    Digest,
    FailedSource,
    InBrief,
    SourceRef,
)
from summarizer.brief.prompts import active_version
from summarizer.digests.continuity import (
    DEFAULT_MAX_STORIES,
    LOOKBACK_DAYS,
    Carried,
    StoryState,
    apply,
    front_page,
    in_brief_item,
    match,
    state_of,
    states_to_rows,
)
from summarizer.digests.stories import Entry, build_story, group
from summarizer.digests.synthesis import synthesis_mode, synthesize_stories
from summarizer.errors import (
    BudgetExceeded,
    OutputError,
    StoreError,
    StoreLocked,
    SummarizerError,
)
from summarizer.store import BriefKey, Store, is_postgres_url, open_store, run_lock

# Another digest run holds the store's lock (`summarizer.store.store_lock`, exit 8); the old name
# stays for code that catches it.
DigestLocked = StoreLocked


@dataclass
class Progress:
    """Counts so far, for a progress line."""

    total: int = 0
    done: int = 0
    cached: int = 0
    failed: int = 0
    skipped: int = 0
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    @property
    def finished(self) -> int:
        """Sources with an outcome."""
        return self.done + self.cached + self.failed + self.skipped


@dataclass
class DigestResult:
    """What a run produced."""

    digest: Digest
    run_id: int
    progress: Progress
    outputs: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[FailedSource]:
        """Sources that failed or were skipped."""
        return self.digest.failed

    @property
    def exit_code(self) -> int:
        """0 when every source was briefed, 7 when some failed or were skipped."""
        return 7 if self.digest.failed else 0


def _llm_configured(api_key: str | None, base_url: str | None) -> bool:
    return bool(
        api_key or base_url or os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")
    )


async def arun_digest(
    sources: list[str],
    *,
    since: str | datetime | None = None,
    engine: str = "auto",
    mode: str = "tools",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    client: Any = None,
    db: str | Path | None = None,
    concurrency: int = 4,
    rpm: int | None = None,
    tpm: int | None = None,
    max_cost: float | None = None,
    strict: bool = True,
    lang: str | None = None,
    timeout: float = 60.0,
    outputs: list[tuple[str | Path, str]] | None = None,
    progress: Callable[[Progress], None] | None = None,
    wait: bool = False,
    retry: Any = None,
    fetch_pages: bool = True,
    batch_api: bool = False,
    batch_wait: float = 0.0,
    batch_poll: float = 30.0,
    allow_private: bool | None = None,
    max_feed_entries: int | None = None,
    max_stories: int | None = DEFAULT_MAX_STORIES,
    unchanged: str = "fold",
    synthesis: str = "auto",
    workers: str = "auto",
) -> DigestResult:
    """Brief every source (cached, bounded, rate-limited) and group the briefs into stories.

    Returns the `Digest` with what the CLI needs besides (run id, written paths, exit code);
    `summarizer.adigest` returns the `Digest` alone.

    `outputs` is a list of (path, format) with format md, html or json; each is written
    atomically. The store defaults to `<data dir>/summarizer.db`. With `fetch_pages=False`
    feed entries are briefed from the feed's own text, without fetching their pages.

    With `batch_api=True` (LLM engine) the articles that need a brief go to the OpenAI Batch
    API as one batch (half the price): the run waits up to `batch_wait` seconds for it, polling
    every `batch_poll`, and lists what is still running as waiting; any later run collects it
    (see `summarizer.digests.batch`). Articles too long for one request are briefed live.

    `max_cost` (USD) is a hard cap at any concurrency: each call's worst case is reserved before
    it is sent (`summarizer.budget`), the Batch API gets only what fits at batch prices, and a
    model with no known price is refused before the run starts. Every output is checked to be
    writable before any source is read. `allow_private` opens fetches to private hosts (else
    the `allow_private_urls` setting / SUMMARIZER_ALLOW_PRIVATE_URLS decides). A feed gives
    at most `max_feed_entries` entries, the newest (None: 300); a capped feed is a warning.

    Each story keeps its id from the last digest over the same store and is marked new, updated
    (with `since_last`) or unchanged (`summarizer.digests.continuity`). The front page holds
    `max_stories` (None: all), the rest go to `Digest.in_brief`, one `InBrief` line each (digest
    schema v3): each story is built, kept as its line and its continuity state, and let go, and
    only the front page's stories are built again in full, so a large batch does not hold every
    story at once. `unchanged` is "fold" (one line each), "omit" (left out) or "show" (in full).

    Every front-page story gets `Story.synthesis` (`summarizer.digests.synthesis`): by the model,
    one cached call per multi-source story, when the engine is the LLM and `synthesis` is "auto"
    or "llm"; by rules with "offline" (or the offline engine); none with "off".

    A store write that fails (disk full, I/O error) stops the run: no new brief is started, the
    run is marked failed, and the `StoreError` (one line naming the file) is raised; every brief
    committed before it stays.
    """
    from summarizer.config import default_db_path
    from summarizer.digests.ratelimit import RateLimiter
    from summarizer.digests.sources import expand, parse_since
    from summarizer.engine import asummarize
    from summarizer.files import check_writable

    # Before any source is read or any call is paid for: every output can be written.
    for path, _fmt in outputs or []:
        check_writable(path)
    chosen = (
        engine if engine != "auto" else ("llm" if _llm_configured(api_key, base_url) else "offline")
    )
    if chosen == "llm":
        from summarizer.brief.llm import resolve_model, shared_client

        model = resolve_model(model)
        if max_cost is not None:
            from summarizer.brief.pricing import require_price

            require_price(model)  # a cap on a model with no price would never fire
        if client is None:
            # The one client of this endpoint and key in this event loop (issue 15), shared with
            # asummarize's own calls and closed when the loop ends.
            client = shared_client(
                api_key=api_key, base_url=base_url, timeout=timeout, asynchronous=True
            )
    else:
        model = None
    batch_client = None
    if batch_api:
        from summarizer.errors import ConfigError

        if chosen != "llm":
            raise ConfigError("--batch-api needs the LLM engine (a key or a base URL)")
        if mode != "tools":
            raise ConfigError("--batch-api sends tool calls: it cannot be used with --mode json")
        batch_client = shared_client(api_key=api_key, base_url=base_url, timeout=timeout)
    cutoff = since if isinstance(since, datetime) else parse_since(since)
    # A postgresql:// URL: a PostgresStore under an advisory lock; else the SQLite file's lock.
    db_path = db if is_postgres_url(db) else Path(db or default_db_path())
    with run_lock(db_path, wait=wait):
        store = open_store(db_path)
        # A PostgreSQL store: briefs go to its workers while one is alive (`workers`: "auto",
        # "no-wait" to queue them only, "off"); see summarizer/digests/workers.py.
        from summarizer.digests.workers import dispatcher

        dispatch = await dispatcher(db_path, mode=workers, local=asummarize)
        limiter: Any = RateLimiter(rpm, tpm)
        if dispatch is not None and (rpm or tpm):
            from summarizer.digests.workers import SharedRateLimiter

            # Calls this process makes itself (no worker alive) count against the same rpm/tpm
            # as the workers' calls: one request log in the database.
            limiter = SharedRateLimiter(str(db_path), rpm, tpm)
        try:
            settings = RunSettings(
                cutoff=cutoff,
                engine=chosen,
                mode=mode,
                model=model,
                client=client,
                concurrency=concurrency,
                limiter=limiter,
                max_cost=max_cost,
                strict=strict,
                lang=lang,
                timeout=timeout,
                outputs=outputs or [],
                progress=progress,
                asummarize=dispatch.asummarize if dispatch else asummarize,
                expand=functools.partial(
                    expand, max_feed_entries=max_feed_entries, feed_state=store
                ),
                fetch_pages=fetch_pages,
                allow_private=allow_private,
                max_stories=max_stories,
                unchanged=unchanged,
                synthesis=synthesis_mode(synthesis),
                retry=retry,
                batch_client=batch_client,
                batch_wait=batch_wait,
                batch_poll=batch_poll,
            )
            return await _run(
                store,
                sources,
                settings,
                {
                    "sources": sources,
                    "engine": chosen,
                    "model": model,
                    "since": str(since) if since else None,
                    "max_cost": max_cost,
                    "batch_api": batch_api,
                },
            )
        finally:
            store.close()
            if dispatch is not None:
                await dispatch.aclose()
            if hasattr(limiter, "close"):
                limiter.close()


@dataclass(frozen=True)
class RunSettings:
    """One run's options as `arun_digest` resolved them (engine chosen, `since` parsed, the
    client, rate limiter and source expander made): what `_run` and `_brief_all` work from."""

    cutoff: datetime | None
    engine: str
    model: str | None
    client: Any
    concurrency: int
    limiter: Any
    max_cost: float | None
    strict: bool
    lang: str | None
    timeout: float
    outputs: list[tuple[str | Path, str]]
    progress: Callable[[Progress], None] | None
    asummarize: Any
    expand: Any
    retry: Any
    mode: str = "tools"
    fetch_pages: bool = True
    batch_client: Any = None
    batch_wait: float = 0.0
    batch_poll: float = 30.0
    allow_private: bool | None = None
    max_stories: int | None = DEFAULT_MAX_STORIES
    unchanged: str = "fold"
    synthesis: str = "auto"


async def _run(
    store: Store, sources: list[str], s: RunSettings, args: dict[str, Any]
) -> DigestResult:
    store.mark_interrupted()
    run_id = store.start_run(args)
    prog = Progress()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    try:
        return await _brief_all(store, run_id, prog, started, counts, sources, s)
    except (StoreError, OutputError):
        # The run ends here; what is committed stays. Marking it failed may fail too (the
        # disk is still full): then the next run marks it interrupted.
        with contextlib.suppress(StoreError):
            store.finish_run(run_id, "failed", _totals(prog, started, counts))
        raise


def _totals(prog: Progress, started: float, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "articles": prog.total,
        "briefed": prog.done,
        "cached": prog.cached,
        "failed": prog.failed,
        "skipped": prog.skipped,
        "calls": prog.calls,
        "tokens": prog.tokens,
        "cost_usd": round(prog.cost_usd, 6),
        "seconds": round(time.perf_counter() - started, 2),
        "too_old": counts.get("too_old", 0),
    }


async def _brief_all(
    store: Store,
    run_id: int,
    prog: Progress,
    started: float,
    counts: dict[str, int],
    sources: list[str],
    s: RunSettings,
) -> DigestResult:
    from summarizer.budget import Meter
    from summarizer.digests import batch
    from summarizer.engine import _parts
    from summarizer.ingest import host_key, per_host_limit

    meter = Meter(s.max_cost)
    items, failed, warnings = await asyncio.to_thread(
        s.expand,
        sources,
        since=s.cutoff,
        timeout=s.timeout,
        fetch_pages=s.fetch_pages,
        counts=counts,
        allow_private=s.allow_private,
    )
    # What loading a source had to work around ("page not fetched (cannot connect ...)"): if
    # the brief then fails, the failure names that first cause, not only the last symptom.
    notes: dict[str, str] = {}
    for f in failed:
        store.record_item(run_id, f.source, None, "failed", f.reason)
    prog.total, prog.failed = len(items) + len(failed), len(failed)
    entries: dict[str, Entry] = {}
    position = {item.name: i for i, item in reversed(list(enumerate(items)))}
    order: dict[str, int] = {}
    gate = asyncio.Semaphore(max(1, s.concurrency))
    seen: dict[str, str] = {}
    # Items whose text is byte-identical to an article already read (another outlet's copy):
    # article id -> (position, how it would be cited, whether it has no title of its own).
    carriers: dict[str, list[tuple[int, SourceRef, bool]]] = {}
    cache_model = s.model or "offline"

    def tick() -> None:
        if s.progress:
            s.progress(prog)

    # A store write that failed: no new article is started, the calls in flight finish.
    broken: list[SummarizerError] = []

    async def guarded(item: Any) -> None:
        if broken:
            return
        try:
            await one(item)
        except (StoreError, OutputError) as exc:
            broken.append(exc)

    def skip(item: Any, article_id: str, reason: str) -> None:
        failed.append(FailedSource(source=item.name, reason=reason, status="skipped"))
        store.record_item(run_id, item.name, article_id, "skipped", reason)
        prog.skipped += 1
        tick()

    # This digest's fetches per host (the first hop of an entry's page), at most per_host at once.
    hosts: dict[str, asyncio.Semaphore] = {}
    try:
        per_host: int | None = per_host_limit()
    except SummarizerError:
        per_host = None  # a bad SUMMARIZER_PER_HOST: each fetch says so (fetch_url)

    async def one(item: Any) -> None:
        # A fetch waits for a slot of its host first and takes a digest slot only then: one slow
        # or busy host does not hold the slots other hosts' articles need (issue 14). The host's
        # slot is given back once the page is read.
        url = getattr(item, "fetches", None)
        held: list[asyncio.Semaphore] = []
        if url and per_host is not None:
            host = hosts.get(host_key(url))
            if host is None:
                host = hosts[host_key(url)] = asyncio.Semaphore(per_host)
            await host.acquire()
            held.append(host)
        try:
            await in_slot(item, held)
        finally:
            for host in held:
                host.release()

    async def in_slot(item: Any, held: list[asyncio.Semaphore]) -> None:
        async with gate:
            if broken:
                return
            try:
                article, warning = await asyncio.to_thread(item.load)
            except SummarizerError as exc:
                reason = _reason(exc, item.name)
                failed.append(FailedSource(source=item.name, reason=reason))
                store.record_item(run_id, item.name, None, "failed", reason)
                prog.failed += 1
                tick()
                return
            finally:
                while held:
                    held.pop().release()
            if warning:
                warnings.append(warning)
                notes[item.name] = _reason(warning, item.name)
            article_id = store.add_article(article.text, item.name, article.source)
            ref = _source_ref(item, article, article_id)
            if article_id in seen:
                # The same text is briefed once; the outlet that also carried it is listed on
                # its source (and counted on the front page) once every article is read.
                untitled = ref.title in (ref.path, item.name) and not ref.url
                carriers.setdefault(article_id, []).append((position[item.name], ref, untitled))
                outlet = ref.outlet or ref.domain
                store.record_item(
                    run_id, item.name, article_id, "cached",
                    f"same text as {seen[article_id]}"
                    + (f", briefed once: {outlet} is listed on its source" if outlet else ""),
                )  # fmt: skip
                prog.cached += 1
                tick()
                return
            seen[article_id] = item.name
            key = BriefKey(article_id, s.engine, cache_model, active_version(), SCHEMA_VERSION)
            brief = store.get_brief(key)
            if brief is not None:
                store.record_item(run_id, item.name, article_id, "cached")
                prog.cached += 1
            else:
                if s.max_cost is not None and meter.spent >= s.max_cost:
                    skip(item, article_id, f"cost cap ${s.max_cost:.4f} reached")
                    return
                if (
                    s.batch_client is not None
                    and article_id not in live_only
                    and len(_parts(article.text, None, s.model)) == 1
                ):
                    # Collected from the batch after every article is read (see below).
                    to_batch[article_id] = (item, article, ref)
                    return
                brief = await live(item, article, article_id, key)
                if brief is None:
                    return
            add_entry(item, article, ref, article_id, brief)

    def add_entry(item: Any, article: Any, ref: SourceRef, article_id: str, brief: Brief) -> None:
        if ref.title in (ref.path, item.name) and not ref.url:
            # A local file with no title of its own: named by its brief's title, not its path.
            ref = ref.model_copy(update={"title": brief.title})
        when = item.published or _parse_date(article.source.date)
        # Only what grouping needs stays in memory; the brief (committed to the store already)
        # is read back when its story is built (issue 15: memory flat in the batch size).
        key = BriefKey(article_id, s.engine, cache_model, active_version(), SCHEMA_VERSION)
        entries[article_id] = Entry.compact(
            ref.article_id, brief, ref, when, functools.partial(store.get_brief, key)
        )
        # Its text, read back when its story is built, tells syndicated copies apart.
        entries[article_id].text = functools.partial(_article_text, store, article_id)
        order[article_id] = min(order.get(article_id, len(items)), position[item.name])
        tick()

    def charge(article_id: str, call: CallRecord) -> None:
        """Count a call (its row in `llm_calls` is written by the meter, or by the batch)."""
        prog.calls += 1
        prog.tokens += call.usage.total_tokens
        prog.cost_usd += call.cost_usd or 0.0

    batch_tickets: dict[str, Any] = {}

    def charge_batch(article_id: str, call: CallRecord) -> None:
        """A Batch API answer: settles this run's reservation, or counts an earlier run's."""
        charge(article_id, call)
        ticket = batch_tickets.pop(article_id, None)
        if ticket is not None:
            meter.settle(ticket, call.cost_usd)
        else:
            meter.spend(call.cost_usd)

    def metered(article_id: str) -> Meter:
        """The run's meter, writing this article's calls to `llm_calls` before they are sent."""
        return meter.with_hooks(
            on_begin=lambda call: store.begin_call(run_id, article_id, call),
            on_end=lambda row, call: store.end_call(int(row), call),
        )

    async def live(item: Any, article: Any, article_id: str, key: BriefKey) -> Brief | None:
        """Brief one article now, with re-asks and retries; None (and recorded) if it fails."""
        try:
            brief: Brief = await s.asummarize(
                article.text,
                engine=s.engine,
                mode=s.mode,
                model=s.model,
                client=s.client,
                strict=s.strict,
                lang=s.lang,
                source=article.source,
                on_call=lambda call: charge(article_id, call),
                timeout=s.timeout,
                before_call=s.limiter.acquire,
                retry=s.retry,
                meter=metered(article_id),
            )
        except BudgetExceeded as exc:
            skip(item, article_id, str(exc))
            return None
        except (StoreError, OutputError):
            raise
        except SummarizerError as exc:
            reason = _reason(exc, item.name)
            if item.name in notes:
                reason = f"{notes[item.name]}, which failed: {reason}"
            failed.append(FailedSource(source=item.name, reason=reason))
            store.record_item(run_id, item.name, article_id, "failed", reason)
            prog.failed += 1
            tick()
            return None
        store.put_brief(key, brief)
        store.record_item(run_id, item.name, article_id, "done")
        prog.done += 1
        return brief

    # Batch API: first collect what earlier runs submitted, so finished briefs are cache hits.
    to_batch: dict[str, tuple[Any, Any, SourceRef]] = {}
    live_only: set[str] = set()
    pending: dict[str, str] = {}
    if s.batch_client is not None:
        assert s.model is not None  # the Batch API is the LLM engine's
        got = await asyncio.to_thread(
            batch.collect, store, s.batch_client, model=s.model, poll_s=s.batch_poll,
            on_call=charge_batch, record_calls=True, run_id=run_id,
            # a failing answer's repair is reserved on the run's meter; `charge` only counts it
            meter=meter, on_repair_call=charge,
        )  # fmt: skip
        live_only, pending = set(got.retry_live), dict(got.pending)

    tick()
    await asyncio.gather(*(guarded(item) for item in items))
    if broken:
        raise broken[0]
    if to_batch:
        assert s.model is not None
        await _through_batch(
            to_batch, pending, store=store, client=s.batch_client, model=s.model, lang=s.lang,
            wait_s=s.batch_wait, poll_s=s.batch_poll, charge=charge_batch, live=live,
            add_entry=add_entry, record=lambda *a: store.record_item(run_id, *a), prog=prog,
            warnings=warnings,
            key=lambda a: BriefKey(a, s.engine, cache_model, active_version(), SCHEMA_VERSION),
            meter=meter, tickets=batch_tickets, run_id=run_id, failed=failed, count=charge,
        )  # fmt: skip
    # What opening or reading the store found (a failed integrity check, a damaged row).
    warnings.extend(w for w in getattr(store, "warnings", []) if w not in warnings)
    # Briefs finish in any order; the digest lists sources and failures in the order they were
    # given, so the same sources make the same digest.
    failed.sort(key=lambda f: position.get(f.source, -1))
    # Every article is read and briefed: what that took goes now (issue 15, memory flat in the
    # batch size): a feed's items hold their entries' own text, `to_batch` its articles'.
    for article_id, copies in carriers.items():
        if article_id in entries:
            order[article_id] = _list_carriers(entries[article_id], order[article_id], copies)
    carriers.clear()
    items.clear()
    to_batch.clear()
    position.clear()
    seen.clear()
    notes.clear()
    ordered = [entries[k] for k in sorted(entries, key=lambda k: order[k])]
    order.clear()
    now = datetime.now(UTC)
    groups = group(ordered)
    # Grouped: an entry that reads its brief back from the store needs its features no more.
    for e in ordered:
        if e.load is not None:
            e.features = None
    del ordered
    # Each story is built, kept as its one line and its state for continuity, and let go: only
    # the front page's are built again in full (issue 15, memory flat in the batch size).
    lines, current, importance = _one_lines(groups, now)
    # Continuity: each story takes its earlier id and says what changed since the last digest.
    carried = _carry_over(store, lines, current, now, warnings)
    del current
    front_items, in_brief = front_page(lines, s.max_stories, s.unchanged)
    index = {id(item): k for k, item in enumerate(lines)}
    omitted = sum(1 for item in lines if item.change == "unchanged")
    front = []
    for item in front_items:
        k = index[id(item)]
        story = build_story(*groups[k])
        story.importance = importance[k]  # as ranked, not a second later
        if carried is not None:
            apply(story, carried[1][k])
        front.append(story)
    del lines, groups, importance, front_items, index
    # Only the front page's articles are read again (synthesis).
    keep = {r.article_id for story in front for r in story.sources}
    keep |= {o.article_id for story in front for r in story.sources for o in r.also_carried_by}
    for article_id in [a for a in entries if a[:16] not in keep]:
        del entries[article_id]
    # One account per story across its sources, cited [1], [2] (cached; see synthesis.py).
    front = await synthesize_stories(
        front, entries, engine=s.engine, synthesis=s.synthesis, store=store, client=s.client,
        model=s.model, mode=s.mode, warnings=warnings, meter_for=metered,
        on_call=lambda call: charge("", call), before_call=s.limiter.acquire, policy=s.retry,
    )  # fmt: skip
    entries.clear()  # the front page is written up: no brief is read again
    digest = Digest(
        run_id=run_id,
        created_at=now,
        engine=s.engine,
        model=s.model,
        prompt_version=active_version(),
        stories=front,
        in_brief=in_brief,
        unchanged=s.unchanged,  # type: ignore[arg-type]  # checked by front_page
        failed=failed,
        warnings=warnings,
        totals=_totals(prog, started, counts),
    )
    if s.unchanged == "omit":
        digest.totals["unchanged_omitted"] = omitted
    written = _write_outputs(digest, s.outputs)
    if carried is not None:
        # Only once the outputs are written: a digest nobody got does not make stories old.
        store.save_stories(states_to_rows(carried[0]), run_id)
    del carried
    store.finish_run(run_id, "partial" if failed else "ok", digest.totals)
    return DigestResult(digest=digest, run_id=run_id, progress=prog, outputs=written)


def _one_lines(
    groups: list[tuple[list[Entry], list[str]]], now: datetime
) -> tuple[list[InBrief], list[StoryState], list[float]]:
    """Each group's story built and let go: its one line, its state for continuity and its
    importance, in the order `stories()` ranks them (importance, then title)."""
    built: list[tuple[float, str, int]] = []
    lines: list[InBrief] = []
    states: list[StoryState] = []
    for k, (members, why) in enumerate(groups):
        story = build_story(members, why)
        built.append((-story.importance, story.title, k))
        lines.append(in_brief_item(story))
        states.append(state_of(story, now))
    built.sort()
    # `groups` is reordered to match: `items[k]` is the story of `groups[k]`.
    groups[:] = [groups[k] for _, _, k in built]
    return (
        [lines[k] for _, _, k in built],
        [states[k] for _, _, k in built],
        [-imp for imp, _, _ in built],
    )


def _carry_over(
    store: Store,
    items: list[InBrief],
    current: list[StoryState],
    now: datetime,
    warnings: list[str],
) -> tuple[list[StoryState], list[Carried]] | None:
    """Match the stories to the store's earlier ones (continuity) and give each item its id,
    change and dates; the states to store and each story's match, or None if the store cannot
    keep stories (then every story is new)."""
    if not hasattr(store, "earlier_stories"):
        warnings.append(
            f"{type(store).__name__} keeps no stories yet: every story is new in this digest"
        )
        return None
    members = sorted({a for state in current for a in state.members})
    since = (now - timedelta(days=LOOKBACK_DAYS)).isoformat()
    earlier = []
    for raw in store.earlier_stories(members, since):
        try:
            earlier.append(StoryState.from_json(raw))
        except (ValueError, TypeError, KeyError) as exc:
            warnings.append(f"skipped a damaged story in the store: {exc}")
    carried, states = match(current, earlier, now)
    for item, c in zip(items, carried, strict=True):
        item.id, item.change = c.id, c.change
        item.first_seen, item.last_updated = c.first_seen, c.last_updated
        if c.change != "updated":
            c.old = None  # `since_last` is told only for an updated story
    return states, carried


def _list_carriers(entry: Entry, at: int, copies: list[tuple[int, SourceRef, bool]]) -> int:
    """List on `entry`'s source the other outlets whose items had its very text (dropped before
    briefing as the same article), and return the entry's position in the digest.

    The source is the item given first (the same sources make the same digest, whichever copy
    was read first); the others are `also_carried_by`, one per outlet (an outlet's second feed
    with the same text is not another outlet)."""
    given = sorted([(at, 0, entry.ref, False), *((p, 1, r, u) for p, r, u in copies)],
                   key=lambda c: (c[0], c[1]))  # fmt: skip
    first, _, head, untitled = given[0]
    if head is not entry.ref:
        if untitled:
            # A local file with no title of its own is named by its brief, as add_entry does.
            head = head.model_copy(update={"title": entry.ref.title})
        entry.when = _parse_date(head.published) or entry.when
    carried = head.carried_with(r for _, _, r, _ in given[1:])
    entry.ref = head.model_copy(update={"also_carried_by": carried})
    return first


def _article_text(store: Store, article_id: str) -> str | None:
    """An article's text as the store keeps it (None when it is not there)."""
    got = store.article(article_id)
    return got[0] if got else None


def _source_ref(item: Any, article: Any, article_id: str) -> SourceRef:
    """How the digest cites an article: its title (the feed entry's, else the page's), its
    outlet (the feed's title, else the page's og:site_name) and domain, and its date."""
    from urllib.parse import urlsplit

    meta = article.source
    url = meta.url or (item.name if item.name.startswith(("http://", "https://")) else None)
    host = (urlsplit(url).hostname or "") if url else ""
    domain = host.removeprefix("www.") or None
    return SourceRef(
        article_id=article_id[:16],
        title=getattr(item, "title", None) or meta.title or item.name,
        url=meta.url,
        path=meta.path,
        site=meta.site,
        published=(item.published.isoformat() if item.published else meta.date),
        outlet=getattr(item, "outlet", None) or meta.site or None,
        domain=domain,
        categories=list(getattr(item, "categories", []) or []),
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        from datetime import UTC

        dt = dt.replace(tzinfo=UTC)
    return dt


def _write_outputs(digest: Digest, outputs: list[tuple[str | Path, str]]) -> list[Path]:
    """Write every output atomically; an `OutputError` names the one that cannot be written."""
    from summarizer.digests.render import render_digest
    from summarizer.files import write_atomic

    return [write_atomic(path, render_digest(digest, fmt)) for path, fmt in outputs]


def run_digest(sources: list[str], **kwargs: Any) -> DigestResult:
    """Brief many sources into one digest (see `arun_digest` for the options)."""
    return asyncio.run(arun_digest(sources, **kwargs))


__all__ = ["DigestLocked", "DigestResult", "Progress", "arun_digest", "run_digest"]


def _reason(exc: Exception | str, source: str) -> str:
    """The error without the source's name in front: the failure record names it already."""
    from summarizer.digests.sources import without_source

    return without_source(str(exc), source)


async def _through_batch(
    to_batch: dict[str, tuple[Any, Any, SourceRef]],
    pending: dict[str, str],
    *,
    store: Store,
    client: Any,
    model: str,
    lang: str | None,
    wait_s: float,
    poll_s: float,
    charge: Callable[[str, CallRecord], None],
    count: Callable[[str, CallRecord], None],
    live: Callable[..., Any],
    add_entry: Callable[..., None],
    record: Callable[..., None],
    prog: Progress,
    warnings: list[str],
    key: Callable[[str], BriefKey],
    meter: Any,
    tickets: dict[str, Any],
    run_id: int,
    failed: list[FailedSource],
) -> None:
    """Submit what no open batch holds yet and fits under the cost cap (at batch prices), wait
    up to `wait_s`, take what came back."""
    from summarizer.digests import batch

    fresh = {a: article.text for a, (_, article, _) in to_batch.items() if a not in pending}
    if fresh:
        try:
            sent = await asyncio.to_thread(
                batch.submit_within, store, client, fresh, model=model, lang=lang, meter=meter,
                run_id=run_id,
            )  # fmt: skip
        except batch.BatchNotSubmitted as exc:
            # The parts before it went (recorded, waited for and collected like any batch);
            # its articles and the rest's were not submitted: failed, the next run submits them.
            sent = exc.submitted
            warnings.append(str(exc))
            for article_id in exc.not_submitted:
                item = to_batch.pop(article_id)[0]
                reason = f"not submitted to the Batch API: {exc.cause}"
                failed.append(FailedSource(source=item.name, reason=reason))
                record(item.name, article_id, "failed", reason)
                prog.failed += 1
        tickets.update(sent.tickets)
        pending.update(sent.batch_of)  # each article's own batch (one per part)
        for article_id in sent.over_cap:
            item = to_batch.pop(article_id)[0]
            reason = f"cost cap ${meter.cap:.4f} reached: not submitted to the Batch API"
            failed.append(FailedSource(source=item.name, reason=reason, status="skipped"))
            record(item.name, article_id, "skipped", reason)
            prog.skipped += 1
    if wait_s > 0:
        got = await asyncio.to_thread(
            batch.collect, store, client, model=model, wait_s=wait_s, poll_s=poll_s,
            on_call=charge, record_calls=True, run_id=run_id, meter=meter,
            on_repair_call=count,
        )  # fmt: skip
        for article_id, brief in got.briefs.items():
            if article_id in to_batch:
                item, article, ref = to_batch[article_id]
                record(item.name, article_id, "done")
                prog.done += 1
                add_entry(item, article, ref, article_id, brief)
        for article_id in got.retry_live:
            if article_id in to_batch:
                item, article, ref = to_batch[article_id]
                brief = await live(item, article, article_id, key(article_id))
                if brief is not None:
                    add_entry(item, article, ref, article_id, brief)
        for article_id in [*got.briefs, *got.retry_live]:
            pending.pop(article_id, None)
    waiting = {a: b for a, b in pending.items() if a in to_batch}
    for article_id, batch_id in waiting.items():
        item = to_batch[article_id][0]
        record(item.name, article_id, "skipped", f"waiting in batch {batch_id}")
        prog.skipped += 1
    if waiting:
        ids = ", ".join(sorted(set(waiting.values())))
        warnings.append(
            f"{len(waiting)} article(s) are waiting in the Batch API ({ids}); run the digest "
            "again to collect them"
        )
