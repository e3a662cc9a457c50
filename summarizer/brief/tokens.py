"""Token counts, and splitting an article into parts that fit a model's input budget.

For OpenAI models the count is exact: tiktoken's encodings (o200k_base for GPT-4o, 4.1, 5 and
the o-series; cl100k_base for GPT-4 and 3.5) ship inside the package in `summarizer/encodings/`,
each checked against the SHA-256 tiktoken expects for it, because tiktoken would download them
on first use and nothing may be downloaded at run time. For any other model (or without
tiktoken, or if a file fails its check) `estimate_tokens` estimates offline: Chinese, Japanese
and Korean characters count one token each, other text by characters and words, leaning a
little high (an over-estimate only makes parts a little smaller; an under-estimate would
overflow the context window).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("summarizer.brief.tokens")

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)
# Han, kana, Hangul, CJK punctuation and full-width forms: about one token per character.
_CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
# Characters per token of other text: OpenAI's tokenizers make 4.4-5 of English and German news.
_CHARS_PER_TOKEN = 4.4
ENCODINGS = ("o200k_base", "cl100k_base")


def estimate_tokens(text: str) -> int:
    """Estimate the tokens a GPT-style tokenizer makes of `text` (offline, leans a little high)."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text) if cjk else text
    # Words and punctuation catch short-word text where characters under-count.
    other = max((len(text) - cjk) / _CHARS_PER_TOKEN, len(_WORD.findall(rest)))
    return int(other) + cjk + 1


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens of `text` for `model`: exact for OpenAI models, else `estimate_tokens`."""
    encoding = encoding_for(model) if model else None
    if encoding is None:
        return estimate_tokens(text)
    return len(encoding.encode(text, disallowed_special=()))


def encoding_for(model: str) -> Any | None:
    """The tiktoken encoding of an OpenAI `model`, from the shipped files; None if there is none."""
    try:
        from tiktoken.model import encoding_name_for_model
    except ImportError:
        return None
    try:
        name = encoding_name_for_model(model.rsplit("/", 1)[-1])
    except KeyError:
        return None
    if name not in ENCODINGS:
        return None
    try:
        return load_encoding(name)
    except (OSError, ValueError) as exc:
        log.warning("token counts are estimated: %s", exc)
        return None


_LOADING = threading.Lock()


@functools.cache
def load_encoding(name: str) -> Any:
    """tiktoken's encoding `name`, built from the file shipped in `summarizer/encodings/`.

    tiktoken's own definition of the encoding (its pattern and special tokens) is used, with its
    loader pointed at the shipped file; the file must have the SHA-256 tiktoken expects for it,
    or ValueError is raised.
    """
    import tiktoken
    from tiktoken_ext import openai_public

    def shipped(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return _ranks(blobpath.rsplit("/", 1)[-1], expected_hash)

    with _LOADING:
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = shipped
        try:
            spec = getattr(openai_public, name)()
        finally:
            openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)


def _ranks(filename: str, expected_hash: str | None) -> dict[bytes, int]:
    import base64
    import gzip
    import hashlib
    from importlib.resources import files

    data = gzip.decompress((files("summarizer") / "encodings" / f"{filename}.gz").read_bytes())
    actual = hashlib.sha256(data).hexdigest()
    if not expected_hash or actual != expected_hash:
        raise ValueError(
            f"summarizer/encodings/{filename}.gz: SHA-256 {actual} is not the {expected_hash} "
            "tiktoken expects"
        )
    return {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in data.splitlines() if line)
    }


def split_paragraphs(text: str) -> list[str]:
    """Split on blank lines; an article with single newlines splits on those instead."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(paras) <= 1:
        paras = [p.strip() for p in text.splitlines() if p.strip()]
    return paras


def chunk_text(text: str, max_tokens: int, model: str | None = None) -> list[str]:
    """Split `text` on paragraph boundaries into parts of at most `max_tokens` (for `model`).

    A single paragraph larger than the budget is split on sentence boundaries, a sentence
    larger than that on words, and a run of text with no spaces larger than that by characters,
    so every part fits. Parts are verbatim slices joined by blank
    lines, so a quote found in a part is also found in the whole article.
    """

    def tokens_of(piece: str) -> int:
        return count_tokens(piece, model)

    if tokens_of(text) <= max_tokens:
        return [text]
    pieces: list[str] = []
    for para in split_paragraphs(text):
        if tokens_of(para) <= max_tokens:
            pieces.append(para)
            continue
        # Chinese and Japanese end sentences with 。！？ and no space after them.
        for sent in re.split(r"(?<=[.!?])\s+|(?<=[。！？])", para):
            if not sent:
                continue
            if tokens_of(sent) <= max_tokens:
                pieces.append(sent)
            else:
                words = sent.split()
                step = max(1, int(max_tokens / 1.6))
                for i in range(0, len(words), step):
                    group = " ".join(words[i : i + step])
                    # Text with no boundaries at all (a 1 MB "word") is cut by characters.
                    if tokens_of(group) <= max_tokens:
                        pieces.append(group)
                    else:
                        pieces.extend(_by_characters(group, max_tokens, tokens_of))
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        n = tokens_of(piece) + 1
        if current and size + n > max_tokens:
            chunks.append("\n\n".join(current))
            current, size = [], 0
        current.append(piece)
        size += n
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _by_characters(text: str, max_tokens: int, tokens_of: Callable[[str], int]) -> list[str]:
    """Consecutive slices of `text`, each at most `max_tokens`, cut where the count says.

    Each slice starts at the width the last one fitted (about 3 characters a token at first)
    and shrinks in proportion until it fits, so the work is linear in the text's length.
    """
    budget = max(1, max_tokens)
    parts: list[str] = []
    width = max(1, budget * 3)
    start = 0
    while start < len(text):
        piece = text[start : start + width]
        n = tokens_of(piece)
        while n > budget and len(piece) > 1:
            piece = piece[: max(1, min(len(piece) - 1, int(len(piece) * budget / n * 0.95)))]
            n = tokens_of(piece)
        parts.append(piece)
        start += len(piece)
        width = max(len(piece), 1)
    return parts
