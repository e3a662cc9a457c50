"""Pydantic models: the brief contract (schema v1) and the metadata the code adds to it.

`BriefReply` is exactly what a model is asked to return. `Brief` is a `BriefReply` plus a
`meta` object that only the code fills. Field names here are the public contract: other
programs, the digest and the tests rely on them, so renaming one is a schema-version bump.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

SCHEMA_VERSION = "1"

# The article a reply is validated against, bound per request (see `grounding_article`).
# instructor's own `context=` would also render every message as a Jinja template, so an
# article containing "{{ ... }}" or "{% if %}" would be altered or fail: we never pass it.
GROUNDING_ARTICLE: ContextVar[Any] = ContextVar("GROUNDING_ARTICLE", default=None)


@contextmanager
def grounding_article(article: Any) -> Iterator[None]:
    """Validate every `BriefReply` made inside this block against `article` (text or index)."""
    token = GROUNDING_ARTICLE.set(article)
    try:
        yield
    finally:
        GROUNDING_ARTICLE.reset(token)


Status = Literal["confirmed", "claimed", "reported", "disputed"]
PartyKind = Literal["person", "organization", "government", "country", "group", "media", "other"]
Engine = Literal["llm", "offline"]

# A sentence ends with . ! ? (optionally followed by a closing quote or bracket) and then
# whitespace. Abbreviations such as "U.S." are rare enough in a summary not to matter much, and
# the bound is loose (2 to 4) on purpose.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+|$)")


def count_sentences(text: str) -> int:
    """Count sentences in a short summary (approximate, punctuation-based)."""
    text = text.strip()
    if not text:
        return 0
    n = len(_SENTENCE_END.findall(text))
    # Text that does not end with terminal punctuation still holds one more sentence.
    return n if _SENTENCE_END.search(text[-3:]) else n + 1


def _no_field_titles(schema: dict[str, Any]) -> None:
    # pydantic titles every field ("Statement", "Evidence", ...): ~220 tokens of every request's
    # tool definition that tell the model nothing its name does not.
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


def _item_schema(schema: dict[str, Any]) -> None:
    # An item model's docstring is for readers of this code: the prompt says what it holds.
    _no_field_titles(schema)
    schema.pop("description", None)
    schema.pop("title", None)  # its key in "$defs" names it


# The models a model fills: their JSON Schema is sent with every request. Their fields carry no
# descriptions: what each field must hold is said once, in the system prompt (prompts/brief-v3,
# where the rules are), not again in every request's tool schema (issue 15: the descriptions
# repeated the prompt; 932 -> 550 tokens of tool definition as sent, o200k_base).
_REPLY_CONFIG = ConfigDict(json_schema_extra=_no_field_titles)
_BRIEF_ITEM_CONFIG = ConfigDict(json_schema_extra=_item_schema)


class KeyFact(BaseModel):
    """One fact from the article, with the verbatim quotes that support it."""

    model_config = _BRIEF_ITEM_CONFIG

    statement: str
    evidence: list[str] = Field(min_length=1)
    attribution: str | None = None
    status: Status


class Party(BaseModel):
    """A person, organisation, government, country, group or outlet that matters to the story."""

    model_config = _BRIEF_ITEM_CONFIG

    name: str
    kind: PartyKind
    role: str
    aliases: list[str] = Field(default_factory=list)


class Position(BaseModel):
    """What one party says or wants, with the quotes that show it."""

    model_config = _BRIEF_ITEM_CONFIG

    party: str
    stance: str
    evidence: list[str] = Field(min_length=1)
    topic: str | None = None


class OpenQuestion(BaseModel):
    """Something the article leaves unknown, unconfirmed or pending."""

    model_config = _BRIEF_ITEM_CONFIG

    question: str
    why_open: str
    parties: list[str] = Field(default_factory=list)


class BriefReply(BaseModel):
    """The brief of one article (schema v1)."""

    model_config = ConfigDict(title="BriefReply", json_schema_extra=_no_field_titles)

    title: str
    summary: str
    key_facts: list[KeyFact]
    parties: list[Party]
    positions: list[Position]
    open_questions: list[OpenQuestion]

    @field_validator("summary")
    @classmethod
    def _summary_length(cls, value: str) -> str:
        n = count_sentences(value)
        if not 2 <= n <= 4:
            raise ValueError(f"summary must be 2 to 4 sentences, got {n}")
        return value

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> BriefReply:
        # Grounding runs only when an article is given, as pydantic validation context or bound
        # with `grounding_article()`, so a reply can still be parsed on its own (e.g. to salvage
        # it with strict=False).
        ctx = info.context if isinstance(info.context, dict) else None
        article = ctx.get("article") if ctx else GROUNDING_ARTICLE.get()
        if article is not None:
            from summarizer.brief.grounding import check_reply, format_issues

            report = check_reply(self, article)
            if report.issues:
                raise ValueError(format_issues(report.issues))
        return self


class Usage(BaseModel):
    """Token usage added up over every call made for one brief."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0

    def add(self, other: Usage) -> Usage:
        """Return the sum of two usages."""
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )


