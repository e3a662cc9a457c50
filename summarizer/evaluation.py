"""Measure brief quality against hand-written gold briefs (`summarizer eval`).

A *dataset* is a folder with one sub-folder per article::

    eval/gold/<article id>/
        article.txt   the article (UTF-8); optional when source.json names `article_path`
        gold.json     the gold brief: the fields of `BriefReply` (schema v1)
        source.json   {"kind", "language", "licence", "origin", optional "article_path"}

`article_path` (relative to the article's folder) points at a text kept outside the dataset,
e.g. a third-party article we may read but not redistribute; when it is missing the article is
skipped and the report says so.

Matching, predicted brief against gold brief (greedy, one-to-one, best-scoring pairs first):

- parties: two parties match when a name or alias of one equals a name or alias of the other
  after normalisation (`name_key`), or when the shorter is contained in the longer as whole
  words and either has at least two words or is the longer's last word ("Moskalik" in
  "Yaroslav Moskalik", "Investigative Committee" in "Russia's Investigative Committee"; but
  "Russia" does not match "Russia's Investigative Committee").
- key facts: their evidence spans in the article (found with the grounding index) overlap by at
  least `SPAN_OVERLAP` of the smaller span set, or their statements share at least
  `STATEMENT_JACCARD` of their content words (Jaccard).
- positions: the same content test on evidence spans and stances (`STANCE_JACCARD`). A content
  pair counts as *matched* for precision and recall only when its parties match too; the share
  of content pairs with the right party is the *attribution* score.
- open questions: question plus why_open share at least `QUESTION_JACCARD` of content words.

Precision = matched / predicted, recall = matched / gold, F1 their harmonic mean; undefined
(None) when the denominator is 0. Totals over the set are micro-averaged (matches, gold and
predicted items summed over articles first).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, computed_field

from summarizer.errors import ConfigError, InputError, SummarizerError
from summarizer.grounding import ArticleIndex, check_reply, normalize
from summarizer.models import SCHEMA_VERSION, Brief, BriefReply, KeyFact, Party, Position

EVAL_VERSION = "1"
SPAN_OVERLAP = 0.5
STATEMENT_JACCARD = 0.4
STANCE_JACCARD = 0.4
QUESTION_JACCARD = 0.25

# Function words of the languages in the set (English, German, Spanish): they make any two
# sentences look alike, so they never count as shared content.
_STOP_WORDS = """a an the and or but if of to in on at by for with from as into about over
    after before
    under than then that this these those there here it its it's is are was were be been being
    has have had do does did will would can could may might must should shall not no nor so too
    very just also only even such their they them he him his she her we our you your i me my
    who whom whose which what when where why how all any some more most other another each both
    s says said say according one two
    der die das den dem des ein eine einer eines einem einen und oder aber nicht kein keine im
    in zu zum zur von vom mit auf aus für bei nach über unter ist sind war waren wird werden
    wurde wurden hat haben hatte sich sie er es wir ihr ihre sein seine dass als auch noch wie
    am an so nur bis um
    el la los las un una unos unas y o pero no ni de del al en con por para sin sobre entre
    es son fue fueron ha han había se su sus que como más también ya lo le les este esta"""
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"\w+", re.UNICODE)


def content_words(text: str) -> set[str]:
    """The normalised content words of a text (function words and one-letter tokens dropped)."""
    words = _WORD.findall(normalize(text).replace("'s ", " "))
    return {w for w in words if len(w) > 1 and w not in _STOP}


def jaccard(a: str, b: str) -> float:
    """Jaccard overlap of the content words of two texts (0 when both have none)."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


# --- parties ----------------------------------------------------------------------------------

_POSSESSIVE = re.compile(r"'s?(?=\s|$)")
_ARTICLE_WORD = re.compile(r"^(the|der|die|das|el|la|los|las) ")


def name_key(name: str) -> str:
    """A party name normalised for matching: case, quotes, possessives, a leading article."""
    key = normalize(name).strip(" .,;:\"'")
    key = _POSSESSIVE.sub("", key)
    return _ARTICLE_WORD.sub("", key).strip()


