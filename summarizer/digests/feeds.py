"""RSS and Atom feeds: entries with absolute links, UTC times and their own text.

A malformed feed from which entries can still be recovered gives those entries and a warning; one
that gives none (an HTML page, compressed bytes, a truncated document) is a one-line error that
names the source. gzip-compressed feed files are decompressed first.
"""

from __future__ import annotations

import calendar
import gzip
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from summarizer.errors import InputError

_FEED_SNIFF = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed."""

    title: str | None
    link: str | None
    published: datetime | None
    entry_id: str | None
    content_text: str | None


@dataclass(frozen=True)
class Feed:
    """A parsed feed and what was wrong with it, if anything."""

    title: str | None
    entries: list[FeedEntry]
    warnings: list[str] = field(default_factory=list)


def _maybe_gunzip(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return data
    return data


def looks_like_feed(data: bytes) -> bool:
    """Whether the bytes look like RSS, Atom or RDF (checks the first few KB)."""
    head = _maybe_gunzip(data[:200_000])[:4096]
    return bool(_FEED_SNIFF.search(head))


def html_to_text(fragment: str) -> str:
    """An entry's HTML content as plain text, paragraphs kept."""
    fragment = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?>", "\n\n", fragment)
    text = html.unescape(_TAG.sub(" ", fragment))
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paras if p)


def _when(entry: dict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get, not entry.get: feedparser's own lookup maps keys with a DeprecationWarning.
        t = dict.get(entry, key)
        if t:
            return datetime.fromtimestamp(calendar.timegm(t), tz=UTC)
    return None


def parse_feed(data: bytes, *, name: str, base_url: str | None = None) -> Feed:
    """Parse a feed's bytes; raise InputError when no entry can be had."""
    import feedparser

    raw = _maybe_gunzip(data)
    if not raw.strip():
        raise InputError("the feed is empty", source=name)
    if not looks_like_feed(raw):
        kind = "an HTML page" if re.search(rb"<html", raw[:4096], re.I) else "not RSS or Atom"
        raise InputError(f"not a feed ({kind})", source=name)
    parsed = feedparser.parse(raw)
    warnings: list[str] = []
    if raw is not data:
        warnings.append("the feed was gzip-compressed")
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        what = type(exc).__name__ if exc else "error"
        detail = str(exc).splitlines()[0] if exc else ""
        if parsed.entries:
            warnings.append(
                f"malformed feed ({what}: {detail}); {len(parsed.entries)} entries recovered"
            )
    if not parsed.entries:
        exc = parsed.get("bozo_exception")
        why = f": {str(exc).splitlines()[0]}" if exc else ""
        raise InputError(f"broken feed, no entries could be read{why}", source=name)
    base = base_url or parsed.feed.get("link") or None
    entries = []
    for e in parsed.entries:
        link = e.get("link") or None
        if link and base and not re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I):
            link = urljoin(base, link)
        content = None
        if e.get("content"):
            content = e["content"][0].get("value")
        content = content or e.get("summary") or None
        entries.append(
            FeedEntry(
                title=(e.get("title") or None),
                link=link,
                published=_when(e),
                entry_id=e.get("id") or None,
                content_text=html_to_text(content) if content else None,
            )
        )
    return Feed(title=parsed.feed.get("title") or None, entries=entries, warnings=warnings)
