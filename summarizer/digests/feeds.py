"""RSS and Atom feeds: entries with absolute links, UTC times and their own text.

A malformed feed from which entries can still be recovered gives those entries and a warning; one
that gives none (an HTML page, compressed bytes, a truncated document) is a one-line error that
names the source. gzip-compressed feed files are decompressed first.

A feed keeps at most `max_entries` entries (default `DEFAULT_MAX_ENTRIES`), the newest by their
dates (undated entries count as older than any dated one; ties keep the feed's order), and
`Feed.total_entries` says how many it had. A feed with many more entries than that is cut down
before feedparser sees it (each entry's date read by a regex), so 100,000 entries do not cost
100,000 parsed entries.
"""

from __future__ import annotations

import calendar
import gzip
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from summarizer.errors import InputError

_FEED_SNIFF = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)
_TAG = re.compile(r"<[^>]+>")
# One RSS <item> or Atom <entry> (namespace prefix allowed), and the date elements in one.
_ENTRY_SPAN = re.compile(rb"<((?:[\w-]+:)?(?:item|entry))[\s>].*?</\1\s*>", re.S | re.I)
_ENTRY_DATE = re.compile(
    rb"<((?:[\w-]+:)?(?:pubDate|published|updated|date|created|issued|modified))[^>]*>"
    rb"\s*([^<]{4,80}?)\s*</\1\s*>",
    re.I,
)

# Entries kept per feed unless the caller says otherwise (the `max_feed_entries` setting).
DEFAULT_MAX_ENTRIES = 300


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed."""

    title: str | None
    link: str | None
    published: datetime | None
    entry_id: str | None
    content_text: str | None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """A parsed feed and what was wrong with it, if anything."""

    title: str | None
    entries: list[FeedEntry]
    warnings: list[str] = field(default_factory=list)
    # How many entries the feed had before the cap kept `len(entries)` of them.
    total_entries: int = 0


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


def _struct_time(entry: dict) -> Any:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get, not entry.get: feedparser's own lookup maps keys with a DeprecationWarning.
        t = dict.get(entry, key)
        if t:
            return t
    return None


def _when(entry: dict) -> datetime | None:
    t = _struct_time(entry)
    return datetime.fromtimestamp(calendar.timegm(t), tz=UTC) if t else None


def _newest(dates: list[float | None], keep: int) -> list[int]:
    """Indexes of the `keep` newest entries, in the feed's order (undated ones are oldest)."""
    ranked = sorted(
        range(len(dates)),
        key=lambda i: (dates[i] is not None, dates[i] or 0.0, -i),
        reverse=True,
    )
    return sorted(ranked[:keep])


def _span_date(span: bytes) -> float | None:
    from feedparser.datetimes import _parse_date

    for m in _ENTRY_DATE.finditer(span):
        t = _parse_date(m.group(2).decode("utf-8", "replace"))
        if t:
            return float(calendar.timegm(t))
    return None


def _precut(raw: bytes, keep: int) -> tuple[bytes, int] | None:
    """The feed with only its `keep` newest entries, and how many it had; None: no need.

    Only a feed with more than twice `keep` entry elements is cut: the document up to its first
    entry, the kept entries, and everything after its last entry.
    """
    spans = [(m.start(), m.end()) for m in _ENTRY_SPAN.finditer(raw)]
    if len(spans) <= 2 * keep:
        return None
    dates = [_span_date(raw[a:b]) for a, b in spans]
    kept = _newest(dates, keep)
    body = b"\n".join(raw[spans[i][0] : spans[i][1]] for i in kept)
    return raw[: spans[0][0]] + body + raw[spans[-1][1] :], len(spans)


def parse_feed(
    data: bytes,
    *,
    name: str,
    base_url: str | None = None,
    max_entries: int | None = DEFAULT_MAX_ENTRIES,
) -> Feed:
    """Parse a feed's bytes; raise InputError when no entry can be had.

    At most `max_entries` entries are kept, the newest (None: all); `Feed.total_entries` is
    how many the feed had.
    """
    import feedparser

    raw = _maybe_gunzip(data)
    if not raw.strip():
        raise InputError("the feed is empty", source=name)
    if not looks_like_feed(raw):
        kind = "an HTML page" if re.search(rb"<html", raw[:4096], re.I) else "not RSS or Atom"
        raise InputError(f"not a feed ({kind})", source=name)
    total = 0
    parsed = None
    cut = _precut(raw, max_entries) if max_entries is not None else None
    if cut is not None:
        smaller, total = cut
        parsed = feedparser.parse(smaller)
        if len(parsed.entries) != max_entries:
            parsed = None  # the cut did not read as intended: parse the whole feed
            total = 0
    if parsed is None:
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
    found = list(parsed.entries)
    total = total or len(found)
    if max_entries is not None and len(found) > max_entries:
        dates = [float(calendar.timegm(t)) if (t := _struct_time(e)) else None for e in found]
        found = [found[i] for i in _newest(dates, max_entries)]
    entries = []
    for e in found:
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
                categories=tuple(
                    dict.fromkeys(
                        str(t.get("label") or t.get("term")).strip()
                        for t in e.get("tags") or []
                        if (t.get("label") or t.get("term"))
                    )
                ),
            )
        )
    return Feed(
        title=parsed.feed.get("title") or None,
        entries=entries,
        warnings=warnings,
        total_entries=total,
    )
