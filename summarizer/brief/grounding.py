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

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from summarizer.models import BriefReply, EvidenceLocation

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
    index = ArticleIndex(text)
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


class ArticleIndex:
    """An article normalised once, to look many quotes up in it.

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

    @classmethod
    def of(cls, article: str | ArticleIndex) -> ArticleIndex:
        """The index of `article`, reused when the same text was indexed lately."""
        return article if isinstance(article, ArticleIndex) else _cached_index(article)

    def origin(self, i: int) -> int:
        """The offset in the article text of normalised char `i`."""
        k = bisect_right(self._norm_at, i) - 1
        j = self._fold_at[k] + i - self._norm_at[k]
        f, a, stride = self._src[bisect_right(self._src_at, j) - 1]
        return a + (j - f) * stride

    def find(self, quote: str) -> list[tuple[int, int]] | None:
        """Return the [start, end) spans of each part of `quote` in the article, or None."""
        parts = quote_parts(quote)
        if not parts:
            return None
        spans: list[tuple[int, int]] = []
        pos = 0
        for part in parts:
            at = self.norm.find(part, pos)
            if at < 0:
                return None
            end = at + len(part)
            spans.append((self.origin(at), self.origin(end - 1) + 1))
            pos = end
        return spans

    def contains(self, phrase: str) -> bool:
        """Whether a name or phrase occurs in the article (normalised, whole words)."""
        p = normalize(phrase).strip(_EDGE)
        if not p:
            return False
        return _word_pattern(p).search(self.norm) is not None


@lru_cache(maxsize=16)
def _cached_index(text: str) -> ArticleIndex:
    # A brief's reply is checked in instructor's validator and again after merging: one index.
    return ArticleIndex(text)


@lru_cache(maxsize=4096)
def _word_pattern(p: str) -> re.Pattern[str]:
    # Word boundaries keep "Ian" from matching inside "Ukrainian"; possessives still match.
    return re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)")


# Words whose omission reverses a sentence (English, German, French, Spanish).
_NEGATION = re.compile(
    r"(?<![\w'’])(?:not|no|never|nor|neither|none|nothing|nobody|cannot|without|nicht|kein\w*|"
    r"nie|niemals|pas|jamais|nunca)(?![\w'’])|\w[nN]['’][tT]\b",
    re.IGNORECASE,
)


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


def check_quote(index: ArticleIndex, quote: str) -> tuple[str | None, list[tuple[int, int]]]:
    """Check one quote; return (problem kind or None, spans)."""
    parts = quote_parts(quote)
    if sum(len(p) for p in parts) < MIN_QUOTE_CHARS or any(len(p) < MIN_PART_CHARS for p in parts):
        return "quote_too_short", []
    spans = index.find(quote)
    if spans is None:
        return "quote_not_found", []
    for (_, end), (start, _) in pairwise(spans):
        if _NEGATION.search(index.text, end, start):
            # "had … fired a shot" for "had not fired a shot": every part is verbatim, the
            # meaning is reversed.
            return "quote_skips_negation", spans
    return None, spans


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
    """Check every quote, position party and party name of `reply` against `article`."""
    from summarizer.models import EvidenceLocation

    index = ArticleIndex.of(article)
    report = GroundingReport()

    def quotes(section: str, items: list) -> None:
        for i, item in enumerate(items):
            for j, q in enumerate(item.evidence):
                path = f"{section}[{i}].evidence[{j}]"
                kind, spans = check_quote(index, q)
                if kind == "quote_too_short":
                    msg = f"{path}: quote too short to verify, give a longer verbatim quote: {q!r}"
                    report.issues.append(GroundingIssue(path, kind, msg, q))
                elif kind == "quote_not_found":
                    msg = f"{path}: quote not found verbatim in the article: {q!r}"
                    report.issues.append(GroundingIssue(path, kind, msg, q))
                elif kind == "quote_skips_negation":
                    msg = (
                        f"{path}: the '…' in this quote skips a negation in the article, which "
                        f"reverses it: quote the words around the negation too: {q!r}"
                    )
                    report.issues.append(GroundingIssue(path, kind, msg, q))
                else:
                    report.evidence.append(EvidenceLocation(path=path, quote=q, spans=spans))

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

    report.issues += check_attribution(reply, index)
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
            for j, q in enumerate(item.evidence):
                kind, _ = check_quote(index, q)
                if kind is None:
                    good.append(q)
                else:
                    reason = kind.replace("_", " ")
                    dropped.append((f"{section}[{i}].evidence[{j}]", reason, {"quote": q}))
            if not good:
                dropped.append((f"{section}[{i}]", "no grounded evidence left", item.model_dump()))
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