def _names_match(a: str, b: str) -> int:
    """2 for equal names, 1 for a qualifying containment, 0 otherwise (see the module doc)."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0
    if ka == kb:
        return 2
    short, long = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    if not re.search(r"(?<!\w)" + re.escape(short) + r"(?!\w)", long):
        return 0
    if len(short.split()) >= 2 or long.split()[-1] == short:
        return 1
    return 0


def party_score(a: Party, b: Party) -> int:
    """How well two parties match by name and alias: 2 equal, 1 contained, 0 no match."""
    return max(_names_match(x, y) for x in [a.name, *a.aliases] for y in [b.name, *b.aliases])


def parties_match(a: Party, b: Party) -> bool:
    """Whether two parties are the same party (see the module docstring)."""
    return party_score(a, b) > 0


def _resolve(name: str, parties: Sequence[Party]) -> Party:
    """The listed party a position's `party` string refers to (a bare one when unlisted)."""
    best = max(parties, key=lambda p: _names_match_any(name, p), default=None)
    if best is not None and _names_match_any(name, best) > 0:
        return best
    return Party(name=name, kind="other", role="")


def _names_match_any(name: str, party: Party) -> int:
    return max(_names_match(name, n) for n in [party.name, *party.aliases])


# --- evidence spans ---------------------------------------------------------------------------


def evidence_chars(index: ArticleIndex, quotes: Sequence[str]) -> set[int]:
    """The article character offsets covered by the quotes that are found in it."""
    chars: set[int] = set()
    for q in quotes:
        for start, end in index.find(q) or []:
            chars.update(range(start, end))
    return chars


def span_overlap(a: set[int], b: set[int]) -> float:
    """Shared characters over the smaller span set (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# --- greedy matching --------------------------------------------------------------------------


def greedy_match(
    gold: Sequence[Any], pred: Sequence[Any], score: Callable[[Any, Any], float]
) -> list[tuple[int, int]]:
    """Pair gold and predicted items one-to-one, best score first; a score of 0 never pairs.

    Returns (gold index, predicted index) pairs. Ties are broken by position, so the result
    does not depend on set ordering.
    """
    scored = [
        (s, gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if (s := score(g, p)) > 0
    ]
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, gi, pi in scored:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def _content_score(
    index: ArticleIndex, text: Callable[[Any], str], threshold: float
) -> Callable[[Any, Any], float]:
    """Score two items with evidence: > 0 when evidence spans or their texts overlap enough."""

    def score(g: Any, p: Any) -> float:
        ov = span_overlap(evidence_chars(index, g.evidence), evidence_chars(index, p.evidence))
        jc = jaccard(text(g), text(p))
        if ov >= SPAN_OVERLAP or jc >= threshold:
            return ov + jc
        return 0.0

    return score


def fact_score(index: ArticleIndex) -> Callable[[KeyFact, KeyFact], float]:
    """Score two facts: > 0 when they match (evidence overlap or statement overlap)."""
    return _content_score(index, lambda f: f.statement, STATEMENT_JACCARD)


def position_content_score(index: ArticleIndex) -> Callable[[Position, Position], float]:
    """Score two positions on content only (evidence or stance overlap), party ignored."""
    return _content_score(index, lambda p: p.stance, STANCE_JACCARD)


# --- the dataset ------------------------------------------------------------------------------


class SourceNote(BaseModel):
    """Where an article of the set comes from and whether it may be redistributed."""

    kind: str = Field(description="conflict, diplomacy, election, business, science, ...")
    language: str
    licence: str
    origin: str = Field(description="Who wrote it; 'written for this project' or the outlet.")
    article_path: str | None = Field(
        default=None, description="Text kept outside the set, relative to the article's folder."
    )


@dataclass
class GoldArticle:
    """One article of the set: its text, its gold brief and its source note."""

    id: str
    text: str
    gold: BriefReply
    source: SourceNote


@dataclass
class Dataset:
    """The articles of a gold set, and the ones skipped because their text is not here."""

    path: Path
    articles: list[GoldArticle]
    skipped: list[str] = field(default_factory=list)


def load_dataset(path: str | Path) -> Dataset:
    """Load a gold set folder (see the module docstring); raise `InputError` when malformed.

    An article whose text lives outside the set (`article_path`) and is missing is skipped and
    listed in `Dataset.skipped`; a missing or invalid file inside the set is an error.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{root}: not a dataset folder (expected <id>/gold.json inside)")
    dirs = sorted(d for d in root.iterdir() if d.is_dir() and (d / "gold.json").exists())
    if not dirs:
        raise InputError(f"{root}: no article folders with a gold.json")
    articles: list[GoldArticle] = []
    skipped: list[str] = []
    for d in dirs:
        try:
            source = SourceNote.model_validate_json((d / "source.json").read_text("utf-8"))
            gold = BriefReply.model_validate_json((d / "gold.json").read_text("utf-8"))
        except FileNotFoundError as exc:
            raise InputError(f"{d}: missing {Path(exc.filename or '').name}") from None
        except (ValidationError, ValueError) as exc:
            first = str(exc).splitlines()
            raise InputError(f"{d}: invalid gold or source file: {' '.join(first[:3])}") from None
        text_path = (d / source.article_path) if source.article_path else d / "article.txt"
        if not text_path.exists():
            if source.article_path:
                skipped.append(f"{d.name}: {text_path} not found (kept outside the set)")
                continue
            raise InputError(f"{d}: missing article.txt")
        text = text_path.read_text(encoding="utf-8")
        articles.append(GoldArticle(d.name, text, gold, source))
    if not articles:
        raise InputError(f"{root}: no article of the set could be read: {'; '.join(skipped)}")
    return Dataset(root, articles, skipped)


