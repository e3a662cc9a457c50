"""Who said what, and how sure the article is: the guard's attribution checks.

`grounding.check_quote` proves that a quote's words occur in the article. These checks read
what the article says around them, the way an editor reads a reporter's draft:

- status: a key fact marked ``confirmed`` whose evidence sentence gives it only as reported
  ("according to Baza", "sources close to the ministry said", "reportedly", "it is believed"),
  hedges it ("may have been", "appears to"), or frames it as a party's claim ("X claimed
  that ...", "according to <a party that is not an authority>");
- skipped hedge: a "…" that skips a hedge or source cue inside the sentence ("The cause of the
  blast is … a car bomb." for "… is currently unknown for certain but it is believed to have
  been a car bomb."), as `check_quote` already refuses a skipped negation;
- quilted speakers: a "…" whose parts the article gives to different speakers;
- wrong party: a position whose evidence the article attributes to a different listed party.

The last two need to know who speaks a span: `summarizer.brief.attribution.Attributor`. Where
it cannot tell (party ``None``) nothing is flagged: a false rejection costs the user a paid
re-ask, so every check errs on the side of letting a reply through.

`check_attribution` reports `GroundingIssue`s (re-asked like an ungrounded quote, saying what
the article says); `correct_or_drop` is the ``strict=False`` salvage: a status is lowered where
the article's own wording fixes it, other items are dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from summarizer.brief.grounding import (
    ArticleIndex,
    GroundingIssue,
    _word_pattern,
    check_quote,
    normalize,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from summarizer.brief.models import BriefReply, CorrectedItem, EvidenceLocation, Party

# Issue kinds this module reports (`GroundingIssue.kind`). Only a skipped hedge is named like a
# quote problem ("quote_…"): the others are about who speaks, and evaluation scores them under
# attribution and status, not grounding.
KINDS = (
    "status_overstated",
    "quote_skips_hedge",
    "joins_speakers",
    "attributed_to_other_party",
)

# --- cues -------------------------------------------------------------------------------------
# Each pattern is a cue that the article does not state the sentence as established fact. They
# are written for precision: a cue fires on the article's sentence around a confirmed fact, and
# a wrong cue would re-ask a correct reply.

_W = r"(?<![\w'’])"  # word start
_E = r"(?![\w'’])"  # word end

# Relayed from media or unnamed sources, said of one clause: status "reported".
_SOURCE_ADVERB = re.compile(
    "|".join(
        [
            _W + r"(?:reportedly|allegedly|purportedly|supposedly|unconfirmed|rumou?red)" + _E,
            _W + r"(?:is|are|was|were) (?:widely |generally |also )?"
            r"(?:believed|thought|said|reported|alleged|understood|rumou?red|suspected) to" + _E,
            _W + r"(?:angeblich|aurait|auraient|presuntamente|supuestamente)" + _E,
        ]
    ),
    re.IGNORECASE,
)
# Relayed from media or unnamed sources, framing the whole sentence: status "reported".
_SOURCE = re.compile(
    "|".join(
        [
            _W + r"(?:it|this) (?:is|was|has been|had been) (?:widely |generally |also )?"
            r"(?:believed|thought|understood|reported|alleged|rumou?red|suspected|claimed)" + _E,
            _W + r"(?:\w+ )?sources? (?:close to|familiar with|inside|within|said|say|says|told|"
            r"quoted|cited|have said|who)" + _E,
            _W + r"(?:people|persons?|someone|officials?|diplomats?|insiders?) (?:familiar with|"
            r"close to|briefed on|with knowledge of)" + _E,
            _W + r"(?:on (?:the )?condition of anonymity|speaking anonymously|"
            r"(?:asked|declined) (?:not )?to be (?:named|identified))" + _E,
            _W + r"(?:media|press|news|local|unconfirmed|earlier|initial|recent) reports?" + _E,
            _W + r"reports? (?:have |has )?(?:say|said|says|suggest|suggested|indicate|indicated|"
            r"claim|claimed|revealed|shown|showed)" + _E,
            # a poll or survey is an estimate: "a survey by X put Vasquez at 51 percent"
            _W + r"(?:survey|poll|opinion poll)s?\b[^.;]{0,80}?\b(?:put|puts|showed|shows|found|"
            r"finds|suggested|suggests|gave|gives|indicated|indicates)" + _E,
            _W
            + r"(?:exit )?polls? (?:indicate|indicated|suggest|suggested|show|showed|point)"
            + _E,
            # German, French, Spanish
            _W + r"(?:Berichten zufolge|Medienberichten|unbestätigten|Insidern)" + _E,
            _W + r"(?:selon (?:des|les|plusieurs) sources)" + _E,
            _W + r"(?:según (?:fuentes|medios))" + _E,
        ]
    ),
    re.IGNORECASE,
)

# Hedged by the article or its speaker: the fact is not established.
_HEDGE = re.compile(
    "|".join(
        [
            _W + r"(?:may|might|could|must) (?:well |also )?have (?:been )?\w+",
            _W + r"(?:possibly|probably|perhaps|apparently|presumably|seemingly|ostensibly)" + _E,
            _W + r"(?:appears?|appeared|seems?|seemed) to" + _E,
            _W + r"(?:suspected|presumed|believed|thought|expected|likely) to (?:be|have)" + _E,
            _W + r"(?:not (?:yet )?(?:known|clear|confirmed|verified) (?:for certain|whether|if)|"
            r"could not (?:be )?(?:independently )?(?:confirmed|verified))" + _E,
            _W + r"(?:vermutlich|möglicherweise|wahrscheinlich|offenbar|mutmaßlich)" + _E,
            _W + r"(?:soll|sollen) (?:\w+ ){1,6}(?:haben|sein)" + _E,
        ]
    ),
    re.IGNORECASE,
)

# A party's claim framing what follows it: status "claimed" (or "disputed" when contested).
_CLAIM = re.compile(
    _W + r"(?:claim(?:s|ed)?|alleg(?:e|es|ed)|accus(?:e|es|ed)|insist(?:s|ed)?|"
    r"maintain(?:s|ed)?|contend(?:s|ed)?|asserted|blam(?:e|es|ed)|argu(?:e|es|ed)|"
    r"behauptet(?:e|en)?|wirft|warf|affirme|affirmé|afirma|afirmó|asegura|aseguró)"
    r"(?: (?:that|dass|que|qu'))?" + _E,
    re.IGNORECASE,
)

# The subject's doubt in the passive: "the parents are accused of", "it is asserted by".
_PASSIVE_CLAIM = re.compile(
    _W + r"(?:is|are|was|were|been|being) (?:also |widely |now )?(?:accused|alleged|asserted|"
    r"claimed|suspected) (?:of|by|that|to)" + _E,
    re.IGNORECASE,
)
# Modal doubt inside the quoted words themselves ("could complicate", "may result").
_MODAL = re.compile(_W + r"(?:may|might) (?!not\b|also\b)\w+", re.IGNORECASE)
# A media outlet as the one telling: "Reuters reported", "a letter seen by Sky News says".
_MEDIA_VERBS = (
    r"(?:reported|reports|report|says|said|say|writes|wrote|quoted|cited|concluded|found|"
    r"released|published|showed|revealed|learned|learnt|berichtete|meldete|schreibt)"
)

# "according to X": the status depends on who X is.
_ACCORDING = re.compile(
    _W + r"(?:according to|nach Angaben (?:der|des|von)|laut|zufolge|selon|según)" + _E,
    re.IGNORECASE,
)
# Sources an "according to" names without naming anyone.
_ANONYMOUS_SOURCE = re.compile(
    _W + r"(?:sources?|reports?|media|press|people|persons?|someone|insiders?|witness(?:es)?|"
    r"residents|rumou?rs?|a (?:person|source|official)|Medien(?:berichten)?|Quellen|"
    r"(?:internet |online )?post(?:ing)?s?|blogs?|tweets?|leaked|footage|videos?|surveys?|"
    r"polls?|estimates?|"
    r"Augenzeugen|sources|médias|fuentes|medios|testigos)" + _E,
    re.IGNORECASE,
)
# Words whose skipping with "…" drops the article's doubt (a superset of the status cues: the
# quote is then shown as something the article did not say, whatever the status).
_SKIPPABLE = re.compile(
    "|".join(
        [
            _SOURCE.pattern,
            _SOURCE_ADVERB.pattern,
            _HEDGE.pattern,
            _W + r"(?:may|might|could|possibly|believed|thought|suspected|alleged|"
            r"unknown|unclear|uncertain|unconfirmed|unverified|for certain|if|whether|"
            r"according to|vielleicht|unklar|unbekannt|peut-être|quizás|quizá)" + _E,
        ]
    ),
    re.IGNORECASE,
)

AUTHORITY_KINDS = frozenset({"government"})
MEDIA_KINDS = frozenset({"media"})


@dataclass(frozen=True)
class StatusCue:
    """Why a fact cannot be ``confirmed``: the status it should have and the article's words."""

    status: str  # "reported" | "claimed"
    cue: str
    why: str  # "reported" | "hedged" | "claim" | "according"


