"""Turn a digest's SOURCE arguments into work items: files, folders, URLs, URL lists, feeds.

Expanding a source never stops the digest: a source that cannot be read becomes a failed item
with its one-line reason, and the rest go on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from summarizer.brief.models import FailedSource
from summarizer.errors import InputError, SummarizerError

if TYPE_CHECKING:
    from summarizer.store.base import Store

ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm", ".text"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
_URL = re.compile(r"^https?://\S+$", re.I)


# Returns (Article, warning or None); raises InputError/FetchError.
Loader = Callable[[], tuple[object, str | None]]


@dataclass
class Item:
    """One article to brief; `load` fetches and extracts it (in a worker thread)."""

    name: str
    load: Loader
    published: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    # What the feed says of the entry: its title, the feed's title (the outlet), categories.
    title: str | None = None
    outlet: str | None = None
    categories: list[str] = field(default_factory=list)
    # The URL `load` fetches first (a feed entry's page), if it fetches: the digest waits for a
    # slot of its host before it takes one of its own (issue 14).
    fetches: str | None = None


def parse_since(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """'24h', '90m', '7d', '2w' or an ISO date/time -> an aware UTC datetime (None: no limit)."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    m = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {
            "m": timedelta(minutes=n),
            "h": timedelta(hours=n),
            "d": timedelta(days=n),
            "w": timedelta(weeks=n),
        }[unit]
        return now - delta
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--since {value!r}: use 24h, 90m, 7d, 2w or an ISO date") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _is_url_list(path: Path) -> list[str] | None:
    try:
        head = path.read_bytes()[:1_000_000].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [ln.strip() for ln in head.splitlines() if ln.strip() and not ln.startswith("#")]
    if lines and all(_URL.match(ln) for ln in lines):
        return lines
    return None


def without_source(text: str, source: str) -> str:
    """An error's text without the source's name in front (the caller names the source)."""
    return text[len(source) + 2 :] if text.startswith(f"{source}: ") else text


def _feed_items(
    data: bytes,
    name: str,
    base_url: str | None,
    since: datetime | None,
    timeout: float,
    fetch: bool = True,
    counts: dict[str, int] | None = None,
    allow_private: bool | None = None,
    max_entries: int | None = None,
) -> tuple[list[Item], list[str]]:
    from summarizer.digests.feeds import DEFAULT_MAX_ENTRIES, parse_feed

    cap = DEFAULT_MAX_ENTRIES if max_entries is None else max_entries
    feed = parse_feed(data, name=name, base_url=base_url, max_entries=cap)
    items: list[Item] = []
    too_old = 0
    for i, entry in enumerate(feed.entries):
        if since and entry.published and entry.published < since:
            too_old += 1
            continue
        label = entry.link or f"{name}#{i + 1}"
        items.append(
            Item(
                label,
                _entry_loader(entry, label, timeout, fetch, allow_private),
                entry.published,
                list(feed.warnings),
                title=entry.title,
                outlet=feed.title,
                categories=list(getattr(entry, "categories", ())),
                fetches=entry.link if fetch and entry.link else None,
            )
        )
    warnings = [f"{name}: {w}" for w in feed.warnings]
    if feed.total_entries > len(feed.entries):
        warnings.append(
            f"feed {name}: kept the newest {len(feed.entries)} of {feed.total_entries} entries "
            "(max_feed_entries)"
        )
        if counts is not None:
            counts["capped"] = counts.get("capped", 0) + feed.total_entries - len(feed.entries)
    if too_old:
        warnings.append(
            f"{name}: {too_old} of {len(feed.entries)} entries are older than --since "
            f"({since:%Y-%m-%d %H:%M} UTC), left out"
        )
        if counts is not None:
            counts["too_old"] = counts.get("too_old", 0) + too_old
    return items, warnings


def _entry_loader(
    entry: object, label: str, timeout: float, fetch: bool, allow_private: bool | None = None
) -> Loader:
    def load() -> tuple[object, str | None]:
        from summarizer.ingest import article_from_bytes, load_url

        link = getattr(entry, "link", None)
        content = getattr(entry, "content_text", None)
        reason = "the entry has no link" if fetch else "fetching pages is off"
        if link and fetch:
            try:
                # A link someone else wrote: http(s) only, never a local file, never a
                # private host unless allowed.
                return load_url(link, timeout=timeout, allow_private=allow_private), None
            except SummarizerError as exc:
                if not content:
                    raise
                reason = without_source(str(exc), link)
        if not content:
            raise InputError(
                "the feed entry has neither a fetchable page nor content", source=label
            )
        # The page could not be fetched: brief the entry's own text, and say so.
        article = article_from_bytes(content.encode("utf-8"), name=label, url=link)
        return article, f"{label}: page not fetched ({reason}); briefed the feed entry's own text"

    return load


