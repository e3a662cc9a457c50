"""Locate a quote in its article under equivalences that cannot change meaning.

A quote and its article are both cut into word tokens (runs of letters, runs of digits, and the
symbols "%", "$", "€", "£", "¥" and a minus sign before a digit); every other character
(white space, punctuation, quote marks, dashes, invisible characters) only separates tokens.
Each token gets a key:

- NFKD, combining marks dropped, case folded: "Ségolène" and "Segolene" have one key; Unicode
  look-alikes (∆ U+2206 for Δ, Cyrillic "а" for Latin "a", …) fold to one letter (`_LOOKALIKE`);
- British spellings fold to American ones from breame's list (`favour` -> `favor`);
- "%" and "per cent" both read "percent"; "1,000" reads "1000".

The keys are joined without separators into a skeleton (with "|" between two number tokens,
so "12 5" never reads "125"), and a quote part is found in the article's skeleton by substring
search. The match must start and end on article token boundaries, and every hard boundary of
the quote (white space or punctuation between two tokens, not a hyphen between letters, not an
invisible character) must be a token boundary in the article: the quote may join what the
article splits ("does n't", "evalu-\\nation", "widely reported", "1km") but never split an
article word ("the rapist" is not "therapist").

What is skipped silently: punctuation (so commas, quote marks, dashes and hyphens are optional),
and citation markers ("[3]", "(15,16)"). In the quote, [brackets] are gaps: the article may hold
other words there ("[Morales] said" for "he said"), a few at most and in the same sentence; a
name in the brackets must be in the article before the quote. "…" is a gap too, bounded
(`MAX_ELLIPSIS_GAP`) and within a paragraph (a blank line, or a line break after a sentence's
end). After locating, the quote's numbers must all be in the located text, its negations must
be the article's, and no gap may skip a negation of the sentences it starts and ends in.

The caller then replaces the model's rendering by the article's own span, so however tolerant
the matching, the evidence a brief shows is verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress
from operator import itemgetter, sub

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

ELLIPSIS = "\u2026"
# The longest stretch of article text an ellipsis may skip, and a bracket may stand for.
MAX_ELLIPSIS_GAP = 1500
MAX_BRACKET_GAP = 80

# Letters that look alike across scripts and symbol blocks, after NFKD and case folding. Only
# one letter for one letter: Unicode's full confusables table (TR39) also maps "rn" to "m" and
# "0" to "o", which would let a changed word or number through.
_LOOKALIKE = str.maketrans(
    {
        # math and symbol look-alikes of Greek letters
        "\u2206": "\u03b4",  # ∆ increment -> δ
        "\u2211": "\u03c3",  # ∑ -> σ
        "\u220f": "\u03c0",  # ∏ -> π
        "\u03c2": "\u03c3",  # final sigma
        # Cyrillic letters drawn like Latin ones
        "\u0430": "a",
        "\u0435": "e",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0443": "y",
        "\u0445": "x",
        "\u0456": "i",
        "\u0455": "s",
        "\u0458": "j",
        "\u04cf": "l",
        # Greek letters drawn like Latin ones (lower case: keys are case folded)
        "\u03bf": "o",
        "\u03b1": "a",
        "\u03b9": "i",
        "\u03ba": "k",
        "\u03bd": "v",
        "\u03c1": "p",
        "\u03c4": "t",
        "\u03c5": "u",
        "\u03c7": "x",
        "\u03b5": "e",
        "\u03b7": "n",
        # Latin letters NFKD keeps whole
        "\u00f8": "o",
        "\u0142": "l",
        "\u0111": "d",
        "\u0131": "i",
        "\u00e6": "ae",
        "\u0153": "oe",
        "\u00f0": "d",
        "\u00fe": "th",
    }
)
# US forms whose other sense is a different common word: "tire" (be tired) is not "tyre",
# "meter" (a device) is not "metre", "draft" is not "draught".
_SPELLING_SKIP = {"tire", "tires", "meter", "meters", "draft", "drafts", "drafty"}
_SPELLING = {uk: us for uk, us in BRITISH_ENGLISH_SPELLINGS.items() if us not in _SPELLING_SKIP}

_SYMBOLS = {"%": "percent", "\u2030": "permille", "$": "$", "\u20ac": "\u20ac", "£": "£"}
_SYMBOLS["\u00a5"] = "\u00a5"
_LOOKALIKE_CHARS = "\u2206\u2211\u220f"
# Tokens: grouped thousands, numbers with decimals, letter runs, symbols, a leading minus sign.
_TOKEN = re.compile(
    rf"[^\W\d_]+|[{_LOOKALIKE_CHARS}]+"
    r"|(?<!\d)\d{1,3}(?:,\d{3})+(?!\d|,\d)|(?<!\d)\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.]\d)"
    r"|\d+(?:\.\d+)*"
    r"|[%\u2030$\u20ac£\u00a5]"
    r"|(?=[-\u2212\u2013])(?<![^\s(])[-\u2212\u2013](?=\d)"
)
# The same tokens as one capturing group, for `skeleton`'s split.
# (The lookahead, true of every token's first character, lets the engine skip the separators
# without trying each alternative there.)
_TOKEN_SPLIT = re.compile(
    rf"(?=[\w{_LOOKALIKE_CHARS}%\u2030$\u20ac£\u00a5\-\u2212\u2013])({_TOKEN.pattern})"
)
# Skipped in the article, and in a quote outside its gaps: citation markers and editorial
# insertions.
_OPTIONAL = re.compile(
    r"\[\s*\d{1,3}(?:\s*[,;\u2013-]\s*\d{1,3})*\s*\]|\(\s*\d{1,3}(?:\s*[,;\u2013-]\s*\d{1,3})*\s*\)"
    r"|\[\s*(?:citation needed|clarification needed)\s*\]",
    re.IGNORECASE,
)
# The article's [bracketed editorial insertions] too, for a quote that leaves them out.
_OPTIONAL_AND_BRACKETS = re.compile(_OPTIONAL.pattern + r"|\[[^\[\]\n]{1,80}\]", re.IGNORECASE)
# "150.000" in a quote: thousands in the European way (tried only when not found as written).
_DOT_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d.,]\d)")
# Plural abbreviations of units: "800 kms" is "800 km".
_UNIT_PLURALS = {"kms": "km", "kgs": "kg", "mins": "min", "hrs": "hr", "yrs": "yr", "secs": "sec"}
# What splits a quote into parts: ellipses (gaps) and [brackets] (short gaps).
_QUOTE_GAP = re.compile(r"(\s*(?:\u2026|\.\.\.+|\[\s*(?:\u2026|\.\.\.+)\s*\])\s*)|\[[^\[\]]*\]")
# A quote's separator that does not mark a word boundary: invisible chars and combining marks,
# or one hyphen between letters ("e-mail" may be "email").
_SOFT_GAP = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069\u034f]*")
_SOFT_HYPHEN_GAP = re.compile(r"[-\u2010\u2011]\s*")

# Punctuation a quote may open or close with, taken from the article when the quote has some.
_EDGE_PUNCT = re.compile(r"[.,;:!?\"'“”‘’«»„)\]]")
# (Every number starts with a digit: the lookahead skips other offsets at once.)
_NUMBER = re.compile(
    r"(?=\d)(?:(?<!\d)\d{1,3}(?:,\d{3})+(?!\d|,\d)"
    r"|(?<!\d)\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.]\d)|\d+(?:\.\d+)*)"
)
# Words whose omission reverses a sentence (English, German, French, Spanish), and "n't".
NEGATION = re.compile(
    r"(?<![\w'’])(?:not|no|never|nor|neither|none|nothing|nobody|cannot|without|nicht|kein\w*|"
    r"nie|niemals|pas|jamais|nunca)(?![\w'’])|(?:(?<=[^\W\d_])|(?<=\s))n['’]t(?!\w)",
    re.IGNORECASE,
)
_NEGATION_WORDS = frozenset(
    re.findall(
        r"\S+",
        "not no never nor neither none nothing nobody cannot without nicht nie niemals pas jamais "
        "nunca",
    )
)
_NEG_TOKEN = re.compile(r"[\w'’]+")
_NT = re.compile(r"(?=n)(?:(?<=[^\W\d_])|(?<=\s))n['’]t(?!\w)")
_ANY_DIGIT = re.compile(r"\d")
_PLAIN_GAPS = frozenset([" ", ", ", ". ", "; ", ": ", " (", ") ", "\n", ' "', '" ', " “", "” "])
_INVISIBLE = dict.fromkeys(
    c for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf" or c == 0x34F
)
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n|[.!?:][\"'”’)\]]*[^\S\n]*\n")
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "col", "lt", "sgt", "no"}
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-Þ])|\n")


@lru_cache(maxsize=65536)
def token_key(token: str) -> str:
    """The key of one token (see the module docstring)."""
    if token in _SYMBOLS:
        return _SYMBOLS[token]
    if token[0] in "-\u2212\u2013":
        return "minus"
    if token[0].isdigit():
        return "".join(token.replace(",", "").split()) if not token.isdigit() else token
    key = unicodedata.normalize("NFKD", token)
    if not key.isascii():
        key = "".join(c for c in key if not unicodedata.combining(c))
    key = key.casefold().translate(_LOOKALIKE)
    return _SPELLING.get(key) or _UNIT_PLURALS.get(key, key)


@dataclass
class Skeleton:
    """Tokens of a text, their keys joined, and where each token is in skeleton and text."""

    skel: str
    starts: list[int]  # skeleton offset of each token
    ends: list[int]
    first: list[int]  # text offset where each token starts
    last: list[int]  # text offset where each token ends


def skeleton(text: str, base: int = 0) -> Skeleton:
    """Tokenize `text` (offsets reported + `base`) and build its skeleton.

    Only strings and ints are kept per token (no tuples, no match objects): the cyclic garbage
    collector would otherwise walk every one of them again and again on a long article.
    """
    # One C-level split instead of a match object per token: pieces alternate gap, token, gap,
    # ..., so token i spans [bounds[2i + 1], bounds[2i + 2]) of the running lengths.
    pieces = _TOKEN_SPLIT.split(text)
    keys = list(map(token_key, pieces[1::2]))
    bounds = list(accumulate(map(len, pieces), initial=base))
    first = bounds[1:-1:2]
    last = bounds[2:-1:2]
    # "|" between two number tokens, so "12 5" never reads "125". (The keys that start with a
    # digit are picked out at C level; a key never starts with "|" otherwise.)
    piped = []
    for i in compress(range(1, len(keys)), map(str.isdigit, map(itemgetter(0), keys[1:]))):
        if keys[i - 1][-1].isdigit():
            keys[i] = "|" + keys[i]
            piped.append(i)
    ends = list(accumulate(map(len, keys)))
    starts = list(map(sub, ends, map(len, keys)))
    for i in piped:
        starts[i] += 1  # the token starts after its "|"
    return Skeleton("".join(keys), starts, ends, first, last)


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """`text` with every match of `pattern` turned into spaces (offsets kept)."""
    if not pattern.search(text):
        return text
    return pattern.sub(lambda m: " " * len(m.group()), text)


def numbers(text: str) -> list[str]:
    """The numbers written in `text`, thousands separators dropped ("1,000" -> "1000")."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    elif not _ANY_DIGIT.search(text):
        return []
    return ["".join(n.replace(",", "").split()) for n in _NUMBER.findall(text)]