# --- scoring one brief ------------------------------------------------------------------------


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


# --- running an engine over the set -----------------------------------------------------------


class ArticleResult(BaseModel):
    """One article's scores, spend and time; `error` is set when no brief came out."""

    id: str
    kind: str
    language: str
    error: str | None = None
    scores: Scores | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    calls: int = 0
    wall_s: float = 0.0


SECTIONS = ("parties", "key_facts", "positions", "open_questions")
RATIOS = ("grounding", "attribution", "status")


class Overall(BaseModel):
    """Totals over the set: micro-averaged counts and ratios, summed spend."""

    articles: int
    failed: int
    counts: dict[str, Counts]
    ratios: dict[str, Ratio]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    calls: int
    wall_s: float


class EvalReport(BaseModel):
    """The result of `run_eval`: what ran, on what, and how it scored (eval format v1)."""

    eval_version: str = EVAL_VERSION
    schema_version: str = SCHEMA_VERSION
    prompt_version: str
    engine: str
    model: str | None
    replayed: bool = False
    dataset: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    skipped: list[str] = Field(default_factory=list)
    articles: list[ArticleResult]
    overall: Overall

    def to_json(self) -> str:
        """The report as JSON (derived scores such as precision and F1 included)."""
        return self.model_dump_json(indent=2) + "\n"


def overall(results: Sequence[ArticleResult]) -> Overall:
    """Micro-average the per-article results; cost is None when any article's is unknown."""
    counts = {name: Counts() for name in SECTIONS}
    ratios = {name: Ratio() for name in RATIOS}
    for r in results:
        if r.scores is None:
            continue
        for name in SECTIONS:
            counts[name] = counts[name].add(getattr(r.scores, name))
        for name in RATIOS:
            ratios[name] = ratios[name].add(getattr(r.scores, name))
    costs = [r.cost_usd for r in results]
    return Overall(
        articles=len(results),
        failed=sum(1 for r in results if r.scores is None),
        counts=counts,
        ratios=ratios,
        prompt_tokens=sum(r.prompt_tokens for r in results),
        completion_tokens=sum(r.completion_tokens for r in results),
        cost_usd=None if any(c is None for c in costs) else round(sum(c or 0 for c in costs), 6),
        calls=sum(r.calls for r in results),
        wall_s=round(sum(r.wall_s for r in results), 3),
    )


# A fact or position the engine dropped whole as ungrounded ("key_facts[2]", "part1.positions[0]").
_ITEM_DROP = re.compile(r"(?:part\d+\.)?(?:key_facts|positions)\[\d+\]")

REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: every request is answered by vcr


@contextmanager
def _cassette(directory: Path | None, article_id: str, *, record: bool) -> Iterator[None]:
    """Replay (or record) one article's model calls from `<directory>/<article id>.yaml`."""
    if directory is None:
        yield
        return
    try:
        import vcr
    except ImportError:
        raise ConfigError("--replay needs vcrpy: pip install 'summarizer[test]'") from None
    path = directory / f"{article_id}.yaml"
    if not record and not path.exists():
        raise ConfigError(f"no cassette for article {article_id!r}: {path} does not exist")
    recorder = vcr.VCR(
        record_mode="all" if record else "none",
        match_on=["method", "path"],
        filter_headers=[("authorization", "REDACTED"), "cookie", "openai-organization"],
        decode_compressed_response=True,
    )
    with recorder.use_cassette(str(path)) as cassette:
        yield
    if not record and not cassette.all_played:
        raise ConfigError(f"{path}: not every recorded call was made; re-record the cassette")


