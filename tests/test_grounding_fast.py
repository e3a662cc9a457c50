"""The fast paths of grounding give the answers of the plain patterns they stand for.

Grounding's CPU (benchmarks/README.md, "grounding CPU") was cut by reading less: a lookahead on
the first characters a pattern can start with, alternatives grouped by first letter, a search
anchored at the end (`$`) run only when the string's last characters allow a match (or only over
the last few characters), numbers scanned from the next digit on, a skeleton built with C-level
maps. Each is checked here against the plain pattern or code, on real articles: the gold
articles of eval/gold and the Wikinews articles of ../shared/external/wikinews, whole and cut
into every sentence prefix (where the end-anchored patterns are used).
"""

from __future__ import annotations

import re
from itertools import accumulate
from pathlib import Path

import pytest

from summarizer.brief import attribution as at
from summarizer.brief import claims, grounding, locate
from summarizer.brief import guard_attribution as ga

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted(ROOT.glob("eval/gold/*/article.txt")) + sorted(
    (ROOT.parent / "shared" / "external" / "wikinews").glob("*.txt")
)
TEXTS = {p.parent.name if p.name == "article.txt" else p.stem: p.read_text() for p in ARTICLES}


def test_the_real_articles_are_there() -> None:
    assert len([k for k in TEXTS if "/" not in k]) >= 20


