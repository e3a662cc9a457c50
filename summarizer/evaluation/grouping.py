"""Measure story grouping against hand-labelled events (`summarizer eval --grouping`).

A grouping set is a folder with `set.json`::

    {"articles": [{"id", "path", "title", "date", "outlet", "licence", "source",
                   "event", "storyline" (or null), "split": "dev" | "heldout" | "fresh"}, ...]}

`path` is relative to the folder. Every article is briefed with the offline engine and the
briefs are grouped by the digest's own function (`summarizer.digests.stories.group`), over the
whole chosen split at once, as a digest would see them; each entry carries the article's date
(`Entry.when`), as a digest's entries do.

Pairwise scores: over all pairs of articles, a pair is *predicted* when the grouping puts both
in one story and *gold* when both have the same `event`. Precision = predicted and gold /
predicted, recall = predicted and gold / gold, F1 their harmonic mean (None when a denominator
is 0). A pair of different events that share a `storyline` (different events of one running
story, such as a company's bankruptcy and its dealership closures two weeks later) is left out
of both counts: a digest may join them or keep them apart. Every wrongly joined pair is listed
with the two titles, so a false merge can be read, not just counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from summarizer.errors import InputError

if TYPE_CHECKING:
    from summarizer.digests.stories import Entry

Split = Literal["dev", "heldout", "fresh", "all"]
GOALS = {"precision": 0.95, "recall": 0.8}


class GroupingArticle(BaseModel):
    """One article of the set, with where it comes from and its hand-given event label."""

    id: str
    path: str
    title: str
    date: str | None = None
    outlet: str
    licence: str
    source: str
    via: str | None = None
    event: str
    storyline: str | None = None
    # "fresh": a set built after the grouping's rules were set, measured once, never tuned on.
    split: Literal["dev", "heldout", "fresh"]
    sha256: str | None = Field(
        None, description="of the text measured, for a set whose texts are rebuilt, not kept"
    )


class GroupingSet(BaseModel):
    rebuild: str | None = Field(
        None, description="how to rebuild texts that are not kept with the set (licence)"
    )
    brief_as: Literal["article", "feed-entry"] = Field(
        "article",
        description="'feed-entry': each text is a feed entry's own text, briefed as the digest "
        "briefs it with --no-fetch (read as a page with no title or date; `title` and `date` "
        "go to the digest's citation and grouping only)",
    )
    articles: list[GroupingArticle]


class PairCounts(BaseModel):
    """Pair counts and the scores made of them."""

    true_positive: int = 0
    predicted: int = 0
    gold: int = 0
    ignored: int = Field(0, description="pairs of one storyline, different events: not counted")

    @property
    def precision(self) -> float | None:
        return self.true_positive / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positive / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)


def pair_counts(
    predicted: Sequence[Iterable[str]],
    gold: dict[str, str],
    storyline: dict[str, str | None] | None = None,
) -> PairCounts:
    """Pairwise counts of a clustering against gold event labels.

    `predicted` is a list of clusters of article ids (together a partition of the ids of
    `gold`); `gold` maps each id to its event; `storyline` (optional) maps ids to a storyline
    whose cross-event pairs are ignored.
    """
    cluster_of: dict[str, int] = {}
    for n, members in enumerate(predicted):
        for a in members:
            if a in cluster_of:
                raise ValueError(f"{a} is in two predicted clusters")
            cluster_of[a] = n
    if set(cluster_of) != set(gold):
        missing = sorted(set(gold) - set(cluster_of))
        extra = sorted(set(cluster_of) - set(gold))
        raise ValueError(f"clusters and labels differ: missing {missing}, unlabelled {extra}")
    lines = storyline or {}
    counts = PairCounts(ignored=0)
    for a, b in combinations(sorted(gold), 2):
        same_pred = cluster_of[a] == cluster_of[b]
        same_gold = gold[a] == gold[b]
        if not same_gold and lines.get(a) is not None and lines.get(a) == lines.get(b):
            counts.ignored += 1
            continue
        counts.predicted += same_pred
        counts.gold += same_gold
        counts.true_positive += same_pred and same_gold
    return counts


class WrongPair(BaseModel):
    """Two articles of different events (and storylines) that were put in one story."""

    a: str
    b: str
    title_a: str
    title_b: str
    why: list[str] = Field(description="the grouping's reasons for the story they share")


class SplitResult(BaseModel):
    split: str
    articles: int
    events: int
    multi_article_events: int
    stories: int
    counts: PairCounts
    precision: float | None
    recall: float | None
    f1: float | None
    wrong_pairs: list[WrongPair]
    missed_pairs: list[tuple[str, str]]


class GroupingReport(BaseModel):
    dataset: str
    engine: str = "offline"
    grouping: str = "summarizer.digests.stories.group"
    goals: dict[str, float] = Field(default_factory=lambda: dict(GOALS))
    splits: list[SplitResult]
    undated: list[SplitResult] = Field(
        default_factory=list,
        description="the same splits grouped with every date removed: as if the whole split "
        "came in one day's batch, so that only wording and names can keep events apart",
    )
    failed: list[str] = Field(default_factory=list)
    wall_s: float = 0.0


def load_grouping_set(path: str | Path) -> tuple[Path, GroupingSet]:
    """The set's folder and its articles; `InputError` when set.json or a text is missing."""
    root = Path(path)
    manifest = root / "set.json"
    if not manifest.is_file():
        raise InputError(f"{root}: not a grouping set (no set.json)")
    try:
        data = GroupingSet.model_validate_json(manifest.read_text("utf-8"))
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()
        raise InputError(f"{manifest}: invalid: {' '.join(first[:3])}") from None
    ids = [a.id for a in data.articles]
    if len(set(ids)) != len(ids):
        raise InputError(f"{manifest}: duplicate article ids")
    for a in data.articles:
        if not (root / a.path).is_file():
            hint = f" (texts not kept with the set; rebuild: {data.rebuild})"
            hint = hint if data.rebuild else ""
            raise InputError(f"{manifest}: {a.id}: {a.path} not found{hint}")
    return root, data


