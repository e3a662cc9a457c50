"""Group briefs into stories and merge each story across its sources. No model involved.

Two briefs are one story when they share named parties (people, organisations, media) and their
wording overlaps; a party named in a large share of the batch's briefs links nothing. Every
grouping records why, in words. Within a story, facts worded alike are
merged with all their sources, positions are collected per party, and facts that talk about the
same thing with different numbers, or with a status one source calls disputed, are listed as
disagreements.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime

from summarizer.brief.grounding import normalize
from summarizer.models import (
    Brief,
    Disagreement,
    SourceRef,
    Story,
    StoryFact,
    StoryPosition,
)

_STOP = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those he she they them his her their we our you your i not no
    has have had do does did will would can could should may might must said says say also
    about after before over under into than then there here who whom which what when where
    why how all any some more most other such only own same so too very just new one two
    """.split()
)
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_NUMBER = re.compile(r"\d[\d,.]*")

# Thresholds, explained in why_grouped: shared named parties and wording overlap.
SHARED_PARTIES_ALONE = 2
SHARED_PARTIES_MIN_WORDING = 0.05
# A party named in more than this share of a batch's briefs (and in more than 4) links nothing:
# in a day of US politics "Donald Trump" is in every brief and would chain them all into one.
COMMON_PARTY_SHARE = 0.15
COMMON_PARTY_MIN = 4
WORDING_ALONE = 0.30
WORDING_WITH_ONE_PARTY = 0.12
FACT_MERGE = 0.5
DISAGREE_SUBJECT = 0.5


def content_words(text: str) -> set[str]:
    """Lower-cased words of three letters or more, stop words removed."""
    return {w for w in _WORD.findall(normalize(text)) if w not in _STOP}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class Entry:
    """A brief with what the digest knows of its source."""

    article_id: str
    brief: Brief
    ref: SourceRef
    when: datetime | None = None


def _named(brief: Brief) -> dict[str, str]:
    """Normalised names and aliases of a brief's parties (countries left out: too common)."""
    out: dict[str, str] = {}
    for p in brief.parties:
        if p.kind == "country":
            continue
        for n in [p.name, *p.aliases]:
            key = normalize(n).strip()
            if len(key) > 2:
                out[key] = p.name
    return out


def _words(brief: Brief) -> set[str]:
    text = " ".join([brief.title, brief.summary, *(f.statement for f in brief.key_facts)])
    return content_words(text)


def _candidates(
    names: list[dict[str, str]], words: list[set[str]], common: set[str]
) -> list[tuple[int, int]]:
    """Every pair that can be linked, without comparing all pairs; sorted as (i, j), i < j.

    A pair can be linked only if it shares a party that is not common (inverted index on
    names) or if its wording overlap reaches WORDING_ALONE. For the latter, prefix filtering
    is exact: with words ordered rarest first across the batch, two sets whose Jaccard is at
    least t share a word among the first |x| - ceil(t|x|) + 1 words of each. So a 5,000-brief
    digest compares the pairs that might match, not 12.5 million.
    """
    pairs: set[tuple[int, int]] = set()

    def add_all(postings: dict[str, list[int]]) -> None:
        for members in postings.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    pairs.add((members[a], members[b]))

    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        for key, canonical in n.items():
            if canonical not in common:
                by_name.setdefault(key, []).append(i)
    add_all(by_name)
    df: dict[str, int] = {}
    for w in words:
        for word in w:
            df[word] = df.get(word, 0) + 1
    by_word: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        ordered = sorted(w, key=lambda word: (df[word], word))
        keep = len(ordered) - math.ceil(WORDING_ALONE * len(ordered) - 1e-9) + 1
        for word in ordered[:keep]:
            by_word.setdefault(word, []).append(i)
    add_all(by_word)
    return sorted(pairs)


