"""`summarizer digest`, `history`, `show`, `schedule`: parse, call the library, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from summarizer.cli._common import EXIT_CODES, handle_errors
from summarizer.cli.progress import progress_line

# --out's suffix -> the digest format, when --format is not given (anything else: Markdown).
_FORMAT_BY_SUFFIX = {"html": "html", "htm": "html", "json": "json", "atom": "atom", "xml": "atom"}


@click.command(epilog=EXIT_CODES)
@click.argument("sources", nargs=-1)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A digest config (TOML): sources, schedule, outputs, settings.",
)
@click.option("--since", help="Only feed entries newer than this (24h, 7d, or an ISO date).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the digest here (atomically).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "atom"]),
    help="Output format (default md, or from --out's suffix).",
)
@click.option(
    "--max-stories",
    type=click.IntRange(min=1),
    help="Stories on the front page (default 12); the rest go in one line each under In brief.",
)
@click.option(
    "--unchanged",
    type=click.Choice(["fold", "omit", "show"]),
    help="Stories with nothing new since the last digest: one line (fold, default), left out "
    "(omit) or in full (show).",
)
@click.option(
    "--synthesis",
    type=click.Choice(["auto", "llm", "offline", "off"]),
    help="Each story written up across its sources, cited [1], [2]: by the model (one cached "
    "call per multi-source story; auto, the default, with the LLM engine), by rules (offline), "
    "or not (off).",
)
@click.option("--db", metavar="FILE|URL", help="A SQLite file, or a postgresql:// URL.")
@click.option("--concurrency", type=int, help="Briefs at once (default 4).")
@click.option("--rpm", type=int, help="Requests per minute at most.")
@click.option("--tpm", type=int, help="Tokens per minute at most.")
@click.option(
    "--max-cost",
    type=float,
    help="Hard cap in USD: each call's worst case is reserved before it is sent.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "llm", "offline"]),
    help="auto (default): the LLM when a key or base URL is set, else offline.",
)
@click.option(
    "--mode",
    type=click.Choice(["tools", "json", "json_schema", "md_json"]),
    help="How the reply is requested: tools (default) or json, for servers without tool calling.",
)
@click.option("--model", help="Model name.")
@click.option("--base-url", help="OpenAI-compatible endpoint.")
@click.option("--wait", is_flag=True, help="Wait for another run's lock instead of exiting.")
@click.option(
    "--fetch/--no-fetch",
    default=True,
    show_default=True,
    help="Fetch each feed entry's page, or brief the feed's own text.",
)
@click.option(
    "--batch-api",
    is_flag=True,
    help="Send the briefs through the OpenAI Batch API (half the price, within 24 h); a later "
    "run collects what is not back yet.",
)
@click.option(
    "--batch-wait",
    type=float,
    default=0.0,
    show_default=True,
    help="With --batch-api: seconds to wait for the batch before writing the digest.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --db postgresql://…: queue the briefs for the workers and write the digest "
    "without waiting for them (a later run includes them).",
)
@click.option(
    "--prompts",
    type=click.Path(file_okay=False),
    help="A folder of your own prompt templates: NAME.system.j2 and/or NAME.user.j2.",
)
@click.option(
    "--prompt-version",
    help="Which prompt: a NAME in --prompts (needed when it holds several), or a built-in one.",
)
@click.option("-v", "--verbose", is_flag=True, help="Every failure and warning on stderr.")
@handle_errors
def digest(
    sources: tuple[str, ...],
    config_file: Path | None,
    since: str | None,
    out: str | None,
    fmt: str | None,
    max_stories: int | None,
    unchanged: str | None,
    synthesis: str | None,
    db: str | None,
    concurrency: int | None,
    rpm: int | None,
    tpm: int | None,
    max_cost: float | None,
    engine: str | None,
    mode: str | None,
    model: str | None,
    base_url: str | None,
    wait: bool,
    fetch: bool,
    batch_api: bool,
    batch_wait: float,
    no_wait: bool,
    prompts: str | None,
    prompt_version: str | None,
    verbose: bool,
) -> None:
    """Brief many SOURCES into one digest of stories.

    SOURCES are files, folders, http(s) URLs, files listing URLs one per line, and RSS/Atom
    feeds. Briefs are cached in the store: a re-run over unchanged sources makes no model call.
    A story keeps its id from digest to digest over the same store, and is marked new, updated
    (with what is new) or unchanged since the last digest.
    """
    from summarizer.config import allow_private_urls, load_digest_config, load_settings
    from summarizer.digests.continuity import DEFAULT_MAX_STORIES
    from summarizer.digests.run import run_digest
    from summarizer.errors import ConfigError

    job = load_digest_config(config_file) if config_file else None
    flags = {
        "db": db,
        "concurrency": concurrency,
        "rpm": rpm,
        "tpm": tpm,
        "max_cost": max_cost,
        "engine": engine,
        "mode": mode,
        "model": model,
        "base_url": base_url,
        "prompts": prompts,
        "prompt_version": prompt_version,
        "synthesis": synthesis,
    }
    if job:
        flags = {**job.settings, **{k: v for k, v in flags.items() if v is not None}}
    settings = load_settings(flags)
    allow_private_urls(settings)
    all_sources = list(sources) or (job.sources if job else [])
    if not all_sources:
        raise ConfigError("no sources: give SOURCES or --config with a sources list")
    outputs: list[tuple[str | Path, str]] = []
    if out:
        suffix = Path(out).suffix.lower().lstrip(".")
        outputs.append((out, fmt or _FORMAT_BY_SUFFIX.get(suffix, "md")))
    elif job and job.outputs:
        outputs.extend(job.outputs)
    from summarizer.brief.prompts import choose_prompt, use_prompt
    from summarizer.config import effective_engine

    # A prompt of your own is checked before any source is read or any call is made.
    llm = effective_engine(settings) == "llm"
    prompt = choose_prompt(settings.prompts, settings.prompt_version) if llm else None
    with progress_line() as progress, use_prompt(prompt):
        result = run_digest(
            all_sources,
            since=since or (job.since if job else None),
            engine=settings.engine,
            mode=settings.mode,
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key,
            db=settings.db,
            concurrency=settings.concurrency,
            rpm=settings.rpm,
            tpm=settings.tpm,
            max_cost=settings.max_cost,
            strict=settings.strict,
            lang=settings.lang,
            timeout=settings.timeout,
            outputs=outputs,
            progress=progress,
            wait=wait,
            fetch_pages=fetch,
            batch_api=batch_api,
            batch_wait=batch_wait,
            workers="no-wait" if no_wait else "auto",
            allow_private=settings.allow_private_urls,
            max_feed_entries=settings.max_feed_entries,
            max_stories=max_stories or (job.max_stories if job else None) or DEFAULT_MAX_STORIES,
            unchanged=unchanged or (job.unchanged if job else None) or "fold",
            synthesis=settings.synthesis,
        )
    d = result.digest
    if not outputs:
        from summarizer.digests.render import render_digest

        click.echo(render_digest(d, fmt or "md"), nl=False)
    t = d.totals
    every = [s.change for s in d.stories] + [s.change for s in d.in_brief]
    # Since the last digest over this store; unchanged stories left out (--unchanged omit) count.
    omitted = int(t.get("unchanged_omitted", 0))
    n = {c: every.count(c) for c in ("new", "updated", "unchanged")}
    n["unchanged"] += omitted
    changes = f"{n['new']} new, {n['updated']} updated, {n['unchanged']} unchanged" + (
        " (left out)" if omitted else ""
    )
    click.echo(
        f"summarizer: run {result.run_id}: {len(every) + omitted} stories ({changes}) from "
        f"{int(t['articles'])} "
        f"sources ({int(t['briefed'])} briefed, {int(t['cached'])} cached, {int(t['failed'])} "
        f"failed, {int(t['skipped'])} skipped), {int(t['calls'])} model calls, "
        f"${t['cost_usd']:.4f}"
        + (
            f"; {int(t['too_old'])} feed entries older than --since left out"
            if t.get("too_old")
            else ""
        )
        + "".join(f"; wrote {p}" for p in result.outputs),
        err=True,
    )
    for f in d.failed:
        click.echo(f"summarizer: {f.status}: {f.source}: {f.reason}", err=True)
    for w in d.warnings:
        # Articles left in a batch are not failures, but the user must know to run again.
        # So must a feed cut down to its newest entries (max_feed_entries).
        if verbose or "Batch API" in w or "kept the newest" in w:
            click.echo(f"summarizer: warning: {w}", err=True)
    sys.exit(result.exit_code)


def _store(db: str | None) -> Any:
    from summarizer.config import default_db_path, load_settings
    from summarizer.errors import ConfigError
    from summarizer.store import SQLiteStore, is_postgres_url, open_store

    db = db or load_settings().db
    if is_postgres_url(db):
        return open_store(db)
    path = Path(db) if db else default_db_path(load_settings())
    if not path.exists():
        raise ConfigError(f"{path}: no store yet (run a digest first, or pass --db)")
    return SQLiteStore(path)


@click.command()
@click.option("--db", metavar="FILE|URL", help="A SQLite file, or a postgresql:// URL.")
@click.option("-n", "--limit", default=20, show_default=True, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@handle_errors
def history(db: str | None, limit: int, as_json: bool) -> None:
    """List past digest runs, newest first."""
    store = _store(db)
    runs = store.runs(limit)
    if as_json:
        click.echo(json.dumps(runs, indent=2))
        return
    for r in runs:
        t = json.loads(r["totals_json"] or "{}") or _totals_so_far(store, r["id"])
        click.echo(
            f"{r['id']:>5}  {r['started_at']}  {r['status']:<11} "
            f"{int(t.get('articles', 0)):>4} sources  {int(t.get('briefed', 0)):>4} briefed  "
            f"{int(t.get('cached', 0)):>4} cached  {int(t.get('failed', 0)):>3} failed  "
            f"${t.get('cost_usd', 0):.4f}"
        )


def _totals_so_far(store: Any, run_id: int) -> dict[str, float]:
    """A run that never finished (killed, or still going) has no totals: count what it kept."""
    found = store.run(run_id)
    items = found[1] if found else []
    status = {"done": "briefed", "cached": "cached", "failed": "failed", "skipped": "skipped"}
    totals: dict[str, float] = {"articles": len(items)}
    for item in items:
        key = status.get(item["status"])
        if key:
            totals[key] = totals.get(key, 0) + 1
    totals["cost_usd"] = sum(c["cost_usd"] or 0.0 for c in store.calls(run_id))
    return totals


@click.command()
@click.argument("ident")
@click.option("--db", metavar="FILE|URL", help="A SQLite file, or a postgresql:// URL.")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md")
@handle_errors
def show(ident: str, db: str | None, fmt: str) -> None:
    """Show run IDENT (a number) or the brief of article IDENT (a hash prefix)."""
    from summarizer.errors import InputError

    store = _store(db)
    if ident.isdigit():
        found = store.run(int(ident))
        if found is None:
            raise InputError(f"no run {ident}")
        run, items = found
        if fmt == "json":
            click.echo(json.dumps({"run": run, "items": items}, indent=2))
            return
        click.echo(f"run {run['id']}: {run['status']}, {run['started_at']} → {run['finished_at']}")
        for i in items:
            reason = f" — {i['reason']}" if i["reason"] else ""
            click.echo(f"  {i['status']:<8} {i['source']}{reason}")
        return
    brief = store.brief_by_article(ident)
    if brief is None:
        raise InputError(f"no run or brief matches {ident!r}")
    click.echo(brief.to_json() + "\n" if fmt == "json" else brief.to_markdown(), nl=False)


@click.command()
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--once", is_flag=True, help="Wait for the next due time, run once, exit with its code."
)
@click.option(
    "--next",
    "show_next",
    type=click.IntRange(min=1),
    metavar="N",
    help="Print the next N run times (ISO 8601, the job's time zone), one per line, and exit.",
)
@handle_errors
def schedule(config_file: Path, once: bool, show_next: int | None) -> None:
    """Run the digest in CONFIG_FILE on its cron `schedule`, forever.

    The schedule is read in the file's `timezone` (an IANA name such as Europe/Berlin; default
    UTC). Runs never overlap; a failing run is logged and the schedule goes on. With --once,
    the exit code is the run's (7 when some sources failed).
    """
    import logging
    import subprocess
    from datetime import UTC, datetime

    from summarizer.config import load_digest_config
    from summarizer.digests.scheduler import Cron, run_schedule
    from summarizer.errors import ConfigError

    job = load_digest_config(config_file)
    if not job.schedule:
        raise ConfigError(f"{config_file}: no `schedule` (a cron expression) in the file")
    cron = Cron.parse(job.schedule, job.timezone)
    if show_next:
        for t in cron.next_times(datetime.now(UTC), show_next):
            click.echo(t.isoformat())
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    def run() -> int:
        # Each run in its own process: a crash or a leak in one run cannot take the scheduler
        # down, and the store's lock keeps runs from overlapping with any other run too.
        cmd = [sys.executable, "-m", "summarizer", "digest", "--config", str(config_file)]
        return subprocess.run(cmd, check=False).returncode

    click.echo(
        f"summarizer: schedule {cron.expression!r} ({cron.zone}) for {config_file}", err=True
    )
    history = run_schedule(cron, run, max_runs=1 if once else None)
    if once and history:
        outcome = history[-1][1]
        sys.exit(outcome if isinstance(outcome, int) else 1)