# --- sentences and paragraphs -------------------------------------------------------------------

_SENT_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“„‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_ABBREV = re.compile(
    r"(?:\b(?:U\.S|U\.K|U\.N|E\.U|Mr|Mrs|Ms|Dr|Gen|Lt|Col|St|Jr|Sr|Prof|No|vs|Inc|Ltd|Co|Corp|"
    r"Sen|Rep|Gov|Sgt|Capt|Maj|Rev|Hon|a\.m|p\.m|e\.g|i\.e|ca|bzw|Nr|z\.B)|\b[A-Z])\.$"
)


class Layout:
    """Sentence and paragraph bounds of an article (paragraphs end at a blank line or a newline)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences: list[tuple[int, int]] = []
        self.paragraphs: list[tuple[int, int]] = []
        for para in _RE_0.finditer(text):
            a, b = para.span()
            if not para.group().strip():
                continue
            self.paragraphs.append((a, b))
            start = a
            for m in _SENT_END.finditer(text, a, b):
                before = text[start : m.start() + 1].rstrip("\"'”’)] ")
                # (An abbreviation is a few characters and a full stop: only the end is read.)
                if _ABBREV.search(before, max(0, len(before) - 10)):
                    continue
                self.sentences.append((start, m.end()))
                start = m.end()
            if start < b:
                self.sentences.append((start, b))
        self._s_starts = [s for s, _ in self.sentences]

    def sentence_at(self, i: int) -> tuple[int, int]:
        """The [start, end) of the sentence holding offset `i`."""
        k = max(bisect_right(self._s_starts, i) - 1, 0)
        return self.sentences[k] if self.sentences else (0, len(self.text))

    def sentences_of(self, spans: list[tuple[int, int]]) -> tuple[int, int]:
        """The [start, end) of the sentences a quote's spans lie in (first to last)."""
        return self.sentence_at(spans[0][0])[0], self.sentence_at(spans[-1][1] - 1)[1]


