"""The store's interface and what every backend shares: the cache key and URL spelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from summarizer.brief.models import Brief, CallRecord, SourceMeta

# --- the interface --------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def canonical_url(url: str | None) -> str | None:
    """One spelling per page: lower-case host, no fragment, no utm_* or tracking parameters."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return url.strip()
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in {"fbclid", "gclid", "ref"}
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, urlencode(query), ""))


@dataclass(frozen=True)
class BriefKey:
    """What makes a cached brief reusable: same text, same engine, model and versions."""

    article_id: str
    engine: str
    model: str
    prompt_version: str
    schema_version: str


class Store(Protocol):
    """What the digest needs from a store; a server database can implement it too."""

    def add_article(self, text: str, source: str, meta: SourceMeta) -> str: ...
    def get_brief(self, key: BriefKey) -> Brief | None: ...
    def put_brief(self, key: BriefKey, brief: Brief) -> None: ...
    def record_call(self, run_id: int | None, article_id: str | None, call: CallRecord) -> None: ...
    def begin_call(
        self,
        run_id: int | None,
        article_id: str | None,
        call: CallRecord,
        batch_id: str | None = None,
    ) -> int: ...
    def end_call(self, call_id: int, call: CallRecord) -> None: ...
    def sent_batch_call(self, batch_id: str, article_id: str) -> int | None: ...
    def name_batch(self, call_ids: list[int], batch_id: str) -> None: ...
    def start_run(self, args: dict[str, Any]) -> int: ...
    def record_item(
        self,
        run_id: int,
        source: str,
        article_id: str | None,
        status: str,
        reason: str | None = None,
    ) -> None: ...
    def finish_run(self, run_id: int, status: str, totals: dict[str, Any]) -> None: ...
    def mark_interrupted(self) -> int: ...
    def article(self, article_id: str) -> tuple[str, SourceMeta] | None: ...
    def add_batch(
        self, batch_id: str, model: str, prompt_version: str, article_ids: list[str]
    ) -> None: ...
    def open_batches(self, model: str, prompt_version: str) -> list[tuple[str, list[str]]]: ...
    def finish_batch(self, batch_id: str, status: str) -> None: ...
    def earlier_stories(self, article_ids: list[str], since: str) -> list[str]: ...
    def save_stories(self, rows: list[dict[str, Any]], run_id: int | None) -> None: ...
    def feed_state(self, url: str) -> tuple[str | None, str | None, bytes] | None: ...
    def save_feed_state(
        self, url: str, etag: str | None, last_modified: str | None, body: bytes
    ) -> None: ...
    def close(self) -> None: ...
