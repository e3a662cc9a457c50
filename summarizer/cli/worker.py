"""`summarizer worker`: take briefing jobs from a PostgreSQL store's queue; parse and call."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from summarizer.cli._common import EXIT_CODES, handle_errors


@click.command(epilog=EXIT_CODES)
@click.option("--db", metavar="URL", help="The PostgreSQL store and queue (postgresql://…).")
@click.option(
    "--concurrency", type=click.IntRange(min=1), help="Jobs at once in this worker (default 4)."
)
@click.option("--rpm", type=int, help="Requests per minute at most, across all workers.")
@click.option("--tpm", type=int, help="Tokens per minute at most, across all workers.")
@click.option("--max-cost", type=float, help="Hard cap in USD per UTC day, across all workers.")
@click.option("--base-url", help="OpenAI-compatible endpoint this worker calls.")
@click.option(
    "--stalled-after",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat before a worker's jobs go to the others.",
)
@click.option(
    "--schedule",
    "schedules",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A digest config whose cron schedule this worker also runs (once per tick across "
    "all workers given it). Repeatable.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every job.")
@handle_errors
def worker(
    db: str | None,
    concurrency: int | None,
    rpm: int | None,
    tpm: int | None,
    max_cost: float | None,
    base_url: str | None,
    stalled_after: float,
    schedules: tuple[Path, ...],
    verbose: bool,
) -> None:
    """Brief the articles digests queue in a PostgreSQL store, until stopped.

    Run any number of workers, on any number of machines, against one database: each article
    is briefed once, a killed worker's jobs are taken by the others, and --rpm, --tpm and
    --max-cost hold across all of them. The endpoint and key are this worker's own settings.
    """
    import asyncio
    import logging

    from summarizer.config import load_settings
    from summarizer.errors import ConfigError
    from summarizer.store.postgres import is_postgres_url, safe_url

    settings = load_settings(
        {
            "db": db,
            "concurrency": concurrency,
            "rpm": rpm,
            "tpm": tpm,
            "max_cost": max_cost,
            "base_url": base_url,
        }
    )
    url = settings.db
    if not is_postgres_url(url):
        raise ConfigError(
            "a worker needs a PostgreSQL store: --db postgresql://… (or db = in the config)"
        )
    from summarizer.digests.workers import WorkerSettings, arun_worker

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    click.echo(
        f"summarizer: worker on {safe_url(url)}, {settings.concurrency} at once"
        + (f", {settings.rpm} rpm" if settings.rpm else "")
        + (f", {settings.tpm} tpm" if settings.tpm else "")
        + (f", ${settings.max_cost} cap" if settings.max_cost is not None else ""),
        err=True,
    )
    asyncio.run(
        arun_worker(
            WorkerSettings(
                url=url,
                concurrency=settings.concurrency,
                base_url=settings.base_url,
                api_key=settings.api_key,
                timeout=settings.timeout,
                rpm=settings.rpm,
                tpm=settings.tpm,
                max_cost=settings.max_cost,
                stalled_after=stalled_after,
                schedules=list(schedules),
            )
        )
    )
