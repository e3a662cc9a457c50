"""Mentions of parties and reported speech: who says what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.offline.lexicon import _ACCORDING, _QUOTE, _SPEECH
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


_LEADING = re.compile(
    r"^(?:In|At|During|After|Before|Since|On|Even though|Although|Though|While|As|When|"
    r"Despite|Besides|Amid|Meanwhile|However|But|At that time)\b[^,]*,\s*"
)


def _subject_zone(sentence: str, verb_at: int) -> tuple[int, str]:
    """The part of the sentence left of the verb where its subject is, parentheticals blanked."""
    left = sentence[:verb_at]
    # Blank dash parentheticals and comma appositives after a name (keep offsets).
    left = re.sub(r"—[^—]*—|–[^–]*–", lambda m: " " * len(m.group()), left)
    left = re.sub(
        r",\s*(?:an?|the|known|who|which|whose|[a-z][\w\-]*(?:\s+[a-z][\w\-]*)*\s+of)\b[^,]*,",
        lambda m: " " * len(m.group()),
        left,
    )
    lead = _LEADING.match(left)
    start = lead.end() if lead else 0
    return start, left


@dataclass
class Speech:
    """A reported-speech sentence: who, the verb, and what."""

    sentence: Sentence
    party: str
    verb: str
    stance: str


def speeches(sentences: list[Sentence], ments: list[Mention], text: str) -> list[Speech]:
    """Reported speech, attributed to the right party."""
    out: list[Speech] = []
    last_person: str | None = None
    last_speaker: str | None = None
    for s in sentences:
        in_s = [m for m in ments if s.start <= m.start < s.end]
        found = False
        # "according to X, ..."
        acc = _ACCORDING.search(s.text)
        if acc:
            after = [m for m in in_s if m.start - s.start >= acc.end()]
            if after:
                before = s.text[: acc.start()].rstrip(" ,—–")
                if len(before.split()) >= 4:
                    # "Fourteen people died, according to the Courier, which ...": the claim
                    # is what comes before.
                    rest = before
                else:
                    rest = s.text[after[0].end - s.start :].lstrip(" ,")
                    rest = re.sub(r"^(?:an?|the)\s[^,]*,\s*", "", rest)
                out.append(Speech(s, after[0].party, "according to", rest))
                last_speaker, found = after[0].party, True
        for v in _SPEECH.finditer(s.text):
            if found and v.group() in ("said", "says"):
                continue
            start, zone = _subject_zone(s.text, v.start())
            left = [
                m
                for m in in_s
                if start <= m.start - s.start < v.start()
                and zone[m.start - s.start : m.end - s.start].strip()
            ]
            speaker = None
            if left and not re.search(
                r"\b(that|and|but|which)\s*$", s.text[left[-1].end - s.start : v.start()]
            ):
                speaker = left[-1].party
            elif (
                re.search(r"\b(he|she|er|sie)\s+(?:\w+\s+)?$", s.text[: v.start()], re.I)
                and last_person
            ):
                speaker = last_person
            elif v.group() in ("said", "says", "told", "added", "wrote", "noted", "sagte", "sagt"):
                # "..., said X"
                # "..., said X" or "..., said authority director X"
                gap = re.compile(r"\s*(?:[a-z][\w\-]*\s+){0,3}")
                right = [
                    m
                    for m in in_s
                    if m.start - s.start >= v.end()
                    and gap.fullmatch(s.text[v.end() : m.start - s.start])
                ]
                speaker = right[0].party if right else None
            if speaker is None or re.match(r"\s*(Sources|Officials)\b", s.text):
                continue
            stance = s.text[v.start() :].strip()
            # Stop where a new clause with its own subject starts (", Trump has ...").
            cut = re.search(
                r",\s+(?=[A-Z][\w’'\-]+\s+(?:has|have|had|is|was|said|also|will)\b)", stance
            )
            if cut:
                stance = stance[: cut.start()]
            quote = _QUOTE.search(s.text)
            if (
                quote
                and v.group() in ("said", "says", "told", "sagte", "sagt")
                and quote.end() <= v.start() + 2
            ):
                stance = quote.group(1).strip(" ,")
            if len(stance.split()) < 4:
                # "..., Houser said." holds no stance of its own: the quote, or the sentence, does.
                stance = quote.group(1).strip(" ,") if quote else s.text
            out.append(Speech(s, speaker, v.group(), stance))
            last_speaker, found = speaker, True
        if not found and s.text.lstrip().startswith(("“", "„", '"')):
            # '“...,” remembers Shanna Challenger': a person right after the quote speaks it;
            # a quote standing alone continues the previous speaker.
            close = re.search(r"[”\"]", s.text[1:])
            after = [
                m
                for m in in_s
                if m.kind == "person" and close and 0 <= m.start - s.start - close.end() - 1 < 25
            ]
            speaker = after[0].party if after else last_speaker
            if speaker:
                out.append(Speech(s, speaker, "said", s.text.strip(' “”„"')))
                last_speaker = speaker
        persons = [m for m in in_s if m.kind == "person"]
        if persons:
            last_person = persons[-1].party
    return out