def negations(text: str) -> int:
    """How many negations `text` holds (as `NEGATION` finds them, by word lookup)."""
    if not text.isascii():
        text = text.translate(_INVISIBLE)
    folded = text.casefold()
    words = _NEG_TOKEN.findall(folded)
    # (Counted at C level; no word of `_NEGATION_WORDS` starts with "kein".)
    n = sum(map(_NEGATION_WORDS.__contains__, words))
    if "kein" in folded:
        n += sum(1 for w in words if w[:4] == "kein")
    return n + (len(_NT.findall(folded)) if "n'" in folded or "n’" in folded else 0)


@dataclass
class QuotePart:
    """One part of a quote, between gaps."""

    raw: str
    skel: str
    hard: list[int]  # skeleton offsets (within the part) where the quote has a word boundary
    gap_before: str | None  # "ellipsis" | "bracket" | None (the first part)


def quote_parts(quote: str) -> tuple[list[QuotePart], list[str]]:
    """Split a quote into the parts to find, and return the text of its [bracketed] gaps."""
    parts: list[QuotePart] = []
    brackets: list[str] = []
    pos = 0
    gap: str | None = None
    pieces: list[tuple[str, str | None]] = []
    for m in _QUOTE_GAP.finditer(quote):
        pieces.append((quote[pos : m.start()], gap))
        if m.group(1) is None:
            brackets.append(m.group())
        # An ellipsis wins over a bracket when the two gaps meet (nothing found between).
        gap = "ellipsis" if m.group(1) is not None else "bracket"
        pos = m.end()
    pieces.append((quote[pos:], gap))
    pending: str | None = None
    for raw, kind in pieces:
        if kind is not None:
            pending = "ellipsis" if "ellipsis" in (kind, pending) else "bracket"
        sk = skeleton(_blank(raw, _OPTIONAL))
        if not sk.skel:
            continue
        hard = []
        for i in range(1, len(sk.starts)):
            between = raw[sk.last[i - 1] : sk.first[i]]
            if between.isspace() and sk.skel[sk.starts[i] - 3 : sk.ends[i]] == "percent":
                continue  # "per cent" is "%"
            if between in _PLAIN_GAPS:  # the common case: a space, a comma and a space
                hard.append(sk.starts[i])
                continue
            if _SOFT_GAP.fullmatch(between):
                continue
            stripped = between.translate(_INVISIBLE)
            if (
                _SOFT_HYPHEN_GAP.fullmatch(stripped)
                and raw[sk.last[i - 1] - 1].isalpha()
                and raw[sk.first[i]].isalpha()
            ):
                continue
            hard.append(sk.starts[i])
        parts.append(QuotePart(raw, sk.skel, hard, pending if parts else None))
        pending = None
    return parts, brackets


