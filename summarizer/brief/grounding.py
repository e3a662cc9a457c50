"""Check that every evidence quote and party in a brief really occurs in the article.

Matching is verbatim up to presentation: Unicode compatibility forms, case, runs of white
space, curly versus straight quotes and apostrophes, and the dash family are normalised on both
sides. A quote may skip words with "…" (or "..."); each part must then be found, in order,
and the words skipped must not hold a negation ("had … fired" for "had not fired" reverses the
article). Paraphrase is not accepted: that is the point.

The article is indexed once (`ArticleIndex`), so checking a brief costs one pass over the article
plus one substring search per quote part.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import weakref
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from summarizer.brief.locate import Location, Locator, negations, numbers, verbatim

if TYPE_CHECKING:
    from summarizer.brief.models import BriefReply, EvidenceLocation

# Characters folded to one canonical form before matching.
_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    "\u00a0": " ",
}
ELLIPSIS = "\u2026"
_SPLIT_PARTS = re.compile(r"\s*(?:\u2026|\.\.\.+|\[\s*(?:\u2026|\.\.\.)\s*\])\s*")
# Too short to prove anything: "the" occurs in every article.
MIN_QUOTE_CHARS = 8
MIN_PART_CHARS = 3
_EDGE = "\"' \t\n.,;:"


def _fold_char(ch: str) -> str:
    ch = _FOLD.get(ch, ch)
    if ch.isspace():
        return " "
    return unicodedata.normalize("NFKC", ch).casefold()


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise text for matching; also return, per output char, its index in `text`."""
    index = _NormIndex(text)
    return index.norm, [index.origin(i) for i in range(len(index.norm))]


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_SPACE = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1f]")
# Space runs that lose chars: at either end, beside a dash, or longer than one.
_DROPPED_SPACES = re.compile(r"(?:^|(?<=-)) +| +(?=-|$)| {2,}")


@lru_cache(maxsize=8192)
def _fold_one(ch: str) -> str:
    return _fold_char(ch)


def _fold(text: str) -> tuple[str, dict[int, str]] | None:
    """Every char folded as `_fold_char` does, with C-level string operations.

    Also returns the folds that are not one char for one char ("…" -> "...", "ß" -> "ss"),
    which move offsets. Each distinct non-ASCII char is folded once and replaced everywhere;
    folding is idempotent, so a fold's output is never folded into something else. None when
    only the char-by-char path gets the text right.
    """
    uneven: dict[int, str] = {}
    folded = text
    if not text.isascii():
        for ch in set(_NON_ASCII.findall(text)):
            f = _fold_one(ch)
            if len(f) != 1:
                if not f.strip() or f != "".join(f.split()):
                    # A fold with white space inside ("´" is NFKC " ́"): its space is not
                    # collapsed like the article's own, so only the char-by-char path is right.
                    return None
                uneven[ord(ch)] = f
            if f != ch:
                folded = folded.replace(ch, f)
    folded = _ASCII_SPACE.sub(" ", folded.lower()).replace("`", "'")
    return folded, uneven


def _collapse(folded: str) -> str:
    """Runs of spaces to one; none at the ends or beside a dash; "..." widened to 3 "…"."""
    joined = " ".join(folded.split()).replace(" -", "-").replace("- ", "-")
    return joined.replace("...", "\u2026\u2026\u2026")


def _normalize_slow(text: str) -> tuple[str, list[int]]:
    """The reference normalisation, one char at a time (for chars that fold to several)."""
    out: list[str] = []
    where: list[int] = []
    prev_space = True  # drops leading white space
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        if folded == " ":
            # No space after a dash: "Kellogg — Trump" and "Kellogg—Trump" read the same.
            if prev_space or (out and out[-1] == "-"):
                continue
            prev_space = True
        else:
            if folded == "-" and out and out[-1] == " ":
                out.pop()
                where.pop()
            prev_space = False
        for c in folded:
            out.append(c)
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out).replace("...", "\u2026\u2026\u2026"), where


def normalize(text: str) -> str:
    """Normalise text for matching (see the module docstring)."""
    fast = _fold(text)
    return _collapse(fast[0]) if fast is not None else _normalize_slow(text)[0]


def quote_parts(quote: str) -> list[str]:
    """Split a quote on ellipses into the normalised parts that must each be found."""
    parts = [normalize(p).strip(_EDGE) for p in _SPLIT_PARTS.split(quote)]
    return [p for p in parts if p]


