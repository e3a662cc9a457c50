"""Scoring one brief against its gold brief."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field, computed_field

from summarizer.brief.grounding import ArticleIndex, check_reply
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
from summarizer.models import BriefReply, Position


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


class Scores(BaseModel):
    """How one predicted brief compares with its gold brief."""

    parties: Counts
    key_facts: Counts
    positions: Counts
    open_questions: Counts
    grounding: Ratio = Field(description="Facts and positions whose evidence the checker finds.")
    attribution: Ratio = Field(description="Content-matched positions with the right party.")
    status: Ratio = Field(description="Matched facts with the gold status.")
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
    )
