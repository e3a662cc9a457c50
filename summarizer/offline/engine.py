"""`brief_offline`: the stages put together into a grounded brief."""

from __future__ import annotations

import bisect
import re
from collections import Counter

from summarizer.brief.attribution import Attributor
from summarizer.brief.grounding import ArticleIndex, check_reply
from summarizer.brief.models import (
    Brief,
    BriefMeta,
    BriefReply,
    KeyFact,
    Party,
    Position,
    SourceMeta,
    count_sentences,
)
from summarizer.errors import InputError
from summarizer.offline.facts import _content_words, fact_status, open_questions
from summarizer.offline.parties import _keep_party, find_parties
from summarizer.offline.sentences import Sentence, guess_language, split_sentences
from summarizer.offline.speakers import Mention, mentions, speeches, to_parties

# v2: parties, speakers and status from brief.attribution (issue 9); cache keys change with it.
# v3: open questions from pending, unknown, uncommented, disputed and announced (facts.py).
OFFLINE_VERSION = "offline-v3"
# A brief lists what each party says, not every sentence it says: a long article would otherwise
# give thousands of positions (and grounding them all costs minutes).
_MAX_POSITIONS_PER_PARTY = 8
_MAX_POSITIONS = 60


def brief_offline(text: str, *, source: SourceMeta | None = None, lang: str | None = None) -> Brief:
    """Brief `text` with rules alone: same schema, grounded quotes, no network, no model."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the article is empty")
    sentences = split_sentences(text)
    if len(sentences) < 2:
        raise InputError("the text has fewer than two sentences: not an article")
    index = ArticleIndex(text)
    entities = [e for e in find_parties(text) if _keep_party(e, text)]
    ments = mentions(text, entities)
    kinds = {e.name: e.kind for e in entities}
    parties = to_parties(entities)
    # The grounding check (check_reply -> guard_attribution) reads the same article with the
    # same parties: build the Attributor once, through its cache, not twice.
    attributor = _attributor(text, parties)
    talk = speeches(attributor)

    # Positions: one per (speaker, sentence), in article order; the evidence is the sentence,
    # or the clause of it that the party asserts when the sentence holds more than one voice.
    positions: list[Position] = []
    seen_pos: set[tuple[str, int]] = set()
    per_party: Counter[str] = Counter()
    for sp in talk:
        # A spokesperson, chief or coach speaking as such states the position of the
        # organisation, team or country named with them too ("CEO of the Refugee Council X").
        for holder in dict.fromkeys([sp.party, sp.attribution.on_behalf_of]):
            if holder is None:
                continue
            key = (holder, sp.sentence.start)
            if key in seen_pos or per_party[holder] >= _MAX_POSITIONS_PER_PARTY:
                continue
            if len(positions) >= _MAX_POSITIONS:
                break
            seen_pos.add(key)
            per_party[holder] += 1
            stance = " ".join(sp.stance.split())
            if sp.attribution.relayed_by:
                # "According to X, quoting Y, <claim>": the claim is what Y asserts.
                stance = re.sub(r"^(?:quoting|citing)\s[^,]+,\s*", "", stance)
            stance = stance if len(stance) <= 220 else stance[:217].rsplit(" ", 1)[0] + "…"
            positions.append(Position(party=holder, stance=stance, evidence=[sp.evidence]))

    # Key facts: rank sentences.
    freq = Counter(_content_words(text))
    top = {w for w, _ in freq.most_common(25)}
    speaker_of: dict[int, str] = {}
    for sp in talk:
        speaker_of.setdefault(sp.sentence.start, sp.party)
    scored = []
    ment_starts = [m.start for m in ments]  # mentions come in article order

    def in_sentence(s: Sentence) -> list[str]:
        lo = bisect.bisect_left(ment_starts, s.start)
        hi = bisect.bisect_left(ment_starts, s.end)
        return [m.party for m in ments[lo:hi]]

    for i, s in enumerate(sentences):
        n_parties = len(set(in_sentence(s)))
        words = set(_content_words(s.text))
        score = (
            2.0 / (1 + 0.25 * i)
            + 0.4 * min(n_parties, 3)
            + 0.4 * len(re.findall(r"\d", s.text) and [1])
            + 0.15 * len(words & top)
        )
        if len(s.text) < 40 or s.text.strip().startswith(("“", '"')):
            score -= 1.5
        # What an investigator, a government or an outlet states is what a reader needs most.
        if kinds.get(speaker_of.get(s.start) or "") in ("government", "organization", "media"):
            score += 1.0
        scored.append((score, i))
    n_facts = min(10, max(3, len(sentences) // 3))
    chosen = sorted(i for _, i in sorted(scored, reverse=True)[:n_facts])
    facts = []
    for i in chosen:
        s = sentences[i]
        att = attributor.attribute(s.start, s.end)
        # Unknown stays unknown: no attribution rather than a guess. A narrated sentence that
        # opens with a listed party doing a source's act ("The Kremlin released a video",
        # "The Russian government identified the victim") names its source, though.
        who = att.party or (_source_subject(s, ments, kinds) if att.mode == "narrator" else None)
        facts.append(
            KeyFact(
                statement=s.text,
                evidence=[s.text],
                attribution=who,
                status=fact_status(s.text, att, kinds.get(who) if who else None),  # type: ignore[arg-type]
            )
        )

    # Open questions: what the article leaves pending or unknown, ranked and capped.
    def parties_in(start: int, end: int) -> list[tuple[int, int, str, str]]:
        lo = bisect.bisect_left(ment_starts, start)
        hi = bisect.bisect_left(ment_starts, end)
        return [(m.start, m.end, m.party, m.kind) for m in ments[lo:hi] if m.end <= end]

    questions = open_questions(text, sentences, attributor, parties_in)

    title = (source.title if source and source.title else None) or _headline(sentences[0].text)
    reply = BriefReply.model_construct(
        title=title,
        summary=_summary(sentences),
        key_facts=facts,
        parties=parties,
        positions=positions,
        open_questions=questions,
    )
    # Rules can slip: keep only what the checker accepts, so the brief is grounded for sure.
    report = check_reply(reply, index)
    if report.issues:
        from summarizer.brief.grounding import prune_ungrounded

        reply, _ = prune_ungrounded(reply, index)
        report = check_reply(reply, index)
    warnings = [] if lang else ["language is a guess from stop words"]
    meta = BriefMeta(
        engine="offline",
        model=None,
        prompt_version=OFFLINE_VERSION,
        cost_usd=0.0,
        attempts=0,
        chunks=1,
        evidence=report.evidence,
        source=source,
        language=lang or guess_language(text),
        warnings=warnings,
    )
    return Brief(**reply.model_dump(), meta=meta)


def _attributor(text: str, parties: list[Party]) -> Attributor:
    from summarizer.brief.guard_attribution import _attributor as cached

    try:
        key = tuple((p.name, p.kind, p.role, tuple(p.aliases)) for p in parties)
        return cached(text, key)
    except Exception:  # the cache's key or build failing must not change what the engine does
        return Attributor(text, parties)


def _headline(first: str) -> str:
    words = first.split()
    head = " ".join(words[:14])
    return head.rstrip(",;:") + ("…" if len(words) > 14 else "")


def _summary(sentences: list[Sentence]) -> str:
    """The lead: the first sentences that make 2 to 4 sentences by the schema's own count."""
    texts = [s.text for s in sentences[:8]]
    for k in (2, 3, 1, 4):
        candidate = " ".join(texts[:k])
        if 2 <= count_sentences(candidate) <= 4:
            return candidate
    for i in range(len(texts) - 1):
        candidate = f"{texts[i]} {texts[i + 1]}"
        if 2 <= count_sentences(candidate) <= 4:
            return candidate
    return f"{texts[0].rstrip('.!?')}. It is the only summary the rules could make."


_LEADING = re.compile(
    r"^(?:In|At|On|During|After|Before|Since|Earlier|Later|Meanwhile|However|But|Also)\b[^,]{0,60},\s*"
)
_SOURCE_VERB = re.compile(
    r"\s+(?:has\s+|have\s+|had\s+)?(?:identified|released|announced|published|confirmed|"
    r"disclosed|revealed|stated|issued)\b"
)


def _source_subject(s: Sentence, ments: list[Mention], kinds: dict[str, str]) -> str | None:
    """The party a narrated fact comes from when the sentence opens with it and a source's verb."""
    lead = _LEADING.match(s.text)
    start = s.start + (lead.end() if lead else 0)
    for m in ments:
        if m.start > start + 4:
            break
        if start <= m.start and kinds.get(m.party) != "country":
            return m.party if _SOURCE_VERB.match(s.text, m.end - s.start) else None
    return None