class EvidenceLocation(BaseModel):
    """Where one evidence quote was found in the article: character offsets, one span per part."""

    path: str = Field(
        description='Where the quote sits in the brief, e.g. "key_facts[0].evidence[1]".'
    )
    quote: str = Field(
        description="The article's own text at `spans`, parts joined by ' … ': what the brief "
        "shows as evidence."
    )
    spans: list[tuple[int, int]] = Field(
        description="[start, end) character offsets into the article text; one per '…' part."
    )
    given: str | None = Field(
        default=None,
        description="The quote as the model wrote it, when that differs from the article's text.",
    )


class DroppedItem(BaseModel):
    """An item removed from a brief because it failed grounding (only with strict=False)."""

    path: str
    reason: str
    item: dict[str, Any]


class CorrectedItem(BaseModel):
    """A field the code corrected instead of dropping the item (only with strict=False)."""

    path: str = Field(description='The corrected field, e.g. "key_facts[2].status".')
    before: Any
    after: Any
    reason: str = Field(description="What the article says, as the re-ask put it.")


class SourceMeta(BaseModel):
    """Where the article came from, as far as the caller or the extractor knows."""

    url: str | None = None
    path: str | None = None
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None
    content_sha256: str | None = None


class BriefMeta(BaseModel):
    """What the code records about how a brief was made. The model never fills this."""

    engine: Engine = "llm"
    model: str | None = None
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = Field(
        default=None, description="Estimated cost in US dollars; null when the price is unknown."
    )
    attempts: int = Field(default=0, description="Model calls made, re-asks and retries included.")
    chunks: int = Field(default=1, description="Parts the article was split into.")
    evidence: list[EvidenceLocation] = Field(default_factory=list)
    dropped: list[DroppedItem] = Field(default_factory=list)
    corrected: list[CorrectedItem] = Field(default_factory=list)
    language: str | None = None
    source: SourceMeta | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    duration_s: float | None = None
    warnings: list[str] = Field(default_factory=list)


class Brief(BriefReply):
    """A grounded brief: the model's reply plus code-filled `meta`."""

    model_config = ConfigDict(title="Brief")

    meta: BriefMeta

    def to_json(self, *, indent: int | None = 2) -> str:
        """Render the brief as JSON (the stable, versioned form; no bidi control characters)."""
        from summarizer.brief.render import strip_bidi

        return strip_bidi(self.model_dump_json(indent=indent))

    def to_markdown(self) -> str:
        """Render the brief as Markdown."""
        from summarizer.brief.render import brief_markdown

        return brief_markdown(self)

    def to_html(self) -> str:
        """Render the brief as one self-contained HTML page."""
        from summarizer.brief.render import brief_html

        return brief_html(self)


class CallRecord(BaseModel):
    """One HTTP call to a model endpoint, as reported to `on_call` observers (and the store)."""

    model: str
    attempt: int = Field(
        description="1 for the first call of a brief, counting re-asks and retries."
    )
    outcome: str = Field(
        description='"ok"; "repaired" (failing items replaced by a later repair call); "invalid" '
        '(reply failed validation and was thrown away, re-asked); "refusal", "length", '
        '"too_large", "rate_limited", "server_error", "timeout", "connection", "client_error", '
        '"no_answer"; "sent" (in flight), "interrupted" (its process stopped), "not_submitted" '
        "(a Batch API part that could not be submitted)"
    )
    status_code: int | None = None
    latency_s: float
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    chunk: int = 0
    error: str | None = None


