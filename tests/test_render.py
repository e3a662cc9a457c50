"""Rendering a brief: Markdown, one self-contained HTML page, terminal text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from summarizer.brief.grounding import check_reply
from summarizer.brief.models import Brief, BriefMeta, BriefReply
from summarizer.brief.render import brief_html, brief_markdown, brief_terminal

DATA = Path(__file__).parent / "data"


@pytest.fixture
def seed_brief(seed_text: str) -> Brief:
    reply = BriefReply.model_validate(json.loads((DATA / "replies" / "seed.json").read_text()))
    meta = BriefMeta(
        prompt_version="brief-v1",
        model="gpt-4.1-mini",
        attempts=1,
        evidence=check_reply(reply, seed_text).evidence,
    )
    return Brief(**reply.model_dump(), meta=meta)


def test_markdown_shows_facts_with_quotes_attribution_and_status(seed_brief: Brief) -> None:
    md = brief_markdown(seed_brief)
    assert md.startswith("# Russian general killed")
    assert "## Key facts" in md and "## Parties" in md and "## Positions" in md
    assert "## Open questions" in md
    assert "_(reported — Baza)_" in md
    assert "  > According to Baza, a Telegram channel linked to Russian law enforcement" in md
    assert "### Keith Kellogg" in md
    assert "prompt brief-v1 · schema v1" in md
    assert seed_brief.to_markdown() == md


def test_markdown_neutralises_untrusted_text(seed_brief: Brief) -> None:
    evil = seed_brief.model_copy(update={"title": "# <img src=x onerror=alert(1)>"})
    md = brief_markdown(evil)
    assert "<img" not in md
    assert md.startswith("# \\# &lt;img")


def test_markdown_of_an_offline_brief(seed_text: str) -> None:
    from summarizer.offline import brief_offline

    md = brief_markdown(brief_offline(seed_text))
    rows = [line for line in md.splitlines() if line.startswith("| Russia |")]
    assert rows == ["| Russia | country | country named in the article |  |"]  # no stray "\\"
    # A fact that is its own quote is shown once, in quotation marks.
    fact = "According to Baza, a Telegram channel linked to Russian law enforcement"
    assert md.count(fact) == 2  # once as a fact, once as a position's evidence
    assert f"- “{fact}" in md


def test_html_is_self_contained_and_escaped(seed_brief: Brief) -> None:
    page = brief_html(
        seed_brief.model_copy(update={"summary": "x <script>alert(1)</script> y. z."})
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    # nothing is fetched: no external stylesheet, script, image or font
    for needle in ("http://", "https://", "<link", "<script", "<img", "@import", "url("):
        assert needle not in page
    assert "default-src 'none'" in page
    assert page.count('class="fact ') == len(seed_brief.key_facts)
    assert "Keith Kellogg" in page and "<blockquote>" in page


def test_terminal_plain_and_colour(seed_brief: Brief) -> None:
    plain = brief_terminal(seed_brief, color=False)
    assert "\x1b[" not in plain and "KEY FACTS" in plain and "[reported]" in plain
    assert "\x1b[" in brief_terminal(seed_brief, color=True)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_html_renders_in_headless_chromium(seed_brief: Brief, tmp_path: Path) -> None:
    page = tmp_path / "brief.html"
    page.write_text(brief_html(seed_brief), encoding="utf-8")
    shot = tmp_path / "brief.png"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1000,1400",
        f"--screenshot={shot}",
        page.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=90)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # a blank page compresses to a few KB; a rendered brief with text is far larger
    assert len(data) > 30_000
    keep = Path(__file__).parent.parent / "benchmarks" / "screenshots"
    if keep.is_dir():
        shutil.copy(shot, keep / "brief.png")


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("2004 Larry Nassar case", "2004 Larry Nassar case"),
        ("1. first", "1. first"),
        ("12) twelve", "12) twelve"),
        ("3.5 million jobs", "3.5 million jobs"),
        ("# not a heading", "# not a heading"),
        ("- not a list", "- not a list"),
    ],
)
def test_markdown_line_is_shown_as_typed_never_as_a_list_or_heading(line: str, shown: str) -> None:
    """A title or fact that starts like a list marker or heading renders as its own text, with no
    stray backslash (CommonMark does not treat a backslash before a digit as an escape)."""
    from markdown_it import MarkdownIt

    from summarizer.brief.render import _md

    html = MarkdownIt("commonmark").render(_md(line))
    assert html == f"<p>{shown}</p>\n"
