"""Matching a predicted brief against a gold brief: words, names, evidence spans, greedy pairs."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from summarizer.brief.grounding import ArticleIndex, normalize
from summarizer.brief.models import KeyFact, Party, Position

EVAL_VERSION = "1"
SPAN_OVERLAP = 0.5
STATEMENT_JACCARD = 0.4
STANCE_JACCARD = 0.4
QUESTION_JACCARD = 0.25

# Function words of the languages in the set (English, German, Spanish): they make any two
# sentences look alike, so they never count as shared content.
_STOP_WORDS = """a an the and or but if of to in on at by for with from as into about over
    after before
    under than then that this these those there here it its it's is are was were be been being
    has have had do does did will would can could may might must should shall not no nor so too
    very just also only even such their they them he him his she her we our you your i me my
    who whom whose which what when where why how all any some more most other another each both
    s says said say according one two
    der die das den dem des ein eine einer eines einem einen und oder aber nicht kein keine im
    in zu zum zur von vom mit auf aus für bei nach über unter ist sind war waren wird werden
    wurde wurden hat haben hatte sich sie er es wir ihr ihre sein seine dass als auch noch wie
    am an so nur bis um
    el la los las un una unos unas y o pero no ni de del al en con por para sin sobre entre
    es son fue fueron ha han había se su sus que como más también ya lo le les este esta"""
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"\w+", re.UNICODE)


def content_words(text: str) -> set[str]:
    """The normalised content words of a text (function words and one-letter tokens dropped)."""
    words = _WORD.findall(normalize(text).replace("'s ", " "))
    return {w for w in words if len(w) > 1 and w not in _STOP}


def jaccard(a: str, b: str) -> float:
    """Jaccard overlap of the content words of two texts (0 when both have none)."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


# --- parties ----------------------------------------------------------------------------------

_POSSESSIVE = re.compile(r"'s?(?=\s|$)")
_ARTICLE_WORD = re.compile(r"^(the|der|die|das|el|la|los|las) ")


def name_key(name: str) -> str:
    """A party name normalised for matching: case, quotes, possessives, a leading article."""
    key = normalize(name).strip(" .,;:\"'")
    key = _POSSESSIVE.sub("", key)
    return _ARTICLE_WORD.sub("", key).strip()


def _names_match(a: str, b: str) -> int:
    """2 for equal names, 1 for a qualifying containment, 0 otherwise (see the module doc)."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0
    if ka == kb:
        return 2
    short, long = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    if not re.search(r"(?<!\w)" + re.escape(short) + r"(?!\w)", long):
        return 0
    if len(short.split()) >= 2 or long.split()[-1] == short:
        return 1
    return 0


def party_score(a: Party, b: Party) -> int:
    """How well two parties match by name and alias: 2 equal, 1 contained, 0 no match."""
    return max(_names_match(x, y) for x in [a.name, *a.aliases] for y in [b.name, *b.aliases])


def parties_match(a: Party, b: Party) -> bool:
    """Whether two parties are the same party (see the module docstring)."""
    return party_score(a, b) > 0


def _resolve(name: str, parties: Sequence[Party]) -> Party:
    """The listed party a position's `party` string refers to (a bare one when unlisted)."""
    best = max(parties, key=lambda p: _names_match_any(name, p), default=None)
    if best is not None and _names_match_any(name, best) > 0:
        return best
    return Party(name=name, kind="other", role="")


def _names_match_any(name: str, party: Party) -> int:
    return max(_names_match(name, n) for n in [party.name, *party.aliases])


# --- evidence spans ---------------------------------------------------------------------------


def evidence_chars(index: ArticleIndex, quotes: Sequence[str]) -> set[int]:
    """The article character offsets covered by the quotes that are found in it."""
    chars: set[int] = set()
    for q in quotes:
        for start, end in index.find(q) or []:
            chars.update(range(start, end))
    return chars


def span_overlap(a: set[int], b: set[int]) -> float:
    """Shared characters over the smaller span set (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# --- greedy matching --------------------------------------------------------------------------


def greedy_match(
    gold: Sequence[Any], pred: Sequence[Any], score: Callable[[Any, Any], float]
) -> list[tuple[int, int]]:
    """Pair gold and predicted items one-to-one, best score first; a score of 0 never pairs.

    Returns (gold index, predicted index) pairs. Ties are broken by position, so the result
    does not depend on set ordering.
    """
    scored = [
        (s, gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if (s := score(g, p)) > 0
    ]
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, gi, pi in scored:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def _content_score(
    index: ArticleIndex, text: Callable[[Any], str], threshold: float
) -> Callable[[Any, Any], float]:
    """Score two items with evidence: > 0 when evidence spans or their texts overlap enough."""

    def score(g: Any, p: Any) -> float:
        ov = span_overlap(evidence_chars(index, g.evidence), evidence_chars(index, p.evidence))
        jc = jaccard(text(g), text(p))
        if ov >= SPAN_OVERLAP or jc >= threshold:
            return ov + jc
        return 0.0

    return score


def fact_score(index: ArticleIndex) -> Callable[[KeyFact, KeyFact], float]:
    """Score two facts: > 0 when they match (evidence overlap or statement overlap)."""
    return _content_score(index, lambda f: f.statement, STATEMENT_JACCARD)


def position_content_score(index: ArticleIndex) -> Callable[[Position, Position], float]:
    """Score two positions on content only (evidence or stance overlap), party ignored."""
    return _content_score(index, lambda p: p.stance, STANCE_JACCARD)
