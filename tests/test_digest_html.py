"""The digest's HTML page of story cards: escaped, inert, self-contained, and drawn by a real
browser (headless Chromium) from a digest of real articles."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from summarizer.digests.render import render_digest
from summarizer.digests.run import run_digest
from tests.conftest import ROOT
from tests.digest_helpers import ARTICLES

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
GROUPING = ROOT / "eval" / "grouping"


def _crisis_articles() -> list[str]:
    data = json.loads((GROUPING / "set.json").read_text(encoding="utf-8"))
    return [
        str(GROUPING / a["path"])
        for a in data["articles"]
        if a.get("storyline") == "financial-crisis-oct-2008"
    ]


def test_cards_escape_text_strip_bidi_and_keep_links_inert(tmp_path: Path) -> None:
    digest = run_digest([str(ARTICLES)], engine="offline", db=tmp_path / "s.db").digest
    story = digest.stories[0]
    assert story.synthesis is not None
    evil = "<script>alert(1)</script> \u202etxt.exe"
    story.title = evil
    story.synthesis.headline = evil
    story.synthesis.summary[0].text = '"><img src=x onerror=alert(1)>'
    story.sources[0].url = "javascript:alert(1)"
    story.sources[0].title = "click <b>me</b>"
    story.sources[1].url = "https://example.org/a?x=1&y=2"
    page = render_digest(digest, "html")
    assert "<script" not in page and "<img" not in page and "\u202e" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page  # the link is dropped, its title stays as text
    assert "click &lt;b&gt;me&lt;/b&gt;" in page
    assert 'href="https://example.org/a?x=1&amp;y=2"' in page
    # self-contained: nothing to fetch, no script allowed
    assert "default-src 'none'" in page
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//(?!example\.org)""", page)
    # every citation links to a source of its own card
    for sid, n in re.findall(r'href="#(story-[0-9a-f]+)-src(\d+)"', page):
        assert f'id="{sid}-src{n}"' in page


def _png_pixels(path: Path) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct colours of an 8-bit RGB(A) PNG (rows unfiltered)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + size
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        if y % 8 == 0:
            colours.update(bytes(line[i : i + 3]) for i in range(0, stride, bpp * 4))
        prev = line
    return width, height, colours


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_story_cards_in_headless_chromium(tmp_path: Path) -> None:
    out = tmp_path / "digest.html"
    result = run_digest(
        [*_crisis_articles(), str(ARTICLES)],
        engine="offline",
        db=tmp_path / "s.db",
        outputs=[(out, "html")],
    )
    digest = result.digest
    assert any(s.synthesis and s.synthesis.timeline for s in digest.stories)
    shot = tmp_path / "shot.png"
    flags = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1200,1600", out.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    width, height, colours = _png_pixels(shot)
    assert (width, height) == (1200, 1600)
    # a page drawn, not a blank one: text, badges, citation links and card borders
    assert len(colours) > 40
    dom = subprocess.run(
        [*flags, "--dump-dom", out.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    cards = re.findall(r'<article class="card (?:new|updated|unchanged)" id="story-', dom)
    assert len(cards) == len(digest.stories)
    for section in ("Perspectives", "Timeline", "What to watch", "Sources"):
        assert f"<h3>{section}</h3>" in dom
    assert re.search(r'<a class="cite" href="#story-[0-9a-f]+-src\d+"', dom)