def run_eval(
    dataset: str | Path | Dataset,
    *,
    engine: Literal["offline", "llm"] = "offline",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    cassettes: str | Path | None = None,
    record: bool = False,
    on_article: Callable[[ArticleResult], None] | None = None,
) -> EvalReport:
    """Brief every article of `dataset` with `engine` and score each brief against its gold.

    The LLM engine runs with `strict=False`, so an article still gets a brief when some items
    fail grounding after the re-asks; those dropped items count against grounding. With
    `cassettes` (a folder), each article's calls are replayed from `<article id>.yaml` through
    the real client (`record=True` records them instead, from whatever `base_url` serves).
    An article whose brief fails is reported with its error and counted in `overall.failed`.
    """
    from summarizer.engine import summarize
    from summarizer.offline import OFFLINE_VERSION
    from summarizer.prompts import PROMPT_VERSION

    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    replay_dir = Path(cassettes) if cassettes is not None else None
    if engine == "llm":
        from summarizer.llm import resolve_model

        model = resolve_model(model)
        if replay_dir is not None and not record:
            # Replayed calls never leave the process, and no real key or endpoint is used.
            base_url = REPLAY_BASE_URL
            api_key = "replay-no-key"
    else:
        model = None
    prompt_version = PROMPT_VERSION if engine == "llm" else OFFLINE_VERSION
    results: list[ArticleResult] = []
    for art in data.articles:
        result = ArticleResult(id=art.id, kind=art.source.kind, language=art.source.language)
        started = time.perf_counter()
        try:
            ctx = _cassette(replay_dir, art.id, record=record) if engine == "llm" else nullcontext()
            with ctx:
                brief: Brief = summarize(
                    art.text,
                    engine=engine,
                    model=model,
                    base_url=base_url,
                    api_key=api_key,
                    strict=False,
                )
        except SummarizerError as exc:
            # Settings, keys and cassettes fail every article alike: stop at the first.
            if exc.exit_code == ConfigError.exit_code:
                raise
            result.error = str(exc)
            usage = getattr(exc, "usage", None)
            if usage is not None:
                result.prompt_tokens = usage.prompt_tokens
                result.completion_tokens = usage.completion_tokens
            result.calls = getattr(exc, "attempts", 0)
        else:
            prompt_version = brief.meta.prompt_version
            dropped = sum(1 for d in brief.meta.dropped if _ITEM_DROP.fullmatch(d.path))
            result.scores = score_brief(art.gold, brief, art.text, dropped=dropped)
            result.prompt_tokens = brief.meta.usage.prompt_tokens
            result.completion_tokens = brief.meta.usage.completion_tokens
            result.cost_usd = brief.meta.cost_usd if engine == "llm" else 0.0
            result.calls = brief.meta.attempts
        result.wall_s = round(time.perf_counter() - started, 3)
        results.append(result)
        if on_article:
            on_article(result)
    return EvalReport(
        prompt_version=prompt_version,
        engine=engine,
        model=model,
        replayed=replay_dir is not None and not record,
        dataset=str(data.path),
        skipped=data.skipped,
        articles=results,
        overall=overall(results),
    )