@lru_cache(maxsize=16)
def layout(text: str) -> Layout:
    """The layout of `text`, reused while the same article is checked."""
    return Layout(text)


# --- the status check ---------------------------------------------------------------------------


# Where one clause of a sentence ends and another begins.
_CLAUSE = re.compile(
    r";|,\s+(?:and|but|while|whereas|although|though|yet|or)\s|"
    r"\s(?:but|while|whereas|although)\s",
    re.IGNORECASE,
)


def _clauses_of(sent: str, start: int, end: int) -> list[tuple[int, int]]:
    """The [start, end) of the clauses of `sent` that the quote [start, end) overlaps."""
    cuts = [0, *(m.start() for m in _CLAUSE.finditer(sent)), len(sent)]
    return [(a, b) for a, b in pairwise(cuts) if a < end and start < b] or [(0, len(sent))]


def _clean(cue: str) -> str:
    return " ".join(cue.split())


def _parties_named(fragment: str, parties: list[Party]) -> list[Party]:
    frag = normalize(fragment)
    hits = []
    for party in parties:
        for name in [party.name, *party.aliases]:
            key = normalize(name).strip("\"' .,;:")
            if key and _word_pattern(key).search(frag):
                hits.append(party)
                break
    return hits


def status_cue(
    text: str, sentence: tuple[int, int], spans: list[tuple[int, int]], parties: list[Party]
) -> StatusCue | None:
    """The article's reason, in `sentence`, not to call what `spans` quote ``confirmed``.

    Source cues and "according to" frame the whole sentence; a hedge counts where it bears on
    the quote (inside it, or framing it: "is believed to have been"); a claim verb counts when
    the quote comes after it ("X claimed that <quote>"), not when it sits in a clause of its
    own after the quote ("officials it accuses of war crimes").
    """
    s0, s1 = sentence
    sent = text[s0:s1]
    q0 = spans[0][0] - s0
    if m := _SOURCE.search(sent):
        return StatusCue("reported", _clean(m.group()), "reported")
    for m in _ACCORDING.finditer(sent):
        # The source is the noun phrase after the cue, up to a comma or the sentence's end;
        # German "X zufolge" names it before.
        if m.group().lower() == "zufolge":
            source = sent[max(0, m.start() - 80) : m.start()].rsplit(",", 1)[-1]
        else:
            source = re.split(r"[,;:.!?\"“”]", sent[m.end() :], maxsplit=1)[0]
        named = _parties_named(source, parties)
        cue = _clean(sent[m.start() : m.end() + len(source)])
        if any(p.kind in MEDIA_KINDS for p in named):
            return StatusCue("reported", cue, "reported")
        if named:
            if any(p.kind in AUTHORITY_KINDS for p in named):
                continue  # an authority's own figures: "according to the election commission"
            return StatusCue("claimed", cue, "according")
        if _ANONYMOUS_SOURCE.search(source):
            return StatusCue("reported", cue, "according")
    for party in parties:
        if party.kind not in MEDIA_KINDS:
            continue
        for name in [party.name, *party.aliases]:
            pat = re.escape(name) + r"(?:'s?|’s?)?(?: [\w-]+){0,4}? " + _MEDIA_VERBS + _E
            by = r"(?:seen|reported|cited|quoted|obtained) by (?:the )?" + re.escape(name) + _E
            if m := re.search(_W + "(?:" + pat + "|" + by + ")", sent):
                return StatusCue("reported", _clean(m.group()), "reported")
    # Adverbs and hedges bear on their own clause: "fishermen rescued 700 people, and the navy
    # reportedly saved 200 more" reports only the navy's part.
    own = _clauses_of(sent, spans[0][0] - s0, spans[-1][1] - s0)
    for a, b in own:
        if m := _SOURCE_ADVERB.search(sent, a, b):
            return StatusCue("reported", _clean(m.group()), "reported")
    for a, b in own:
        if m := _HEDGE.search(sent, a, b):
            return StatusCue("reported", _clean(m.group()), "hedged")
    for a, b in spans:
        if m := _MODAL.search(text, a, b):
            return StatusCue("reported", _clean(m.group()), "hedged")
    if m := _PASSIVE_CLAIM.search(sent):
        return StatusCue("claimed", _clean(m.group()), "claim")
    for m in _CLAIM.finditer(sent):
        if m.start() < q0 and not _RE_1.search(sent[m.end() : q0]):
            return StatusCue("claimed", _clean(m.group()), "claim")
    return None


