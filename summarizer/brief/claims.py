"""A statement against the evidence it restates: polarity and numbers, clause by clause.

`grounding.claim_problem` already refuses a bound the evidence's numbers exclude ("fewer than
50" for "61%") and a near word-for-word restatement with a negation added or removed. This
module compares each clause of a statement with the evidence clauses it restates (those that
share content words with it):

- polarity: a word the statement negates ("did not attend") that an evidence clause restating
  it says plainly, with no negation bearing on it (none before it within its reach, up to the
  next comma or conjunction; no "refused", "without" before it; no denial after it); or a word
  the evidence negates ("were not a factor", "refused to agree", "to avoid being sent away")
  that the statement says plainly, in a clause with fewer negations than the evidence's. The
  two clauses must share another content word, so "no trams" for "the trams stayed in the
  depots" and "was not chosen" for "was also proposed" pass: nothing the statement negates is
  said the other way by the evidence. A condition ("if it is not returned") and a negation of
  when ("not expected before June") assert nothing to compare;
- numbers: a number of the statement that the evidence does not hold (in digits or words, or
  rounded: "about 300" or "300" for "297", "3%" for "3.2%", "more than 1 million" for 1.2
  million), where the evidence clause it restates holds another number of the same kind (a
  year for a year, a time for a time, an ordinal for an ordinal) that the statement does not;
  or another figure next to the same word ("August 10" for "August 11", "15:11 GMT", "Moskalik,
  59") or glued to the same name ("IE7" for "IE6", "STS-2" for "STS-1"). A number the evidence
  writes in words is support, not a rival, unless the statement writes its own in words too:
  "30 hours in a cell" next to "interrogated him for two hours" is a statement the evidence
  does not cover, not one it contradicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from summarizer.brief.grounding import _by_first_letter, content_words

# --- clauses -----------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(
    r"(?<!\b[A-Z])(?<!\b[A-Z][a-z])[.!?;:](?=\s|$)|…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]"
    r"|,?\s+(?i:but|while|whereas|although|though|however)\s+|\n"
)


def clauses(text: str) -> list[str]:
    """`text` cut at sentence ends, semicolons, colons, ellipses, line ends (one quote each) and
    contrasting conjunctions ("but", "while", "although")."""
    return list(_clauses(text))


@lru_cache(maxsize=1024)
def _clauses(text: str) -> tuple[str, ...]:
    # The number and the polarity checks cut the same statement and evidence: once.
    return tuple(c for c in _CLAUSE_BREAK.split(text) if c and c.strip())


_SUFFIX = re.compile(r"(?:ings|ing|edly|ed|es|s|ly)$")


def stem(word: str) -> str:
    """A crude stem: suffixes "-ing", "-ed", "-s", "-ly" and a final "e" off, five letters
    ("warned", "warnings" -> "warn"; "agree", "agreed" -> "agre"; "returned" -> "retur")."""
    w = word.casefold()
    cut = w[:-1] if w.endswith("e") else _SUFFIX.sub("", w)
    return (cut if len(cut) >= 3 else w)[:5]


@lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    # Read again for every negated word and every clause compared: computed once per text.
    return frozenset(stem(w) for w in content_words(text))


# --- polarity ----------------------------------------------------------------------------

# A negation said of a verb or predicate: what a statement must not add to its evidence.
_VERB_NEG = r"not|never|cannot|no\s+longer|nicht|nie|niemals|jamais|nunca"
# (A lookahead on the first letters of every cue: the engine skips other offsets at once.)
_STATEMENT_NEG = re.compile(
    rf"(?=[ncj])(?:(?<![\w'’])(?:{_VERB_NEG})(?![\w'’])|n['’]t(?!\w))", re.I
)
# What the evidence negates a word with: a negation, or a verb that refuses the verb after it
# ("refused to agree", "to avoid being sent away"), or a denial of an act ("denied any
# wrongdoing", "denied having met"). Not "rejected the plan" or "denied the accusation": a
# statement may say "turned down the plan", "called the accusation baseless", and no word list
# holds every way of saying so.
_EVIDENCE_NEG = re.compile(
    rf"(?=[ncjrfdau])(?:(?<![\w'’])(?:{_VERB_NEG})(?![\w'’])|n['’]t(?!\w)"
    r"|\b(?:(?:refus|fail|declin)\w*\s+to|avoid\w*|unable\s+to"
    r"|den(?:y|ies|ied|ying)(?=\s+(?:that|having|being|ever|any|\w+ing)\b))(?!\w))",
    re.I,
)
# Everything that negates or denies near a word, for the side that must say it plainly.
_ANY_NEG = re.compile(
    rf"(?<![\w'’])(?:{_VERB_NEG}|no|none|nobody|nothing|neither|nor|without|kein\w*"
    r"|ne|pas|ni|sin|less|fewer|little|hardly|barely|rarely|seldom|scarcely|weniger|only|solely"
    r"|exclusively|nur)(?![\w'’])"
    r"|n['’]t(?!\w)"
    r"|\b(?:avoid|refus|den(?:y|ie)|fail|lack|absen|unable|prevent|reject|declin|stop|halt|ban"
    r"|unless|instead of|rather than|dismiss|rule[sd]? out|free of|false|untrue|wrong|disput"
    r"|contest|disagree|imposs|unlike|ohne|weder|verweiger|lehnt|bestr)",
    re.IGNORECASE,
)
# Denials that bear on what came before them ("it would amount to amnesty, which the Home
# Office rejects").
_LATE_DENIAL = re.compile(r"\b(?:reject|den(?:y|ie)|disput|dismiss|refut|contest|bestr)", re.I)
# What may stand between a negation and the word it negates: auxiliaries, articles, adverbs,
# hedges.
_SKIP = frozenset(
    re.findall(
        r"\S+",
        """a an the to be been being is are was were am have has had do does did will would shall
    should can could may might must one any yet even already always ever really particularly
    necessarily only just also actually fully quite so too very much more longer reportedly
    allegedly currently initially immediately still all entirely exactly simply in at of for
    this that these those it its their his her them him he she they we i you likely probably
    possibly mainly primarily generally largely mostly mildly officially formally publicly
    directly clearly""",
    )
)
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


_HYPOTHETICAL = re.compile(r"\b(?:if|unless|whether|until|once|in case|falls|wenn|ob|si)\b", re.I)


_TIMING = re.compile(r"\b(?:before|until|till|prior to|earlier than|bis|vor)\b", re.I)


def _negated_words(clause: str, negation: re.Pattern[str]) -> set[str]:
    """Stems of the words `negation` governs in `clause`: the first word after it that is not
    an auxiliary, article, adverb or hedge ("have not said" -> "said", "was never returned" ->
    "retur", "refused to agree" -> "agree")."""
    out = set()
    for m in negation.finditer(clause):
        ends = list(_SCOPE_END.finditer(clause, 0, m.start()))
        if _HYPOTHETICAL.search(clause[ends[-1].start() if ends else 0 : m.start()]):
            continue  # "if the form is not returned": a condition, not a statement
        words = _WORDS.findall(clause[m.end() : m.end() + 80])
        for i, w in enumerate(words[:5]):
            if w.casefold() not in _SKIP:
                # "not expected before June": a negation of when, not of what
                timing = _TIMING.search(" ".join(words[i + 1 : i + 3]))
                if len(w) > 1 and not _ANY_NEG.fullmatch(w) and not timing:
                    out.add(stem(w))
                break
    return out


_RESTRICTS = re.compile(r"only|solely|exclusively|nur", re.I)
# The explicit negations among `_ANY_NEG`'s cues: these bear on the next few words only.
_EXPLICIT = re.compile(
    rf"(?:{_VERB_NEG}|no|none|nobody|nothing|neither|nor|without|kein\w*|ne|pas|ni|sin|less"
    r"|fewer|little|hardly|barely|rarely|seldom|scarcely|weniger|only|solely|exclusively|nur)"
    r"|n['’]t",
    re.I,
)


# Where a negation's reach ends: a comma or a conjunction starts another predicate ("cannot
# take more, and we will gamble" does not negate "gamble").
_SCOPE_END = re.compile(
    r"[,;]|\b(?:and|or|but|so|because|which|who|when|where|while|if|und|oder|aber|et|ou)\b", re.I
)


def _plain_at(clause: str, start: int, end: int) -> bool:
    """Whether the word at clause[start:end] is said with no negation or denial bearing on it:
    no explicit negation before it whose reach (to the next comma or conjunction) covers it, no
    implied one ("refused", "without") anywhere before it in the clause, none after it before
    the next comma or conjunction ("kann … nicht zusagen"), and no denial after it ("…, which
    the Home Office rejects")."""
    before, after = clause[:start], clause[end:]
    for m in _ANY_NEG.finditer(before):
        if not _EXPLICIT.fullmatch(m.group()) or not _SCOPE_END.search(before[m.end() :]):
            return False
    if _LATE_DENIAL.search(after):
        return False
    reach = _SCOPE_END.search(after)
    # ("only" bears on what follows it: "can convict only on B" says "convict" plainly.)
    cues = _ANY_NEG.finditer(after[: reach.start()] if reach else after)
    return not any(not _RESTRICTS.fullmatch(m.group()) for m in cues)


def _said_plainly(word: str, clauses_: list[str], other: str, *, fewer: bool = False) -> bool:
    """Whether every clause that holds `word` (a stem) and restates the clause `other` of the
    other side (shares another content word with it; `fewer`: and holds fewer negations)
    says it plainly (`_plain_at`), and one does."""
    found = False
    theirs, negs = _stems(other), len(_ANY_NEG.findall(other))
    for c in clauses_:
        if not (_stems(c) - {word}) & theirs or (fewer and len(_ANY_NEG.findall(c)) >= negs):
            continue
        for m in _WORDS.finditer(c):
            if stem(m.group()) != word:
                continue
            if not _plain_at(c, m.start(), m.end()):
                return False
            found = True
    return found


def polarity_conflict(statement: str, evidence: str) -> str | None:
    """A word the statement negates and its evidence affirms, or the other way round."""
    said, given = clauses(statement), clauses(evidence)
    # "There are not no plans" for "there are no plans": a negation of the evidence's own.
    for c in said:
        # (`_DOUBLE` needs "not" or "never": no scan of a clause without either.)
        low = c.lower()
        for m in _DOUBLE.finditer(c) if "not" in low or "never" in low else ():
            verb, neg, after = m.group(1), m.group(2), m.group(3) or ""
            inner = re.compile(rf"\b(?:{verb}\s+{neg}|{neg}\s+{after})\b", re.I)
            if any(inner.search(g) and not _DOUBLE.search(g) for g in given):
                return f"negates '{neg}', which its evidence says"
    # A word one side says both ways ("will not iodise salt …, so all salt should be
    # iodised") is not one whose polarity it changed.
    for c in said:
        for word in _negated_words(c, _STATEMENT_NEG):
            if _said_plainly(word, given, c) and not _plain_anywhere(word, said):
                return f"negates '{word}…', which its evidence affirms"
    for c in given:
        for word in _negated_words(c, _EVIDENCE_NEG):
            # A statement may move a negation the evidence has ("cannot convict on A, only on
            # B" for "can convict only on B, not on A"): it must have dropped one.
            if _said_plainly(word, said, c, fewer=True) and not _plain_anywhere(word, given):
                return f"affirms '{word}…', which its evidence negates"
    return None


_DOUBLE = re.compile(
    r"(\w+)\s+(?:not|never)\s+(?:\w+\s+)?(no|neither|none|nothing|nobody|never)\b(?:\s+(\w+))?",
    re.I,
)


def _plain_anywhere(word: str, clauses_: list[str]) -> bool:
    """Whether `clauses_` say `word` (a stem) plainly somewhere."""
    return any(
        stem(m.group()) == word and _plain_at(c, m.start(), m.end())
        for c in clauses_
        for m in _WORDS.finditer(c)
    )


# --- numbers -----------------------------------------------------------------------------

_WRITTEN = {
    w: float(i)
    for i, ws in enumerate(
        [
            "",
            "",
            "two zwei",
            "three drei",
            "four vier",
            "five fünf",
            "six sechs",
            "seven sieben",
            "eight acht",
            "nine neun",
            "ten zehn",
            "eleven",
            "twelve zwölf",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty zwanzig",
        ]
    )
    for w in ws.split()
}
_WRITTEN.update(
    {
        "thirty": 30.0,
        "forty": 40.0,
        "fifty": 50.0,
        "sixty": 60.0,
        "seventy": 70.0,
        "eighty": 80.0,
        "ninety": 90.0,
        "hundred": 100.0,
        "dozen": 12.0,
    }
)
# A number token: digits with separators ("12,000", "1.900", "4,5"), a score or time joined by
# a dash or colon ("1–0", "15:11"), the letters glued before it ("IE6", "STS-1", "$200") and
# after it (an ordinal "62nd", a unit "4.2bn", "10km").
_NUMBER = re.compile(
    r"(?P<pre>(?<![\w])[A-Za-z]{1,5}-?|[$€£#])?"
    r"(?P<num>\d+(?:[.,]\d+)*)(?:(?P<join>[–:-])(?P<num2>\d+(?:[.,]\d+)*)(?![.,]?\d))?"
    r"(?P<tail>[^\W\d_]*)"
)
# Ordinals in words ("second" is also a unit of time, "first" is in every other sentence).
_ORDINALS = {
    w: float(i)
    for i, w in enumerate(
        ("third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"), start=3
    )
}
# (Each with a lookahead on the words' first letters, and the words grouped by that letter:
# the engine skips the other offsets, and tries one letter per group instead of every word.)
_ORDINAL_WORD = re.compile(
    rf"(?=[{''.join(sorted({w[0] for w in _ORDINALS}))}])"
    r"(?<![\w-])(" + _by_first_letter("|".join(_ORDINALS)) + r")(?![^\W\d_])",
    re.I,
)
_WRITTEN_WORD = re.compile(
    rf"(?=[{''.join(sorted({w[0] for w in _WRITTEN}))}])"
    r"(?<![\w-])("
    + _by_first_letter("|".join(sorted(_WRITTEN, key=len, reverse=True)))
    + r")(?![^\W\d_])",
    re.I,
)
_A_DIGIT = re.compile(r"\d")
# How a figure is bounded, by the words just before it.
_BOUNDS = [
    ("near", r"nearly|almost|close to|just under|approaching|knapp|fast|près de|casi"),
    ("more", r"more than|over|above|at least|upwards of|exceeding|mehr als|über|plus de|más de"),
    ("less", r"less than|fewer than|under|below|up to|at most|as many as|weniger als|bis zu"),
    (
        "about",
        r"about|around|roughly|approximately|some|estimated|circa|etwa|rund|environ|unos"
        r"|cerca de|~",
    ),
]
_BOUND = [(how, re.compile(rf"(?:^|\W)(?:{words})\s*$", re.I)) for how, words in _BOUNDS]


def _bound(before: str) -> str:
    return next((how for how, pattern in _BOUND if pattern.search(before)), "")


@dataclass(frozen=True)
class Number:
    """A number as written: its value(s), kind, the name glued before it, and how it is said."""

    values: tuple[float, ...]  # one, or two for a score, range or time ("1–0", "15:11")
    kind: str  # "year", "time", "ordinal", "score" or "number"
    prefix: str  # letters glued before it ("ie", "sts", "$"), or ""
    written: bool  # in words ("three")
    bound: str  # "about", "more", "less", "near" ("about 300", "more than 50"), or ""
    anchors: frozenset[str] = frozenset()  # stems of the words next to it ("august", "gmt")

    def key(self) -> tuple[float, ...]:
        return tuple(sorted(self.values)) if self.kind == "score" else self.values


def _value(digits: str) -> float:
    plain = digits.replace(",", "").replace(".", "")
    # "4.5" and "4,5" are decimals; "12,000" and "1.900" thousands: the digits decide.
    if _RE_0.fullmatch(digits):
        return float(digits.replace(",", "."))
    return float(plain)


# Words next to a number that say nothing of what it counts.
_NOT_ANCHORS = frozenset(
    re.findall(
        r"\S+",
        """the a an of in on at by for to and or from with than about around some over under was
    were is are be been had has have per each all its their his her this that up down nearly
    almost only just more less fewer least most rund etwa und der die das den dem des von mit
    le la les de du des et en el los las y""",
    )
)


_AFTER = re.compile(r"[\s,.:'’\"]*([^\W\d_]+)")
_PUNCT = frozenset(",.:'’\"")


def _is_letter(ch: str) -> bool:
    """`[^\\W\\d_]` of `re` for one character: alphanumeric, not a decimal digit, not "_"."""
    return ch.isalnum() and not ch.isdecimal() and ch != "_"


def _word_before(text: str, start: int) -> str | None:
    """The letters ending text[:start] across trailing spaces and `_PUNCT` (what the pattern
    `([^\\W\\d_]+)[\\s,.:'’"]*$` searched text[:start] for), scanned back from `start`."""
    j = start
    while j > 0 and (text[j - 1].isspace() or text[j - 1] in _PUNCT):
        j -= 1
    i = j
    while i > 0 and _is_letter(text[i - 1]):
        i -= 1
    return text[i:j] if i < j else None


def _anchors(text: str, start: int, end: int) -> frozenset[str]:
    """Stems of the words right next to text[start:end], across punctuation only."""
    after = _AFTER.match(text, end)
    words = [w for w in (_word_before(text, start), after.group(1) if after else None) if w]
    return frozenset(stem(w) for w in words if len(w) > 2 and w.casefold() not in _NOT_ANCHORS)


def number_mentions(text: str) -> list[Number]:
    """The numbers of `text`, in digits or (two to twenty, tens, dozen) in words."""
    return list(_number_mentions(text))


def _numbers_in(text: str) -> Iterator[re.Match[str]]:
    """`_NUMBER.finditer(text)`, without scanning the letters far from any digit: a match is a
    number with at most six characters glued before it ("STS-", "$"), so the next one starts at
    most six characters before the next digit."""
    pos = 0
    while (digit := _A_DIGIT.search(text, pos)) is not None:
        m = _NUMBER.search(text, max(pos, digit.start() - _MAX_PREFIX))
        if m is None:
            return
        yield m
        pos = m.end()  # (never empty: a match holds a digit)


_MAX_PREFIX = 6  # `_NUMBER`'s "pre": five letters and a hyphen, or one symbol


@lru_cache(maxsize=1024)
def _number_mentions(text: str) -> tuple[Number, ...]:
    # A statement is read whole and clause by clause, and an evidence line again as the
    # clause a statement restates: each text is read once.
    out = []
    for m in _numbers_in(text):
        pre = (m.group("pre") or "").casefold().rstrip("-")
        if pre and pre not in "$€£#" and not m.group("pre").isupper():
            pre = ""  # "in2019", "page3": not a name
        num = m.group("num")
        bound = _bound(text[max(0, m.start() - 20) : m.start()])
        if m.group("num2"):
            values: tuple[float, ...] = (_value(num), _value(m.group("num2")))
            kind = "time" if m.group("join") == ":" else "score"
        else:
            values = (_value(num),)
            if m.group("tail").casefold() in ("st", "nd", "rd", "th"):
                kind = "ordinal"
            elif _RE_1.fullmatch(num):
                kind = "year"
            else:
                kind = "number"
        anchors = _anchors(text, m.start(), m.end())
        out.append(Number(values, kind, pre, False, bound, anchors))
    for m in _WRITTEN_WORD.finditer(text):
        bound = _bound(text[max(0, m.start() - 20) : m.start()])
        value = (_WRITTEN[m.group(1).casefold()],)
        anchors = _anchors(text, m.start(), m.end())
        out.append(Number(value, "number", "", True, bound, anchors))
    for m in _ORDINAL_WORD.finditer(text):
        value = (_ORDINALS[m.group(1).casefold()],)
        out.append(Number(value, "ordinal", "", True, "", _anchors(text, m.start(), m.end())))
    return tuple(out)


def _round(x: float) -> int:
    """How round a number is: its trailing zeros (300 -> 2, 297 -> 0)."""
    n, r = int(abs(x)), 0
    while n and n % 10 == 0:
        n, r = n // 10, r + 1
    return r


def _supported(n: Number, given: list[Number]) -> bool:
    values = {v for g in given for v in g.values}
    if n.kind == "score":
        if any(g.kind == "score" and g.key() == n.key() for g in given):
            return True
        # "8 to 10" written "8–10": fine unless the evidence has its own scores.
        return not any(g.kind == "score" for g in given) and set(n.values) <= values
    if n.prefix and any(g.prefix == n.prefix for g in given):
        return any(
            g.prefix == n.prefix
            and (g.values == n.values or _restates(n.values[0], g.values[0], n.bound))
            for g in given
        )
    if set(n.values) <= values:
        return True
    if n.kind != "number":
        return False
    v = n.values[0]
    return any(_restates(v, e, n.bound) for e in values)


def _restates(v: float, e: float, bound: str) -> bool:
    """Whether a statement's figure `v`, bounded as `bound`, may stand for the evidence's `e`:
    "more than 1 million" for 1.2 million, "nearly 300" for 291, "about 300" or "300" for 297
    (a rounder figure), "3%" for "3.2%"."""
    if bound == "more":
        return v <= e <= 2 * v
    if bound == "less":
        return v / 2 <= e <= v
    if bound == "near":
        return 0.8 * v <= e <= v
    if not v.is_integer():
        return False
    if not e.is_integer():
        return round(e) == v  # "3%" for "3.2%"
    if bound == "about":
        return 0 < abs(v - e) <= 0.15 * abs(e) and _round(v) > _round(e)
    k = _round(v)
    return k >= 2 and round(e, -k) == v  # "2,000" for "2,050"


def _held(g: Number, said: list[Number]) -> bool:
    """Whether the statement holds the evidence's number `g` (a score or time as a whole when
    the statement writes its own that way, "8–10" as "8 to 10" when it does not)."""
    values = {v for s in said for v in s.values}
    if len(g.values) > 1:
        if any(len(s.values) > 1 for s in said):
            return any(s.key() == g.key() for s in said)
        return set(g.values) <= values
    return g.values[0] in values


def _rivals(n: Number, given: list[Number], said: list[Number]) -> list[Number]:
    """Numbers of the evidence of `n`'s kind that the statement does not hold."""
    kinds = {"score", "number"} if n.kind in ("score", "number") else {n.kind}
    return [
        g
        for g in given
        if g.kind in kinds
        and (not g.written or n.written)
        and not _held(g, said)
        and not (g.prefix and g.prefix != n.prefix)
    ]


def _restated(clause: str, given: list[str]) -> list[str]:
    """The evidence clauses that share the most content words with `clause` (none: [])."""
    mine = _stems(clause)
    scored = [(len(mine & _stems(g)), g) for g in given]
    best = max((s for s, _ in scored), default=0)
    return [g for s, g in scored if s == best] if best >= 2 else []


def number_conflict(statement: str, evidence: str) -> str | None:
    """A number of the statement that its evidence contradicts (see the module's docstring)."""
    said = number_mentions(statement)
    if not said:
        return None
    given = number_mentions(evidence)
    if not given:
        return None
    parts = clauses(evidence)
    for c in clauses(statement):
        mine = number_mentions(c)
        for n in mine:
            # Another figure next to the same word ("August 10" for "August 11", "15:11 GMT",
            # "Moskalik, 59"), even when the figure is elsewhere in the evidence.
            beside = [g for g in _rivals(n, given, []) if g.anchors & n.anchors]
            if beside and not _supported(n, beside) and not all(_held(g, said) for g in beside):
                return _show(n)
            if _supported(n, given):
                continue
            if n.prefix and any(g.prefix == n.prefix for g in given):
                return _show(n)  # "IE7" where the evidence has "IE6"
            for g in _restated(c, parts):
                if _rivals(n, number_mentions(g), said):
                    return _show(n)
    return None


def _show(n: Number) -> str:
    sep = "–" if n.kind == "score" else ":"
    return n.prefix.upper() + sep.join(f"{v:g}" for v in n.values)


# Patterns of the inline calls above, compiled once (not looked up in re's cache per call).
_RE_0 = re.compile(r"\d+[.,]\d{1,2}")
_RE_1 = re.compile(r"1[89]\d\d|20\d\d|2100")