def expand(
    sources: list[str],
    *,
    since: datetime | None = None,
    timeout: float = 20.0,
    fetch_pages: bool = True,
    counts: dict[str, int] | None = None,
    allow_private: bool | None = None,
    max_feed_entries: int | None = None,
    feed_state: Store | None = None,
) -> tuple[list[Item], list[FailedSource], list[str]]:
    """Items to brief, sources that failed outright, and warnings (e.g. a malformed feed).

    With `fetch_pages=False`, feed entries are briefed from the feed's own text. Feed entries
    older than `since` are left out, with a warning per feed, and counted in
    `counts["too_old"]` when `counts` is given. Every fetch (a URL, a feed, each entry's page,
    each redirect) goes through the URL guard: `allow_private` opens private hosts (None: the
    `allow_private_urls` setting / SUMMARIZER_ALLOW_PRIVATE_URLS decides).

    A feed gives at most `max_feed_entries` entries (None: `feeds.DEFAULT_MAX_ENTRIES`), the
    newest; a feed that had more is named in a warning ("kept the newest N of M entries").

    With `feed_state` (the digest's store), a feed URL is fetched with a conditional GET: the
    ETag and Last-Modified of its last 200 response go as If-None-Match / If-Modified-Since,
    a 304 reuses the stored body (one warning counts them: "N feeds unchanged (304) ...", and
    `counts["unchanged_feeds"]`), and a 200 with either validator replaces the stored state.
    """
    if max_feed_entries is not None and max_feed_entries < 1:
        raise InputError(f"max_feed_entries must be at least 1, got {max_feed_entries}")
    from summarizer.ingest import load_source

    items: list[Item] = []
    failed: list[FailedSource] = []
    warnings: list[str] = []
    unchanged: list[str] = []

    def conditional_get(url: str) -> tuple[bytes, str, str | None]:
        """fetch_url, conditional on the feed's stored state; a 304 gives the stored body."""
        from summarizer.digests.feeds import looks_like_feed
        from summarizer.ingest import fetch_url

        if feed_state is None:
            return fetch_url(url, timeout=timeout, allow_private=allow_private)
        state = feed_state.feed_state(url)
        headers: dict[str, str] = {}
        if state is not None:
            if state[0]:
                headers["If-None-Match"] = state[0]
            if state[1]:
                headers["If-Modified-Since"] = state[1]
        info: dict[str, object] = {}
        body, final, ctype = fetch_url(
            url, timeout=timeout, allow_private=allow_private, headers=headers, info=info
        )
        if info.get("status") == 304 and state is not None:
            unchanged.append(url)
            return state[2], final, None
        etag, modified = info.get("etag"), info.get("last_modified")
        if (etag or modified) and looks_like_feed(body):
            feed_state.save_feed_state(
                url,
                str(etag) if etag else None,
                str(modified) if modified else None,
                body,
            )
        return body, final, ctype

    def article(path_or_url: str) -> Item:
        return Item(
            path_or_url,
            lambda: (
                load_source(path_or_url, timeout=timeout, allow_private=allow_private),
                None,
            ),
        )

    def one(source: str) -> None:
        if _URL.match(source):
            from summarizer.digests.feeds import looks_like_feed
            from summarizer.ingest import article_from_bytes

            body, final, ctype = conditional_get(source)
            if looks_like_feed(body):
                got, warn = _feed_items(
                    body,
                    source,
                    final,
                    since,
                    timeout,
                    fetch_pages,
                    counts,
                    allow_private,
                    max_feed_entries,
                )
                items.extend(got)
                warnings.extend(warn)
            else:
                items.append(
                    Item(
                        source,
                        lambda: (
                            article_from_bytes(body, name=source, content_type=ctype, url=final),
                            None,
                        ),
                    )
                )
            return
        path = Path(source)
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES | FEED_SUFFIXES
            )
            if not files:
                raise InputError("no article or feed files in this folder", source=source)
            for p in files:
                guarded(str(p))
            return
        if not path.exists():
            raise InputError("no such file, folder or URL", source=source)
        if path.suffix.lower() in FEED_SUFFIXES:
            data = path.read_bytes()
            got, warn = _feed_items(
                data,
                source,
                None,
                since,
                timeout,
                fetch_pages,
                counts,
                allow_private,
                max_feed_entries,
            )
            items.extend(got)
            warnings.extend(warn)
            return
        urls = _is_url_list(path)
        if urls is not None:
            for url in urls:
                guarded(url)
            return
        items.append(article(source))

    def guarded(source: str) -> None:
        try:
            one(source)
        except SummarizerError as exc:
            failed.append(FailedSource(source=source, reason=without_source(str(exc), source)))

    for s in sources:
        guarded(s)
    if unchanged:
        n = len(unchanged)
        warnings.append(
            f"{n} feed{'s' if n != 1 else ''} unchanged (304), entries read from the stored copy"
        )
        if counts is not None:
            counts["unchanged_feeds"] = counts.get("unchanged_feeds", 0) + n
    return items, failed, warnings
