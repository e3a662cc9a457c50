"""Scoring one brief against its gold brief."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field, computed_field

from summarizer.brief.grounding import ArticleIndex, check_reply, normalize
from summarizer.brief.models import BriefReply, EvidenceLocation, Party, Position
from summarizer.evaluation.matching import (
    QUESTION_JACCARD,
    _resolve,
    fact_score,
    greedy_match,
    jaccard,
    parties_match,
    party_score,
    position_content_score,
)


class Counts(BaseModel):
    """Matched, gold and predicted items of one kind, and the derived scores."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float | None:
        """matched / predicted."""
        return self.matched / self.predicted if self.predicted else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float | None:
        """matched / gold."""
        return self.matched / self.gold if self.gold else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def add(self, other: Counts) -> Counts:
        """Sum two counts (micro-averaging)."""
        return Counts(
            gold=self.gold + other.gold,
            predicted=self.predicted + other.predicted,
            matched=self.matched + other.matched,
        )

    def scores(self) -> dict[str, float | None]:
        """Precision, recall and F1, for JSON."""
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


class Ratio(BaseModel):
    """A share: `hits` of `total` (None when there is nothing to count)."""

    hits: int = 0
    total: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value(self) -> float | None:
        """hits / total."""
        return self.hits / self.total if self.total else None

    def add(self, other: Ratio) -> Ratio:
        """Sum two ratios."""
        return Ratio(hits=self.hits + other.hits, total=self.total + other.total)