# --- Digest models (digest schema v3) -------------------------------------------------------

# v2: stories carry continuity (change, since_last, first_seen, last_updated), categories, and
# sources their outlet and domain; the digest has a capped front page and an "In brief" list.
# Later additions are optional fields, so a v2 reader still reads the digest: a story's
# synthesis, and a source's `wire` and `also_carried_by` (syndicated copies folded into it).
# v3: "In brief" lists `InBrief` items (a story in one line: id, title, summary, change, counts,
# outlets, newest date, link), no longer full stories, so a digest's memory does not hold every
# story of a large batch at once (issue 15). The front page's stories are unchanged.
DIGEST_SCHEMA_VERSION = "3"


class OutletRef(BaseModel):
    """Another outlet that carried the same text as a source (a syndicated copy)."""

    article_id: str = Field(description="The copy's content hash (sha256, first 16 hex).")
    outlet: str | None = None
    domain: str | None = None
    url: str | None = None
    published: str | None = None
    title: str | None = Field(default=None, description="The copy's own headline.")


def _outlet_key(ref: SourceRef | OutletRef) -> str:
    """How an outlet is told apart: its name, else its domain, else the article, lower-cased."""
    return (ref.outlet or ref.domain or ref.article_id).lower()


class SourceRef(BaseModel):
    """One article of a story, as the digest cites it."""

    article_id: str = Field(description="The article's content hash (sha256, first 16 hex).")
    title: str
    url: str | None = None
    path: str | None = None
    site: str | None = None
    published: str | None = None
    outlet: str | None = Field(
        default=None,
        description="Who published it: the feed's title, the page's og:site_name, else its domain.",
    )
    domain: str | None = Field(default=None, description="The page's host, without 'www.'.")
    categories: list[str] = Field(
        default_factory=list, description="The feed entry's categories, when it has any."
    )
    wire: str | None = Field(
        default=None,
        description="The news agency the text credits ('AP', 'Reuters'), for syndicated text.",
    )
    also_carried_by: list[OutletRef] = Field(
        default_factory=list,
        description="Other outlets that published the same text with small edits (another "
        "headline, dateline or last paragraph): one source, many outlets.",
    )

    def outlet_keys(self) -> list[str]:
        """Who carried this text, as the front page counts outlets: outlet, else domain, else
        the article, lower-cased; this source first, then its copies."""
        refs: list[SourceRef | OutletRef] = [self, *self.also_carried_by]
        return [_outlet_key(r) for r in refs]

    def carried_with(self, others: Iterable[SourceRef | OutletRef]) -> list[OutletRef]:
        """`also_carried_by` with `others` added in order, one per outlet: an outlet this
        source or an earlier one already names is not added again."""
        keys = set(self.outlet_keys())
        carried = list(self.also_carried_by)
        for r in others:
            key = _outlet_key(r)
            if key in keys:
                continue
            keys.add(key)
            carried.append(
                OutletRef(
                    article_id=r.article_id,
                    outlet=r.outlet,
                    domain=r.domain,
                    url=r.url,
                    published=r.published,
                    title=r.title,
                )
            )
        return carried

    def carried_line(self, shown: int = 3) -> str | None:
        """Who carried this text: 'AP via 12 outlets: A, B, C and 9 more' when the agency is
        known, else 'carried by 12 outlets: A, B, C and 9 more' (None without copies)."""
        if not self.also_carried_by:
            return None
        refs: list[SourceRef | OutletRef] = [self, *self.also_carried_by]
        names = list(dict.fromkeys(n for r in refs if (n := r.outlet or r.domain)))
        count = len(set(self.outlet_keys()))
        outlets = f"{count} outlet{'s' if count != 1 else ''}"
        head = f"{self.wire} via {outlets}" if self.wire else f"carried by {outlets}"
        if not names:
            return head
        listed = ", ".join(names[:shown])
        if len(names) > shown:
            listed += f" and {len(names) - shown} more"
        return f"{head}: {listed}"

    @property
    def label(self) -> str:
        """How the digest names the source: outlet (domain), date; never a local path when a
        better name is known."""
        name = self.outlet or self.domain
        if name and self.domain and self.domain.lower() not in name.lower():
            name = f"{name} ({self.domain})"
        name = name or self.title or self.path or self.article_id
        day = (self.published or "")[:10]
        return f"{name}, {day}" if day else name


