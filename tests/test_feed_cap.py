"""Entries per feed are capped (the newest kept) and the cap is reported (issue 11).

Feeds are generated here (thousands of entries, dates out of order) and served on 127.0.0.1.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from summarizer.digests.feeds import DEFAULT_MAX_ENTRIES, parse_feed
from tests.conftest import local_site

BASE = datetime(2026, 3, 1, tzinfo=UTC)


def make_feed(n: int, *, seed: int = 7, undated: int = 0, atom: bool = False) -> bytes:
    """A feed of `n` entries, entry i dated BASE + i minutes, in a shuffled order; the first
    `undated` entries (by index) have no date."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    out = []
    for i in order:
        text = f"Entry {i} says the council met on day {i}. The mayor said year {i} went well."
        when = BASE + timedelta(minutes=i)
        if atom:
            date = "" if i < undated else f"<updated>{when:%Y-%m-%dT%H:%M:%SZ}</updated>"
            out.append(
                f"<entry><title>Entry {i}</title><id>urn:e:{i}</id>"
                f'<link href="http://127.0.0.1/a/{i}"/>{date}'
                f"<summary>{text}</summary></entry>\n"
            )
        else:
            date = "" if i < undated else f"<pubDate>{when:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
            out.append(
                f"<item><title>Entry {i}</title><link>http://127.0.0.1/a/{i}</link>"
                f"<guid>e-{i}</guid>{date}"
                f"<description>{text}</description></item>\n"
            )
    if atom:
        head = (
            '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Big</title>\n'
        )
        return (head + "".join(out) + "</feed>\n").encode()
    head = '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Big</title>\n'
    return (head + "".join(out) + "</channel></rss>\n").encode()


def numbers(feed_entries: list) -> list[int]:
    return [int(e.title.split()[1]) for e in feed_entries]


@pytest.mark.parametrize("atom", [False, True])
def test_a_big_feed_keeps_its_newest_entries_in_feed_order(atom: bool) -> None:
    data = make_feed(5000, atom=atom)
    feed = parse_feed(data, name="big")
    assert DEFAULT_MAX_ENTRIES == 300
    assert feed.total_entries == 5000
    kept = numbers(feed.entries)
    assert sorted(kept) == list(range(4700, 5000))
    # In the feed's own (shuffled) order, not re-sorted.
    in_feed = [i for i in numbers(parse_feed(data, name="big", max_entries=None).entries)]
    assert kept == [i for i in in_feed if i >= 4700]
    assert all(e.published is not None and e.link for e in feed.entries)


def test_cut_before_parsing_and_cut_after_agree() -> None:
    # 500 entries with cap 300 is cut after feedparser; 5,000 before it (regex dates). Both keep
    # the same newest entries, undated ones counting as the oldest.
    small = make_feed(500, undated=40, seed=3)
    assert sorted(numbers(parse_feed(small, name="s", max_entries=300).entries)) == list(
        range(200, 500)
    )
    big = make_feed(5000, undated=4900, seed=3)  # only 100 dated: 200 undated make up the rest
    feed = parse_feed(big, name="b", max_entries=300)
    kept = numbers(feed.entries)
    assert feed.total_entries == 5000 and len(kept) == 300
    assert set(range(4900, 5000)) <= set(kept)
    # The undated ones kept are the first 200 undated in the feed's order.
    everything = numbers(parse_feed(big, name="b", max_entries=None).entries)
    first_undated = [i for i in everything if i < 4900][:200]
    assert sorted(i for i in kept if i < 4900) == sorted(first_undated)


def test_a_feed_under_the_cap_is_untouched() -> None:
    feed = parse_feed(make_feed(40), name="f", max_entries=40)
    assert feed.total_entries == 40 and len(feed.entries) == 40


@pytest.fixture
def served_feed(allow_private_urls: None) -> Iterator[str]:
    body = make_feed(5000)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with local_site(Handler) as base:
        yield f"{base}/feed.xml"


def test_cli_caps_a_served_feed_and_says_so(
    served_feed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    monkeypatch.setenv("SUMMARIZER_MAX_FEED_ENTRIES", "12")
    out = tmp_path / "d.json"
    args = ["digest", served_feed, "--engine", "offline", "--no-fetch"]
    args += ["--db", str(tmp_path / "s.db"), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    line = f"feed {served_feed}: kept the newest 12 of 5000 entries (max_feed_entries)"
    assert f"summarizer: warning: {line}" in result.stderr
    digest = json.loads(out.read_text())
    assert line in digest["warnings"]
    assert digest["totals"]["articles"] == 12


def test_config_file_sets_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.config import load_settings
    from summarizer.errors import ConfigError

    monkeypatch.delenv("SUMMARIZER_MAX_FEED_ENTRIES", raising=False)  # the user's, if set

    path = tmp_path / "config.toml"
    path.write_text("max_feed_entries = 50\n")
    settings = load_settings(config_path=path)
    assert settings.max_feed_entries == 50 and settings.sources["max_feed_entries"].startswith(
        "file:"
    )
    assert load_settings().max_feed_entries == 300
    path.write_text("max_feed_entries = 0\n")
    with pytest.raises(ConfigError, match="max_feed_entries must be at least 1"):
        load_settings(config_path=path)


def test_python_api_caps_a_served_feed(served_feed: str, tmp_path: Path) -> None:
    from summarizer import digest

    d = digest(
        [served_feed],
        engine="offline",
        fetch_pages=False,
        db=tmp_path / "s.db",
        max_feed_entries=7,
    )
    assert f"feed {served_feed}: kept the newest 7 of 5000 entries (max_feed_entries)" in (
        d.warnings
    )
    assert d.totals["articles"] == 7 and d.totals["briefed"] == 7
    sources = {ref.url for story in d.stories for ref in story.sources}
    assert sources == {f"http://127.0.0.1/a/{i}" for i in range(4993, 5000)}