class _NormIndex:
    """An article normalised once (`normalize`), with a map back to article offsets.

    Offsets back into the article are kept as two piecewise maps instead of one int per char:
    normalised text -> folded text (spaces collapsed: one segment per kept stretch) and folded
    text -> article (identity unless some char folds to several, like "…" to "...", whose
    chars all point back at it). Both are built with C-level string operations.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._norm_at: list[int] = [0]
        self._fold_at: list[int] = [0]
        self._src: list[tuple[int, int, int]] = [(0, 0, 1)]
        self._src_at: list[int] = [0]
        fast = _fold(text)
        if fast is None:
            norm, where = _normalize_slow(text)
            # One stretch per char: the same lookups, longer lists.
            self.norm, self._norm_at, self._fold_at = norm, list(range(len(norm))), where
            return
        folded, uneven = fast
        # normalised -> folded: a new stretch starts after each run of dropped spaces. Only
        # runs that lose a char matter (most are one space between words, kept whole).
        size = pos = 0
        n = len(folded)
        # (The regex scan is slow; ordinary text often has nothing for it to find.)
        some = "  " in folded or " -" in folded or "- " in folded or folded[:1] == " "
        for m in _DROPPED_SPACES.finditer(folded) if some or folded[-1:] == " " else ():
            a, b = m.span()
            keep = a > 0 and b < n and folded[a - 1] != "-" and folded[b] != "-"
            size += (a + 1 if keep else a) - pos
            pos = b
            if size:
                self._norm_at.append(size)
                self._fold_at.append(b)
            else:
                self._fold_at[0] = b  # leading white space
        # "..." in the article is widened to three ellipsis chars, keeping offsets aligned;
        # quotes are split on ellipses, so either spelling in the article matches.
        self.norm = _collapse(folded)
        # folded -> article: (folded start, article start, stride 1 or 0) per stretch.
        if uneven:
            shift = 0
            odd = re.compile("[" + "".join(re.escape(chr(c)) for c in uneven) + "]")
            for m in odd.finditer(text):
                i = m.start()
                k = len(uneven[ord(m.group())])
                self._src.append((i + shift, i, 0))
                self._src.append((i + shift + k, i + 1, 1))
                shift += k - 1
        self._src_at = [f for f, _, _ in self._src]

    def origin(self, i: int) -> int:
        """The offset in the article text of normalised char `i`."""
        k = bisect_right(self._norm_at, i) - 1
        j = self._fold_at[k] + i - self._norm_at[k]
        f, a, stride = self._src[bisect_right(self._src_at, j) - 1]
        return a + (j - f) * stride

    def contains(self, phrase: str) -> bool:
        """Whether a name or phrase occurs in the article (normalised, whole words)."""
        p = normalize(phrase).strip(_EDGE)
        if not p:
            return False
        return _word_pattern(p).search(self.norm) is not None


class ArticleIndex:
    """An article indexed once, to look many quotes and names up in it.

    Quotes are located by `locate.Locator` (tokens and keys, see `summarizer.brief.locate`); the
    normalised text (`norm`, `origin`) is built only when something asks for it.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._norm_index: _NormIndex | None = None
        self._locator: Locator | None = None
        # Reports of replies checked against this article, by the reply's content (see
        # `check_reply`): a reply validated in the request is not checked again in the engine.
        self._reports: OrderedDict[str, GroundingReport] = OrderedDict()

    @classmethod
    def of(cls, article: str | ArticleIndex) -> ArticleIndex:
        """The index of `article`: the same object for the same text while anyone holds it (a
        brief in flight, however many), else when the text was indexed lately."""
        return article if isinstance(article, ArticleIndex) else _cached_index(article)

    @property
    def locator(self) -> Locator:
        """The article's tokens and keys (built on first use)."""
        if self._locator is None:
            self._locator = Locator(self.text)
        return self._locator

    @property
    def _normalised(self) -> _NormIndex:
        if self._norm_index is None:
            self._norm_index = _NormIndex(self.text)
        return self._norm_index

    @property
    def norm(self) -> str:
        """The article normalised as `normalize` does."""
        return self._normalised.norm

    def origin(self, i: int) -> int:
        """The offset in the article text of normalised char `i`."""
        return self._normalised.origin(i)

    def locate(self, quote: str) -> Location:
        """Where `quote` is in the article, under the locator's equivalences."""
        return self.locator.locate(quote)

    def find(self, quote: str) -> list[tuple[int, int]] | None:
        """Return the [start, end) spans of `quote` in the article (one per stretch), or None."""
        loc = self.locate(quote)
        return loc.spans if loc.ok else None

    def contains(self, phrase: str) -> bool:
        """Whether a name or phrase occurs in the article as whole words.

        Found by its tokens' keys (so "Segolene" finds "Ségolène"), or, for a name too short or
        too symbolic to have a telling skeleton ("C++"), in the normalised text.
        """
        if self.locator.contains(phrase):
            return True
        return self._normalised.contains(phrase)


