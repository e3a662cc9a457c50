"""What the README says about limits and warnings is what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer.engine import MAX_ARTICLE_CHARS
from summarizer.ingest import MAX_BYTES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_size_limits_are_the_codes() -> None:
    assert f"over {MAX_BYTES // 1_000_000} MB" in README
    assert f"over {MAX_ARTICLE_CHARS // 1_000_000} million characters" in README
    assert not re.search(r"\b50 MB\b", README)


def test_warnings_the_readme_promises_are_the_ones_a_brief_has(seed_text: str) -> None:
    from summarizer import summarize

    guessed = summarize(seed_text, engine="offline")
    named = summarize(seed_text, engine="offline", lang="en")
    assert "language is a guess from stop words" in guessed.meta.warnings
    assert not any("language" in w for w in named.meta.warnings)
    assert "says so in `meta.warnings`\n(`--lang` names it instead)" in README
    # decoding records nothing in meta.warnings, so the README does not say it does
    assert "what was guessed is in\n`meta.warnings`" not in README


def test_the_readmes_digest_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from summarizer.brief.models import Digest
    from tests.conftest import local_site
    from tests.digest_helpers import ARTICLES
    from tests.test_digest import _feed_site

    block = re.search(r"```python\n(from summarizer import digest\n.*?)```", README, re.S)
    assert block is not None
    shutil.copytree(ARTICLES, tmp_path / "clippings")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY")  # no key: the offline engine
    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", "1")  # the feed is on 127.0.0.1
    scope: dict[str, object] = {}
    with local_site(_feed_site([])) as base:
        (tmp_path / "feeds.txt").write_text(f"{base}/feed.xml\n", encoding="utf-8")
        exec(block.group(1), scope)
    d = scope["d"]
    assert isinstance(d, Digest) and not d.failed
    assert d.totals["articles"] == 7 and len(d.stories) == 2
    assert (tmp_path / "out" / "digest.md").read_text().startswith("# Digest")