def _status_message(path: str, cue: StatusCue, speaker: str | None) -> str:
    if cue.why == "reported":
        how = f"only as reported ('{cue.cue}')"
    elif cue.why == "hedged":
        how = f"with a hedge ('{cue.cue}'), not as established fact"
    elif cue.why == "according":
        how = f"as what its source says ('{cue.cue}')"
    else:
        who = f"{speaker}'s" if speaker else "a party's"
        how = f"as {who} claim ('{cue.cue}')"
    return f"{path}: the article gives this {how}: use status {cue.status}, not confirmed"


# --- the checks ---------------------------------------------------------------------------------


@dataclass
class _Found:
    path: str
    section: str
    item: int
    quote_no: int
    quote: str
    spans: list[tuple[int, int]]


def _found_quotes(reply: BriefReply, index: ArticleIndex) -> list[_Found]:
    out = []
    for section in ("key_facts", "positions"):
        for i, item in enumerate(getattr(reply, section)):
            for j, q in enumerate(item.evidence):
                kind, spans = check_quote(index, q)
                if kind is None and spans:
                    out.append(_Found(f"{section}[{i}].evidence[{j}]", section, i, j, q, spans))
    return out


_EVIDENCE_PATH = re.compile(r"(key_facts|positions)\[(\d+)\]\.evidence\[(\d+)\]")