# Every index still in use, by its text: a batch of 64 briefs in flight holds 64 indexes, and
# each is found again by its text (the engine holds its article's index for the whole brief).
_live_indexes: weakref.WeakValueDictionary[str, ArticleIndex] = weakref.WeakValueDictionary()
# ... and the last few kept alive even when nobody holds them (a text checked twice in a row).
_recent_indexes: OrderedDict[str, ArticleIndex] = OrderedDict()
_RECENT = 16
_index_lock = threading.Lock()


def _cached_index(text: str) -> ArticleIndex:
    with _index_lock:
        index = _live_indexes.get(text)
        if index is None:
            index = _live_indexes[text] = ArticleIndex(text)  # cheap: built lazily
        _recent_indexes[text] = index
        _recent_indexes.move_to_end(text)
        if len(_recent_indexes) > _RECENT:
            _recent_indexes.popitem(last=False)
        return index


def _clear_index_cache() -> None:
    """Forget every cached index (benchmarks measure a cold start with this)."""
    with _index_lock:
        _recent_indexes.clear()
        _live_indexes.clear()


@lru_cache(maxsize=4096)
def _word_pattern(p: str) -> re.Pattern[str]:
    # Word boundaries keep "Ian" from matching inside "Ukrainian"; possessives still match.
    return re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)")


# Function words: what evidence needs beyond them to say anything (English, German, French,
# Spanish). A quote with fewer than two other words ("has congratulated") proves nothing, and
# an item's evidence needs three in all ("strongly condemned" alone does not say who or what):
# every genuine gold item has three or more.
_FUNCTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    a an the and or but of to in on at by for from with as is are was were be been being has
    have had do does did will would shall should can could may might must it its this that
    these those he she they we i you him her them us his their our my your who whom which
    what when where why how there here said says say told also than then so such into over
    after before about up out if while per not no never der die das und ist sind war ein
    eine einer eines einem einen den dem des zu von mit auf im für sich er sie es wir hat
    haben wurde werden sagte nicht kein keine le la les et des est une un dans pour que qui
    sur au avec du il a dit ne pas el los las y de en es por con para del se dijo al""",
    )
)
MIN_CONTENT_WORDS = 2
MIN_ITEM_CONTENT_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+|\d+")


def content_words(text: str) -> list[str]:
    """The words of `text` that are not function words, case folded."""
    return [w for w in _WORD.findall(text.casefold()) if w not in _FUNCTION_WORDS]


def is_generic(quote: str) -> bool:
    """Whether a quote is too generic to be evidence of anything: fewer than two content words
    ("has congratulated", "said that it was")."""
    return len(content_words(" ".join(quote_parts_raw(quote)))) < MIN_CONTENT_WORDS


def generic_evidence(located: list[str]) -> bool:
    """Whether an item's located quotes, all together, are too generic to support it."""
    return bool(located) and len(content_words(" ".join(located))) < MIN_ITEM_CONTENT_WORDS


def quote_parts_raw(quote: str) -> list[str]:
    """A quote's parts as given, split on ellipses."""
    return [p for p in _SPLIT_PARTS.split(quote) if p.strip()]


# --- a statement against its evidence: quantities and negation ------------------------------

_FRACTIONS = {
    "half": 50.0,
    "a third": 100 / 3,
    "one third": 100 / 3,
    "two thirds": 200 / 3,
    "two-thirds": 200 / 3,
    "a quarter": 25.0,
    "one quarter": 25.0,
    "three quarters": 75.0,
}
_LESS = r"fewer than|less than|under|below|not even|just under"
_AT_MOST = r"at most|up to|no more than|not more than|as many as"
_MORE = r"more than|over|above|greater than|just over|upwards of|exceed(?:s|ed|ing)?(?: by)?"
_AT_LEAST = r"at least|no fewer than|no less than|not less than"
_NEARLY = r"nearly|almost|close to|approaching"
_ABOUT = r"about|around|roughly|approximately|some|an estimated|estimated|circa|c\."
_COMPARATORS = "|".join([_LESS, _AT_MOST, _MORE, _AT_LEAST, _NEARLY, _ABOUT])
# Every match starts with a digit or the first letter of a comparator, fraction or "a/the
# majority": the lookahead lets the engine skip every other offset without trying them all.
# (Splitting the comparators at every "|" over-counts a few letters: harmless, a superset.)
_QUANTITY_FIRST = "".join(
    sorted({re.escape(w[0]) for w in [*_COMPARATORS.split("|"), *_FRACTIONS, "a", "the"]})
)