def group(entries: list[Entry]) -> list[tuple[list[Entry], list[str]]]:
    """Cluster entries into stories (single linkage); each with the reasons it was grouped."""
    parent = list(range(len(entries)))
    reasons: dict[int, list[str]] = {i: [] for i in range(len(entries))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    names = [_named(e.brief) for e in entries]
    words = [_words(e.brief) for e in entries]
    df: dict[str, int] = {}
    for n in names:
        for key in set(n.values()):
            df[key] = df.get(key, 0) + 1
    common = {
        k for k, c in df.items() if c > COMMON_PARTY_MIN and c > COMMON_PARTY_SHARE * len(entries)
    }
    # (the pairs come in the order an all-pairs loop takes them, so the result is the same)
    for i, j in _candidates(names, words, common):
        shared = sorted({names[i][k] for k in names[i].keys() & names[j].keys()} - common)
        overlap = jaccard(words[i], words[j])
        linked = (
            (len(shared) >= SHARED_PARTIES_ALONE and overlap >= SHARED_PARTIES_MIN_WORDING)
            or overlap >= WORDING_ALONE
            or (len(shared) == 1 and overlap >= WORDING_WITH_ONE_PARTY)
        )
        if not linked:
            continue
        why = (
            f"{entries[i].ref.title!r} and {entries[j].ref.title!r}: "
            f"shared parties {', '.join(shared) or 'none'}; wording overlap {overlap:.2f}"
        )
        a, b = find(i), find(j)
        if a != b:
            parent[b] = a
            reasons[a] = reasons[a] + reasons[b] + [why]
        else:
            reasons[a].append(why)
    clusters: dict[int, list[int]] = {}
    for i in range(len(entries)):
        clusters.setdefault(find(i), []).append(i)
    return [([entries[i] for i in members], reasons[root]) for root, members in clusters.items()]


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_QUANTITY = re.compile(
    r"\b(\d[\d,.]*|" + "|".join(_NUMBER_WORDS) + r")\s+([^\W\d_]{3,})", re.IGNORECASE
)
QUANTITY_SUBJECT = 0.2


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def _quantities(text: str) -> dict[str, str]:
    """'Fourteen people died' -> {'people': '14'}: a count and what it counts."""
    out = {}
    for number, unit in _QUANTITY.findall(text):
        n = _NUMBER_WORDS.get(number.lower(), number.rstrip(".,").replace(",", ""))
        out[unit.lower()] = n
    return out


def _counts_differ(a: str, b: str) -> str | None:
    """The reason two facts count the same thing differently ("people: 12 vs 14"), if they do."""
    qa, qb = _quantities(a), _quantities(b)
    for unit in sorted(qa.keys() & qb.keys()):
        if qa[unit] != qb[unit] and jaccard(content_words(a), content_words(b)) >= (
            QUANTITY_SUBJECT
        ):
            return f"same count, different numbers: {qa[unit]} vs {qb[unit]} {unit}"
    return None


def _facts(members: list[Entry]) -> tuple[list[StoryFact], list[Disagreement]]:
    facts: list[StoryFact] = []
    keys: list[set[str]] = []
    numbers: list[set[str]] = []
    disagreements: list[Disagreement] = []
    for e in members:
        for f in e.brief.key_facts:
            w = content_words(f.statement)
            nums = _numbers(f.statement)
            for k, fact in enumerate(facts):
                counted = _counts_differ(fact.statement, f.statement)
                if counted and e.article_id not in fact.sources:
                    disagreements.append(
                        Disagreement(
                            about=" ".join(sorted(w & keys[k])[:8]),
                            claims=[fact.statement, f.statement],
                            sources=[fact.sources[0], e.article_id],
                            reason=counted,
                        )
                    )
                    break
                same_subject = jaccard(w, keys[k]) >= DISAGREE_SUBJECT
                if (
                    same_subject
                    and nums
                    and numbers[k]
                    and nums != numbers[k]
                    and (e.article_id not in fact.sources)
                ):
                    disagreements.append(
                        Disagreement(
                            about=" ".join(sorted(w & keys[k])[:8]),
                            claims=[fact.statement, f.statement],
                            sources=[fact.sources[0], e.article_id],
                            reason="same subject, different numbers: "
                            f"{', '.join(sorted(numbers[k]))} vs {', '.join(sorted(nums))}",
                        )
                    )
                    break
                if jaccard(w, keys[k]) >= FACT_MERGE and nums == numbers[k]:
                    if e.article_id not in fact.sources:
                        fact.sources.append(e.article_id)
                        fact.evidence.append(f.evidence[0])
                        if f.attribution and f.attribution not in fact.attributions:
                            fact.attributions.append(f.attribution)
                        if {fact.status, f.status} == {"confirmed", "disputed"}:
                            disagreements.append(
                                Disagreement(
                                    about=fact.statement,
                                    claims=[
                                        f"{fact.status}: {fact.statement}",
                                        f"{f.status}: {f.statement}",
                                    ],
                                    sources=[fact.sources[0], e.article_id],
                                    reason="one source says confirmed, another disputed",
                                )
                            )
                    break
            else:
                facts.append(
                    StoryFact(
                        statement=f.statement,
                        status=f.status,
                        sources=[e.article_id],
                        evidence=[f.evidence[0]],
                        attributions=[f.attribution] if f.attribution else [],
                    )
                )
                keys.append(w)
                numbers.append(nums)
    facts.sort(key=lambda f: -len(f.sources))
    return facts, disagreements


def _positions(members: list[Entry]) -> list[StoryPosition]:
    canonical: dict[str, str] = {}
    for e in members:
        for p in e.brief.parties:
            for n in [p.name, *p.aliases]:
                canonical.setdefault(normalize(n).strip(), p.name)
    out: dict[str, StoryPosition] = {}
    for e in members:
        for pos in e.brief.positions:
            name = canonical.get(normalize(pos.party).strip(), pos.party)
            sp = out.setdefault(
                name, StoryPosition(party=name, stances=[], sources=[], evidence=[])
            )
            if pos.stance not in sp.stances:
                sp.stances.append(pos.stance)
            if e.article_id not in sp.sources:
                sp.sources.append(e.article_id)
            sp.evidence.append(pos.evidence[0])
    return list(out.values())


def build_story(members: list[Entry], why: list[str]) -> Story:
    """One story from its entries: lead summary, merged facts, positions, questions, conflicts."""
    lead = max(members, key=lambda e: (len(e.brief.key_facts) + len(e.brief.parties), e.ref.title))
    facts, disagreements = _facts(members)
    questions: list[str] = []
    seen: list[set[str]] = []
    for e in members:
        for q in e.brief.open_questions:
            w = content_words(q.question)
            if all(jaccard(w, s) < FACT_MERGE for s in seen):
                seen.append(w)
                questions.append(q.question)
    parties = list(dict.fromkeys(p.name for e in members for p in e.brief.parties))
    newest = max((e.when for e in members if e.when), default=None)
    recency = 0.0
    if newest is not None:
        age_h = max((datetime.now(newest.tzinfo) - newest).total_seconds() / 3600, 0.0)
        recency = 1.0 / (1.0 + age_h / 24)
    summary = lead.brief.summary
    if len(members) > 1:
        summary += f" ({len(members)} sources.)"
    sid = hashlib.sha256("".join(sorted(e.article_id for e in members)).encode()).hexdigest()
    return Story(
        id=sid[:12],
        title=lead.brief.title,
        summary=summary,
        importance=round(len(members) + recency, 3),
        sources=[e.ref for e in members],
        why_grouped=why or ["a single source"],
        parties=parties,
        facts=facts,
        positions=_positions(members),
        open_questions=questions,
        disagreements=disagreements,
    )


def stories(entries: list[Entry]) -> list[Story]:
    """All stories, most important first (number of sources, then recency, then title)."""
    built = [build_story(members, why) for members, why in group(entries)]
    return sorted(built, key=lambda s: (-s.importance, s.title))
