"""Polite fetching (issue 14): at most `per_host` requests to one host at once.

A host is `hostname:port`. Two HTTP servers on 127.0.0.1, on two ports, are two hosts; each
holds every request a moment and records how many it was serving at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from summarizer.config import load_settings
from summarizer.errors import ConfigError, InputError
from summarizer.ingest import fetch_url, host_key, per_host_limit

HOLD_S = 0.15  # each request is held this long, so concurrent requests overlap


class Counting:
    """A local server that records the most requests it served at once (and across both)."""

    both_lock = threading.Lock()

    def __init__(self, both: dict[str, int]) -> None:
        self.in_flight = 0
        self.most = 0
        self.served = 0
        self.both = both
        self.feed = ""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with Counting.both_lock:
                    outer.in_flight += 1
                    outer.most = max(outer.most, outer.in_flight)
                    outer.both["now"] += 1
                    outer.both["most"] = max(outer.both["most"], outer.both["now"])
                time.sleep(HOLD_S)
                paragraphs = "".join(
                    f"<p>Report {self.path} from port {outer.port}, part {n}. The council met "
                    f"on Monday and voted {n + 5} to 2 to repair the old bridge before winter, "
                    'officials said. "We cannot wait another year," the mayor told '
                    "reporters after the vote, adding that the work would start in May.</p>"
                    for n in range(6)
                )
                body = (
                    f"<html><head><title>Story {self.path}</title></head><body><article>"
                    f"<h1>Council votes on bridge {self.path}</h1>{paragraphs}"
                    "</article></body></html>"
                ).encode()
                if self.path == "/feed.xml":
                    body = outer.feed.encode()
                with Counting.both_lock:
                    outer.in_flight -= 1
                    outer.served += 1
                    outer.both["now"] -= 1
                self.send_response(200)
                kind = "application/rss+xml" if self.path == "/feed.xml" else "text/html"
                self.send_header("content-type", f"{kind}; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def hosts() -> Iterator[tuple[Counting, Counting, dict[str, int]]]:
    both = {"now": 0, "most": 0}
    a, b = Counting(both), Counting(both)
    try:
        yield a, b, both
    finally:
        a.stop()
        b.stop()


def test_host_is_hostname_and_port() -> None:
    assert host_key("http://News.Example/a") == host_key("http://news.example:80/b")
    assert host_key("https://news.example/a") == "news.example:443"
    assert host_key("http://127.0.0.1:8001/") != host_key("http://127.0.0.1:8002/")


def test_per_host_limit_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMMARIZER_PER_HOST", raising=False)
    assert per_host_limit() == 4
    monkeypatch.setenv("SUMMARIZER_PER_HOST", "2")
    assert per_host_limit() == 2 and per_host_limit(7) == 7
    monkeypatch.setenv("SUMMARIZER_PER_HOST", "many")
    with pytest.raises(InputError, match="SUMMARIZER_PER_HOST must be a whole number"):
        per_host_limit()
    with pytest.raises(InputError, match="at least 1"):
        per_host_limit(0)


def test_per_host_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMMARIZER_PER_HOST", raising=False)
    path = tmp_path / "config.toml"
    path.write_text("per_host = 3\n")
    settings = load_settings(config_path=path)
    assert settings.per_host == 3 and settings.sources["per_host"] == f"file:{path}"
    monkeypatch.setenv("SUMMARIZER_PER_HOST", "5")
    assert load_settings(config_path=path).per_host == 5
    path.write_text("per_host = 0\n")
    monkeypatch.delenv("SUMMARIZER_PER_HOST")
    with pytest.raises(ConfigError, match="per_host must be at least 1"):
        load_settings(config_path=path)


def test_config_file_per_host_reaches_the_fetcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.config import allow_private_urls

    # set, then removed: monkeypatch restores the variable (unset) after the test
    monkeypatch.setenv("SUMMARIZER_PER_HOST", "9")
    monkeypatch.delenv("SUMMARIZER_PER_HOST")
    path = tmp_path / "config.toml"
    path.write_text("per_host = 3\n")
    allow_private_urls(load_settings(config_path=path))
    assert per_host_limit() == 3


def test_fetches_to_one_host_are_capped_while_another_host_proceeds(
    hosts: tuple[Counting, Counting, dict[str, int]],
) -> None:
    a, b, both = hosts
    urls = [s.url(f"/{i}") for i in range(6) for s in (a, b)]
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        got = list(pool.map(lambda u: fetch_url(u, allow_private=True, per_host=2), urls))
    assert len(got) == 12 and a.served == b.served == 6
    # 6 requests were ready for each host at once; never more than 2 went to either ...
    assert a.most == 2 and b.most == 2
    # ... while the other host was served at the same time
    assert both["most"] > 2


def test_without_the_limit_the_server_sees_them_all_at_once(
    hosts: tuple[Counting, Counting, dict[str, int]],
) -> None:
    # the control: the same 6 fetches, a limit that does not bind, so the cap above is real
    a, _, _ = hosts
    urls = [a.url(f"/{i}") for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda u: fetch_url(u, allow_private=True, per_host=6), urls))
    assert a.most > 2


def test_a_digest_fetches_at_most_per_host_at_once(
    hosts: tuple[Counting, Counting, dict[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from summarizer.digests.run import run_digest

    monkeypatch.setenv("SUMMARIZER_PER_HOST", "2")
    a, b, both = hosts
    # A feed (on host a) whose 10 entries link to pages on both hosts: the digest fetches the
    # pages concurrently (up to `concurrency` = 8), so 5 are ready for each host at once.
    links = [s.url(f"/story-{i}") for i in range(5) for s in (a, b)]
    a.feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        + "".join(
            f"<item><title>Story {n}</title><link>{link}</link><guid>{link}</guid></item>"
            for n, link in enumerate(links)
        )
        + "</channel></rss>"
    )
    result = run_digest(
        [a.url("/feed.xml")], engine="offline", db=tmp_path / "s.db", concurrency=8,
        allow_private=True, synthesis="off",
    )  # fmt: skip
    assert not result.digest.failed, result.digest.failed
    assert result.progress.done == 10
    assert a.served == 6 and b.served == 5  # the feed, and every page once
    assert a.most <= 2 and b.most <= 2
    assert a.most == 2 or b.most == 2  # the limit was reached, not merely never approached
    assert both["most"] > 2  # the other host was fetched meanwhile


def test_a_fetch_waiting_for_its_host_holds_no_digest_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: with 2 digest slots and 1 request per host, host A's first page is held until
    host B has served all its pages. A fetch queued behind it for host A must not take the
    second slot meanwhile, or B's pages wait for A (before: B got none until A's hold ended)."""
    from summarizer.digests.run import run_digest

    monkeypatch.setenv("SUMMARIZER_PER_HOST", "1")
    b_done = threading.Event()
    both = {"now": 0, "most": 0}
    a, b = Counting(both), Counting(both)
    b_pages = [b.url(f"/b-{i}") for i in range(3)]
    a_pages = [a.url(f"/a-{i}") for i in range(4)]
    held: dict[str, bool] = {}
    served_b: list[str] = []
    original_a, original_b = a.httpd.RequestHandlerClass, b.httpd.RequestHandlerClass

    class SlowA(original_a):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:
            if self.path == "/a-0":
                # held until B has served every page, or at most 30 s (the failure case; a loaded
                # machine may take seconds to brief B's pages in the other slot)
                held["b_done_meanwhile"] = b_done.wait(timeout=30)
            super().do_GET()

    class TrackB(original_b):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:
            super().do_GET()
            served_b.append(self.path)
            if len(served_b) == len(b_pages):
                b_done.set()

    a.httpd.RequestHandlerClass, b.httpd.RequestHandlerClass = SlowA, TrackB
    # The feed lists host A's pages first, then host B's.
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        + "".join(
            f"<item><title>Story {n}</title><link>{link}</link><guid>{link}</guid></item>"
            for n, link in enumerate([*a_pages, *b_pages])
        )
        + "</channel></rss>"
    )
    try:
        result = run_digest(
            [str(feed)], engine="offline", db=tmp_path / "s.db", concurrency=2,
            allow_private=True, synthesis="off",
        )  # fmt: skip
    finally:
        a.stop()
        b.stop()
    assert not result.digest.failed, result.digest.failed
    assert result.progress.done == 7
    assert held == {"b_done_meanwhile": True}, "host B's pages waited for host A's"