def _by_first_letter(alternatives: str) -> str:
    """The top-level alternatives of a pattern ("less than|under|at most|...", each starting
    with a letter) grouped by that letter, in their order within each group: "l(?:ess than)|
    u(?:nder)|a(?:t most)|...". The same alternative wins wherever one matches (two that start
    with different ASCII letters never match at one offset, case folded or not), and the
    engine tries one letter per group instead of every alternative."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(alternatives):
        depth += (ch == "(") - (ch == ")")  # (no escaped parentheses in these lists)
        if ch == "|" and depth == 0:
            parts.append(alternatives[start:i])
            start = i + 1
    parts.append(alternatives[start:])
    groups: dict[str, list[str]] = {}
    for part in parts:
        assert part[:1].isascii() and part[:1].isalpha(), part
        groups.setdefault(part[0], []).append(part[1:])
    return "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items())


_QUANTITY = re.compile(
    rf"(?=[\d{_QUANTITY_FIRST}])"
    rf"(?:\b(?P<cmp>{_by_first_letter(_COMPARATORS)})\s+)?"
    r"(?:(?P<num>\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+(?:\.\d+)?)"
    r"\s*(?P<unit>%|per\s?cent\b|percent\b|prozent\b|pour\s?cent\b|por\s?ciento\b"
    rf"|(?!(?:{_COMPARATORS})\b)[^\W\d_]+)?"
    rf"|(?P<frac>{'|'.join(sorted(map(re.escape, _FRACTIONS), key=len, reverse=True))})\b"
    r"|(?P<maj>(?:a|the) majority|(?:a|the) minority))",
    re.IGNORECASE,
)
_QUANTITY_HINT = re.compile(r"(?=[\dhtqm])(?:\d|half|third|quarter|majority|minority)", re.I)
_PERCENT_UNITS = re.compile(r"%|per\s?cent|percent|prozent|pour\s?cent|por\s?ciento", re.I)


@dataclass(frozen=True)
class Quantity:
    """A number as a statement or quote bounds it: [low, high], percent or a count of `unit`."""

    low: float
    high: float
    percent: bool
    unit: str | None  # the word counted, its first five letters ("people" -> "peopl")
    bounded: bool  # said with a comparator, or as a share ("61%", "less than half")
    how: str = ""  # "less", "at_most", "more", "at_least", "nearly", "about" or "" (exact)


def quantities(text: str) -> list[Quantity]:
    """The quantities written in `text` ("at least 61%", "fewer than 50 people", "half")."""
    out: list[Quantity] = []
    if not _QUANTITY_HINT.search(text):
        return out
    for m in _QUANTITY.finditer(text):
        cmp = (m.group("cmp") or "").casefold()
        if m.group("maj"):
            low_maj = "minority" not in m.group("maj").casefold()
            out.append(
                Quantity(50.0 if low_maj else 0.0, 100.0 if low_maj else 50.0, True, None, True)
            )
            continue
        if m.group("frac"):
            value, percent, unit = _FRACTIONS[m.group("frac").casefold()], True, None
        elif m.group("num"):
            value = float(m.group("num").replace(",", ""))
            unit = m.group("unit")
            percent = bool(unit and _PERCENT_UNITS.fullmatch(unit))
            unit = None if percent or not unit else unit.casefold()
            if unit and (unit in _FUNCTION_WORDS or unit.endswith(("ed", "ing"))):
                unit = None  # "fewer than 50 backed it": a verb, not what is counted
            unit = unit[:5] if unit else None
        else:
            continue
        num = m.group("num") or ""
        if not percent and len(num) == 4 and num.isdigit() and 1800 <= value <= 2100:
            continue  # a year ("below 2000 levels"), not a quantity
        low, high, how = value, value, ""
        if not cmp:
            pass  # exact (no comparator matches an empty string)
        elif _RE_0.fullmatch(cmp):
            low, how = value * 0.9, "nearly"
        elif _RE_1.fullmatch(cmp):
            # "about 300" is the figure 300 said loosely: "about 301" is another figure.
            low, high, how = value * 0.99, value * 1.01, "about"
        elif _RE_2.fullmatch(cmp):
            low, high, how = float("-inf"), value - 1e-9, "less"
        elif _RE_3.fullmatch(cmp):
            low, how = float("-inf"), "at_most"
        elif _RE_4.fullmatch(cmp):
            low, high, how = value + 1e-9, float("inf"), "more"
        elif _RE_5.fullmatch(cmp):
            high, how = float("inf"), "at_least"
        out.append(Quantity(low, high, percent, unit, bool(cmp) or percent, how))
    return out


def _comparable(s: Quantity, e: Quantity) -> bool:
    if s.percent or e.percent:
        # "fewer than 50" read against "61%": a bare number may be the share the quote gives.
        return (s.percent or s.unit is None) and (e.percent or e.unit is None)
    return s.unit is not None and s.unit == e.unit


def quantity_conflict(statement: str, evidence: str) -> str | None:
    """A quantity the statement bounds that no comparable quantity of the evidence allows."""
    claimed = quantities(statement)
    if not claimed:
        return None
    said = quantities(evidence)
    given = {float(n) for n in numbers(evidence) if n.replace(".", "", 1).isdigit()}
    for s in claimed:
        if not s.bounded and (s.unit is None or s.low in given):
            # A bare number ("Internet Explorer 6") has nothing to be compared with; one the
            # evidence gives, whatever word follows it there, is the evidence's.
            continue
        others = [e for e in said if _comparable(s, e)]
        # A figure said exactly stands for the evidence's rounded to its last digit ("3%" for
        # "3.2%", "2,000" for "2,050", within 5 %); "about 60%" for "61%" is rounded too.
        low, high = s.low, s.high
        if not s.how and s.low == s.high:
            low, high = s.low - _tolerance(s.low), s.high + _tolerance(s.high)
        if others and not any(
            (e.low <= high and low <= e.high) or (s.how == "about" and _rounds(s, e))
            for e in others
        ):
            return _describe(s)
        # "more than 301 people" for "more than 300 people": the same bound, another figure
        # (a weaker floor, "more than 1 million" for "more than 1.2 million", is the same; not a
        # higher ceiling: "as many as 5,000 jobs" for "as many as 4,000" overstates).
        # "about 300" for "some 297" is the figure rounded: a rounder figure is no other one.
        same = [e for e in others if e.how and e.how == s.how]
        if same and not any(
            (e.low == s.low and e.high == s.high)
            or (s.how in ("more", "at_least") and s.low <= e.low)
            or (s.how == "about" and _rounds(s, e))
            for e in same
        ):
            return _describe(s)
    return None


def _tolerance(x: float) -> float:
    """Half a unit of `x`'s last written digit, at most 5 % of it (12.5 -> 0.05, 2000 -> 100)."""
    if not float(x).is_integer():
        decimals = len(repr(float(x)).split(".")[1])
        return 0.5 * 10**-decimals
    n, zeros = round(abs(x)), 0
    while n and n % 10 == 0:
        n, zeros = n // 10, zeros + 1
    return min(0.5 * 10**zeros, 0.05 * abs(x)) if zeros else 0.5


