"""The quote guard on quote corpora: how many faithful quotes it rejects, how many bad it takes.

A corpus folder (e.g. `eval/quotes/`) holds JSONL files, one (source, quote) pair a line:

- `real*.jsonl`: quotes real models gave as the source's words, with a window of their source
  (`source` inline) and where each pair comes from (`origin`, `model`);
- `news_variants.jsonl`: authored variants of quotes from real articles, the article named by
  file (`article`, looked up in the articles folder: `../shared/external/wikinews` beside the
  repository unless given), with the `equivalence` each one exercises.

Every pair has a hand label: `faithful` (the source's words up to presentation), `debatable`
or `unfaithful`. Each pair goes through `check_quote`, exactly as evidence in a brief does; a
pair is *accepted* when it returns no problem. Counted, by file and by group (the model for real
quotes, the equivalence for variants): faithful rejected, debatable rejected, unfaithful
accepted. See eval/quotes/README.md for the sources and the labelling rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from summarizer.brief.grounding import ArticleIndex, check_quote

LABELS = ("faithful", "debatable", "unfaithful")
# The goals of issue 10: at most 1 % of faithful real-model quotes rejected, at most 1 in 15
# faithful variants of news quotes rejected, no unfaithful pair accepted.
GOAL_REAL_FAITHFUL_REJECTED = 0.01
GOAL_VARIANT_FAITHFUL_REJECTED = 1 / 15

_REPO = Path(__file__).resolve().parents[2]
DEFAULT_ARTICLES = _REPO.parent / "shared" / "external" / "wikinews"


class QuotePair(BaseModel):
    """One (source, quote) pair with its hand label."""

    id: str
    file: str
    group: str
    label: str
    quote: str
    source: str
    why: str = ""


class QuoteResult(BaseModel):
    """One pair after the guard: accepted or the problem it reported."""

    id: str
    file: str
    group: str
    label: str
    quote: str
    problem: str | None

    @property
    def accepted(self) -> bool:
        """True when the guard found nothing wrong with the quote."""
        return self.problem is None


class Tally(BaseModel):
    """Pairs by label, and how many the guard got wrong."""

    faithful: int = 0
    faithful_rejected: int = 0
    debatable: int = 0
    debatable_rejected: int = 0
    unfaithful: int = 0
    unfaithful_accepted: int = 0

    def add(self, r: QuoteResult) -> None:
        """Count one result."""
        if r.label == "faithful":
            self.faithful += 1
            self.faithful_rejected += not r.accepted
        elif r.label == "debatable":
            self.debatable += 1
            self.debatable_rejected += not r.accepted
        else:
            self.unfaithful += 1
            self.unfaithful_accepted += r.accepted

    @computed_field  # type: ignore[prop-decorator]
    @property
    def faithful_rejected_rate(self) -> float | None:
        """Share of faithful pairs rejected (None when there are none)."""
        return self.faithful_rejected / self.faithful if self.faithful else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def with_debatable_rejected_rate(self) -> float | None:
        """Share of faithful and debatable pairs rejected."""
        n = self.faithful + self.debatable
        return (self.faithful_rejected + self.debatable_rejected) / n if n else None


class QuoteReport(BaseModel):
    """The guard on a quote corpus: totals by file and by group, and every mistake."""

    corpus: str
    by_file: dict[str, Tally] = Field(default_factory=dict)
    by_group: dict[str, dict[str, Tally]] = Field(default_factory=dict)
    mistakes: list[QuoteResult] = Field(default_factory=list)
    results: list[QuoteResult] = Field(default_factory=list)

    def real(self) -> Tally:
        """All real model quotes together (every `real*.jsonl` file)."""
        total = Tally()
        for name, t in self.by_file.items():
            if name.startswith("real"):
                for field_name in Tally.model_fields:
                    setattr(total, field_name, getattr(total, field_name) + getattr(t, field_name))
        return total

    def goals_met(self) -> dict[str, bool]:
        """Each goal of issue 10 that this corpus measures, and whether it is met."""
        goals: dict[str, bool] = {}
        real = self.real()
        if real.faithful:
            rate = real.faithful_rejected_rate or 0.0
            goals["real: faithful rejected <= 1%"] = rate <= GOAL_REAL_FAITHFUL_REJECTED
        news = self.by_file.get("news_variants.jsonl")
        if news is not None and news.faithful:
            rate = news.faithful_rejected_rate or 0.0
            goals["news variants: faithful rejected <= 1 in 15"] = (
                rate <= GOAL_VARIANT_FAITHFUL_REJECTED
            )
        goals["no unfaithful pair accepted"] = all(
            t.unfaithful_accepted == 0 for t in self.by_file.values()
        )
        return goals


def load_corpus(folder: Path, articles: Path | None = None) -> list[QuotePair]:
    """Every pair of every `*.jsonl` file in `folder`.

    A line with `source` carries its text; one with `article` names a file in `articles`
    (default: the Wikinews articles in `../shared/external/`). Raises FileNotFoundError when such
    an article is missing, ValueError on a label other than faithful, debatable, unfaithful.
    """
    articles = articles or DEFAULT_ARTICLES
    texts: dict[str, str] = {}
    pairs: list[QuotePair] = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["label"] not in LABELS:
                raise ValueError(f"{path}:{n}: label {row['label']!r} is not one of {LABELS}")
            if "source" in row:
                source = row["source"]
            else:
                name = row["article"]
                if name not in texts:
                    texts[name] = (articles / name).read_text(encoding="utf-8")
                source = texts[name]
            pairs.append(
                QuotePair(
                    id=row["id"],
                    file=path.name,
                    group=row.get("model") or row.get("equivalence") or "-",
                    label=row["label"],
                    quote=row["quote"],
                    source=source,
                    why=row.get("why", ""),
                )
            )
    return pairs


Checker = Callable[[ArticleIndex, str], "tuple[str | None, object]"]


def run_quotes(
    pairs: list[QuotePair], *, corpus: str = "", check: Checker | None = None
) -> QuoteReport:
    """Run the guard (`check_quote` unless `check` is given) over every pair and count."""
    checker = check or check_quote
    report = QuoteReport(corpus=corpus)
    for p in pairs:
        problem = checker(ArticleIndex.of(p.source), p.quote)[0]
        r = QuoteResult(
            id=p.id, file=p.file, group=p.group, label=p.label, quote=p.quote, problem=problem
        )
        report.results.append(r)
        report.by_file.setdefault(p.file, Tally()).add(r)
        report.by_group.setdefault(p.file, {}).setdefault(p.group, Tally()).add(r)
        wrong = (r.label == "unfaithful") == r.accepted
        if wrong and r.label != "debatable":
            report.mistakes.append(r)
    return report


def quote_corpus(folder: Path, articles: Path | None = None) -> QuoteReport:
    """Load the corpus in `folder` and run the guard over it."""
    return run_quotes(load_corpus(folder, articles), corpus=str(folder))
