"""Digest schema v3: "In brief" is one line per story (`InBrief`), in every output format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import feedparser
import pytest

from summarizer.brief.models import Digest, InBrief, OutletRef, SourceRef, Story
from summarizer.digests.atom import entry_id
from summarizer.digests.continuity import in_brief_item
from summarizer.digests.render import render_digest

DAY = datetime(2026, 11, 20, 8, tzinfo=UTC)


def _wire() -> Story:
    """One source carried by seven outlets (two of them by domain only), and a second source."""
    copies = [OutletRef(article_id=f"c{i}", outlet=f"Outlet {i}") for i in range(1, 5)]
    copies += [OutletRef(article_id="d", domain="news.example"), OutletRef(article_id="e")]
    return Story(
        id="wire01",
        title="Dam <breaks> after storm",
        summary="The Harlow dam broke on Monday. (2 sources.)",
        importance=7.5,
        sources=[
            SourceRef(
                article_id="a",
                title="Dam breaks",
                url="javascript:alert(1)",
                outlet="Outlet 0",
                published="2026-11-18T09:00:00+00:00",
                also_carried_by=copies,
            ),
            SourceRef(
                article_id="b",
                title="Harlow flood",
                url="https://b.example/flood",
                outlet="Outlet 9",
                published=DAY.isoformat(),
            ),
        ],
        why_grouped=[],
        parties=[],
        facts=[],
        positions=[],
        open_questions=[],
        disagreements=[],
        change="unchanged",
        first_seen=datetime(2026, 11, 1, tzinfo=UTC),
        last_updated=datetime(2026, 11, 19, tzinfo=UTC),
        categories=["world"],
    )


def test_a_story_in_one_line() -> None:
    item = in_brief_item(_wire())
    assert item.id == "wire01" and item.change == "unchanged"
    assert item.source_count == 2 and item.outlet_count == 8  # copies count (one unnamed)
    assert item.outlets == [f"Outlet {i}" for i in range(5)] and item.more_outlets == 2
    assert item.newest == DAY and item.url == "https://b.example/flood"  # no javascript: link
    assert item.categories == ["world"] and item.last_updated == datetime(2026, 11, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "md",
            [
                "## In brief",
                "- **Dam &lt;breaks&gt; after storm** — unchanged since 2026-11-19 · "
                "Outlet 0; Outlet 1; Outlet 2; Outlet 3; Outlet 4 and 2 more · 2026-11-20 "
                "<sub>id wire01</sub>",
            ],
        ),
        (
            "html",
            [
                "<h3>In brief</h3>",
                '<li>Dam &lt;breaks&gt; after storm <span class="said">(Outlet 0, Outlet 1, '
                "Outlet 2, Outlet 3, Outlet 4 and 2 more)</span></li>",
            ],
        ),
        ("json", ['"schema_version": "3"', '"source_count": 2', '"more_outlets": 2']),
    ],
)
def test_in_brief_in_each_format(fmt: str, expected: list[str]) -> None:
    d = Digest(engine="offline", prompt_version="v", stories=[], in_brief=[in_brief_item(_wire())])
    out = render_digest(d, fmt)
    for text in expected:
        assert text in out, (text, out)
    assert "<breaks>" not in out or fmt == "json"


def test_in_brief_in_atom_is_an_entry_with_the_story_id() -> None:
    d = Digest(engine="offline", prompt_version="v", stories=[], in_brief=[in_brief_item(_wire())])
    feed = feedparser.parse(render_digest(d, "atom"))
    [entry] = feed.entries
    assert entry.id == entry_id("wire01") and entry.title == "Dam <breaks> after storm"
    assert entry.link == "https://b.example/flood"
    assert entry.updated.startswith("2026-11-19") and entry.published.startswith("2026-11-01")
    assert [a.name for a in entry.authors] == [f"Outlet {i}" for i in range(5)]
    assert "2 sources: Outlet 0, Outlet 1" in entry.content[0].value
    assert [t.term for t in entry.tags] == ["world"]


def test_a_digest_reads_back_from_its_json() -> None:
    d = Digest(engine="offline", prompt_version="v", stories=[], in_brief=[in_brief_item(_wire())])
    back = Digest.model_validate_json(render_digest(d, "json"))
    assert back == d and isinstance(back.in_brief[0], InBrief)
    # A v2 digest's in_brief (full stories) is not a v3 one: the fields it needs are missing.
    v2 = json.loads(render_digest(d, "json"))
    v2["in_brief"] = [json.loads(_wire().model_dump_json())]
    with pytest.raises(ValueError, match="source_count"):
        Digest.model_validate(v2)


def test_a_folded_unchanged_story_is_the_same_line_as_in_brief() -> None:
    story = _wire()
    folded = render_digest(
        Digest(engine="offline", prompt_version="v", stories=[story], unchanged="fold"), "md"
    )
    in_brief = render_digest(
        Digest(engine="offline", prompt_version="v", stories=[], in_brief=[in_brief_item(story)]),
        "md",
    )
    line = next(x for x in in_brief.splitlines() if x.startswith("- **"))
    assert line in folded.splitlines()
