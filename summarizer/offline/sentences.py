"""Sentences with their offsets, and a crude language guess."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from summarizer.offline.lexicon import _ABBREV, _SENT_END, _STOPWORDS

_SPACE = re.compile(r"\s*")  # what str.lstrip() strips (str.isspace)


@dataclass
class Sentence:
    """A sentence with its offsets in the article."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets; paragraph breaks always end one; abbreviations do not."""
    out: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        start = para.start()
        chunk = para.group()
        pos = 0
        for m in _SENT_END.finditer(chunk):
            candidate = chunk[pos : m.start() + 1]
            if _ABBREV.search(candidate.rstrip("”\"’')] ")):
                continue
            piece = chunk[pos : m.end()].strip()
            if piece:
                # Whitespace before the sentence, counted in place: copying the rest of the
                # paragraph per sentence made one long paragraph quadratic.
                lead = _SPACE.match(chunk, pos).end() - pos  # type: ignore[union-attr]
                out.append(Sentence(start + pos + lead, start + pos + lead + len(piece), piece))
            pos = m.end()
        rest = chunk[pos:].strip()
        if rest:
            lead = _SPACE.match(chunk, pos).end() - pos  # type: ignore[union-attr]
            out.append(Sentence(start + pos + lead, start + pos + lead + len(rest), rest))
    return [s for s in out if re.search(r"[^\W\d_]{2,}", s.text)]


def guess_language(text: str) -> str:
    """A crude guess from stop-word counts (a guess, and labelled as one in meta.warnings)."""
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in _STOPWORDS.items()}
    return max(scores, key=lambda k: scores[k]) if any(scores.values()) else "und"
