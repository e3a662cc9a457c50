"""Mentions of parties and reported speech: who says what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.brief.attribution import Attribution, Attributor
from summarizer.brief.models import Party
from summarizer.offline.parties import Entity
from summarizer.offline.sentences import Sentence


@dataclass
class Mention:
    """Where a party is named."""

    start: int
    end: int
    party: str
    kind: str


def mentions(text: str, parties: list[Entity]) -> list[Mention]:
    """Every occurrence of every spelling of every party, longest match first."""
    spell: dict[str, Entity] = {}
    for ent in parties:
        for s in ent.spellings():
            spell.setdefault(s, ent)
    if not spell:
        return []
    pattern = re.compile(
        r"(?<![\w])("
        + "|".join(re.escape(s) for s in sorted(spell, key=len, reverse=True))
        + r")(?![\w])"
    )
    return [
        Mention(m.start(), m.end(), spell[m.group(1)].name, spell[m.group(1)].kind)
        for m in pattern.finditer(text)
    ]


@dataclass
class Speech:
    """An attributed utterance: who (a listed party), the cue, what, and where."""

    sentence: Sentence
    party: str
    verb: str
    stance: str
    evidence: str
    attribution: Attribution


def to_parties(entities: list[Entity]) -> list[Party]:
    """The engine's entities as the brief's parties (what the attributor resolves to)."""
    return [
        Party(
            name=e.name,
            kind=e.kind,  # type: ignore[arg-type]
            role=e.role or f"{e.kind} named in the article",
            aliases=[a for a in dict.fromkeys(e.aliases) if a != e.name],
        )
        for e in entities
    ]


def speeches(attributor: Attributor) -> list[Speech]:
    """Every utterance the article gives to a listed party, in article order.

    Who speaks comes from `summarizer.brief.attribution` alone: an utterance whose speaker the
    article does not make clear (an unnamed source, a pronoun with two candidates, a name the
    party list lacks) makes no position.
    """
    text = attributor.text
    out: list[Speech] = []
    for att, start, end in attributor.utterances():
        if att.party is None:
            continue
        ss, se = att.sentence
        piece = text[start:end].strip(" ,;:—–")
        whole = text[ss:se]
        evidence = piece if len(piece) >= 20 and piece != whole.strip() else whole
        out.append(
            Speech(
                Sentence(ss, se, whole),
                att.party,
                att.cue or "said",
                _stance(evidence, att),
                evidence,
                att,
            )
        )
    return out


_QUOTED = re.compile(r"[“„\"]([^”“\"]{8,})[”“\"]?")


def _stance(evidence: str, att: Attribution) -> str:
    """What the party says: its quote, the clause after the cue, or the claim before
    "according to"."""
    if att.mode == "according_to" and att.cue and att.cue not in evidence:
        return evidence.rstrip(" ,.")
    if att.mode == "according_to" and att.cue:
        # "According to Baza, a Telegram channel ..., the bomb was planted": the claim.
        claim = re.match(
            r"\s*" + re.escape(att.cue) + r"\s+[^,]+,\s*(?:(?:an?|the)\s[^,]*,\s*)?(.{12,})",
            evidence,
        )
        if claim:
            return claim.group(1).strip()
    quote = _QUOTED.search(evidence)
    if att.mode == "quote" and quote and len(quote.group(1).split()) >= 4:
        return quote.group(1).strip(" ,")
    cue = re.search(r"\b" + re.escape(att.cue) + r"\b", evidence) if att.cue else None
    stance = evidence[cue.start() :].strip() if cue else evidence
    # Stop where a new clause with its own subject starts (", Trump has ...").
    cut = re.search(r",\s+(?=[A-Z][\w’'\-]+\s+(?:has|have|had|is|was|said|also|will)\b)", stance)
    if cut:
        stance = stance[: cut.start()]
    if len(stance.split()) < 4:
        stance = quote.group(1).strip(" ,") if quote else evidence
    return stance.strip(' “”„"')