def _brief_entries(
    root: Path, articles: list[GroupingArticle], failed: list[str], *, feed_entry: bool = False
) -> list[tuple[GroupingArticle, Entry]]:
    """Brief each article offline: as an article with its title and date, or (`feed_entry`)
    as the digest briefs a feed entry's own text (`summarizer.digests.sources`)."""
    from summarizer.brief.models import SourceMeta, SourceRef
    from summarizer.digests.stories import Entry
    from summarizer.ingest import article_from_bytes
    from summarizer.offline import brief_offline

    out: list[tuple[GroupingArticle, Entry]] = []
    for a in articles:
        text = (root / a.path).read_text(encoding="utf-8")
        try:
            if feed_entry:
                article = article_from_bytes(text.encode("utf-8"), name=a.id, url=a.source)
                brief = brief_offline(article.text, source=article.source)
            else:
                brief = brief_offline(text, source=SourceMeta(title=a.title, date=a.date))
        except InputError as exc:
            failed.append(f"{a.id}: {exc}")
            continue
        # The outlet, as a digest has it (grouping compares one outlet's items among
        # themselves); a corpus that keeps no address says "unknown (...)": no outlet.
        outlet = None if a.outlet.startswith("unknown") else a.outlet
        ref = SourceRef(
            article_id=a.id, title=a.title, site=outlet, outlet=outlet, published=a.date
        )
        # The date, as a digest has it from the feed or the page: grouping may use it.
        when = datetime.fromisoformat(a.date).replace(tzinfo=UTC) if a.date else None
        out.append((a, Entry(a.id, brief, ref, when)))
    return out


def score_split(
    name: str,
    briefed: list[tuple[GroupingArticle, Entry]],
    group: Callable[[list[Entry]], list[tuple[list[Entry], list[str]]]] | None = None,
) -> SplitResult:
    """Group the briefed articles of one split and score the grouping pairwise."""
    if group is None:
        from summarizer.digests.stories import group as digest_group

        group = digest_group
    by_id = {a.id: a for a, _ in briefed}
    clusters = group([e for _, e in briefed])
    predicted = [[e.article_id for e in members] for members, _ in clusters]
    gold = {a.id: a.event for a, _ in briefed}
    lines = {a.id: a.storyline for a, _ in briefed}
    counts = pair_counts(predicted, gold, lines)
    wrong: list[WrongPair] = []
    for (_members, why), ids in zip(clusters, predicted, strict=True):
        for x, y in combinations(sorted(ids), 2):
            ax, ay = by_id[x], by_id[y]
            if ax.event != ay.event and (ax.storyline is None or ax.storyline != ay.storyline):
                wrong.append(WrongPair(a=x, b=y, title_a=ax.title, title_b=ay.title, why=why))
    cluster_of = {a: n for n, ids in enumerate(predicted) for a in ids}
    missed = [
        (x, y)
        for x, y in combinations(sorted(gold), 2)
        if gold[x] == gold[y] and cluster_of[x] != cluster_of[y]
    ]
    events: dict[str, int] = {}
    for e in gold.values():
        events[e] = events.get(e, 0) + 1
    return SplitResult(
        split=name,
        articles=len(briefed),
        events=len(events),
        multi_article_events=sum(1 for n in events.values() if n > 1),
        stories=len(clusters),
        counts=counts,
        precision=counts.precision,
        recall=counts.recall,
        f1=counts.f1,
        wrong_pairs=wrong,
        missed_pairs=missed,
    )


def run_grouping_eval(
    path: str | Path, splits: Sequence[Split] = ("dev", "heldout"), *, undated: bool = True
) -> GroupingReport:
    """Brief every article of the set offline, group each split and score it pairwise.

    With `undated`, each split is grouped a second time with no dates (`Entry.when` None): a
    digest's batch is often one day, where dates cannot tell a company's two announcements
    apart, so this shows how much of the score the dates carry. A split whose articles have no
    date (such as eval/grouping/ecbplus) is not grouped twice.
    """
    from dataclasses import replace

    start = time.perf_counter()
    root, data = load_grouping_set(path)
    failed: list[str] = []
    briefed = _brief_entries(root, data.articles, failed, feed_entry=data.brief_as == "feed-entry")
    results, without = [], []
    for name in splits:
        chosen = [(a, e) for a, e in briefed if name == "all" or a.split == name]
        if chosen:
            results.append(score_split(name, chosen))
            # A split with no date at all is undated already: grouping it again adds nothing.
            if undated and any(e.when is not None for _, e in chosen):
                without.append(score_split(name, [(a, replace(e, when=None)) for a, e in chosen]))
    return GroupingReport(
        dataset=str(path),
        splits=results,
        undated=without,
        failed=failed,
        wall_s=time.perf_counter() - start,
    )
