"""Feeds: real and malformed RSS/Atom from other projects, checked against what they expect."""

from __future__ import annotations

import json

import pytest

from summarizer.digests.feeds import looks_like_feed, parse_feed
from summarizer.errors import InputError
from tests.conftest import SHARED

FEEDS = SHARED / "external" / "feeds"
SUMMARY = (
    json.loads((FEEDS / "parse_summary_feedparser_6.0.14.json").read_text())["results"]
    if FEEDS.is_dir()
    else {}
)
BROKEN = {
    "feedparser__bozo_invalid-bytes-with-bom.xml": "broken feed",
    "node-feedparser__notafeed.html": "not a feed",
}
GOOD = sorted(set(SUMMARY) - set(BROKEN))


@pytest.mark.parametrize("name", GOOD)
def test_feed_matches_feedparser_summary(name: str) -> None:
    feed = parse_feed((FEEDS / name).read_bytes(), name=name)
    want = SUMMARY[name].get("after_gunzip", SUMMARY[name])
    assert len(feed.entries) == want["n_entries"]
    assert feed.title == want["feed_title"]
    assert feed.entries[0].title == want["first_entry_title"]
    link = SUMMARY[name].get("first_entry_link")
    if link and link.startswith("http"):
        assert feed.entries[0].link == link
    if SUMMARY[name]["bozo"]:
        assert feed.warnings, "a malformed feed must say so"


@pytest.mark.parametrize(("name", "message"), sorted(BROKEN.items()))
def test_broken_feeds_are_one_line_errors(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_feed((FEEDS / name).read_bytes(), name=name)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_relative_links_are_resolved() -> None:
    feed = parse_feed((FEEDS / "node-feedparser__tpm.atom").read_bytes(), name="tpm")
    assert all(e.link and e.link.startswith("http://talkingpointsmemo.com/") for e in feed.entries)


def test_uol_declared_utf8_but_windows_1252_decodes_cleanly() -> None:
    feed = parse_feed((FEEDS / "rss-parser__uolNoticias.rss").read_bytes(), name="uol")
    titles = " ".join(e.title or "" for e in feed.entries)
    assert "simulações" in titles and "\ufffd" not in titles and "Ã" not in titles


@pytest.mark.parametrize("name", ["rss-parser__guardian", "rss-parser__heise"])
def test_against_rss_parser_expectations(name: str) -> None:
    suffix = ".rss" if "guardian" in name else ".atom"
    expected = json.loads((FEEDS / "expected_rss-parser_output" / f"{name}.json").read_text())
    items = expected["feed"]["items"]
    feed = parse_feed((FEEDS / f"{name}{suffix}").read_bytes(), name=name)
    # rss-parser keeps a title's trailing space; feedparser strips it
    assert [e.title for e in feed.entries] == [(i.get("title") or "").strip() for i in items]
    assert [e.link for e in feed.entries] == [i.get("link") for i in items]
    assert feed.entries[0].content_text and "<" not in feed.entries[0].content_text


def test_sniffing() -> None:
    assert looks_like_feed((FEEDS / "rss-parser__guardian.rss").read_bytes())
    assert looks_like_feed((FEEDS / "node-feedparser__invalid-characters-gzipped.xml").read_bytes())
    assert not looks_like_feed(b"<html><body>hi</body></html>")
