"""Digests: many sources, cached briefs, one digest of stories, on a schedule.

`digest` / `adigest` return the `Digest` (schema `schemas/digest.v3.schema.json`). The modules:
`run` (one run: lock, cache, cost cap, outputs), `sources` and `feeds` (what to brief),
`stories` (grouping and disagreements), `continuity` (story ids across runs, new / updated /
unchanged, the front page), `headline` (titles), `render` (Markdown, JSON), `atom` (the Atom
feed), `ratelimit`, `scheduler` (cron).

No module here is called `digest`: a submodule of that name would replace the `digest` function
on the package as soon as anything imported it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from summarizer.brief.models import Digest
from summarizer.digests.run import DigestLocked, DigestResult, Progress, arun_digest, run_digest

__all__ = [
    "Digest",
    "DigestLocked",
    "DigestResult",
    "Progress",
    "adigest",
    "arun_digest",
    "digest",
    "run_digest",
]


async def adigest(sources: list[str], **kwargs: Any) -> Digest:
    """Brief `sources` into one `Digest` (its stories, failures, warnings and totals).

    Keyword arguments: since, engine, mode, model, base_url, api_key, client, db, concurrency, rpm,
    tpm, max_cost, strict, lang, timeout, outputs (a list of (path, "md"|"html"|"json"|"atom"),
    each written atomically), progress, wait, retry, fetch_pages, batch_api, batch_wait,
    batch_poll, max_stories (the front page's cap; the rest go to `digest.in_brief`, one
    `InBrief` line each), unchanged ("fold", "omit" or "show"), max_feed_entries (entries kept
    per feed, the newest; default 300) (see `summarizer.digests.run.arun_digest`).
    `digest.failed` lists the sources that failed or were skipped; `digest.run_id` is the run in
    the store (`summarizer show N`).
    """
    return (await arun_digest(sources, **kwargs)).digest


def digest(sources: list[str], **kwargs: Any) -> Digest:
    """Brief `sources` into one `Digest`; the blocking twin of `adigest` (same options)."""
    return asyncio.run(adigest(sources, **kwargs))
