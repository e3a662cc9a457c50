"""Comparing two eval reports metric by metric."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field

from summarizer.evaluation.runs import RATIOS, SECTIONS, EvalReport, Overall
from summarizer.evaluation.scoring import Ratio, Scores


class CompareRow(BaseModel):
    """One metric in two runs."""

    article: str = Field(
        description='"overall", "overall:real", "overall:authored" or an article id.'
    )
    metric: str
    a: float | None
    b: float | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> float | None:
        """b - a (None when either is undefined)."""
        return None if self.a is None or self.b is None else self.b - self.a


class Comparison(BaseModel):
    """The differences between two eval runs on (ideally) the same set."""

    a: str
    b: str
    rows: list[CompareRow]
    notes: list[str] = Field(default_factory=list)


def metric_values(scores: Scores | Overall) -> dict[str, float | None]:
    """The headline metrics of a brief or of a whole run, by name."""
    out: dict[str, float | None] = {}
    for name in SECTIONS:
        c = scores.counts[name] if isinstance(scores, Overall) else getattr(scores, name)
        out[f"{name}.precision"] = c.precision
        out[f"{name}.recall"] = c.recall
    for name in RATIOS:
        # Reports written before a ratio existed lack it: undefined, not an error.
        r = (
            scores.ratios.get(name, Ratio())
            if isinstance(scores, Overall)
            else getattr(scores, name)
        )
        out[name] = r.value
    out["article_attribution"] = scores.article_attribution.value
    return out


def _describe(r: EvalReport) -> str:
    return f"{r.engine} {r.model or ''} {r.prompt_version} {r.created_at:%Y-%m-%d %H:%M}".strip()


def compare(a: EvalReport, b: EvalReport) -> Comparison:
    """Every headline metric overall and per article (articles in both runs), a against b."""
    notes = []
    if a.dataset != b.dataset:
        notes.append(f"different datasets: {a.dataset} vs {b.dataset}")
    ids_a = {r.id for r in a.articles}
    ids_b = {r.id for r in b.articles}
    if ids_a != ids_b:
        notes.append(
            "articles in one run only: " + ", ".join(sorted(ids_a ^ ids_b)) + " (not compared)"
        )
    rows: list[CompareRow] = []
    va, vb = metric_values(a.overall), metric_values(b.overall)
    rows += [CompareRow(article="overall", metric=m, a=va[m], b=vb[m]) for m in va]
    per_call = {
        "tokens/article": lambda r: (
            (r.overall.prompt_tokens + r.overall.completion_tokens) / max(r.overall.articles, 1)
        ),
        "calls/article": lambda r: r.overall.calls / max(r.overall.articles, 1),
        "wall_s/article": lambda r: r.overall.wall_s / max(r.overall.articles, 1),
        "cost_usd": lambda r: r.overall.cost_usd,
    }
    rows += [CompareRow(article="overall", metric=m, a=f(a), b=f(b)) for m, f in per_call.items()]
    for name in [g for g in a.groups if g in b.groups]:
        # The real and the authored articles apart ("overall:real", "overall:authored").
        ga, gb = metric_values(a.groups[name]), metric_values(b.groups[name])
        rows += [CompareRow(article=f"overall:{name}", metric=m, a=ga[m], b=gb[m]) for m in ga]
    by_b = {r.id: r for r in b.articles}
    for ra in a.articles:
        rb = by_b.get(ra.id)
        if rb is None:
            continue
        if ra.scores is None or rb.scores is None:
            notes.append(f"{ra.id}: failed in {'a' if ra.scores is None else 'b'}")
            continue
        sa, sb = metric_values(ra.scores), metric_values(rb.scores)
        rows += [CompareRow(article=ra.id, metric=m, a=sa[m], b=sb[m]) for m in sa]
    return Comparison(a=_describe(a), b=_describe(b), rows=rows, notes=notes)