class Agreement(BaseModel):
    """Whether the article gives a brief's positions to the party the brief names.

    For each position, its evidence is located in the article and `brief.attribution` says who
    the article has asserting it: *agree* when some quote is given to the position's party (or
    to a party speaking for it, or for whom it speaks: a coach for a team, by role or by the
    article's words for the speaker),
    *disagree* when none is and some quote is given to another listed party, *unknown* when
    the article names no listed party for any quote (narrator, unnamed or unlisted speaker).
    """

    agree: int = 0
    disagree: int = 0
    unknown: int = 0
    disagreements: list[str] = Field(
        default_factory=list, description='"<brief party> -> <article party>: <quote>"'
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value(self) -> float | None:
        """agree / (agree + disagree): of the positions the article decides, the share agreed."""
        decided = self.agree + self.disagree
        return self.agree / decided if decided else None

    def add(self, other: Agreement) -> Agreement:
        """Sum two agreements (the examples are kept per article only)."""
        return Agreement(
            agree=self.agree + other.agree,
            disagree=self.disagree + other.disagree,
            unknown=self.unknown + other.unknown,
        )


def _named_in(party: Party, text: str | None) -> bool:
    """Whether a name or alias of `party` occurs in `text` as whole words."""
    t = normalize(text or "")
    names = (normalize(n).strip("\"' .,;:") for n in [party.name, *party.aliases])
    return any(n and re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", t) for n in names)


def _speaks_for(speaker: Party, party: Party, words: str | None) -> bool:
    """Whether one of two parties speaks for the other: a role, or the article's words for the
    speaker, naming the other ("Panama coach" for Panama; the guard's rule too)."""
    return (
        _named_in(party, speaker.role) or _named_in(speaker, party.role) or _named_in(party, words)
    )


def article_checks(
    brief: BriefReply, article: str, evidence: Sequence[EvidenceLocation]
) -> tuple[Agreement, Ratio, list[str]]:
    """What the article itself says about a brief's positions and confirmed facts.

    Returns the attribution agreement of its positions (see `Agreement`) and, of its facts
    called ``confirmed``, those whose evidence sentence carries a hedge or source cue
    ("reportedly", "according to", "it is believed"): `Ratio(hits=hedged, total=confirmed)`,
    with the hedged facts' statements. `evidence` is where the grounding check found each
    quote (`GroundingReport.evidence`); a quote it did not find is not looked at.
    """
    from summarizer.brief.attribution import Attributor

    spans: dict[str, list[tuple[int, int]]] = {}
    for loc in evidence:
        if loc.spans:
            spans[loc.path] = loc.spans
    attributor = Attributor(article, brief.parties)
    agreement = Agreement()
    for i, pos in enumerate(brief.positions):
        own = _resolve(pos.party, brief.parties)
        others: list[tuple[str, str]] = []
        agreed = False
        for j, quote in enumerate(pos.evidence):
            found = spans.get(f"positions[{i}].evidence[{j}]")
            if not found:
                continue
            att = attributor.attribute(found[0][0], found[-1][1])
            if att.party is None:
                continue
            speaker = _resolve(att.party, brief.parties)
            if parties_match(own, speaker) or _speaks_for(speaker, own, att.speaker):
                agreed = True
                break
            others.append((att.party, quote))
        if agreed:
            agreement.agree += 1
        elif others:
            agreement.disagree += 1
            who, quote = others[0]
            agreement.disagreements.append(f"{pos.party} -> {who}: {quote[:80]}")
        else:
            agreement.unknown += 1
    hedged: list[str] = []
    confirmed = 0
    for i, fact in enumerate(brief.key_facts):
        if fact.status != "confirmed":
            continue
        confirmed += 1
        for j in range(len(fact.evidence)):
            found = spans.get(f"key_facts[{i}].evidence[{j}]")
            if found and attributor.attribute(found[0][0], found[-1][1]).hedged:
                hedged.append(fact.statement)
                break
    return agreement, Ratio(hits=len(hedged), total=confirmed), hedged


class Scores(BaseModel):
    """How one predicted brief compares with its gold brief."""

    parties: Counts
    key_facts: Counts
    positions: Counts
    open_questions: Counts
    grounding: Ratio = Field(description="Facts and positions whose evidence the checker finds.")
    attribution: Ratio = Field(description="Content-matched positions with the right party.")
    status: Ratio = Field(description="Matched facts with the gold status.")
    article_attribution: Agreement = Field(
        default_factory=Agreement,
        description="Positions whose party the article itself gives the evidence to (no gold).",
    )
    confirmed_hedged: Ratio = Field(
        default_factory=Ratio,
        description="Facts called confirmed whose evidence sentence carries a hedge (no gold).",
    )
    hedged_facts: list[str] = Field(
        default_factory=list, description="Statements of the confirmed facts found hedged."
    )
    missed: dict[str, list[str]] = Field(default_factory=dict, description="Gold items unmatched.")
    extra: dict[str, list[str]] = Field(
        default_factory=dict, description="Predicted items unmatched."
    )


def score_brief(
    gold: BriefReply, pred: BriefReply, article: str | ArticleIndex, *, dropped: int = 0
) -> Scores:
    """Compare a predicted brief with the gold brief of the same article.

    `dropped` is the number of facts and positions the engine removed as ungrounded
    (`meta.dropped`): they count against grounding as items whose evidence was not found.
    """
    index = article if isinstance(article, ArticleIndex) else ArticleIndex(article)

    party_pairs = greedy_match(gold.parties, pred.parties, party_score)
    fact_pairs = greedy_match(gold.key_facts, pred.key_facts, fact_score(index))
    pos_pairs = greedy_match(gold.positions, pred.positions, position_content_score(index))
    q_pairs = greedy_match(
        gold.open_questions,
        pred.open_questions,
        lambda g, p: (
            s
            if (s := jaccard(f"{g.question} {g.why_open}", f"{p.question} {p.why_open}"))
            >= QUESTION_JACCARD
            else 0.0
        ),
    )

    right_party = [
        (gi, pi)
        for gi, pi in pos_pairs
        if parties_match(
            _resolve(gold.positions[gi].party, gold.parties),
            _resolve(pred.positions[pi].party, pred.parties),
        )
    ]
    status_hits = sum(
        1 for gi, pi in fact_pairs if gold.key_facts[gi].status == pred.key_facts[pi].status
    )

    report = check_reply(pred, index)
    bad_items = {
        m.group(0)
        for issue in report.issues
        if (m := re.match(r"(key_facts|positions)\[\d+\]", issue.path))
        and issue.kind.startswith("quote")
    }
    items = len(pred.key_facts) + len(pred.positions)
    agreement, hedged, hedged_facts = article_checks(pred, index.text, report.evidence)

    def unmatched(items: Sequence[Any], used: set[int], show: Callable[[Any], str]) -> list[str]:
        return [show(x) for i, x in enumerate(items) if i not in used]

    def label_pos(p: Position) -> str:
        return f"{p.party}: {p.stance}"

    right = set(right_party)
    return Scores(
        parties=Counts(
            gold=len(gold.parties), predicted=len(pred.parties), matched=len(party_pairs)
        ),
        key_facts=Counts(
            gold=len(gold.key_facts), predicted=len(pred.key_facts), matched=len(fact_pairs)
        ),
        positions=Counts(
            gold=len(gold.positions), predicted=len(pred.positions), matched=len(right_party)
        ),
        open_questions=Counts(
            gold=len(gold.open_questions),
            predicted=len(pred.open_questions),
            matched=len(q_pairs),
        ),
        grounding=Ratio(hits=items - len(bad_items), total=items + dropped),
        attribution=Ratio(hits=len(right_party), total=len(pos_pairs)),
        status=Ratio(hits=status_hits, total=len(fact_pairs)),
        article_attribution=agreement,
        confirmed_hedged=hedged,
        missed={
            "parties": unmatched(gold.parties, {g for g, _ in party_pairs}, lambda p: p.name),
            "key_facts": unmatched(
                gold.key_facts, {g for g, _ in fact_pairs}, lambda f: f.statement
            ),
            "positions": unmatched(gold.positions, {g for g, _ in right}, label_pos),
            "open_questions": unmatched(
                gold.open_questions, {g for g, _ in q_pairs}, lambda q: q.question
            ),
        },
        extra={
            "parties": unmatched(pred.parties, {p for _, p in party_pairs}, lambda p: p.name),
            "key_facts": unmatched(
                pred.key_facts, {p for _, p in fact_pairs}, lambda f: f.statement
            ),
            "positions": unmatched(pred.positions, {p for _, p in right}, label_pos),
            "open_questions": unmatched(
                pred.open_questions, {p for _, p in q_pairs}, lambda q: q.question
            ),
        },
        hedged_facts=hedged_facts,
    )
