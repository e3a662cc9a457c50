"""One account of a story across its sources: headline, cited summary, perspectives, timeline,
what to watch, and where the sources disagree.

Sources are numbered in the story's order ([1] is `story.sources[0]`). Every statement carries
citations, and every citation a quote that is checked here, in code, to be verbatim in the
source it names (`check_synthesis`, with the brief's own locator): what does not check is
re-asked (LLM) or left out and listed in `dropped` (offline rules, or a reply still wrong after
its re-asks).

- `synthesize_offline(story, briefs)`: the sections built from the member briefs by rules, no
  I/O: the summary from the facts most sources share, perspectives from each party's position
  (and each outlet's own framing), the timeline from dated facts (relative dates resolved
  against the article's date, `summarizer.digests.dates`), what to watch from open questions
  and facts about what is still to come.
- `asynthesize_llm(...)`: one grounded model call per multi-source story (prompt synthesis-v1),
  cached in the store by (member articles, prompt version, model): a story whose members did
  not change is not synthesised again.
- `synthesize_stories(...)`: what the digest run calls once its stories are built.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from summarizer.brief.grounding import ArticleIndex, locate_quote
from summarizer.brief.locate import verbatim
from summarizer.brief.models import (
    SYNTHESIS_SOURCES,
    Brief,
    Citation,
    Perspective,
    SourceRef,
    Story,
    StorySynthesis,
    SynthesisDisagreement,
    SynthesisReply,
    SynthesisSentence,
    SynthesisSide,
    TimelineEvent,
    WatchItem,
)
from summarizer.digests.dates import (
    DOUBTED,
    FORWARD,
    TO_BE_DONE,
    UNREALISED,
    DateMention,
    as_date,
    describe,
    find_dates,
    same_clause,
    without_quotes,
    written_on,
)

SYNTHESIS_PROMPT_VERSION = "synthesis-v1"
SUMMARY_SENTENCES = 4
MAX_PERSPECTIVES = 6
MAX_TIMELINE = 8
MAX_WATCH = 5
MAX_DISAGREEMENTS = 4
# Characters of each source's text sent to the model (a story of 3 long articles stays within
# a few thousand tokens); quotes must come from what was sent.
SOURCE_CHARS = 12_000
# Synthesis calls in flight at once (the run's rate limiter and cost meter still apply).
CONCURRENT_CALLS = 4
# How far into an undated article a dateline is looked for.
DATELINE_CHARS = 300
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@contextmanager
def grounding_sources(texts: Sequence[str]) -> Iterator[None]:
    """Validate every `SynthesisReply` made inside this block against these source texts."""
    token = SYNTHESIS_SOURCES.set([ArticleIndex.of(t) for t in texts])
    try:
        yield
    finally:
        SYNTHESIS_SOURCES.reset(token)


# --- checking ---------------------------------------------------------------------------------


def _index(source: Any) -> ArticleIndex:
    return source if isinstance(source, ArticleIndex) else ArticleIndex.of(str(source))


def _in_source(source: Any, quote: str) -> bool:
    return locate_quote(_index(source), quote).ok


def citation_problem(c: Citation, sources: Sequence[Any]) -> str | None:
    """Why a citation does not check (its quote is not in the source it names), or None."""
    if not 1 <= c.source <= len(sources):
        return f"there is no source [{c.source}] (sources are [1] to [{len(sources)}])"
    if _in_source(sources[c.source - 1], c.quote):
        return None
    elsewhere = [
        i + 1 for i, s in enumerate(sources) if i + 1 != c.source and _in_source(s, c.quote)
    ]
    if elsewhere:
        return (
            f"the quote {c.quote!r} is not in source [{c.source}], it is in source "
            f"[{elsewhere[0]}]: cite the source that carries it"
        )
    return f"the quote {c.quote!r} is not verbatim in source [{c.source}] (nor in any other)"


def _citations(s: SynthesisReply) -> Iterator[tuple[str, Citation]]:
    for i, sent in enumerate(s.summary):
        for j, c in enumerate(sent.citations):
            yield f"summary[{i}].citations[{j}]", c
    for i, p in enumerate(s.perspectives):
        yield f"perspectives[{i}].citation", p.citation
    for i, ev in enumerate(s.timeline):
        for j, c in enumerate(ev.citations):
            yield f"timeline[{i}].citations[{j}]", c
    for i, w in enumerate(s.watch):
        for j, c in enumerate(w.citations):
            yield f"watch[{i}].citations[{j}]", c
    for i, d in enumerate(s.disagreements):
        for j, side in enumerate(d.sides):
            yield f"disagreements[{i}].sides[{j}].citation", side.citation


def check_synthesis(s: SynthesisReply, sources: Sequence[Any]) -> list[str]:
    """Every citation that does not check, one line each (empty when all do)."""
    out = []
    for path, c in _citations(s):
        problem = citation_problem(c, sources)
        if problem:
            out.append(f"{path}: {problem}")
    for i, ev in enumerate(s.timeline):
        if not re.fullmatch(r"\d{4}(-[01]\d(-[0-3]\d)?)?", ev.date):
            out.append(f"timeline[{i}].date: {ev.date!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    return out


def prune(s: SynthesisReply, sources: Sequence[Any]) -> tuple[SynthesisReply, list[str]]:
    """`s` without what does not check, and a line for each thing left out.

    Every quote kept is the source's own text at the place it was found (as a brief's evidence
    is), so what a reader sees is verbatim even where the locator forgave a curly quote mark.
    """
    dropped: list[str] = []

    def fixed(path: str, c: Citation) -> Citation | None:
        problem = citation_problem(c, sources)
        if problem:
            dropped.append(f"{path}: {problem}")
            return None
        index = _index(sources[c.source - 1])
        spans = locate_quote(index, c.quote).spans
        return c.model_copy(update={"quote": verbatim(index.text, spans)}) if spans else c

    def kept(path: str, cs: list[Citation]) -> list[Citation]:
        out = [fixed(f"{path}.citations[{j}]", c) for j, c in enumerate(cs)]
        return [c for c in out if c is not None]

    summary = []
    for i, sent in enumerate(s.summary):
        cs = kept(f"summary[{i}]", sent.citations)
        if cs:
            summary.append(sent.model_copy(update={"citations": cs}))
    perspectives = []
    for i, p in enumerate(s.perspectives):
        c = fixed(f"perspectives[{i}].citation", p.citation)
        if c is not None:
            perspectives.append(p.model_copy(update={"citation": c}))
    timeline = []
    for i, ev in enumerate(s.timeline):
        cs = kept(f"timeline[{i}]", ev.citations)
        if cs and re.fullmatch(r"\d{4}(-[01]\d(-[0-3]\d)?)?", ev.date):
            timeline.append(ev.model_copy(update={"citations": cs}))
    watch = []
    for i, w in enumerate(s.watch):
        cs = kept(f"watch[{i}]", w.citations)
        if cs or not w.citations:  # an open question need not quote anything
            watch.append(w.model_copy(update={"citations": cs}))
    disagreements = []
    for i, d in enumerate(s.disagreements):
        sides = []
        for j, side in enumerate(d.sides):
            c = fixed(f"disagreements[{i}].sides[{j}].citation", side.citation)
            if c is not None:
                sides.append(side.model_copy(update={"citation": c}))
        if len({side.citation.source for side in sides}) >= 2:
            disagreements.append(d.model_copy(update={"sides": sides}))
    pruned = SynthesisReply.model_construct(
        headline=s.headline,
        summary=summary,
        perspectives=perspectives,
        timeline=timeline,
        watch=watch,
        disagreements=disagreements,
    )
    return pruned, dropped


# --- offline, by rules ------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _alike(a: str, b: str, threshold: float = 0.5) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= threshold


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.rstrip("\"'”’)]")[-1:] in ".!?…" else text + "."


_SPEECH = re.compile(r"^(?:said|says|told|stated|added|wrote|asked)\b", re.IGNORECASE)


def _telling(text: str, words: int = 6) -> bool:
    """Whether a statement can stand in a summary or timeline: a whole sentence of some length
    that says something, not a fragment ("On Jimmy Kimmel Live!") or a question."""
    text = " ".join(text.split())
    bare = text.rstrip("\"'”’)]. ")
    return len(text.split()) >= words and not bare.endswith("?") and not text[:1].islower()


_DANGLING = re.compile(
    r"(?:,\s*(?:with|and|but|including|as|while)|\b(?:and|or|but|the|a|an))[.…]?$", re.IGNORECASE
)
# The words of a quotation in a piece of evidence ("“We will win,” he said" -> We will win).
_QUOTATION = re.compile(r"[“\"]([^”“\"]{12,}?)[,.!?]?[”\"]")


def _view(stance: str) -> bool:
    """A stance with content beyond its speech verb ("said, refusing to answer" has none), and
    not cut off in mid-phrase ("... competitive pricing, with")."""
    rest = _SPEECH.sub("", " ".join(stance.split())).strip()
    return (
        len(rest.split()) >= 5 and not rest.startswith(",") and not _DANGLING.search(rest.rstrip())
    )


# "commented on the recent falls", "explained the government's reasoning": that someone spoke,
# not what they said ("explained that ..." says it).
_NO_VIEW = re.compile(
    r"^(?:(?:commented|comments|spoke|speaks|explained|explains|discussed|discusses|talked|"
    r"talks|remarked|responded|reacted)\b(?!\s+(?:\w+\s+){0,2}(?:that|saying)\b)"
    r"(?![^“\"]*[“\"])"
    # a clause cut out of its sentence ("who first broke the news about ...")
    r"|(?:who|whom|whose|which)\b)",
    re.IGNORECASE,
)
# A party named with the words that introduced it ("Speaking for Apple Corps").
_SPEAKING_FOR = re.compile(r"^(?:speaking\s+(?:for|on\s+behalf\s+of)|according\s+to)\s+", re.I)


def _speech_tag(stance: str, who: str) -> bool:
    """Whether a stance is only the words that name the speaker ("said Dana Perino, the White
    House Press Secretary"): what was said is then in the quotation, not in the stance."""
    rest = " ".join(stance.split())
    if not _SPEECH.match(rest):
        return False
    rest = _SPEECH.sub("", rest).strip(" ,")
    names = {w.casefold() for w in _WORD.findall(who)}
    return bool(rest[:1].isupper()) and bool(names & {w.casefold() for w in _WORD.findall(rest)})


_SAID_BEFORE = re.compile(
    r"\b(?:said|says|stated|states|added|adds|told\s+[\w ]{1,30}|wrote|writes|asked|declared)"
    r"(?:\s+that)?[,:]?\s*$",
    re.IGNORECASE,
)


def _fragment(view: str, evidence: str) -> bool:
    """Whether a view is a piece of a quotation cut out of a sentence ('GM said the dealers are
    "underperforming and very small sales volume U.S. dealers."'): a phrase, not a view."""
    core = " ".join(view.split()).rstrip(".!?…")
    if not core[:1].islower():
        return False
    found = re.search(r"[“\"]\s*" + re.escape(core[:40]), " ".join(evidence.split()))
    if found is None:
        return False
    # 'Bush said "this is a pivotal moment ..."': a whole quotation, only not capitalised
    return not _SAID_BEFORE.search(" ".join(evidence.split())[: found.start()])


def _quotation(evidence: str) -> str:
    """The longest quotation in a piece of evidence, as a sentence ('' when there is none). A
    quotation whose opening mark the text lost (a paragraph that opens inside it: 'This industry
    is ... success," said Barack Obama') runs from the start to its closing mark."""
    found = _QUOTATION.findall(evidence)
    if not found:
        opened = re.match(r"^([^“”\"]{12,}?)[,.!?]?[”\"]\s+(?:said|says|added|told)\b", evidence)
        found = [opened.group(1)] if opened else []
    found.sort(key=len, reverse=True)
    return _sentence(found[0].strip()) if found and len(found[0].split()) >= 4 else ""


def _first_sentence(text: str) -> str:
    """The first sentence of a summary (an outlet's framing of the story)."""
    m = re.match(r"(.+?[.!?])(?:[\"'”’)\]]*)(?=\s+[A-Z\"“]|\s*$)", " ".join(text.split()))
    return m.group(0) if m else ""


def source_label(ref: SourceRef) -> str:
    """An outlet's name for a source: outlet, site or domain, else its title."""
    return ref.outlet or ref.site or ref.domain or ref.title or ref.article_id


def source_numbers(story: Story) -> dict[int, str]:
    """The story's sources by number ([1] first), named as the digest names them."""
    return {i: source_label(ref) for i, ref in enumerate(story.sources, 1)}


def _evidence_sources(briefs: Sequence[Brief]) -> list[str]:
    """What a brief's quotes can be checked against when the article text is not at hand: the
    article's own words at every located quote (`meta.evidence`)."""
    return ["\n\n".join(loc.quote for loc in b.meta.evidence) for b in briefs]


def synthesize_offline(
    story: Story, briefs: list[Brief], texts: Sequence[str] | None = None
) -> StorySynthesis:
    """The story's synthesis by rules, from its member briefs (`briefs[i]` is the brief of
    `story.sources[i]`). No model, no I/O.

    Quotes are checked against `texts` (the sources' article texts, same order) when given, else
    against the article text each brief located its quotes in; what does not check is left out
    and listed in `dropped`.
    """
    if len(briefs) != len(story.sources):
        raise ValueError(f"{len(briefs)} briefs for {len(story.sources)} sources")
    number = {ref.article_id: i for i, ref in enumerate(story.sources, 1)}
    bases = _source_dates(story, briefs, texts)
    draft = SynthesisReply.model_construct(
        headline=story.title,
        summary=_summary(story, briefs, number),
        perspectives=_perspectives(story, briefs),
        timeline=_timeline(story, briefs, texts, bases),
        watch=_watch(story, briefs, texts, bases),
        disagreements=_disagreements(story, briefs, number, texts, bases),
    )
    checked, dropped = prune(draft, list(texts) if texts is not None else _evidence_sources(briefs))
    return StorySynthesis(
        **{k: getattr(checked, k) for k in SynthesisReply.model_fields},
        engine="offline",
        dropped=dropped,
    )


def _summary(story: Story, briefs: list[Brief], number: dict[str, int]) -> list[SynthesisSentence]:
    """The facts most sources share (the lead's first when none is shared), each cited; a
    sentence that opens with a quotation is left to the perspectives."""
    lead_facts = {f.statement: k for b in briefs for k, f in enumerate(b.key_facts)}
    ranked = sorted(
        story.facts,
        key=lambda f: (-len(f.sources), lead_facts.get(f.statement, 99)),
    )
    out: list[SynthesisSentence] = []
    for f in ranked:
        if len(out) >= SUMMARY_SENTENCES:
            break
        if f.statement.lstrip()[:1] in "\"“‘'":
            continue  # a quotation is a perspective, not a fact of the story
        if not _telling(f.statement) or any(_alike(f.statement, s.text) for s in out):
            continue
        cites = [
            Citation(source=number[a], quote=q)
            for a, q in zip(f.sources, f.evidence, strict=False)
            if a in number
        ]
        if cites:
            out.append(SynthesisSentence(text=_sentence(f.statement), citations=cites))
    return out


def _perspectives(story: Story, briefs: list[Brief]) -> list[Perspective]:
    """Each party's first position (one per party), then each outlet not yet heard, by the
    framing of its own headline and its first quoted fact."""
    names = {p.party.casefold(): p.party for p in story.positions}
    out: list[Perspective] = []
    heard: set[int] = set()
    seen: set[str] = set()
    for i, b in enumerate(briefs, 1):
        for pos in b.positions:
            who = _SPEAKING_FOR.sub("", names.get(pos.party.casefold(), pos.party))
            quote = pos.evidence[0]
            if who.casefold() in seen or quote in seen or len(out) >= MAX_PERSPECTIVES:
                continue  # one view per party, and one party per quote
            view = pos.stance
            if _speech_tag(view, who):
                view = _quotation(quote)  # '"...," said X' -> what X said
            if not view or not _view(view) or _fragment(view, quote) or _NO_VIEW.match(view):
                continue
            seen.update({who.casefold(), quote})
            heard.add(i)
            out.append(
                Perspective(
                    who=who,
                    kind="party",
                    view=_sentence(view),
                    citation=Citation(source=i, quote=quote),
                )
            )
    # Outlets by their own framing, when the story has more than one (a story told three times
    # by one outlet has no outlets' perspectives to compare).
    outlets = [ref.outlet or ref.site or ref.domain for ref in story.sources]
    if len(briefs) > 1 and len(set(outlets)) > 1:
        for i, b in enumerate(briefs, 1):
            if i in heard or not b.key_facts or len(out) >= MAX_PERSPECTIVES:
                continue
            view = _sentence(b.title) if not b.title.endswith("…") else _first_sentence(b.summary)
            if not view or not _telling(view, 4):
                continue
            out.append(
                Perspective(
                    who=outlets[i - 1] or f"Source [{i}]",
                    kind="outlet",
                    view=view,
                    citation=Citation(source=i, quote=b.key_facts[0].evidence[0]),
                )
            )
    return out


def _article_date(ref: SourceRef, brief: Brief) -> str | None:
    src = brief.meta.source
    return ref.published or (src.date if src else None)


def _base_date(ref: SourceRef, brief: Brief, text: str | None) -> str | None:
    """The date relative dates count from: the article's, else a full date in its first lines
    (a dateline such as "October 06, 2008"); moved back to the day the text itself says it was
    written, when it says so (`dates.written_on`)."""
    known = _article_date(ref, brief)
    if not known and text:
        found = [d for d in find_dates(text[:DATELINE_CHARS], None) if d.day is not None]
        known = found[0].value if found else None
    body = text if text else " ".join(loc.quote for loc in brief.meta.evidence)
    return written_on(body, known) if known and body else known


def _source_dates(
    story: Story, briefs: Sequence[Brief], texts: Sequence[str] | None
) -> list[date | None]:
    """Each source's date, as relative dates count from (`_base_date`)."""
    return [
        as_date(_base_date(ref, b, texts[i] if texts is not None else None))
        for i, (ref, b) in enumerate(zip(story.sources, briefs, strict=True))
    ]


# A relative clause before a date: the date is its background ("Airbus, whose A380 first flew
# in April 2005, ..."), not when the sentence's event happened.
_RELATIVE_CLAUSE = re.compile(r"\b(?:whose|which|who)\b", re.IGNORECASE)


def _after(value: str, day: date | None) -> bool:
    """Whether a date (YYYY-MM-DD, YYYY-MM or YYYY) lies after `day` (False without `day`)."""
    if day is None:
        return False
    return value > day.isoformat()[: len(value)]


def event_date(
    text: str, base: date | None, found: list[DateMention] | None = None
) -> DateMention | None:
    """When the event a sentence tells happened: its first date outside a relative clause, or
    None when that date is still to come (after the article's date) or the sentence tells a plan
    that did not happen ("were to take delivery in May 2008")."""
    if UNREALISED.search(without_quotes(text)):
        return None
    for when in find_dates(text, base) if found is None else found:
        if _RELATIVE_CLAUSE.search(text[: when.start]):
            continue
        return None if _after(when.value, base) else when
    return None


# What kind of happening a dated sentence tells, by the word of that kind nearest its date: one
# story's shooting (or crash, or death) told by two outlets in other words on the same day is
# one event, and so is its arrest; anything else is merged only when worded alike.
_KINDS = {
    "incident": re.compile(
        r"\b(?:shot|shoot(?:s|ing|ings)?|wounded|wounds?|killed|died|dies|dead|death|injured|"
        r"injuries|gunfire|gunshot|discharged|fired|hospitali[sz]ed|struck|crash(?:ed)?|"
        r"collided|stabbed|responded|bodies)\b",
        re.IGNORECASE,
    ),
    "arrest": re.compile(
        r"\b(?:arrested|arrest|charged|arraigned|booked|custody|jailed|indicted|behind\s+bars|"
        r"turned\s+(?:himself|herself|themselves)\s+in)\b",
        re.IGNORECASE,
    ),
}


def _event_kind(text: str, at: int) -> str | None:
    """The kind of the happening a sentence dates at `at`: that of the nearest kind word before
    the date in its clause (the verb comes before its time: "arrested ... on Wednesday after the
    shooting"), else of the nearest one."""
    found = [(m, kind) for kind, rx in _KINDS.items() for m in rx.finditer(text)]
    before = [
        (at - m.end(), k) for m, k in found if m.end() <= at and same_clause(text, m.end(), at)
    ]
    if before:
        return min(before)[1]
    near = [(min(abs(m.start() - at), abs(m.end() - at)), k) for m, k in found]
    return min(near)[1] if near else None


def _timeline(
    story: Story,
    briefs: list[Brief],
    texts: Sequence[str] | None = None,
    bases: Sequence[date | None] | None = None,
) -> list[TimelineEvent]:
    """Dated facts that happened, in date order: a fact is dated by the first date its quote
    (else its statement) names, relative dates resolved against its article's date; what is
    still to come is for "what to watch", not the timeline. One happening told by two sources on
    one day is one event citing both: worded alike, or of one kind (`_event_kind`: the
    shooting, the arrest)."""
    events: list[TimelineEvent] = []
    kinds: dict[int, str | None] = {}
    if bases is None:
        bases = _source_dates(story, briefs, texts)
    for i, (b, base) in enumerate(zip(briefs, bases, strict=True), 1):
        for f in b.key_facts:
            quote = f.evidence[0]
            told = quote
            found = find_dates(quote, base)
            when = event_date(quote, base, found) if found else None
            if when is None and not found:
                told, when = f.statement, event_date(f.statement, base)
            if when is None or not _telling(f.statement):
                continue
            if any(e.date == when.value and e.citations[0].source == i for e in events):
                continue  # one event per source and day: the article's first dated fact
            what = _event_kind(told, when.start)
            same = next(
                (
                    e
                    for e in events
                    if e.date == when.value
                    and (
                        _alike(e.event, f.statement, 0.4)
                        or (what is not None and len(e.date) == 10 and kinds.get(id(e)) == what)
                    )
                ),
                None,
            )
            if same is not None:
                if all(c.source != i for c in same.citations):
                    same.citations.append(Citation(source=i, quote=quote))
                continue
            events.append(
                TimelineEvent(
                    date=when.value,
                    event=_sentence(f.statement),
                    citations=[Citation(source=i, quote=quote)],
                    said_as=when.said if when.relative else None,
                )
            )
            kinds[id(events[-1])] = what
    events.sort(key=lambda e: e.date)
    return events[:MAX_TIMELINE]


# What to watch comes from the story's newest articles: a forecast in an article this many days
# older than the newest source is stale (the newer sources tell what became of it), unless it
# names a date after the newest source's.
WATCH_FRESH_DAYS = 31
# An open question that is still open: one about what will happen, whole.
_ASKS_AHEAD = re.compile(
    r"^(?:will|when\s+will|what\s+will|how\s+will|who\s+will|where\s+will|which\s+\w+\s+will"
    r"|(?:is|are)\s+.+\s+(?:expected|due|set|going|likely)\s+to)\b",
    re.IGNORECASE,
)
# "Will it ...": a pronoun that the question alone does not name.
_UNNAMED = re.compile(r"^\w+(?:\s+\w+)?\s+(?:it|they|he|she|this|that)\b", re.IGNORECASE)
# A second finite verb after the question's own: two sentences run together ("Will the details
# be kept confidential Singapore Airlines is the first airline ...").
_RUN_ON = re.compile(r"\s(?:is|are|was|were|has|have|had)\s", re.IGNORECASE)


def watchable_question(q: str) -> bool:
    """An open question a reader can watch: about what will happen, whole (not cut at a
    thousands separator, "Will GM close 1?"), naming what it asks about, one sentence."""
    q = " ".join(q.split())
    return (
        bool(_ASKS_AHEAD.match(q))
        and q.endswith("?")
        and not re.search(r"\b\d{1,3}\?$", q)
        and not _UNNAMED.match(q)
        and not (q[:4].lower() == "will" and _RUN_ON.search(q))
        and len(q.split()) <= 20
    )


def _ahead(text: str, base: date | None) -> list[str]:
    """The dates a forward-looking sentence names that are still to come after `base`."""
    return [d.value for d in find_dates(text, base) if _after(d.value, base)]


def _fresh(text: str, base: date | None, newest: date | None) -> bool:
    """Whether what an article dated `base` says is still news by the story's newest source:
    within WATCH_FRESH_DAYS of it, or naming a date after it."""
    if newest is None or base is None or (newest - base).days <= WATCH_FRESH_DAYS:
        return True
    return any(_after(v, newest) for v in _ahead(text, base))


def forward_looking(text: str, base: date | None, newest: date | None = None) -> list[str] | None:
    """Whether a sentence (of an article dated `base`, in a story whose newest source is dated
    `newest`) tells what is still to come: None when it does not, else the dates it names that
    are still ahead (empty for an undated forecast).

    It must say so in the writer's own words (`dates.FORWARD`: "will", "is expected to", "plans
    to", "is scheduled for"; a quotation's "will" is the speaker's, one in a doubt or fear is
    nobody's forecast ("worries that the government will"), and "by next year" alone is no
    forecast; "are to be arraigned" counts with a date still ahead), still be news (`_fresh`),
    and, when it names only past dates, not name one in the forecast's own clause (that reports
    what happened).
    """
    said = without_quotes(text)
    told = [m for m in FORWARD.finditer(said) if not DOUBTED.search(said[: m.start()])]
    found = find_dates(text, base)
    ahead = [d.value for d in found if _after(d.value, base)]
    if not told and ahead:
        told = list(TO_BE_DONE.finditer(said))  # "are to be arraigned Thursday"
    if not told or not _fresh(text, base, newest):
        return None
    # "closed on Monday ... will": a past date in the forecast's own clause reports what
    # happened; "announced Friday that it will give" is a forecast announced on Friday
    if (
        base is not None
        and not ahead
        and any(same_clause(said, d.start, m.start()) for d in found for m in told)
    ):
        return None
    return ahead


def _watch(
    story: Story,
    briefs: list[Brief],
    texts: Sequence[str] | None = None,
    bases: Sequence[date | None] | None = None,
) -> list[WatchItem]:
    """What is still to come, from the story's newest sources (`forward_looking`): scheduled
    events with a date first (by date), then the other forecasts, then the articles' open
    questions about what will happen (`watchable_question`)."""
    if bases is None:
        bases = _source_dates(story, briefs, texts)
    known = [d for d in bases if d is not None]
    newest = max(known) if known else None
    dated: list[tuple[str, WatchItem]] = []
    undated: list[WatchItem] = []
    taken: list[str] = []
    for i, (b, base) in enumerate(zip(briefs, bases, strict=True), 1):
        for f in b.key_facts:
            quote = f.evidence[0]
            ahead = forward_looking(quote, base, newest)
            if ahead is None or not _telling(f.statement):
                continue
            if any(_alike(f.statement, t) for t in taken):
                continue
            taken.append(f.statement)
            item = WatchItem(
                text=_sentence(f.statement), citations=[Citation(source=i, quote=quote)]
            )
            if ahead:
                dated.append((min(ahead), item))
            else:
                undated.append(item)
    dated.sort(key=lambda x: x[0])
    out = [w for _, w in dated] + undated
    for b, base in zip(briefs, bases, strict=True):
        for q in b.open_questions:
            text = " ".join(q.question.split())
            if not watchable_question(text) or not _fresh(text, base, newest):
                continue
            if not any(_alike(text, w.text) for w in out):
                out.append(WatchItem(text=text, citations=[]))
    return out[:MAX_WATCH]


# --- disagreements: one quantity, two values ----------------------------------------------------

_CURRENCY = {
    "us$": "USD", "usd": "USD", "$": "USD", "ca$": "CAD", "c$": "CAD", "a$": "AUD",
    "au$": "AUD", "£": "GBP", "gbp": "GBP", "gb#": "GBP", "€": "EUR", "eur": "EUR", "¥": "JPY",
}  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen", "twenty")
    )
} | {w: 10 * i for i, w in enumerate(("thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                                      "ninety"), 3)}  # fmt: skip
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
# A number word is read whole: "Sixty-five per cent" is 65, never "five per cent".
_NUMBER_WORD = (
    rf"(?<![\w-])(?:(?:{_TENS})(?:-(?:one|two|three|four|five|six|seven|eight|nine))?|"
    + "|".join(list(_NUMBER_WORDS)[2:20])
    + r")\b(?!-)"
)
_AMOUNT = re.compile(
    r"(?P<cur>US\$|USD\s*\$?|CA\$|C\$|AU?\$|GBP\s*|GB\s*#\s*|EUR\s*|[$£€¥])?"
    # Not a part of a clock or score time ("14:05 left", "2:56"): ":" on either side.
    r"(?<![\d.,:])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|" + _NUMBER_WORD + r")"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|m)\b)?"
    r"(?:\s*(?P<pct>%|percent\b|per\s+cent\b))?"
    r"(?![\w:])",
    re.IGNORECASE,
)
_NOT_A_UNIT = {
    "the", "and", "for", "with", "from", "that", "than", "this", "per", "over", "about", "more",
    "its", "his", "her", "their", "our", "new", "each", "who", "which", "were", "was", "are",
    "had", "has", "have", "will", "would", "utc", "gmt", "a.m", "p.m", "years", "year", "days",
    "day", "hours", "hour", "minutes", "weeks", "week", "months", "month", "times", "percent",
    "dollar", "dollars", "into", "other", "when", "where", "after", "before", "said", "says",
    "thousand", "million", "billion", "trillion", "some", "all", "only", "just", "also",
}  # fmt: skip
_MONTH_OR_DAY = re.compile(
    r"^(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\.?$",
    re.IGNORECASE,
)
# Words of a change: a value that rose or fell is about the day (or time) it moved.
_MOVED = re.compile(
    r"^(?:f[ae]ll(?:s|en|ing)?|drop(?:s|ped|ping)?|r[io]se[ns]?|rising|gain(?:s|ed)?"
    r"|los(?:t|e|es|ing)|climb(?:s|ed)?|sl(?:id|ide)|plunge[sd]?|jump(?:s|ed)?|surge[sd]?"
    r"|down|up|decline[sd]?|increase[sd]?|decrease[sd]?|recover(?:s|ed)?|closed)$"
)
# How near a number its subject words are looked for (words each side).
AMOUNT_WINDOW = 6
# How much of their content words two sentences share to tell the same thing with two numbers
# ("Fourteen people died in the Harlow dam collapse" / "Twelve people died when the Harlow dam
# failed": 0.21; a motorist 50 miles north of Detroit / a building 15 miles north: 0.12).
SAME_STATEMENT = 0.2
# A later figure in an article written days after another is an update, not a disagreement.
DISAGREE_DAYS = 3


@dataclass(frozen=True)
class Quantity:
    said: str  # the number as the source writes it ("US$40 billion", "1,100 dealerships")
    kind: str  # what is counted: a currency, "percent", or the noun after the number
    value: float
    near: frozenset[str]  # content words near the number
    names: frozenset[str]  # capitalised names near the number
    moved: bool = False  # a change over a time ("fell 260.77 points"), not a standing count
    approx: bool = False  # "about $13 billion": $13.2 billion is within it
    # The name the number is told of, just before it ("Qeshm island, home to 120,000": qeshm;
    # "Bandar Abbas, a city of 500,000": bandar); "" when none is that near.
    subject: str = ""


# How many words before a number its subject's name may stand ("Qeshm island, home to 120,000").
SUBJECT_WORDS = 4


def _subject(before: str) -> str:
    """The first word of the last run of capitalised names among the SUBJECT_WORDS words before
    a number (not a month, a weekday or a sentence's opening article), casefolded; "" if none."""
    window = " ".join(before.split()[-SUBJECT_WORDS:])
    window = _SPEECH.split(window)[-1]  # "Ramsey said 18 people": the speaker is no subject
    runs = re.findall(r"(?<![\w'])([A-Z][\w&'-]*[A-Za-z])(?:\s+[A-Z][\w&'-]*[A-Za-z])*", window)
    runs = [w for w in runs if not _MONTH_OR_DAY.match(w) and w.lower() not in _NOT_A_SUBJECT]
    return runs[-1].casefold() if runs else ""


_SPEECH = re.compile(r"\b(?:said|says|told|tells|reported|reports|according\s+to)\b")
_NOT_A_SUBJECT = frozenset(("the", "a", "an", "in", "on", "at", "and", "but", "of", "it", "its"))


def _names(text: str) -> set[str]:
    """Capitalised words and acronyms (not a sentence's first word, a month or a weekday)."""
    out = set()
    for m in re.finditer(r"\b[A-Z][\w&.'-]*[A-Za-z]", text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in '.!?:"“':
            continue
        if _MONTH_OR_DAY.match(m.group(0)):
            continue
        out.add(m.group(0).rstrip(".").casefold())
    return out


# Tokenised text writes thousands apart ("120, 000 people").
_SPACED_THOUSANDS = re.compile(r"(\d), (\d{3})\b")
# The first end of a range ("$140 - 150MM", "150 to 200 yards"; a number with its own unit
# before "to" is a change and a level: "fell 2.62% to 9694.73").
_RANGE_AFTER = re.compile(r"\s*(?:-|–|to|and|or)\s*(?:US)?[$£€]?\d", re.IGNORECASE)
# The second end of a range ("between 140 and 150", "150 to 200").
_RANGE_END_BEFORE = re.compile(
    r"\d[\d,.]*\s*(?:thousand|million|billion|trillion|bn|m|mm)?\s*(?:-|–|to|and|or)\s*"
    r"(?:US)?[$£€]?\s*$",
    re.IGNORECASE,
)
# A bound or an estimate ("at least 10", "more than 200", "up to 120 mph", "in excess of"): no
# exact count to contradict another ("at least three" and "at least 10" both hold).
_BOUND_BEFORE = re.compile(
    r"\b(?:at\s+least|more\s+than|over|above|in\s+excess\s+of|up\s+to|nearly|almost|"
    r"fewer\s+than|less\s+than|under|below|as\s+many\s+as|as\s+much\s+as|between)"
    r"\s*(?:US)?[$£€]?\s*$",
    re.IGNORECASE,
)
# A value converted in brackets after another ("less than 25 km (15 miles)"): the same one.
_CONVERTED_BEFORE = re.compile(
    r"\d[\d,.]*(?:\s*[^\W\d_]+){0,2}\s*\(\s*(?:US|CA|AU?)?[$£€¥]?\s*$", re.IGNORECASE
)
# An approximation ("about $13 billion"): a value that another within APPROX of it agrees with.
_APPROX_BEFORE = re.compile(
    r"\b(?:about|around|roughly|approximately|some|an\s+estimated)\s*(?:US|CA|AU?)?[$£€¥]?\s*$",
    re.IGNORECASE,
)
APPROX = 0.1
# A need or a target ("needed nine points", "to reach 100 goals", "a goal of 500 homes"): not a
# value the count has.
_NEED_BEFORE = re.compile(
    r"\b(?:need(?:s|ed|ing)?|requir(?:e|es|ed|ing)|to\s+(?:reach|hit|pass|top)|"
    r"(?:goal|target|aim|bid)\s+of)\s+(?:(?:only|just|another|a|an|the)\s+)?"
    r"(?:US|CA|AU?)?[$£€¥]?\s*$",
    re.IGNORECASE,
)
# A scale named before its value ("magnitude 6.1", "a magnitude of 5.9", "magnitude-5.2") or
# joined to it ("The 6.1 - magnitude quake", tokenised text's "6.1-magnitude").
_SCALE_BEFORE = re.compile(r"\b(magnitude)\s*(?:of\s+|-\s*)?$", re.IGNORECASE)
_SCALE_AFTER = re.compile(r"\s*-\s*(magnitude)\b", re.IGNORECASE)
# The whole of a ratio ("29 of 34 passes", "9 out of 10 voters"): what the count is out of.
_RATIO_BEFORE = re.compile(r"\d\s+(?:out\s+)?of\s+$", re.IGNORECASE)
# A rate ("per run", "a year", "each"), not a total.
_RATE_AFTER = re.compile(
    r"(?:\s+[^\W\d_]+){0,2}?\s+(?:per|a|an|each)\s+(?:year|month|week|day|hour|game|run|"
    r"carry|share|head|person|season|mile|barrel|ton|tonne)\b",
    re.IGNORECASE,
)
# Measures an adjective may stand before ("13 nautical miles", "6,900 metric tonnes").
_MEASURES = frozenset(
    ("miles", "kilometres", "kilometers", "metres", "meters", "feet", "yards", "tonnes", "tons",
     "pounds", "barrels", "acres", "hectares", "degrees", "knots")
)  # fmt: skip


# Counts named by their verb, not a noun after the number: the injured and the dead.
_HURT = r"(?:injur|wound|hurt)"
_DEAD = r"(?:kill|dead|died|die)"
_VERB_BEFORE = re.compile(
    rf"\b(?P<v>{_HURT}|{_DEAD})\w*\s+(?:an?other\s+|other\s+)?$", re.IGNORECASE
)
_VERB_AFTER = re.compile(
    rf"^(?:\s+(?:others?|more|people|persons))?\s+(?:were|was|are|have\s+been|had\s+been|been)?"
    rf"\s*(?P<v>{_HURT}|{_DEAD})",
    re.IGNORECASE,
)
_OTHERS = frozenset(("other", "others", "more"))


def _casualty(before: str, rest: str) -> str | None:
    """ "injured" or "killed" when a number counts the hurt or the dead by its verb ("injuring
    80", "wounding other 70", "50 were injured", "two others were killed"), else None."""
    m = _VERB_BEFORE.search(before) or _VERB_AFTER.match(rest)
    if m is None:
        return None
    return "injured" if re.match(_HURT, m.group("v"), re.IGNORECASE) else "killed"


def _number(word: str) -> float:
    """The value of a number as written: "1,100", "6.1", "seven", "sixty-five"."""
    if word[:1].isdigit():
        return float(word.replace(",", ""))
    return float(sum(_NUMBER_WORDS[w] for w in word.lower().split("-")))


def quantities(text: str) -> list[Quantity]:
    """The quantities a sentence states: money (by currency), percentages, and counts of a thing
    ("1,100 dealerships"); never a year, a time of day or a bare number."""
    out = []
    text = _SPACED_THOUSANDS.sub(r"\1,\2", text)  # "120, 000" (tokenised text) is 120,000
    for m in _AMOUNT.finditer(text):
        word = m.group("num").lower()
        num = _number(word)
        cur = m.group("cur")
        rest = text[m.end() :]
        before = text[: m.start()]
        alone = not (m.group("scale") or m.group("pct"))
        if (alone and _RANGE_AFTER.match(rest)) or _RANGE_END_BEFORE.search(before):
            continue  # one end of a range: not a value to set against another
        if _BOUND_BEFORE.search(before):
            continue  # a bound: "at least three" does not contradict "at least 10"
        if _CONVERTED_BEFORE.search(before):
            continue  # "25 km (15 miles)": 15 miles is 25 km converted, with 25's bound if any
        if _RATIO_BEFORE.search(before):
            continue  # "completed 29 of 34 passes": 34 is the attempts, not the passes counted
        if _NEED_BEFORE.search(before):
            continue  # "needed nine points": what it takes, not what there is
        if re.search(r"\d-[^\W\d_]+-$", before):
            continue  # "the 6-foot-9 senior": the inches of a height, not nine seniors
        after = re.match(r"\s+(?:of\s+|in\s+)?([^\W\d_]{3,})(?:\s+([^\W\d_]{3,}))?", rest)
        noun = after.group(1).lower() if after else ""
        scale = _SCALE_BEFORE.search(before) or _SCALE_AFTER.match(rest)
        if scale and not cur and not m.group("pct"):
            noun = scale.group(1).lower()  # "6.1 - magnitude", "magnitude of 6.1": a magnitude
        elif after and after.group(2) and after.group(2).lower() in _MEASURES:
            noun = after.group(2).lower()  # "13 nautical miles": miles
        elif after and after.group(1)[:1].isupper():
            continue  # "12 Somali": a kind of what is counted, not the thing
        if _RATE_AFTER.match(rest):
            continue  # "3.8 yards per run", "$22 million a year": a rate
        hurt = None if cur or m.group("pct") else _casualty(before, rest)
        if cur:
            kind = _CURRENCY.get(re.sub(r"\s+", "", cur.lower()), "")
        elif m.group("pct"):
            kind = "percent"
        elif hurt and (not noun or noun in _NOT_A_UNIT or noun in _OTHERS):
            kind, noun = hurt, hurt  # "injuring 80", "wounding other 70", "50 were injured"
        elif noun and noun not in _NOT_A_UNIT and not _MONTH_OR_DAY.match(noun):
            kind = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
        else:
            continue
        if not kind or (not cur and not m.group("scale") and 1900 <= num <= 2100):
            continue
        if re.match(r"\s*(?:utc|gmt|a\.?m\b|p\.?m\b|:)", rest, re.IGNORECASE):
            continue
        num *= _SCALE.get((m.group("scale") or "").lower(), 1)
        counted = not cur and not m.group("pct")
        left = text[: m.start()].split()[-AMOUNT_WINDOW:]
        right = rest.split()[: AMOUNT_WINDOW + 1]
        close = {w.lower().strip(",.;:()") for w in [*left[-4:], *right[:3]]}
        window = " ".join([*left, *right])
        out.append(
            Quantity(
                said=" ".join(m.group(0).split()) + (f" {noun}" if counted else ""),
                kind=kind,
                value=num,
                near=frozenset(
                    w
                    for w in _words(window) - _NOT_A_UNIT - {kind, noun}
                    if not _MONTH_OR_DAY.match(w)
                ),
                names=frozenset(_names(window)),
                moved=any(_MOVED.match(w) for w in close),
                approx=bool(_APPROX_BEFORE.search(before)),
                subject=_subject(before),
            )
        )
    return out


def _states(text: str, value: float) -> bool:
    """Whether a sentence states `value` as any number of its own (a bound, a range's end or a
    bare number too): "in Egypt were down by 80 percent, in India by 65 percent" states 65."""
    text = _SPACED_THOUSANDS.sub(r"\1,\2", text)
    for m in _AMOUNT.finditer(text):
        num = _number(m.group("num")) * _SCALE.get((m.group("scale") or "").lower(), 1)
        if abs(num - value) <= 0.01 * max(num, value):
            return True
    return False


def conflicting(a: Quantity, text_a: str, b: Quantity, text_b: str) -> bool:
    """Two values for one quantity about one thing: the same kind, values that differ (beyond
    rounding), two or more of the same words near both numbers, no name near either number
    that the other sentence does not mention (789 of Chrysler's dealerships vs 1,100 of GM's),
    and two sentences that say much the same (SAME_STATEMENT of their content words shared).
    A sentence that states both values tells of two things (or an update) itself: no conflict.
    An approximation ("about") agrees with any value within APPROX of it."""
    near = APPROX if a.approx or b.approx else 0.01  # "about $13 billion" holds $13.2 billion
    if a.kind != b.kind or abs(a.value - b.value) <= near * max(a.value, b.value):
        return False
    if len(a.near & b.near) < 2:
        return False
    if a.subject and b.subject and a.subject != b.subject:
        return False  # "Qeshm island, home to 120,000" / "Bandar Abbas, a city of 500,000"
    if _states(text_a, b.value) or _states(text_b, a.value):
        return False  # one sentence gives both: two things or an update it reports itself
    names_a, names_b = _names(text_a), _names(text_b)
    if not (a.names <= names_b and b.names <= names_a):
        return False
    from summarizer.digests.stories import content_words

    wa, wb = content_words(text_a), content_words(text_b)
    return len(wa & wb) >= SAME_STATEMENT * len(wa | wb)


def _bounded_in(text: str | None, q: Quantity) -> bool:
    """Whether an article also gives `q`'s value as a bound of the same kind ("killing at least
    three people" in its lead, "three people killed" later): its figure is that bound."""
    if not text:
        return False
    text = _SPACED_THOUSANDS.sub(r"\1,\2", text)
    for m in _AMOUNT.finditer(text):
        num = _number(m.group("num").lower()) * _SCALE.get((m.group("scale") or "").lower(), 1)
        if abs(num - q.value) > 0.01 * max(num, q.value):
            continue
        if not _BOUND_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
            continue
        noun = re.match(r"\s+([^\W\d_]+)", text[m.end() :])
        if q.kind in {"percent", *_CURRENCY.values()} or (
            noun and noun.group(1).lower().rstrip("s") == q.kind.rstrip("s")
        ):
            return True
    return False


def _day_of(text: str, base: date | None) -> date | None:
    """The day a sentence tells of: the first day it names, else its article's date."""
    return next((d.day for d in find_dates(text, base) if d.day is not None), base)


def _other_days(
    a: Quantity, text_a: str, base_a: date | None, b: Quantity, text_b: str, base_b: date | None
) -> bool:
    """Whether two values are changes ("fell 260.77 points") told of two different days."""
    if not (a.moved or b.moved):
        return False
    days = (_day_of(text_a, base_a), _day_of(text_b, base_b))
    return None not in days and days[0] != days[1]


def _disagreements(
    story: Story,
    briefs: list[Brief],
    number: dict[str, int],
    texts: Sequence[str] | None = None,
    bases: Sequence[date | None] | None = None,
) -> list[SynthesisDisagreement]:
    """Where sources give different values for the same quantity about the same thing (both
    values shown, each with its source; a change, "fell 260.77 points", only when both tell of
    the same day). Only values: a fact one source calls disputed and another confirmed stays in
    the story's own list (`Story.disagreements`), as do the grouping's looser number rules.

    None unless the `offline_disagreements` setting is on, when a brief is the offline
    engine's: on ECB+ dev events most of what these rules found was wrong (eval/synthesis)."""
    from summarizer.config import offline_disagreements_shown

    if not offline_disagreements_shown() and any(b.meta.engine == "offline" for b in briefs):
        return []
    out: list[SynthesisDisagreement] = []
    if bases is None:
        bases = _source_dates(story, briefs, texts)
    stated = [
        (i, f, quantities(f.evidence[0])) for i, b in enumerate(briefs, 1) for f in b.key_facts
    ]
    seen: set[tuple[str, float, float]] = set()
    for x, (i, fa, amounts_a) in enumerate(stated):
        for j, fb, amounts_b in stated[x + 1 :]:
            da, db = bases[i - 1], bases[j - 1]
            if i == j or (da and db and abs((da - db).days) > DISAGREE_DAYS):
                continue
            if not (amounts_a and amounts_b):
                continue
            for a in amounts_a:
                b = next(
                    (
                        b
                        for b in amounts_b
                        if conflicting(a, fa.evidence[0], b, fb.evidence[0])
                        and not _other_days(a, fa.evidence[0], da, b, fb.evidence[0], db)
                        and not _bounded_in(texts[i - 1] if texts else None, a)
                        and not _bounded_in(texts[j - 1] if texts else None, b)
                    ),
                    None,
                )
                if b is None:
                    continue
                key = (a.kind, min(a.value, b.value), max(a.value, b.value))
                if key in seen or len(out) >= MAX_DISAGREEMENTS:
                    continue
                seen.add(key)
                out.append(
                    SynthesisDisagreement(
                        about=f"{a.said} [{i}] vs {b.said} [{j}]",
                        sides=[
                            SynthesisSide(
                                claim=_sentence(fa.statement),
                                citation=Citation(source=i, quote=fa.evidence[0]),
                            ),
                            SynthesisSide(
                                claim=_sentence(fb.statement),
                                citation=Citation(source=j, quote=fb.evidence[0]),
                            ),
                        ],
                    )
                )
                break
    return out


# --- Markdown -----------------------------------------------------------------------------------


def _quoted(quote: str) -> str:
    """A quote in quotation marks, unless it opens with its own."""
    quote = " ".join(quote.split())
    return quote if quote[:1] in "\"“‘'" else f"“{quote}”"


def _cite(cs: Sequence[Citation]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(c.source for c in cs))


def synthesis_markdown(s: StorySynthesis, source_numbers: Mapping[int, str]) -> list[str]:
    """The synthesis as Markdown lines (no headline: the story's heading shows it), citing
    sources as [1], [2] (`source_numbers` names them: number -> outlet)."""
    from summarizer.brief.render import _md

    out: list[str] = []
    if s.summary:
        out += [" ".join(f"{_md(x.text)} {_cite(x.citations)}" for x in s.summary), ""]
    if s.perspectives:
        out += ["**Perspectives**", ""]
        for p in s.perspectives:
            via = source_numbers.get(p.citation.source, "")
            who = _md(p.who) + (f" ({_md(via)})" if p.kind == "party" and via else "")
            out.append(f"- **{who}**: {_md(p.view)}")
            out.append(f"  > {_md(_quoted(p.citation.quote))} [{p.citation.source}]")
        out.append("")
    if s.timeline:
        out += ["**Timeline**", ""]
        for ev in s.timeline:
            said = f" ({_md(ev.said_as)})" if ev.said_as else ""
            out.append(
                f"- {describe(ev.date, ev.said_as)}{said}: {_md(ev.event)} {_cite(ev.citations)}"
            )
        out.append("")
    if s.watch:
        out += ["**What to watch**", ""]
        out += [f"- {_md(w.text)} {_cite(w.citations)}".rstrip() for w in s.watch]
        out.append("")
    if s.disagreements:
        out += ["**Where sources disagree**", ""]
        for d in s.disagreements:
            out.append(f"- {_md(d.about)}")
            out += [f"  - {_md(x.claim)} [{x.citation.source}]" for x in d.sides]
        out.append("")
    return out


# --- the LLM, cached ----------------------------------------------------------------------------


def cache_key(article_ids: Sequence[str], model: str) -> str:
    """The store's key of a synthesis: its member articles (in any order), prompt and model."""
    members = ",".join(sorted(article_ids))
    raw = f"{members}|{SYNTHESIS_PROMPT_VERSION}|{model}"
    return hashlib.sha256(raw.encode()).hexdigest()


def synthesis_messages(
    story: Story, briefs: Sequence[Brief], texts: Sequence[str]
) -> list[dict[str, str]]:
    """The chat messages for one story: static instructions first, the sources last."""
    from summarizer.brief.prompts import data_boundary, render

    sources = []
    for i, (ref, b, text) in enumerate(zip(story.sources, briefs, texts, strict=True), 1):
        sources.append(
            {
                "number": i,
                "outlet": " ".join((ref.outlet or ref.site or ref.domain or "unknown").split()),
                "title": " ".join((ref.title or b.title).split()),
                "date": (_base_date(ref, b, text) or "unknown")[:10],
                "text": text[:SOURCE_CHARS],
            }
        )
    boundary = data_boundary(*[str(s[k]) for s in sources for k in ("text", "title", "outlet")])
    system = render(f"{SYNTHESIS_PROMPT_VERSION}.system.j2")
    user = render(f"{SYNTHESIS_PROMPT_VERSION}.user.j2", sources=sources, boundary=boundary)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


async def asynthesize_llm(
    story: Story,
    briefs: Sequence[Brief],
    texts: Sequence[str],
    member_ids: Sequence[str],
    *,
    client: Any,
    model: str,
    store: Any = None,
    mode: str = "tools",
    meter: Any = None,
    on_call: Callable[[Any], None] | None = None,
    before_call: Callable[[int], Awaitable[None]] | None = None,
    policy: Any = None,
) -> tuple[StorySynthesis, bool]:
    """One grounded call for a story, or its cached synthesis; returns (synthesis, from cache).

    The reply's citations are checked against the texts that were sent; a citation to a source
    that does not carry its quote is re-asked (up to two times), and what is still wrong after
    that is left out and listed in `dropped`.
    """
    from summarizer.brief.llm import arequest_synthesis

    key = cache_key(member_ids, model)
    get = getattr(store, "get_synthesis", None)
    if get is not None:
        cached = get(key)
        if cached is not None:
            return StorySynthesis.model_validate_json(cached), True
    sent = [t[:SOURCE_CHARS] for t in texts]
    messages = synthesis_messages(story, briefs, texts)
    with grounding_sources(sent):
        reply, _checked = await arequest_synthesis(
            client,
            messages,
            model=model,
            mode=mode,
            meter=meter,
            on_call=on_call,
            before_call=before_call,
            policy=policy,
        )
    # A reply that checked loses nothing here; its quotes become the sources' own text.
    reply, dropped = prune(reply, sent)
    synthesis = StorySynthesis(
        **{k: getattr(reply, k) for k in SynthesisReply.model_fields},
        engine="llm",
        model=model,
        prompt_version=SYNTHESIS_PROMPT_VERSION,
        dropped=dropped,
    )
    put = getattr(store, "put_synthesis", None)
    if put is not None:
        put(key, model, SYNTHESIS_PROMPT_VERSION, synthesis.model_dump_json())
    return synthesis, False


SYNTHESIS_MODES = ("auto", "llm", "offline", "off")


def synthesis_mode(value: str | None) -> str:
    """The synthesis setting, checked: auto (the digest's engine decides), llm, offline, off."""
    from summarizer.errors import ConfigError

    value = (value or "auto").strip().lower()
    if value not in SYNTHESIS_MODES:
        raise ConfigError(f"synthesis must be one of {', '.join(SYNTHESIS_MODES)}, not {value!r}")
    return value


async def synthesize_stories(
    built: list[Story],
    entries: Mapping[str, Any],
    *,
    engine: str,
    synthesis: str = "auto",
    store: Any = None,
    client: Any = None,
    model: str | None = None,
    mode: str = "tools",
    warnings: list[str] | None = None,
    meter_for: Callable[[Any], Any] | None = None,
    on_call: Callable[[Any], None] | None = None,
    before_call: Callable[[int], Awaitable[None]] | None = None,
    policy: Any = None,
) -> list[Story]:
    """Every story with its synthesis: by the model for multi-source stories when the digest's
    engine is the LLM (and `synthesis` is "auto" or "llm"), by rules otherwise; none with "off".

    `entries` maps each full article id to its digest `Entry` (source, and its brief or a way to
    load it from the store: `Entry.full`). A model call
    that fails leaves that story with the rules' synthesis and adds a warning.
    """
    from summarizer.errors import BudgetExceeded, OutputError, StoreError, SummarizerError

    synthesis = synthesis_mode(synthesis)
    if synthesis == "off":
        return built
    use_llm = synthesis in {"auto", "llm"} and engine == "llm" and client is not None and model
    full = {k[:16]: k for k in entries}
    gate = asyncio.Semaphore(CONCURRENT_CALLS)

    failed: dict[str, str] = {}

    async def one(story: Story) -> Story:
        ids = [full.get(ref.article_id, ref.article_id) for ref in story.sources]
        if any(i not in entries for i in ids):
            return story  # a source this run did not brief: nothing to write it up from
        # Held by the entry, or read back from the store for this story only (issue 15).
        briefs = [entries[i].full() for i in ids]
        texts = [_text(store, i) for i in ids]
        texts_ok = all(t is not None for t in texts)
        got: StorySynthesis | None = None
        if use_llm and len(story.sources) > 1 and texts_ok:
            assert model is not None
            try:
                async with gate:
                    got, _ = await asynthesize_llm(
                        story,
                        briefs,
                        [t or "" for t in texts],
                        ids,
                        client=client,
                        model=model,
                        store=store,
                        mode=mode,
                        meter=meter_for(None) if meter_for else None,
                        on_call=on_call,
                        before_call=before_call,
                        policy=policy,
                    )
            except (StoreError, OutputError):
                raise
            except (BudgetExceeded, SummarizerError) as exc:
                failed[story.id] = (
                    f"story {story.id!r} synthesised by rules: the model call failed ({exc})"
                )
        if got is None:
            got = synthesize_offline(story, briefs, [t or "" for t in texts] if texts_ok else None)
        update: dict[str, Any] = {"synthesis": got}
        if got.engine == "llm" and got.headline.strip():
            # A headline written across the sources names the story better than one source's.
            update["title"] = " ".join(got.headline.split())
        return story.model_copy(update=update)

    # The model calls run a few at a time; the stories (and their warnings) keep their order.
    done = list(await asyncio.gather(*(one(story) for story in built)))
    if warnings is not None:
        warnings.extend(failed[s.id] for s in built if s.id in failed)
    return done


def _text(store: Any, article_id: str) -> str | None:
    get = getattr(store, "article", None)
    if get is None or len(article_id) <= 16:
        return None
    found = get(article_id)
    return found[0] if found else None