def _rounds(s: Quantity, e: Quantity) -> bool:
    """Whether `s` ("about 300") is `e` ("about 297") rounded: rounder, and within 15 %."""
    if not all(math.isfinite(x) for x in (s.low, s.high, e.low, e.high)):
        return False  # "about 300" is no rounding of "more than 297"
    a, b = (s.low + s.high) / 2, (e.low + e.high) / 2

    def zeros(x: float) -> int:
        n, r = round(abs(x)), 0
        while n and n % 10 == 0:
            n, r = n // 10, r + 1
        return r

    return abs(a - b) <= 0.15 * abs(b) and zeros(a) > zeros(b)


def _describe(q: Quantity) -> str:
    unit = "%" if q.percent else f" {q.unit}" if q.unit else ""
    if q.low == float("-inf"):
        return f"below {q.high:g}{unit}"
    if q.high == float("inf"):
        return f"above {q.low:g}{unit}"
    return f"{q.low:g}{unit}" if q.low == q.high else f"{q.low:g}-{q.high:g}{unit}"


# A statement that restates its quote nearly word for word must keep the quote's polarity.
NEGATION_RESTATEMENT = 0.85


def negation_conflict(statement: str, evidence: str) -> bool:
    """Whether `statement` repeats `evidence` nearly word for word with another count of
    negations. (A negation added to or taken from one word of a looser restatement is
    `claims.polarity_conflict`'s, clause by clause.)"""
    if negations(statement) == negations(evidence):
        return False
    s = {w[:5] for w in content_words(statement)}  # "attend" and "attended" alike
    e = {w[:5] for w in content_words(evidence)}
    if not s or not e:
        return False
    return len(s & e) / len(s | e) >= NEGATION_RESTATEMENT


