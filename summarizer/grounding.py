"""Check that every evidence quote and party in a brief really occurs in the article.

Matching is verbatim up to presentation: Unicode compatibility forms, case, runs of white
space, curly versus straight quotes and apostrophes, and the dash family are normalised on both
sides. A quote may skip words with "…" (or "..."); each part must then be found, in order.
Paraphrase is not accepted: that is the point.

The article is indexed once (`ArticleIndex`), so checking a brief costs one pass over the article
plus one substring search per quote part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
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
    return normalize_with_map(text)[0]


def quote_parts(quote: str) -> list[str]:
    """Split a quote on ellipses into the normalised parts that must each be found."""
    parts = [normalize(p).strip(_EDGE) for p in _SPLIT_PARTS.split(quote)]
    return [p for p in parts if p]


class ArticleIndex:
    """An article normalised once, to look many quotes up in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        norm, self._where = normalize_with_map(text)
        # "..." in the article was widened to three ellipsis chars to keep offsets aligned;
        # quotes are split on ellipses, so either spelling in the article matches.
        self.norm = norm

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
            spans.append((self._where[at], self._where[end - 1] + 1))
            pos = end
        return spans

    def contains(self, phrase: str) -> bool:
        """Whether a name or phrase occurs in the article (normalised, whole words)."""
        p = normalize(phrase).strip(_EDGE)
        if not p:
            return False
        return _word_pattern(p).search(self.norm) is not None


@lru_cache(maxsize=4096)
def _word_pattern(p: str) -> re.Pattern[str]:
    # Word boundaries keep "Ian" from matching inside "Ukrainian"; possessives still match.
    return re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)")


@dataclass
class GroundingIssue:
    """One thing in a brief that the article does not support."""

    path: str
    kind: str  # "quote_not_found" | "quote_too_short" | "unknown_party" | "party_not_in_article"
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

    index = article if isinstance(article, ArticleIndex) else ArticleIndex(article)
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
    return report


def format_issues(issues: list[GroundingIssue]) -> str:
    """The re-ask message: every failing item named, and what to do about it."""
    head = (
        f"{len(issues)} item(s) are not grounded in the article. Evidence must be copied "
        "verbatim from the article (use '…' to skip words); every position's party must be a "
        "listed party; every party must be named in the article. Fix or remove these:"
    )
    return head + "\n" + "\n".join(f"- {i.message}" for i in issues)


def prune_ungrounded(
    reply: BriefReply, article: str | ArticleIndex
) -> tuple[BriefReply, list[tuple[str, str, dict]]]:
    """Drop what the article does not support; return the kept reply and (path, reason, item).

    Ungrounded quotes are removed; a fact or position left with no quote is removed; so are
    parties not named in the article and positions whose party is not a listed party.
    """
    index = article if isinstance(article, ArticleIndex) else ArticleIndex(article)
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
    return pruned, dropped