class Locator:
    """An article tokenized once, to locate many quotes in it."""

    def __init__(self, text: str, *, skip: re.Pattern[str] = _OPTIONAL) -> None:
        self.text = text
        self._skip = skip
        self._without_brackets: Locator | None = None
        sk = skeleton(_blank(text, skip))
        self.skel = sk.skel
        self._starts = sk.starts
        self._ends = sk.ends
        self._first = sk.first
        self._last = sk.last
        self._start_at = dict(zip(sk.starts, range(len(sk.starts)), strict=True))
        self._end_at = dict(zip(sk.ends, range(len(sk.ends)), strict=True))
        self._sentences: list[int] | None = None

    def _find_part(self, part: QuotePart, lo: int) -> tuple[int, int, int] | None:
        """The first (skeleton start, first token, last token) of `part` at or after `lo`."""
        q = part.skel
        at = self.skel.find(q, lo)
        while at >= 0:
            first = self._start_at.get(at)
            last = self._end_at.get(at + len(q))
            if (
                first is not None
                and last is not None
                and all(at + b in self._start_at for b in part.hard)
            ):
                return at, first, last
            at = self.skel.find(q, at + 1)
        return None

    def sentence_bounds(self) -> list[int]:
        """Offsets where a sentence starts (after its end punctuation and white space)."""
        if self._sentences is None:
            starts = []
            for m in _SENTENCE_END.finditer(self.text):
                before = self.text[max(0, m.start() - 6) : m.start()].rstrip(".!?\"'”’)]")
                word = _RE_0.split(before)[-1].casefold()
                if m.group() != "\n" and (len(word) == 1 or word in _ABBREV):
                    continue  # "Mr. Smith", "J. Smith": not a sentence end
                starts.append(m.end())
            self._sentences = starts
        return self._sentences

    def gap_problem(self, a: int, b: int, kind: str) -> str | None:
        """Why the article text [a, b) may not be skipped by a gap of `kind`, or None."""
        gap = self.text[a:b]
        if _PARAGRAPH.search(gap):
            return "gap_crosses_paragraph"
        if len(gap) > (MAX_ELLIPSIS_GAP if kind == "ellipsis" else MAX_BRACKET_GAP):
            return "gap_too_long"
        bounds = self.sentence_bounds()
        i = bisect_right(bounds, a)  # sentence starts strictly inside the gap: bounds[i:j + 1]
        j = bisect_left(bounds, b) - 1
        if kind == "bracket" and j >= i:
            return "gap_crosses_sentence"
        # Only what the gap skips of the sentences it starts and ends in can bear on the quote.
        head_end = bounds[i] if i < len(bounds) and bounds[i] <= b else b
        k = bisect_right(bounds, b) - 1  # the start of the sentence the gap ends in
        tail_start = bounds[k] if k >= 0 and bounds[k] > a else a
        if NEGATION.search(self.text[a:head_end].translate(_INVISIBLE)) or NEGATION.search(
            self.text[max(tail_start, head_end) : b].translate(_INVISIBLE)
        ):
            return "quote_skips_negation"
        return None

    def locate(self, quote: str) -> Location:
        """Locate `quote`: its article spans, or why it cannot be located.

        Tried as given; then, if not found, with "150.000" read as "150,000" (a quote's
        European thousands), and against the article with its [bracketed insertions] left out
        (a quote may drop "[of climate change]" as it may keep it).
        """
        found = self._locate(quote)
        if found.problem != "quote_not_found":
            return found
        european = _DOT_THOUSANDS.sub(lambda m: m.group().replace(".", ","), quote)
        if european != quote:
            again = self._locate(european)
            if again.problem != "quote_not_found":
                return Location(quote, again.spans, again.problem)
        if self._skip is _OPTIONAL and "[" in self.text:
            if self._without_brackets is None:
                self._without_brackets = Locator(self.text, skip=_OPTIONAL_AND_BRACKETS)
            return self._without_brackets.locate(quote)
        return found

    def _locate(self, quote: str) -> Location:
        parts, brackets = quote_parts(quote)
        if not parts:
            return Location(quote, [], "quote_not_found")
        problem = "quote_not_found"
        lo = 0
        tries = 0
        while tries < 64:
            tries += 1
            first = self._find_part(parts[0], lo)
            if first is None:
                break
            lo = first[0] + 1
            found = [first]
            why = None
            for part in parts[1:]:
                prev_end = self._ends[found[-1][2]]
                nxt = self._find_part(part, prev_end)
                if nxt is None:
                    # A later start of the first part cannot help: give up.
                    return Location(quote, [], problem)
                kind = part.gap_before or "ellipsis"
                why = self.gap_problem(self._last[found[-1][2]], self._first[nxt[1]], kind)
                if why is not None:
                    break
                found.append(nxt)
            if why is None:
                located = self._checked(quote, parts, brackets, found)
                if located.ok:
                    return located
                why = located.problem
            if problem == "quote_not_found":
                problem = why or problem
        return Location(quote, [], problem)

    def _checked(
        self,
        quote: str,
        parts: list[QuotePart],
        brackets: list[str],
        found: list[tuple[int, int, int]],
    ) -> Location:
        merged: list[tuple[int, int]] = []
        for k, (at, first, last) in enumerate(found):
            a, b = self._first[first], self._last[last]
            # Parts with nothing but skipped material between them are one stretch of text.
            if merged and self._ends[found[k - 1][2]] == at:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        # Punctuation the quote opens or closes with ('"', '.') is the article's too, if there.
        lead = len(parts[0].raw) - len(parts[0].raw.lstrip())
        lead_punct = parts[0].raw[lead : lead + 3]
        trail_punct = parts[-1].raw.rstrip()[-3:]
        a, b = merged[0][0], merged[-1][1]
        while a > 0 and lead_punct and _EDGE_PUNCT.match(self.text[a - 1]) and a > merged[0][0] - 3:
            if not _EDGE_PUNCT.match(lead_punct[0]):
                break
            a -= 1
        while b < len(self.text) and _EDGE_PUNCT.match(self.text[b]) and b < merged[-1][1] + 3:
            if not trail_punct or not _EDGE_PUNCT.match(trail_punct[-1]):
                break
            b += 1
        merged[0] = (a, merged[0][1])
        merged[-1] = (merged[-1][0], b)
        located = " ".join(self.text[a:b] for a, b in merged)
        given = " ".join(p.raw for p in parts)
        # Numbers in skipped material (a citation marker) must still be the article's.
        have = numbers(located)
        for n in numbers(given) + [n for br in brackets for n in numbers(br)]:
            if n in have:
                have.remove(n)
            else:
                return Location(quote, merged, "quote_not_found")
        n_given, n_here = negations(given), negations(located)
        if n_here > n_given:
            return Location(quote, merged, "quote_skips_negation")
        if n_given > n_here:
            return Location(quote, merged, "quote_not_found")
        for br in brackets:
            # An editorial insertion may name who "he" is; the name must be the article's.
            for name in _RE_1.findall(br):
                if not self._names_before(name, merged[-1][1]):
                    return Location(quote, merged, "quote_not_found")
        return Location(quote, merged, None)

    def contains(self, name: str) -> bool:
        """Whether `name` occurs in the article as whole tokens (False if it is too short)."""
        parts, _ = quote_parts(name)
        if len(parts) != 1 or len(parts[0].skel) < 3:
            return False
        return self._find_part(parts[0], 0) is not None

    def _names_before(self, name: str, end: int) -> bool:
        window = self.text[max(0, end - 3000) : end]
        key = skeleton(name).skel
        return key in skeleton(window).skel


@dataclass
class Location:
    """Where a quote is in the article: spans [start, end) in article offsets, or a problem."""

    quote: str
    spans: list[tuple[int, int]]
    problem: str | None

    @property
    def ok(self) -> bool:
        """True when the quote was located and passed every check."""
        return self.problem is None


def verbatim(text: str, spans: list[tuple[int, int]]) -> str:
    """The article's own text of `spans`, parts joined by " … "."""
    return f" {ELLIPSIS} ".join(text[a:b] for a, b in spans)


# Patterns of the inline calls above, compiled once (not looked up in re's cache per call).
_RE_0 = re.compile(r"[\s(\[]")
_RE_1 = re.compile(r"\b[A-Z][^\W\d_]{2,}")