class StoryChanges(BaseModel):
    """What is new in a story since the last digest that showed it."""

    new_facts: list[str] = Field(default_factory=list, description="Statements of new facts.")
    new_sources: list[str] = Field(
        default_factory=list, description="article_ids of the sources that joined the story."
    )
    new_disagreements: list[str] = Field(
        default_factory=list, description="What the new disagreements are about."
    )


class StoryFact(BaseModel):
    """A fact and every source that supports it (facts worded alike are merged)."""

    statement: str
    status: Status
    sources: list[str] = Field(description="article_ids of the sources that state it")
    evidence: list[str] = Field(description="One verbatim quote per supporting source")
    attributions: list[str] = Field(default_factory=list)


class StoryPosition(BaseModel):
    """What one party says across sources."""

    party: str
    stances: list[str]
    sources: list[str]
    evidence: list[str]


class Disagreement(BaseModel):
    """A claim the sources do not agree on, and why the digest thinks so."""

    about: str = Field(description="What the sources disagree about.")
    claims: list[str] = Field(description="The conflicting statements, one per source.")
    sources: list[str]
    reason: str = Field(description="How the disagreement was detected (explainable rule).")


# --- Story synthesis (issue 13b): one account of a story across its sources -----------------
# Sources are cited by number: [1] is the story's first source (`Story.sources[0]`). Every
# citation carries a quote that is checked, in code, to be verbatim in the source it names.

# The sources a `SynthesisReply` is validated against (their texts, in the story's order),
# bound per request by `summarizer.digests.synthesis.grounding_sources`.
SYNTHESIS_SOURCES: ContextVar[Any] = ContextVar("SYNTHESIS_SOURCES", default=None)


class Citation(BaseModel):
    """One source a statement rests on, and the words of that source that carry it."""

    model_config = _REPLY_CONFIG

    source: int = Field(ge=1, description="The source's number, as given in the prompt ([1] = 1).")
    quote: str = Field(description="Words copied verbatim from that source that support it.")


class SynthesisSentence(BaseModel):
    """One sentence of the story's summary, with the sources it rests on."""

    model_config = _REPLY_CONFIG

    text: str = Field(description="One sentence, in the digest's own neutral words.")
    citations: list[Citation] = Field(min_length=1)


class Perspective(BaseModel):
    """How one outlet or party sees the story, in its own words."""

    model_config = _REPLY_CONFIG

    who: str = Field(description="The outlet or party (a person, organisation, government).")
    kind: Literal["outlet", "party"] = "party"
    view: str = Field(description="Their view, in one sentence.")
    citation: Citation = Field(description="A verbatim quote that shows the view, and its source.")


class TimelineEvent(BaseModel):
    """A dated event of the story."""

    model_config = _REPLY_CONFIG

    date: str = Field(description="When: YYYY-MM-DD (or YYYY-MM when only the month is known).")
    event: str = Field(description="What happened, in one sentence.")
    citations: list[Citation] = Field(min_length=1)
    said_as: str | None = Field(
        default=None,
        description='How the source dates it when it is relative ("on Monday", "yesterday").',
    )


class WatchItem(BaseModel):
    """Something still to come or still unknown: what a reader should watch for next."""

    model_config = _REPLY_CONFIG

    text: str
    citations: list[Citation] = Field(default_factory=list)


class SynthesisSide(BaseModel):
    """One side of a disagreement: what one source says."""

    model_config = _REPLY_CONFIG

    claim: str
    citation: Citation


class SynthesisDisagreement(BaseModel):
    """Something the sources do not agree on."""

    model_config = _REPLY_CONFIG

    about: str
    sides: list[SynthesisSide] = Field(min_length=2)