def _from_located(located: Sequence[EvidenceLocation]) -> list[_Found]:
    out = []
    for loc in located:
        m = _EVIDENCE_PATH.fullmatch(loc.path)
        if m is None or not loc.spans:
            continue
        quote = loc.given or loc.quote  # the model's words, as in the reply
        spans = [(a, b) for a, b in loc.spans]
        out.append(_Found(loc.path, m.group(1), int(m.group(2)), int(m.group(3)), quote, spans))
    return out


def _skipped_cue(text: str, lay: Layout, spans: list[tuple[int, int]]) -> str | None:
    """A hedge or source cue in the words an ellipsis skips, within the parts' sentences."""
    for (_, end), (start, _) in pairwise(spans):
        # Only the skipped words in the sentences of the two parts: a hedge in a whole sentence
        # between them bears on neither.
        tail_end = min(start, lay.sentence_at(end - 1)[1])
        head_start = max(end, lay.sentence_at(start)[0])
        for a, b in {(end, tail_end), (head_start, start)}:
            if a < b and (m := _SKIPPABLE.search(text, a, b)):
                # Name the words skipped when they are few, else the cue among them.
                gap = _clean(text[end:start]).strip(" ,;")
                return gap if len(gap) <= 60 else _clean(m.group())
    return None


# --- speakers -----------------------------------------------------------------------------------

# Modes in which the article names who speaks a span (not the narrator, not a bare hedge).
_SPEAKING = frozenset({"quote", "reported", "according_to"})


@lru_cache(maxsize=8)
def _attributor(text: str, parties: tuple[tuple[str, str, str, tuple[str, ...]], ...]) -> Any:
    from summarizer.brief.attribution import Attributor
    from summarizer.brief.models import Party

    listed = [Party(name=n, kind=k, role=r, aliases=list(a)) for n, k, r, a in parties]  # type: ignore[arg-type]
    return Attributor(text, listed)


def _speakers(reply: BriefReply, text: str) -> Any:
    """The article's `Attributor` for the reply's parties, or None when it cannot be built."""
    key = tuple((p.name, p.kind, p.role, tuple(p.aliases)) for p in reply.parties)
    try:
        return _attributor(text, key)
    except Exception:  # an attribution bug must never fail a reply
        return None


def _who(att: Any, start: int, end: int) -> Any:
    """The `Attribution` of text[start:end], or None when unknown or unreadable."""
    try:
        a = att.attribute(start, end)
    except Exception:  # see _speakers
        return None
    return a if a.party and a.mode in _SPEAKING else None


def _names(party: Party) -> list[str]:
    return [n for n in (normalize(x).strip("\"' .,;:") for x in [party.name, *party.aliases]) if n]


def _named_in(names: list[str], text: str) -> bool:
    t = normalize(text)
    return any(_word_pattern(n).search(t) for n in names)


def _affiliated(a: Party, b: Party, speaker_words: str | None) -> bool:
    """Whether one party speaks for the other: its role or the article's words for the speaker
    name the other ("Halden's chief executive, Marcus Reed"; role "chairwoman of the commission").
    """
    if _named_in(_names(b), a.role) or _named_in(_names(a), b.role):
        return True
    return bool(speaker_words) and _named_in(_names(a), speaker_words or "")


