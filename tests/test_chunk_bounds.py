"""Text without boundaries: split by characters, never into a part over the budget."""

from __future__ import annotations

import random
import string

import pytest

from summarizer.brief.tokens import chunk_text, count_tokens

_rng = random.Random(11)
NO_SPACES = "".join(_rng.choice(string.ascii_letters) for _ in range(120_000))
DIGITS_AND_PUNCTUATION = "".join(_rng.choice("0123456789.,;:-_/") for _ in range(60_000))
ONE_LETTER = "a" * 150_000
CJK_RUN = "".join(chr(0x4E00 + _rng.randrange(3000)) for _ in range(40_000))
URL_SOUP = "https://example.org/" + "/".join(f"p{i}?q={i}&x=y" for i in range(8_000))
MIXED = "Short opening sentence here.\n\n" + NO_SPACES[:50_000] + "\n\nA closing line follows."


@pytest.mark.parametrize(
    "text",
    [NO_SPACES, DIGITS_AND_PUNCTUATION, ONE_LETTER, CJK_RUN, URL_SOUP, MIXED],
    ids=["letters", "digits-punctuation", "one-letter", "cjk", "url-soup", "mixed"],
)
@pytest.mark.parametrize("model", [None, "gpt-4.1-mini"])
@pytest.mark.parametrize("budget", [500, 3000])
def test_no_part_is_over_the_budget(text: str, model: str | None, budget: int) -> None:
    parts = chunk_text(text, budget, model)
    counts = [count_tokens(p, model) for p in parts]
    assert max(counts) <= budget, counts
    assert len(parts) >= count_tokens(text, model) // budget  # split, not truncated
    # nothing lost, nothing added but the blank lines between paragraphs
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_the_pieces_are_not_tiny() -> None:
    """Cut by the count, not one character at a time: parts are near the budget."""
    parts = chunk_text(NO_SPACES, 2000, None)
    assert len(parts) <= 2 * (count_tokens(NO_SPACES, None) // 2000 + 1)


def test_a_quote_inside_a_part_is_found_verbatim_in_the_article() -> None:
    parts = chunk_text(MIXED, 800, None)
    assert all(p in MIXED for p in parts)
