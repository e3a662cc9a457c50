"""Polite fetching (issue 14): a feed is fetched with a conditional GET, per feed URL.

A local server on 127.0.0.1 serves one RSS feed with an ETag and honours If-None-Match (a 304
without a body); it counts the full responses and the 304s. The store keeps the ETag and body
of the last 200, so the second digest over the same store costs the server one 304.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from summarizer.ingest import fetch_url

PARAGRAPH = (
    "The council met on Monday and voted {n} to 2 to repair the old bridge over the {river} "
    'river before winter, officials said. "We cannot wait another year," the mayor of {town} '
    "told reporters after the vote, adding that the work would start in May and cost "
    "{n} million euros."
)
PLACES = [("Elbe", "Dresden"), ("Rhine", "Basel"), ("Danube", "Linz")]


def _feed() -> bytes:
    items = "".join(
        f"<item><title>{town} votes on the {river} bridge</title>"
        f"<link>http://127.0.0.1:9/{town.lower()}</link><guid>{town.lower()}</guid>"
        f"<pubDate>Mon, 2{n} Nov 2026 08:00:00 GMT</pubDate>"
        f"<description>{PARAGRAPH.format(n=n + 5, river=river, town=town)}</description></item>"
        for n, (river, town) in enumerate(PLACES)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>'
        f"{items}</channel></rss>"
    ).encode()


class FeedServer:
    """Serves /feed.xml with an ETag; If-None-Match with that ETag gets a 304."""

    def __init__(self, etag: str | None = '"v1"', last_modified: str | None = None) -> None:
        self.etag = etag
        self.last_modified = last_modified
        self.body = _feed()
        self.full = 0
        self.not_modified = 0
        self.seen: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                asked = self.headers.get("If-None-Match")
                since = self.headers.get("If-Modified-Since")
                outer.seen.append(asked if outer.etag else since)
                if (outer.etag and asked == outer.etag) or (
                    not outer.etag and outer.last_modified and since == outer.last_modified
                ):
                    outer.not_modified += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                outer.full += 1
                self.send_response(200)
                self.send_header("content-type", "application/rss+xml; charset=utf-8")
                if outer.etag:
                    self.send_header("ETag", outer.etag)
                if outer.last_modified:
                    self.send_header("Last-Modified", outer.last_modified)
                self.send_header("content-length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.xml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    try:
        yield s
    finally:
        s.stop()


def _digest(server: FeedServer, db: Path) -> Any:
    from summarizer.digests.run import run_digest

    return run_digest(
        [server.url], engine="offline", db=db, fetch_pages=False, allow_private=True,
        synthesis="off", unchanged="show",
    )  # fmt: skip


def _stories(result: Any) -> list[tuple[str, list[str]]]:
    return sorted((s.id, sorted(r.url or "" for r in s.sources)) for s in result.digest.stories)


def test_fetch_url_sends_headers_and_reports_a_304(server: FeedServer) -> None:
    info: dict[str, Any] = {}
    body, _, _ = fetch_url(server.url, allow_private=True, info=info)
    assert body == server.body and info["status"] == 200 and info["etag"] == '"v1"'
    info = {}
    body, final, ctype = fetch_url(
        server.url, allow_private=True, headers={"If-None-Match": '"v1"'}, info=info
    )
    assert (body, final, ctype) == (b"", server.url, None)
    assert info["status"] == 304
    assert (server.full, server.not_modified) == (1, 1)


def test_a_second_digest_gets_a_304_and_the_same_stories(
    server: FeedServer, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    first = _digest(server, db)
    assert not first.digest.failed, first.digest.failed
    assert first.progress.total == 3
    assert not any("unchanged (304)" in w for w in first.digest.warnings)

    second = _digest(server, db)
    assert not second.digest.failed, second.digest.failed
    assert server.seen == [None, '"v1"']  # the second fetch was conditional
    assert (server.full, server.not_modified) == (1, 1)  # the body was sent once
    assert "1 feed unchanged (304), entries read from the stored copy" in second.digest.warnings
    assert second.progress.total == 3
    assert _stories(second) == _stories(first) and len(_stories(first)) >= 1


def test_a_new_etag_replaces_the_stored_feed(server: FeedServer, tmp_path: Path) -> None:
    from summarizer.store import open_store

    db = tmp_path / "s.db"
    _digest(server, db)
    # The feed changed: a new ETag and a fourth entry; the 200 replaces the stored state.
    server.etag = '"v2"'
    server.body = server.body.replace(
        b"</channel>",
        b"<item><title>Graz votes on the Mur bridge</title><guid>graz</guid><description>"
        + PARAGRAPH.format(n=9, river="Mur", town="Graz").encode()
        + b"</description></item></channel>",
    )
    changed = _digest(server, db)
    assert changed.progress.total == 4
    assert server.full == 2 and server.not_modified == 0
    store = open_store(db)
    try:
        state = store.feed_state(server.url)
    finally:
        store.close()
    assert state is not None and state[0] == '"v2"' and b"Graz" in state[2]
    third = _digest(server, db)
    assert third.progress.total == 4 and server.not_modified == 1


def test_last_modified_alone_is_sent_as_if_modified_since(tmp_path: Path) -> None:
    stamp = "Mon, 23 Nov 2026 08:00:00 GMT"
    server = FeedServer(etag=None, last_modified=stamp)
    try:
        first = _digest(server, tmp_path / "s.db")
        second = _digest(server, tmp_path / "s.db")
    finally:
        server.stop()
    assert server.seen == [None, stamp]
    assert (server.full, server.not_modified) == (1, 1)
    assert _stories(second) == _stories(first)
