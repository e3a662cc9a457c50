"""Offline token estimates, and splitting an article into parts that fit a model's input budget.

tiktoken downloads its encodings on first use, which fails without a network, so the estimate
here needs no data file: it counts words and characters and leans high (an over-estimate only
makes chunks a little smaller; an under-estimate would overflow the context window).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def estimate_tokens(text: str) -> int:
    """Estimate the tokens a GPT-style tokenizer makes of `text` (no download, leans high)."""
    if not text:
        return 0
    # ~4 chars per token for English prose; words+punctuation x 1.1 catches short-word text and
    # non-Latin scripts where the char ratio under-counts.
    by_chars = len(text) / 3.8
    by_pieces = len(_WORD.findall(text)) * 1.1
    return int(max(by_chars, by_pieces)) + 1


def split_paragraphs(text: str) -> list[str]:
    """Split on blank lines; an article with single newlines splits on those instead."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(paras) <= 1:
        paras = [p.strip() for p in text.splitlines() if p.strip()]
    return paras


def chunk_text(text: str, max_tokens: int) -> list[str]:
    """Split `text` on paragraph boundaries into parts of at most `max_tokens` (estimated).

    A single paragraph larger than the budget is split on sentence boundaries, and a sentence
    larger than that on words, so every part fits. Parts are verbatim slices joined by blank
    lines, so a quote found in a part is also found in the whole article.
    """
    if estimate_tokens(text) <= max_tokens:
        return [text]
    pieces: list[str] = []
    for para in split_paragraphs(text):
        if estimate_tokens(para) <= max_tokens:
            pieces.append(para)
            continue
        for sent in re.split(r"(?<=[.!?])\s+", para):
            if estimate_tokens(sent) <= max_tokens:
                pieces.append(sent)
            else:
                words = sent.split()
                step = max(1, int(max_tokens / 1.6))
                pieces.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        n = estimate_tokens(piece) + 1
        if current and size + n > max_tokens:
            chunks.append("\n\n".join(current))
            current, size = [], 0
        current.append(piece)
        size += n
    if current:
        chunks.append("\n\n".join(current))
    return chunks
