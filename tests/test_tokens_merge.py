"""Offline token estimates, paragraph chunking, and merging the briefs of an article's parts."""

from __future__ import annotations

import pytest

from summarizer.brief.merge import merge_replies
from summarizer.brief.models import BriefReply, count_sentences
from summarizer.brief.tokens import chunk_text, estimate_tokens


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("", 0, 0),
        ("Hello world.", 2, 6),
        # ~1,000 words of English prose is ~1,300 tokens with OpenAI's tokenizers
        ("The council voted to close the library on Tuesday. " * 110, 1100, 1700),
        # text without spaces must not be under-counted
        ("x" * 4000, 900, 1300),
    ],
)
def test_estimate_tokens_is_in_a_sane_range(text: str, low: int, high: int) -> None:
    assert low <= estimate_tokens(text) <= high


def test_chunks_split_on_paragraphs_fit_and_keep_every_word() -> None:
    paras = [f"Paragraph {i} says something about topic {i}. " * 30 for i in range(40)]
    text = "\n\n".join(p.strip() for p in paras)
    chunks = chunk_text(text, 2000)
    assert len(chunks) > 1
    assert all(estimate_tokens(c) <= 2000 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    # each chunk starts at a paragraph start
    assert all(c.startswith("Paragraph") for c in chunks)


def test_one_huge_paragraph_is_split_on_sentences() -> None:
    text = "A sentence that goes on for a while. " * 2000
    chunks = chunk_text(text, 1000)
    assert all(estimate_tokens(c) <= 1000 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def _part(title: str, party: dict, fact: str, question: str) -> BriefReply:
    return BriefReply.model_validate(
        {
            "title": title,
            "summary": f"{title} happened. It matters a lot.",
            "key_facts": [{"statement": fact, "evidence": [fact], "status": "confirmed"}],
            "parties": [party],
            "positions": [{"party": party["name"], "stance": "s", "evidence": [fact]}],
            "open_questions": [{"question": question, "why_open": "w", "parties": [party["name"]]}],
        }
    )


def test_merge_dedupes_parties_by_alias_and_keeps_all_evidence() -> None:
    a = _part(
        "Part one",
        {"name": "Donald Trump", "kind": "person", "role": "r", "aliases": ["Trump"]},
        "Trump said the talks were fragile.",
        "Q1?",
    )
    b = _part(
        "Part two",
        {"name": "Trump", "kind": "person", "role": "r", "aliases": ["President Trump"]},
        "Trump met the envoy.",
        "Q1?",
    )
    merged = merge_replies([a, b])
    assert [p.name for p in merged.parties] == ["Donald Trump"]
    assert merged.parties[0].aliases == ["Trump", "President Trump"]
    assert [f.statement for f in merged.key_facts] == [
        "Trump said the talks were fragile.",
        "Trump met the envoy.",
    ]
    # the second part's position is renamed to the kept party
    assert {p.party for p in merged.positions} == {"Donald Trump"}
    assert [q.question for q in merged.open_questions] == ["Q1?"]
    assert merged.title == "Part one"
    assert 2 <= count_sentences(merged.summary) <= 4