def _by_name(reply: BriefReply) -> dict[str, Party]:
    out: dict[str, Party] = {}
    for party in reply.parties:
        for n in _names(party):
            out.setdefault(n, party)
    return out


def check_attribution(
    reply: BriefReply,
    article: str | ArticleIndex,
    located: Sequence[EvidenceLocation] | None = None,
) -> list[GroundingIssue]:
    """Issues of who said what and how sure the article is (see the module docstring).

    Only quotes found in the article are read: `located` (what `check_reply` found) when given,
    else each quote is looked up here.
    """
    index = ArticleIndex.of(article)
    text = index.text
    lay = layout(text)
    issues: list[GroundingIssue] = []
    found = _found_quotes(reply, index) if located is None else _from_located(located)
    att = _speakers(reply, text) if found and reply.parties else None
    if att is not None:
        issues += _speaker_issues(reply, found, att, text)
    for f in found:
        skipped = _skipped_cue(text, lay, f.spans)
        if skipped is not None:
            msg = (
                f"{f.path}: the '…' in this quote skips '{skipped}' in the article, which makes "
                f"a hedged or reported statement read as certain: quote the words around it "
                f"too: {f.quote!r}"
            )
            issues.append(GroundingIssue(f.path, "quote_skips_hedge", msg, f.quote))
    for i, cue in _overstated(reply, found, text, lay, att):
        path = f"key_facts[{i}].status"
        issues.append(GroundingIssue(path, "status_overstated", _status_message(path, cue, None)))
    return issues


@dataclass(frozen=True)
class _Subject:
    """A listed party that opens a quote as its subject, in `_speaker_issues`' terms."""

    party: str
    speaker: str
    mode: str = "reported"
    sentence: tuple[int, int] = (0, 0)
    paragraph: int = -1


_LEAD = re.compile(r"[\"'“‘„\s]*(?:the\s+)?", re.IGNORECASE)


def _subject(quote: str, reply: BriefReply) -> _Subject | None:
    """The listed party a quote opens with as its subject: "The commission rejected ...",
    "Defence Minister Lena Hartmann called ..." (up to two title words before the name), when
    a lower-case word (its verb) follows the name."""
    head = quote[_LEAD.match(quote).end() :]  # type: ignore[union-attr]
    words = head.split()
    by_name = _by_name(reply)
    for skip in range(3):
        if skip and not words[skip - 1][:1].isupper():
            break
        for n in range(min(6, len(words) - skip - 1), 0, -1):
            name = normalize(" ".join(words[skip : skip + n])).strip("\"' .,;:")
            after = words[skip + n]
            if name in by_name and after[:1].islower() and not after.startswith(("'", "’")):
                party = by_name[name]
                return _Subject(party.name, " ".join(words[: skip + n]))
    return None


_QUOTE_MARKS = "\"“”„‘’'«»"


def _opens_sentence(text: str, start: int) -> bool:
    """Whether a quote starts its sentence in the article's own voice: not inside quotation
    marks ("“Gloria spent ...,” the prosecutor said" is the prosecutor's, not Gloria's)."""
    s0, _ = layout(text).sentence_at(start)
    lead = text[s0:start]
    if lead.strip() or text[start : start + 1] in _QUOTE_MARKS:
        return False
    para = text.rfind("\n", 0, start) + 1
    return sum(text.count(q, para, start) for q in '"“”„') % 2 == 0


def _carried_over(att: Any, w: Any, party: str) -> bool:
    """Whether the sentence before, in the same paragraph, is `party` speaking: its words may
    carry on ("Dewar says that ... However, when ..., the government then says ...")."""
    start = w.sentence[0]
    if start <= 0:
        return False
    before = _who(att, max(0, start - 2), start - 1)
    return before is not None and before.party == party and before.paragraph == w.paragraph