class SynthesisReply(BaseModel):
    """What a model returns for one multi-source story (prompt synthesis-v1)."""

    model_config = ConfigDict(title="SynthesisReply", json_schema_extra=_no_field_titles)

    headline: str = Field(description="A short, neutral headline for the whole story.")
    summary: list[SynthesisSentence] = Field(
        min_length=1, description="2 to 5 sentences across all sources, each citing its sources."
    )
    perspectives: list[Perspective] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    watch: list[WatchItem] = Field(default_factory=list)
    disagreements: list[SynthesisDisagreement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> SynthesisReply:
        # Checked only when the sources are bound (see `grounding_sources`): every citation's
        # quote must be in the source it names, else the reply is re-asked with the reasons.
        ctx = info.context if isinstance(info.context, dict) else None
        sources = ctx.get("sources") if ctx else SYNTHESIS_SOURCES.get()
        if sources is not None:
            from summarizer.digests.synthesis import check_synthesis

            problems = check_synthesis(self, sources)
            if problems:
                raise ValueError("; ".join(problems))
        return self


class StorySynthesis(SynthesisReply):
    """A story's synthesis as the digest shows it: the sections plus how they were made."""

    model_config = ConfigDict(title="StorySynthesis")

    engine: Engine = "offline"
    model: str | None = None
    prompt_version: str | None = None
    dropped: list[str] = Field(
        default_factory=list,
        description="What was left out because its quote did not check against its source.",
    )


class Story(BaseModel):
    """Articles about the same event, merged."""

    id: str
    title: str
    summary: str
    importance: float
    sources: list[SourceRef]
    why_grouped: list[str] = Field(description="The evidence that the articles are one story.")
    parties: list[str]
    facts: list[StoryFact]
    positions: list[StoryPosition]
    open_questions: list[str]
    disagreements: list[Disagreement]
    synthesis: StorySynthesis | None = Field(
        default=None, description="One account across the sources, each statement cited [1], [2]."
    )
    change: Literal["new", "updated", "unchanged"] = Field(
        default="new", description="Since the last digest over the same store."
    )
    since_last: StoryChanges | None = Field(
        default=None, description="What is new since the last digest (updated stories only)."
    )
    first_seen: datetime | None = Field(
        default=None, description="When a digest first showed the story."
    )
    last_updated: datetime | None = Field(
        default=None, description="When a digest last found something new in the story."
    )
    categories: list[str] = Field(default_factory=list)

    def outlet_count(self) -> int:
        """Distinct outlets that carried the story, syndicated copies included (a source with
        no outlet or domain counts once)."""
        return len({k for s in self.sources for k in s.outlet_keys()})


class InBrief(BaseModel):
    """A story past the front page's cap, in one line (digest schema v3): what "In brief" shows
    of it and what the front page ranks it by. The story in full is not kept: its members are
    in the store's stories table under its `id`."""

    id: str = Field(description="The story's id, kept from digest to digest like `Story.id`.")
    title: str
    summary: str
    change: Literal["new", "updated", "unchanged"] = Field(
        default="new", description="Since the last digest over the same store."
    )
    first_seen: datetime | None = None
    last_updated: datetime | None = None
    source_count: int = Field(description="Sources in the story (syndicated copies folded).")
    outlet_count: int = Field(
        description="Distinct outlets that carried it, copies included (`Story.outlet_count`)."
    )
    outlets: list[str] = Field(
        default_factory=list,
        description="The first outlets (else domains) that carried it, at most five.",
    )
    more_outlets: int = Field(default=0, description="Named outlets not listed in `outlets`.")
    newest: datetime | None = Field(
        default=None, description="The newest source's date (None when no source is dated)."
    )
    url: str | None = Field(default=None, description="The first http(s) link among its sources.")
    categories: list[str] = Field(default_factory=list)


class FailedSource(BaseModel):
    """A source that produced no brief, and why."""

    source: str
    reason: str
    status: Literal["failed", "skipped"] = "failed"


class Digest(BaseModel):
    """Many briefs grouped into stories (digest schema v3)."""

    model_config = ConfigDict(title="Digest")

    schema_version: str = DIGEST_SCHEMA_VERSION
    run_id: int | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    engine: str
    model: str | None = None
    prompt_version: str
    stories: list[Story] = Field(
        description="The front page: ranked by distinct outlets, then recency, capped."
    )
    in_brief: list[InBrief] = Field(
        default_factory=list, description="Stories past the front page's cap, one line each."
    )
    unchanged: Literal["fold", "omit", "show"] = Field(
        default="fold",
        description="How unchanged stories are shown: one line (fold), left out, or in full.",
    )
    failed: list[FailedSource] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    totals: dict[str, float] = Field(
        default_factory=dict,
        description="articles, briefed, cached, failed, skipped, calls, tokens, cost_usd",
    )