def _no_lookahead(p: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern without the leading first-character lookahead the fast version has."""
    plain = re.sub(r"^\(\?=(?:\[[^\]]*\]|\\d|n)\)", "", p.pattern, count=1)
    assert plain != p.pattern, p.pattern
    return re.compile(plain, p.flags)


def _spans(p: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple]]:
    return [(m.span(), m.groups()) for m in p.finditer(text)]


_PLAIN_VERB = re.compile(
    r"(?<![\w’'\-])(" + "|".join(at._VERBS) + r"|pointed out|went on)(?![\w’'\-])"
)
_PLAIN_QUANTITY = re.compile(
    grounding._QUANTITY.pattern.replace(
        grounding._by_first_letter(grounding._COMPARATORS), grounding._COMPARATORS, 1
    ),
    grounding._QUANTITY.flags,
)
_PLAIN_WRITTEN = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(claims._WRITTEN, key=len, reverse=True)) + r")(?![^\W\d_])",
    re.I,
)
_PLAIN_ORDINAL = re.compile(r"(?<![\w-])(" + "|".join(claims._ORDINALS) + r")(?![^\W\d_])", re.I)

# (fast, plain): the same matches, groups and all.
PATTERNS = {
    "verb": (at._VERB, _PLAIN_VERB),
    "quantity": (grounding._QUANTITY, _PLAIN_QUANTITY),
    "quantity hint": (grounding._QUANTITY_HINT, _no_lookahead(grounding._QUANTITY_HINT)),
    "according": (at._ACCORDING, _no_lookahead(at._ACCORDING)),
    "hedge": (at._HEDGE, _no_lookahead(at._HEDGE)),
    "he or she": (at._HE_OR_SHE, _no_lookahead(at._HE_OR_SHE)),
    "unlisted name": (at._UNLISTED_NAME, _no_lookahead(at._UNLISTED_NAME)),
    "number": (locate._NUMBER, _no_lookahead(locate._NUMBER)),
    "n't": (locate._NT, _no_lookahead(locate._NT)),
    "written number": (claims._WRITTEN_WORD, _PLAIN_WRITTEN),
    "ordinal": (claims._ORDINAL_WORD, _PLAIN_ORDINAL),
    "statement negation": (claims._STATEMENT_NEG, _no_lookahead(claims._STATEMENT_NEG)),
    "evidence negation": (claims._EVIDENCE_NEG, _no_lookahead(claims._EVIDENCE_NEG)),
}


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_fast_patterns_match_as_the_plain_ones(name: str) -> None:
    fast, plain = PATTERNS[name]
    assert fast.pattern != plain.pattern
    found = 0
    for text in TEXTS.values():
        assert _spans(fast, text) == _spans(plain, text)
        found += len(_spans(plain, text))
        # The same from inside the text (a sentence's bounds), as the attribution pass reads it.
        mid = len(text) // 2
        assert [m.span() for m in fast.finditer(text, mid, len(text) - 7)] == [
            m.span() for m in plain.finditer(text, mid, len(text) - 7)
        ]
    if name not in ("ordinal",):
        assert found > 0  # the articles hold what the pattern is for


def test_token_split_with_lookahead_is_the_plain_split() -> None:
    plain = re.compile(f"({locate._TOKEN.pattern})")
    for text in TEXTS.values():
        assert locate._TOKEN_SPLIT.split(text) == plain.split(text)


def _plain_negations(text: str) -> int:
    if not text.isascii():
        text = text.translate(locate._INVISIBLE)
    folded = text.casefold()
    words = locate._NEG_TOKEN.findall(folded)
    n = sum(1 for w in words if w in locate._NEGATION_WORDS or w[:4] == "kein")
    return n + len(locate._NT.findall(folded))


def test_negations_are_counted_as_the_plain_count() -> None:
    extra = ["Keine Ahnung, kein Geld, keineswegs nicht; it won't, can’t, not never"]
    counted = 0
    for text in [*TEXTS.values(), *extra]:
        for sentence in text.split(". "):
            assert locate.negations(sentence) == _plain_negations(sentence)
            counted += _plain_negations(sentence)
    assert counted > 0


def test_double_negations_are_only_where_not_or_never_is() -> None:
    for text in TEXTS.values():
        for clause in claims.clauses(text):
            if claims._DOUBLE.search(clause):
                assert "not" in clause.lower() or "never" in clause.lower()


def test_numbers_from_the_next_digit_are_all_the_numbers() -> None:
    extra = ["IE6 and STS-1, $200, abcdef7, abcde-7 x1 12,000 1.900 4,5 15:11 1–0", "", "none"]
    for text in [*TEXTS.values(), *extra]:
        assert [(m.span(), m.groupdict()) for m in claims._numbers_in(text)] == [
            (m.span(), m.groupdict()) for m in claims._NUMBER.finditer(text)
        ]


def _plain_skeleton(text: str, base: int = 0) -> locate.Skeleton:
    """`locate.skeleton` as it was written before its C-level maps."""
    pieces = locate._TOKEN_SPLIT.split(text)
    keys = list(map(locate.token_key, pieces[1::2]))
    bounds = list(accumulate(map(len, pieces), initial=base))
    first = bounds[1:-1:2]
    last = bounds[2:-1:2]
    if any(k[0].isdigit() for k in keys[1:]):
        for i in range(len(keys) - 1, 0, -1):
            if keys[i][0].isdigit() and keys[i - 1][-1].isdigit():
                keys[i] = "|" + keys[i]
    ends = list(accumulate(map(len, keys)))
    starts = [e - len(k) + (k[0] == "|") for e, k in zip(ends, keys, strict=True)]
    return locate.Skeleton("".join(keys), starts, ends, first, last)


def test_skeleton_is_the_plain_skeleton() -> None:
    for text in [*TEXTS.values(), "12 5 and 1,000 3 x 45.6 7", "² 3 4", ""]:
        assert locate.skeleton(text, 3) == _plain_skeleton(text, 3)


def _prefixes(text: str) -> list[str]:
    """Every prefix of every sentence of `text` ending at a word's end, with and without the
    white space after it, and with a newline (where `$` matches too)."""
    out = []
    for ss, se in at._sentences(text)[0]:
        sent = text[ss:se]
        for m in re.finditer(r"\S+", sent):
            out += [sent[: m.end()], sent[: m.end() + 1], sent[: m.end()] + "\n"]
    return out


PREFIXES = [s for text in TEXTS.values() for s in _prefixes(text)]


def _span(m: re.Match[str] | None) -> tuple[int, int] | None:
    return m.span() if m else None


def test_end_anchored_searches_read_only_the_end() -> None:
    hits = dict.fromkeys(["abbrev", "prep", "passive", "pronoun", "layout abbrev"], 0)
    for s in PREFIXES:
        tail = max(0, len(s) - at._SHORT_END)
        assert _span(at._abbrev_end(s)) == _span(at._ABBREV.search(s))
        assert _span(at._prep_end(s)) == _span(at._PREP_END_RE.search(s))
        assert _span(at._PASSIVE_END.search(s, tail)) == _span(at._PASSIVE_END.search(s))
        assert _span(at._PRONOUN_END.search(s, tail)) == _span(at._PRONOUN_END.search(s))
        assert _span(ga._ABBREV.search(s, tail)) == _span(ga._ABBREV.search(s))
        hits["abbrev"] += bool(at._ABBREV.search(s))
        hits["prep"] += bool(at._PREP_END_RE.search(s))
        hits["passive"] += bool(at._PASSIVE_END.search(s))
        hits["pronoun"] += bool(at._PRONOUN_END.search(s))
        hits["layout abbrev"] += bool(ga._ABBREV.search(s))
    assert all(hits.values()), hits


def test_end_anchored_patterns_are_skipped_only_when_they_cannot_match() -> None:
    """Each cheap test before a pattern is true wherever the pattern matches."""
    hits = dict.fromkeys(["n't", "paren", "dash", "space", "after quote", "quoted", "poss"], 0)
    for s in PREFIXES:
        if at._NT_END.search(s):
            hits["n't"] += 1
            assert at._may_end_with(s, "t")
        if at._PAREN_END.search(s):
            hits["paren"] += 1
            assert at._may_end_with(s, ")")
        if at._DASH_END.search(s):
            hits["dash"] += 1
            assert at._may_end_with(s, "—–-")
        for p in (at._NOUN_BEFORE_RE, at._PREP_END_RE, at._ROLE_BEFORE):
            if p.search(s):
                hits["space"] += 1
                assert s[-1:].isspace()
        if at._AFTER_QUOTE.search(s):
            hits["after quote"] += 1
            last = s.rstrip()[-1:]
            assert last and last in at._QUOTE_OR_STOP
        if at._QUOTED_AS.search(s):
            hits["quoted"] += 1
            assert "quoted" in s
        if at._POSSESSIVE.match(s):
            hits["poss"] += 1
            assert "’s" in s or "'s" in s
        # A preposition after a lower-case word: found by its words first.
        plain = next((m for m in at._LOWER_PREP.finditer(s) if m.group(1)[:1].islower()), None)
        assert at._lower_prep(s) == (plain.span(2) if plain else None)
    assert hits["space"] and hits["after quote"] and hits["poss"], hits