def load_report(path: str | Path) -> EvalReport:
    """Read a report written by `summarizer eval`; `InputError` when it is not one."""
    p = Path(path)
    try:
        return EvalReport.model_validate_json(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except (ValidationError, ValueError, UnicodeDecodeError):
        raise InputError(f"{p}: not an eval report written by `summarizer eval`") from None


# --- comparing two runs -----------------------------------------------------------------------


class CompareRow(BaseModel):
    """One metric in two runs."""

    article: str = Field(description='"overall" or an article id.')
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
        r = scores.ratios[name] if isinstance(scores, Overall) else getattr(scores, name)
        out[name] = r.value
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


# --- the faithfulness guard, measured ---------------------------------------------------------

PERTURBATIONS = {
    "invented_quote": "evidence replaced by the item's own paraphrase, presented as a quote",
    "altered_quote": "a real quote with one word inserted ('not')",
    "number_changed": "a real quote with its first digit changed (37 -> 47)",
    "other_article_quote": "evidence replaced by a quote from another article of the set",
    "unsupporting_quote": "evidence replaced by a real quote of another item of the same brief",
    "unlisted_party": "a position given to a party that is not among the listed parties",
    "wrong_listed_party": "a real quote attached to another listed party",
    "absent_party": "a party added whose name does not occur in the article",
    "status_flip": "a claimed, reported or disputed fact turned 'confirmed'",
    "ellipsis_drops_negation": "a real quote whose negation is skipped with '…' (not -> …)",
}


class KindResult(BaseModel):
    """How many perturbed briefs of one kind the guard rejected."""

    kind: str
    description: str
    total: int = 0
    caught: int = 0
    examples_missed: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float | None:
        """caught / total."""
        return self.caught / self.total if self.total else None


class GuardReport(BaseModel):
    """The perturbation suite's result: catches per kind, and genuine items wrongly rejected."""

    articles: int
    kinds: list[KindResult]
    genuine_items: int
    genuine_rejected: int
    rejected_examples: list[str] = Field(default_factory=list)
    excluded: int = Field(
        default=0, description="Perturbations dropped because the 'fake' text is in the article."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def caught(self) -> int:
        """Perturbations caught, every kind."""
        return sum(k.caught for k in self.kinds)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        """Perturbations made, every kind."""
        return sum(k.total for k in self.kinds)

    def catchable(self) -> tuple[int, int]:
        """(caught, total) over the kinds the guard is designed to catch."""
        kinds = [k for k in self.kinds if k.kind not in UNCATCHABLE]
        return sum(k.caught for k in kinds), sum(k.total for k in kinds)


# The guard checks quotes against the article and party names against the party list and the
# article; it never reads meaning, so these two kinds pass it by design.
# A real quote of the same article under the wrong item is found verbatim: the guard checks
# that evidence exists, not that it supports the statement.
# (An ellipsis that skips a negation was in this set until the guard learnt to refuse it.)
UNCATCHABLE = {
    "wrong_listed_party",
    "status_flip",
    "unsupporting_quote",
}
_DIGIT = re.compile(r"\d")
_NEGATION = re.compile(r"\s(not|never|no|nicht|kein|keine|keinen|nie)\s", re.I)


def _plain(text: str) -> str:
    # An independent, cruder check than the guard's own (lower case, collapsed space, straight
    # quotes), used to drop a "fake" quote that happens to be real (a paraphrase that repeats
    # the article word for word), so a correct pass is not counted as a miss.
    folded = text.lower().translate(str.maketrans("“”„‘’", '"""\'\''))
    return " ".join(folded.split())


def _rejected(reply: BriefReply, index: ArticleIndex, prefix: str) -> bool:
    return any(i.path.startswith(prefix) for i in check_reply(reply, index).issues)


def perturbation_suite(dataset: str | Path | Dataset) -> GuardReport:
    """Make perturbed copies of every gold brief and count what the grounding guard rejects.

    The guard is `grounding.check_reply`, the check `BriefReply` runs on every model reply. Each
    copy changes one item (see `PERTURBATIONS`); it is caught when the guard reports an issue on
    that item. Genuine items are the unchanged gold facts, positions and parties: each one the
    guard flags is a false rejection.
    """
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    kinds = {k: KindResult(kind=k, description=d) for k, d in PERTURBATIONS.items()}
    excluded = 0
    genuine = 0
    rejected: list[str] = []
    arts = data.articles

    def tally(kind: str, reply: BriefReply, index: ArticleIndex, prefix: str, label: str) -> None:
        k = kinds[kind]
        k.total += 1
        if _rejected(reply, index, prefix):
            k.caught += 1
        elif len(k.examples_missed) < 3:
            k.examples_missed.append(label)

    for n, art in enumerate(arts):
        index = ArticleIndex(art.text)
        plain = _plain(art.text)
        gold = art.gold
        report = check_reply(gold, index)
        genuine += len(gold.key_facts) + len(gold.positions) + len(gold.parties)
        # A genuine item is one fact, position or party: count each once, however many issues.
        bad = {i.path.split(".")[0] for i in report.issues}
        rejected += [f"{art.id}: {p}" for p in sorted(bad)]
        others = [a for a in arts if a.id != art.id]
        foreign_quotes = [
            q
            for o in others
            for q in [
                *(q for f in o.gold.key_facts for q in f.evidence),
                *(q for p in o.gold.positions for q in p.evidence),
            ]
            if _plain(q) not in plain
        ]
        foreign_parties = [
            p
            for o in others
            for p in o.gold.parties
            if not any(_plain(x) in plain for x in [p.name, *p.aliases])
        ]

        for section in ("key_facts", "positions"):
            items: list[Any] = getattr(gold, section)
            for i, item in enumerate(items):
                prefix = f"{section}[{i}]"
                label = f"{art.id} {prefix}"

                def swapped(
                    evidence: list[str], gold: BriefReply = gold, section: str = section, i: int = i
                ) -> BriefReply:
                    copy = gold.model_copy(deep=True)
                    getattr(copy, section)[i].evidence = evidence
                    return copy

                claim = item.statement if section == "key_facts" else item.stance
                if _plain(claim).strip(" .,;:\"'") in plain:
                    excluded += 1
                else:
                    tally("invented_quote", swapped([claim]), index, prefix, label)
                words = item.evidence[0].split()
                altered = " ".join([*words[: len(words) // 2], "not", *words[len(words) // 2 :]])
                if _plain(altered) in plain:
                    excluded += 1
                else:
                    tally("altered_quote", swapped([altered]), index, prefix, label)
                if foreign_quotes:
                    q = foreign_quotes[(i * 7 + n) % len(foreign_quotes)]
                    tally("other_article_quote", swapped([q]), index, prefix, label)
                mine = evidence_chars(index, item.evidence)
                elsewhere = [
                    q
                    for j, other in enumerate(items)
                    if j != i
                    for q in other.evidence
                    if not evidence_chars(index, [q]) & mine
                ]
                if elsewhere:
                    q = elsewhere[i % len(elsewhere)]
                    tally("unsupporting_quote", swapped([q]), index, prefix, label)
                with_digit = next((q for q in item.evidence if _DIGIT.search(q)), None)
                if with_digit is not None:
                    d = _DIGIT.search(with_digit)
                    assert d is not None
                    new = str((int(d.group(0)) + 1) % 10)
                    changed = with_digit[: d.start()] + new + with_digit[d.end() :]
                    if _plain(changed) in plain:
                        excluded += 1
                    else:
                        tally("number_changed", swapped([changed]), index, prefix, label)
                negated = next((q for q in item.evidence if _NEGATION.search(q)), None)
                if negated is not None:
                    dropped = _NEGATION.sub(" … ", negated, count=1)
                    tally("ellipsis_drops_negation", swapped([dropped]), index, prefix, label)

        for i, pos in enumerate(gold.positions):
            prefix = f"positions[{i}]"
            label = f"{art.id} {prefix}"
            own = _resolve(pos.party, gold.parties)
            if foreign_parties:
                copy = gold.model_copy(deep=True)
                copy.positions[i].party = foreign_parties[(i + n) % len(foreign_parties)].name
                tally("unlisted_party", copy, index, prefix, label)
            wrong = [p for p in gold.parties if not parties_match(p, own)]
            if wrong:
                copy = gold.model_copy(deep=True)
                copy.positions[i].party = wrong[i % len(wrong)].name
                tally("wrong_listed_party", copy, index, prefix, label)

        for party in foreign_parties[:5]:
            copy = gold.model_copy(deep=True)
            copy.parties.append(party)
            prefix = f"parties[{len(copy.parties) - 1}]"
            tally("absent_party", copy, index, prefix, f"{art.id} +{party.name}")

        for i, fact in enumerate(gold.key_facts):
            if fact.status == "confirmed":
                continue
            copy = gold.model_copy(deep=True)
            copy.key_facts[i].status = "confirmed"
            tally("status_flip", copy, index, f"key_facts[{i}]", f"{art.id} key_facts[{i}]")

    return GuardReport(
        articles=len(arts),
        kinds=list(kinds.values()),
        genuine_items=genuine,
        genuine_rejected=len(rejected),
        rejected_examples=rejected[:10],
        excluded=excluded,
    )