@dataclass
class GroundingIssue:
    """One thing in a brief that the article does not support."""

    path: str
    # "quote_not_found" | "quote_too_short" | "quote_skips_negation" | "unknown_party" |
    # "party_not_in_article"
    kind: str
    message: str
    quote: str | None = None


@dataclass
class GroundingReport:
    """The result of checking a brief against its article."""

    issues: list[GroundingIssue] = field(default_factory=list)
    evidence: list[EvidenceLocation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.issues


def locate_quote(index: ArticleIndex, quote: str) -> Location:
    """Check one quote: where it is in the article, or what is wrong with it.

    `Location.problem` is one of "quote_too_short", "quote_not_found",
    "quote_skips_negation", "gap_too_long", "gap_crosses_paragraph", "gap_crosses_sentence",
    or None when the quote is grounded.
    """
    parts = quote_parts(quote)
    if sum(len(p) for p in parts) < MIN_QUOTE_CHARS or any(len(p) < MIN_PART_CHARS for p in parts):
        return Location(quote, [], "quote_too_short")
    return index.locate(quote)


def check_quote(index: ArticleIndex, quote: str) -> tuple[str | None, list[tuple[int, int]]]:
    """Check one quote; return (problem kind or None, article spans when located)."""
    loc = locate_quote(index, quote)
    return loc.problem, loc.spans


_QUOTE_PROBLEMS = {
    "quote_too_short": "quote too short to verify, give a longer verbatim quote",
    "quote_generic": (
        "quote too generic to support anything on its own: quote the words that carry the "
        "statement's content (who, what, numbers)"
    ),
    "quote_not_found": "quote not found verbatim in the article",
    "quote_skips_negation": (
        "the '…' in this quote skips a negation in the article, which reverses it: quote the "
        "words around the negation too"
    ),
    "gap_too_long": "the '…' in this quote skips too much of the article: quote one passage",
    "gap_crosses_paragraph": (
        "the '…' in this quote joins two paragraphs of the article: give one quote per passage"
    ),
    "gap_crosses_sentence": "a [bracketed] insertion may only stand for words of the same sentence",
}


def quote_message(path: str, kind: str, quote: str) -> str:
    """The one-line re-ask message for a quote problem."""
    return f"{path}: {_QUOTE_PROBLEMS.get(kind, kind.replace('_', ' '))}: {quote!r}"


def claim_problem(claim: str, evidence: list[str]) -> str | None:
    """Why a statement (or stance) disagrees with its located evidence, or None.

    In order: a bound the evidence's numbers exclude (`quantity_conflict`), a near verbatim
    restatement with a negation added or removed (`negation_conflict`), a figure the evidence
    clause it restates gives otherwise (`claims.number_conflict`), a word it negates that the
    evidence affirms or the other way round (`claims.polarity_conflict`).
    """
    if not claim or not evidence:
        return None
    joined = " ".join(evidence)
    bound = quantity_conflict(claim, joined)
    if bound is not None:
        return f"the statement says {bound}, which the evidence's numbers contradict"
    if negation_conflict(claim, joined):
        return "the statement restates its evidence with a negation added or removed"
    from summarizer.brief.claims import number_conflict, polarity_conflict

    lines = "\n".join(evidence)  # a quote ends a clause
    if (number := number_conflict(claim, lines)) is not None:
        return f"the statement says {number}, where the evidence it restates has another figure"
    if (polar := polarity_conflict(claim, lines)) is not None:
        return f"the statement {polar}"
    return None


def party_names(reply: BriefReply) -> dict[str, str]:
    """Map every normalised party name and alias to the party's canonical name."""
    names: dict[str, str] = {}
    for party in reply.parties:
        for n in [party.name, *party.aliases]:
            key = normalize(n).strip(_EDGE)
            if key:
                names.setdefault(key, party.name)
    return names


def check_reply(reply: BriefReply, article: str | ArticleIndex) -> GroundingReport:
    """Check every quote, statement, position party and party name of `reply` against `article`.

    Each located quote's `EvidenceLocation` carries the article's own text of it (`quote`),
    its offsets, and the model's rendering (`given`) when that differs.
    """
    index = ArticleIndex.of(article)
    # The same reply checked against the same article gets the same report: instructor's
    # validator checks a reply, and the engine checks the brief it makes of it again.
    key = report_key(reply)
    known = known_report(index, key)
    if known is None:
        known = _check_reply(reply, index)
        remember_report(index, key, known)
    return GroundingReport(issues=list(known.issues), evidence=list(known.evidence))


_REPORTS_KEPT = 4


def report_key(reply: BriefReply) -> str:
    """What a reply's report is kept under: its content, as JSON."""
    return reply.model_dump_json()


def known_report(index: ArticleIndex, key: str) -> GroundingReport | None:
    """The report kept on `index` for the reply whose `report_key` is `key`, if any."""
    return index._reports.get(key)


def remember_report(index: ArticleIndex, key: str, report: GroundingReport) -> None:
    """Keep `report` (made by `_check_reply`, here or in a worker process, see
    `summarizer.brief.offload`) for the reply whose `report_key` is `key`."""
    index._reports[key] = report
    if len(index._reports) > _REPORTS_KEPT:
        index._reports.popitem(last=False)


def _check_reply(reply: BriefReply, index: ArticleIndex) -> GroundingReport:
    from summarizer.brief.models import EvidenceLocation

    report = GroundingReport()

    def quotes(section: str, items: list) -> None:
        for i, item in enumerate(items):
            located: list[str] = []
            for j, q in enumerate(item.evidence):
                path = f"{section}[{i}].evidence[{j}]"
                loc = locate_quote(index, q)
                if loc.problem is None and is_generic(q):
                    # A brief's evidence must say something: "has congratulated" does not.
                    loc = Location(q, [], "quote_generic")
                if loc.problem is not None:
                    msg = quote_message(path, loc.problem, q)
                    report.issues.append(GroundingIssue(path, loc.problem, msg, q))
                    continue
                text = verbatim(index.text, loc.spans)
                located.append(text)
                given = q if q != text else None
                report.evidence.append(
                    EvidenceLocation(path=path, quote=text, spans=loc.spans, given=given)
                )
            claim = item.statement if section == "key_facts" else item.stance
            if generic_evidence(located):
                path = f"{section}[{i}].evidence"
                msg = (
                    f"{path}: the evidence is too generic to support the item: quote the words "
                    f"that carry its content (who, what, numbers): {located!r}"
                )
                report.issues.append(GroundingIssue(path, "evidence_generic", msg))
            why = claim_problem(claim, located)
            if why is not None:
                path = f"{section}[{i}]"
                msg = f"{path}: {why}: {claim!r}"
                report.issues.append(GroundingIssue(path, "statement_contradicts_evidence", msg))

    quotes("key_facts", reply.key_facts)
    quotes("positions", reply.positions)

    names = party_names(reply)
    for i, pos in enumerate(reply.positions):
        if normalize(pos.party).strip(_EDGE) not in names:
            path = f"positions[{i}].party"
            msg = f"{path}: {pos.party!r} is not the name or alias of any listed party"
            report.issues.append(GroundingIssue(path, "unknown_party", msg))
    for i, party in enumerate(reply.parties):
        if not any(index.contains(n) for n in [party.name, *party.aliases]):
            path = f"parties[{i}]"
            msg = f"{path}: neither {party.name!r} nor its aliases occur in the article"
            report.issues.append(GroundingIssue(path, "party_not_in_article", msg))
    # --- guard_attribution: who said what, and how sure the article is
    from summarizer.brief.guard_attribution import check_attribution

    report.issues += check_attribution(reply, index, report.evidence)
    # --- end guard_attribution
    return report


def format_issues(issues: list[GroundingIssue]) -> str:
    """The re-ask message: every failing item named, and what to do about it."""
    head = (
        f"{len(issues)} item(s) are not grounded in the article. Evidence must be copied "
        "verbatim from the article (use '…' to skip words); every position's party must be a "
        "listed party; every party must be named in the article. Fix or remove these:"
    )
    # --- guard_attribution: say why a verbatim quote can still be wrong
    from summarizer.brief.guard_attribution import KINDS

    if any(i.kind in KINDS for i in issues):
        head = head.replace(
            " Fix or remove these:",
            " A quote must be given to the party the article says spoke it and must not join "
            "different speakers or skip the article's hedges; a fact's status must be no surer "
            "than the article. Fix or remove these:",
        )
    # --- end guard_attribution
    return head + "\n" + "\n".join(f"- {i.message}" for i in issues)


def prune_ungrounded(
    reply: BriefReply,
    article: str | ArticleIndex,
    corrected: list | None = None,
) -> tuple[BriefReply, list[tuple[str, str, dict]]]:
    """Drop what the article does not support; return the kept reply and (path, reason, item).

    Ungrounded quotes are removed; a fact or position left with no quote is removed; so are
    parties not named in the article and positions whose party is not a listed party.
    """
    index = ArticleIndex.of(article)
    dropped: list[tuple[str, str, dict]] = []

    kept_parties = []
    for i, party in enumerate(reply.parties):
        if any(index.contains(n) for n in [party.name, *party.aliases]):
            kept_parties.append(party)
        else:
            dropped.append((f"parties[{i}]", "party not named in the article", party.model_dump()))
    names = party_names(reply.model_copy(update={"parties": kept_parties}))

    def keep_evidence(section: str, items: list) -> list:
        kept = []
        for i, item in enumerate(items):
            good = []
            located = []
            for j, q in enumerate(item.evidence):
                loc = locate_quote(index, q)
                if loc.problem is None and is_generic(q):
                    loc = Location(q, [], "quote_generic")
                if loc.problem is None:
                    good.append(q)
                    located.append(verbatim(index.text, loc.spans))
                else:
                    reason = loc.problem.replace("_", " ")
                    dropped.append((f"{section}[{i}].evidence[{j}]", reason, {"quote": q}))
            if not good:
                dropped.append((f"{section}[{i}]", "no grounded evidence left", item.model_dump()))
                continue
            why = claim_problem(item.statement if section == "key_facts" else item.stance, located)
            if why is None and generic_evidence(located):
                why = "evidence too generic to support the item"
            if why is not None:
                dropped.append((f"{section}[{i}]", why, item.model_dump()))
                continue
            if section == "positions" and normalize(item.party).strip(_EDGE) not in names:
                dropped.append(
                    (f"{section}[{i}]", "party is not a listed party", item.model_dump())
                )
                continue
            kept.append(item.model_copy(update={"evidence": good}))
        return kept

    pruned = reply.model_copy(
        update={
            "parties": kept_parties,
            "key_facts": keep_evidence("key_facts", reply.key_facts),
            "positions": keep_evidence("positions", reply.positions),
        }
    )
    # --- guard_attribution: drop quotes given to the wrong party, joining speakers or skipping a
    # hedge; lower an overstated status; corrections go to `corrected` when given.
    from summarizer.brief.guard_attribution import correct_or_drop

    pruned, more, fixes = correct_or_drop(reply, pruned, index)
    dropped += more
    if corrected is not None:
        corrected += fixes
    # --- end guard_attribution
    return pruned, dropped


def use_article_text(
    reply: BriefReply, report: GroundingReport, text: str
) -> tuple[BriefReply, list[EvidenceLocation]]:
    """The reply with every located quote replaced by the article's own text of it.

    However the model rendered a quote (other quote marks, a dropped accent, "per cent" for
    "%"), the brief shows the article's characters; quotes that become identical are kept once.
    Returns the new reply and its evidence locations (paths renumbered). Raises ValueError if
    an evidence part is not a substring of `text` (it cannot be, by construction: checked).
    """
    where = {e.path: e for e in report.evidence}
    locations: list[EvidenceLocation] = []

    def swap(section: str, items: list) -> list:
        out = []
        for i, item in enumerate(items):
            kept: list[str] = []
            for j, q in enumerate(item.evidence):
                loc = where.get(f"{section}[{i}].evidence[{j}]")
                new = loc.quote if loc is not None else q
                if new in kept:
                    continue
                if loc is not None:
                    path = f"{section}[{i}].evidence[{len(kept)}]"
                    locations.append(loc.model_copy(update={"path": path}))
                kept.append(new)
            out.append(item.model_copy(update={"evidence": kept}))
        return out

    swapped = reply.model_copy(
        update={
            "key_facts": swap("key_facts", reply.key_facts),
            "positions": swap("positions", reply.positions),
        }
    )
    assert_verbatim(swapped, text)
    return swapped, locations


def assert_verbatim(reply: BriefReply, text: str) -> None:
    """Raise ValueError unless every evidence string's parts are exact substrings of `text`."""
    for section in (reply.key_facts, reply.positions):
        for item in section:
            for q in item.evidence:
                for part in q.split(f" {ELLIPSIS} "):
                    if part not in text:
                        raise ValueError(f"evidence is not the article's own text: {part!r}")


# Patterns of the inline calls above, compiled once (not looked up in re's cache per call).
_RE_0 = re.compile(_NEARLY)
_RE_1 = re.compile(_ABOUT)
_RE_2 = re.compile(_LESS)
_RE_3 = re.compile(_AT_MOST)
_RE_4 = re.compile(_MORE)
_RE_5 = re.compile(_AT_LEAST)