def _relayed(att: Any, spans: list[tuple[int, int]], parties: dict[str, Party]) -> StatusCue | None:
    """A quote the article gives a media outlet or unnamed sources (by `brief.attribution`)."""
    try:
        a = att.attribute(spans[0][0], spans[-1][1])
    except Exception:  # see _speakers
        return None
    party = parties.get(a.party) if a.party else None
    # An outlet stating its own plans ("Gawker.com have stated that they will keep hosting")
    # is mode "outlet": only an outlet's report, quote or account counts here.
    media = party is not None and party.kind in MEDIA_KINDS and a.mode in _SPEAKING
    if a.mode == "unnamed" or media:
        who = a.speaker or a.party or "unnamed sources"
        return StatusCue("reported", _clean(f"{who} {a.cue or ''}"), "reported")
    return None


def _speaker_issues(
    reply: BriefReply, found: list[_Found], att: Any, text: str
) -> list[GroundingIssue]:
    """Quotes joining two speakers, and position quotes the article gives another party."""
    issues: list[GroundingIssue] = []
    parties = {p.name: p for p in reply.parties}
    by_name = _by_name(reply)
    for f in found:
        whos = [_who(att, a, b) for a, b in f.spans]
        # Quilted speakers: two parts, two known speakers who are not one another's voice.
        known = [(w, (a, b)) for w, (a, b) in zip(whos, f.spans, strict=True) if w is not None]
        for (w1, s1), (w2, s2) in pairwise(known):
            p1, p2 = parties.get(w1.party), parties.get(w2.party)
            if p1 is None or p2 is None or p1.name == p2.name or _affiliated(p1, p2, None):
                continue
            msg = (
                f"{f.path}: the '…' in this quote joins words of two speakers: the article gives "
                f"{text[s1[0] : s1[1]]!r} to {p1.name} and {text[s2[0] : s2[1]]!r} to "
                f"{p2.name}: quote one speaker at a time: {f.quote!r}"
            )
            issues.append(GroundingIssue(f.path, "joins_speakers", msg, f.quote))
            break
        else:
            if f.section != "positions":
                continue
            pos = reply.positions[f.item]
            own = by_name.get(normalize(pos.party).strip("\"' .,;:"))
            if own is None:
                continue  # an unlisted party is reported on its own
            if (
                not known
                and _opens_sentence(text, f.spans[0][0])
                and ((subject := _subject(f.quote, reply)) is not None)
            ):
                # The attribution engine reads no speaker ("The office declined to comment",
                # "The United Nations has called on ..."): the quote's own subject speaks.
                known = [(subject, f.spans[0])]
            for w, _ in known:
                other = parties.get(w.party)
                if other is None or other.name == own.name:
                    continue
                if w.mode == "according_to" and other.kind in MEDIA_KINDS:
                    continue  # an outlet relaying someone: the relayed party may hold it
                # The position's party named inside the quote is its subject ("Basya also
                # believes ...", "Kim Jong-un issued an order", "Both X and Y have asserted").
                if _named_in(_names(own), f.quote):
                    continue
                if getattr(w, "on_behalf_of", None) == own.name or _affiliated(
                    own, other, w.speaker
                ):
                    continue
                if _carried_over(att, w, own.name):
                    continue
                msg = (
                    f"{f.path}: the article attributes this quote to {other.name}, not to "
                    f"{own.name}: give it to {other.name}'s position or quote {own.name}'s "
                    f"own words: {f.quote!r}"
                )
                issues.append(GroundingIssue(f.path, "attributed_to_other_party", msg, f.quote))
                break
    return issues


def _overstated(
    reply: BriefReply, found: list[_Found], text: str, lay: Layout, att: Any = None
) -> list[tuple[int, StatusCue]]:
    """Confirmed facts whose evidence the article does not state as fact, with the cue."""
    out: list[tuple[int, StatusCue]] = []
    parties = list(reply.parties)
    for i, fact in enumerate(reply.key_facts):
        if fact.status != "confirmed":
            continue
        mine = [f for f in found if f.section == "key_facts" and f.item == i]
        for f in mine:
            cue = status_cue(text, lay.sentences_of(f.spans), f.spans, parties)
            if cue is None and att is not None:
                cue = _relayed(att, f.spans, {p.name: p for p in parties})
            if cue is not None:
                out.append((i, cue))
                break
    return out


