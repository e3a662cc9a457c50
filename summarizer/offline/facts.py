"""Fact status from wording, open questions from cues, and a fact's source."""

from __future__ import annotations

import re

from summarizer.brief.attribution import Attribution, hedge_cue
from summarizer.offline.lexicon import _STOPWORDS
from summarizer.offline.sentences import Sentence

_DISPUTED = re.compile(
    r"\b(disputed|denied|denies|deny|rejected|rejects|contested|contests|disagree\w*|"
    r"refuted|refutes|dismissed|dismisses)\b",
    re.I,
)
_CONFIRMS = {"confirmed", "confirms", "announced", "announces"}
_SAID = re.compile(r"\b(said|says|claimed|claims|alleged|accused|told|argued|insisted)\b")


def fact_status(
    sentence: str, att: Attribution | None = None, speaker_kind: str | None = None
) -> str:
    """confirmed / claimed / reported / disputed, from who the article says asserts it.

    Never `confirmed` when the sentence carries a hedge or source cue ("reportedly",
    "according to", "sources say", "believed"), when an outlet or an unnamed source asserts
    it, or when a party only says it: what the article only relays is not established.
    """
    if _DISPUTED.search(sentence):
        return "disputed"
    mode = att.mode if att else "narrator"
    cue = hedge_cue(sentence)
    if speaker_kind == "media" or mode in ("hedge", "outlet"):
        return "reported"
    if mode == "according_to" or (cue and cue.lower() == "according to"):
        # "according to the ministry": the ministry's claim; to an outlet or nobody: relayed.
        return "claimed" if att and att.party and mode == "according_to" else "reported"
    if cue:
        return "reported"
    if mode == "unnamed":
        # "local officials said": a claim of people the article does not name.
        return "claimed"
    if mode in ("quote", "reported"):
        if att and att.cue in _CONFIRMS and mode == "reported" and att.party:
            return "confirmed"  # "the ministry confirmed ...": an official confirmation
        return "claimed"
    if _SAID.search(sentence):
        return "claimed"  # someone says it, even if the rules cannot tell who
    return "confirmed"


_OPEN_CUES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(have|has|had) not (?:yet )?commented|declined to comment|did not respond|"
            r"no comment|not immediately respond",
            re.I,
        ),
        "comment",
    ),
    (
        re.compile(
            r"\b(suspected|little is known|responsibility|behind (?:the|such) attacks?|"
            r"unclaimed|no one has claimed)\b",
            re.I,
        ),
        "who",
    ),
    (
        re.compile(
            r"\b(investigation is underway|under investigation|investigating|"
            r"ordered an? (?:independent )?review|inquiry)\b",
            re.I,
        ),
        "investigation",
    ),
    (
        re.compile(
            r"\b(could|may|might) (impact|complicate|affect|delay|derail|threaten|slow|"
            r"change|lead)\b",
            re.I,
        ),
        "effect",
    ),
    (
        re.compile(
            r"\b(not yet known|unknown|unclear|remains to be seen|no set deadline|pending|"
            r"not (?:yet )?(?:been )?(?:confirmed|decided|determined|begun))\b",
            re.I,
        ),
        "unknown",
    ),
]


def _open_question(kind: str, s: Sentence, parties: list[str]) -> tuple[str, str] | None:
    t = s.text.strip()
    if kind == "comment":
        who = parties[0] if parties else "those involved"
        return (f"What is the position of {who}?", f"The article says: “{t}”")
    if kind == "who":
        noun = re.search(
            r"\b(attack|bombing|killing|explosion|blast|strike|assassination|"
            r"hack|fire|leak)s?\b",
            t,
            re.I,
        )
        if noun is None:
            # "take responsibility for that" names no act: a question about "the it" is noise.
            return None
        return (f"Who carried out the {noun.group(1).lower()}?", f"The article says: “{t}”")
    if kind == "investigation":
        return ("What will the investigation find?", f"The article says: “{t}”")
    if kind == "effect":
        m = re.search(r"\b(?:could|may|might) (.+?)[.;]?$", t)
        if m:
            return (f"Will it {m.group(1).rstrip('.')}?", f"The article says it {m.group(0)}")
        return None
    deadline = re.search(r"\bno set deadline (?:for )?(.+?)[.;]?$", t)
    if deadline:
        return (
            f"Is there a deadline for {deadline.group(1).rstrip('.')}?",
            f"The article says: “{t}”",
        )
    m = re.search(r"\b(how|whether|who|what|when|why|where) (.+?)(?: is| remains|,|$)", t, re.I)
    if m and m.group(1).lower() != "whether":
        return (f"{m.group(1).capitalize()} {m.group(2).rstrip('.')}?", f"The article says: “{t}”")
    if m:
        return (f"Is it known whether {m.group(2).rstrip('.')}?", f"The article says: “{t}”")
    return (
        f"What is still unknown here: “{t.rstrip('.')}”?",
        "The article marks it as unknown or pending.",
    )


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]{4,}", text.lower()) if w not in _STOPWORDS["en"]]
