"""Merge the briefs of an article's parts into one brief.

Long articles are briefed part by part; this puts the parts back together: parties are
deduplicated by name and alias, facts, positions and open questions are kept with all their
evidence, and exact repeats are dropped.
"""

from __future__ import annotations

from summarizer.brief.grounding import normalize
from summarizer.brief.models import (
    BriefReply,
    KeyFact,
    OpenQuestion,
    Party,
    Position,
    count_sentences,
)


def _key(text: str) -> str:
    return normalize(text).strip(" .,;:\"'")


def merge_parties(groups: list[list[Party]]) -> tuple[list[Party], dict[str, str]]:
    """Deduplicate parties across parts; return them and a map from any name to the kept name."""
    merged: list[Party] = []
    canonical: dict[str, int] = {}
    rename: dict[str, str] = {}
    for parties in groups:
        for party in parties:
            keys = [_key(n) for n in [party.name, *party.aliases] if _key(n)]
            hit = next((canonical[k] for k in keys if k in canonical), None)
            if hit is None:
                merged.append(party.model_copy(deep=True))
                hit = len(merged) - 1
            else:
                kept = merged[hit]
                known = {_key(n) for n in [kept.name, *kept.aliases]}
                extra = [n for n in [party.name, *party.aliases] if _key(n) not in known]
                kept.aliases.extend(dict.fromkeys(extra))
            for k in keys:
                canonical.setdefault(k, hit)
            for n in [party.name, *party.aliases]:
                rename[_key(n)] = merged[hit].name
    return merged, rename


def _merge_summary(summaries: list[str]) -> str:
    # The first part's summary carries the lede; later parts add at most one sentence each, and
    # the result stays within the schema's 2-4 sentences.
    out = summaries[0].strip()
    for extra in summaries[1:]:
        if count_sentences(out) >= 4:
            break
        first = extra.strip().split(". ")[0].rstrip(".") + "."
        out = f"{out} {first}"
    return out


def merge_replies(replies: list[BriefReply]) -> BriefReply:
    """One brief from the briefs of consecutive parts of the same article."""
    if len(replies) == 1:
        return replies[0]
    parties, rename = merge_parties([r.parties for r in replies])

    facts: dict[str, KeyFact] = {}
    positions: dict[tuple[str, str], Position] = {}
    questions: dict[str, OpenQuestion] = {}
    for reply in replies:
        for fact in reply.key_facts:
            k = _key(fact.statement)
            if k in facts:
                facts[k].evidence.extend(q for q in fact.evidence if q not in facts[k].evidence)
            else:
                facts[k] = fact.model_copy(deep=True)
        for pos in reply.positions:
            party = rename.get(_key(pos.party), pos.party)
            pk = (party, _key(pos.stance))
            if pk in positions:
                positions[pk].evidence.extend(
                    q for q in pos.evidence if q not in positions[pk].evidence
                )
            else:
                positions[pk] = pos.model_copy(update={"party": party}, deep=True)
        for q in reply.open_questions:
            qk = _key(q.question)
            if qk not in questions:
                parts = [rename.get(_key(p), p) for p in q.parties]
                questions[qk] = q.model_copy(update={"parties": list(dict.fromkeys(parts))})
    return BriefReply.model_construct(
        title=replies[0].title,
        summary=_merge_summary([r.summary for r in replies]),
        key_facts=list(facts.values()),
        parties=parties,
        positions=list(positions.values()),
        open_questions=list(questions.values()),
    )