# --- strict=False -------------------------------------------------------------------------------


def correct_or_drop(
    original: BriefReply, pruned: BriefReply, article: str | ArticleIndex
) -> tuple[BriefReply, list[tuple[str, str, dict[str, Any]]], list[CorrectedItem]]:
    """Salvage `pruned` (what is left of `original` after grounding) from the issues above.

    A confirmed fact the article gives only as reported, hedged or claimed is corrected (the
    status the article's wording fixes); a quote that skips a hedge, joins two speakers or is
    attributed to another party is dropped, and an item left with no quote with it. Paths name
    items as they were in `original`. Returns (reply, dropped, corrected) where dropped holds
    (path, reason, item) like `prune_ungrounded`.
    """
    from summarizer.brief.models import CorrectedItem

    issues = check_attribution(original, article)
    if not issues:
        return pruned, [], []
    dropped: list[tuple[str, str, dict[str, Any]]] = []
    corrected: list[CorrectedItem] = []
    bad_quotes: dict[tuple[str, int], dict[str, GroundingIssue]] = {}
    statuses: dict[int, GroundingIssue] = {}
    for issue in issues:
        m = _RE_2.match(issue.path)
        if m is None:
            continue
        key = (m.group(1), int(m.group(2)))
        if issue.kind == "status_overstated":
            statuses[key[1]] = issue
        elif issue.quote is not None:
            bad_quotes.setdefault(key, {}).setdefault(issue.quote, issue)
    new_status = _corrected_status(original, article)

    out: dict[str, list[Any]] = {}
    for section in ("key_facts", "positions"):
        items = getattr(original, section)
        kept_items = getattr(pruned, section)
        aligned = _align(items, kept_items, section)
        result = []
        for k, item in enumerate(kept_items):
            i = aligned[k]
            if i < 0:  # not an item of `original` (cannot happen with prune_ungrounded)
                result.append(item)
                continue
            bad = bad_quotes.get((section, i), {})
            good = []
            for q in item.evidence:
                if q in bad:
                    j = items[i].evidence.index(q)
                    reason = bad[q].kind.replace("_", " ")
                    dropped.append((f"{section}[{i}].evidence[{j}]", reason, {"quote": q}))
                else:
                    good.append(q)
            if not good:
                dropped.append((f"{section}[{i}]", "no grounded evidence left", item.model_dump()))
                continue
            update: dict[str, Any] = {"evidence": good}
            if section == "key_facts" and i in statuses and i in new_status:
                after = new_status[i]
                update["status"] = after
                corrected.append(
                    CorrectedItem(
                        path=f"key_facts[{i}].status",
                        before=item.status,
                        after=after,
                        reason=statuses[i].message.split(": ", 1)[1],
                    )
                )
            result.append(item.model_copy(update=update))
        out[section] = result
    return pruned.model_copy(update=out), dropped, corrected


def _corrected_status(reply: BriefReply, article: str | ArticleIndex) -> dict[int, str]:
    index = ArticleIndex.of(article)
    found = _found_quotes(reply, index)
    att = _speakers(reply, index.text) if found and reply.parties else None
    over = _overstated(reply, found, index.text, layout(index.text), att)
    return {i: cue.status for i, cue in over}


def _align(items: list[Any], kept: list[Any], section: str) -> list[int]:
    """For each kept item, the index of the original item it came from (kept is a subsequence)."""

    def key(x: Any) -> tuple[str, ...]:
        return (x.statement,) if section == "key_facts" else (x.party, x.stance)

    out: list[int] = []
    i = 0
    for k in kept:
        while i < len(items) and key(items[i]) != key(k):
            i += 1
        out.append(i if i < len(items) else -1)
        i += 1
    return out


# Patterns of the inline calls above, compiled once (not looked up in re's cache per call).
_RE_0 = re.compile(r"[^\n]+")
_RE_1 = re.compile(r"[.;]")
_RE_2 = re.compile(r"(key_facts|positions)\[(\d+)\]")
