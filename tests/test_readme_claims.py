"""What the README says about limits and warnings is what the code does."""

from __future__ import annotations

import re

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
