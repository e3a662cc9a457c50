"""Running an engine over a gold set, and the report it writes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from summarizer.brief.models import SCHEMA_VERSION, Brief
from summarizer.errors import ConfigError, InputError, SummarizerError
from summarizer.evaluation.dataset import Dataset, load_dataset
from summarizer.evaluation.matching import EVAL_VERSION
from summarizer.evaluation.scoring import Agreement, Counts, Ratio, Scores, score_brief


class ArticleResult(BaseModel):
    """One article's scores, spend and time; `error` is set when no brief came out."""

    id: str
    kind: str
    language: str
    real: bool | None = Field(
        default=None, description="A real article (source.json); None in older reports."
    )
    error: str | None = None
    scores: Scores | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    calls: int = 0
    wall_s: float = 0.0


SECTIONS = ("parties", "key_facts", "positions", "open_questions")
RATIOS = ("grounding", "attribution", "status", "confirmed_hedged")
# The groups of articles a report gives overall figures for besides the whole set.
GROUPS = {"real": True, "authored": False}


class Overall(BaseModel):
    """Totals over the set: micro-averaged counts and ratios, summed spend."""

    articles: int
    failed: int
    counts: dict[str, Counts]
    ratios: dict[str, Ratio]
    article_attribution: Agreement = Field(default_factory=Agreement)
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
    replies: str | None = Field(
        default=None,
        description='With --replay: "authored" (replies written for this project, served by the '
        'test server), "recorded" (a real model\'s) or "mixed", from the cassettes themselves.',
    )
    dataset: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    skipped: list[str] = Field(default_factory=list)
    articles: list[ArticleResult]
    overall: Overall
    groups: dict[str, Overall] = Field(
        default_factory=dict,
        description='Overall figures of the real and of the authored articles ("real", '
        '"authored"), each present when the set has such articles.',
    )

    def to_json(self) -> str:
        """The report as JSON (derived scores such as precision and F1 included)."""
        return self.model_dump_json(indent=2) + "\n"


def overall(results: Sequence[ArticleResult]) -> Overall:
    """Micro-average the per-article results; cost is None when any article's is unknown."""
    counts = {name: Counts() for name in SECTIONS}
    ratios = {name: Ratio() for name in RATIOS}
    agreement = Agreement()
    for r in results:
        if r.scores is None:
            continue
        for name in SECTIONS:
            counts[name] = counts[name].add(getattr(r.scores, name))
        for name in RATIOS:
            ratios[name] = ratios[name].add(getattr(r.scores, name))
        agreement = agreement.add(r.scores.article_attribution)
    costs = [r.cost_usd for r in results]
    return Overall(
        articles=len(results),
        failed=sum(1 for r in results if r.scores is None),
        counts=counts,
        ratios=ratios,
        article_attribution=agreement,
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


AUTHORED_MARK = "authored reply, not a model"


def _reply_source(directory: Path | None, ids: list[str]) -> str | None:
    """Whether the replayed cassettes hold authored replies, a real model's, or both."""
    if directory is None:
        return None
    kinds = {
        "authored" if AUTHORED_MARK in path.read_text("utf-8") else "recorded"
        for path in (directory / f"{i}.yaml" for i in ids)
        if path.exists()
    }
    return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else None)


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
    from summarizer.brief.prompts import active_version
    from summarizer.engine import summarize
    from summarizer.offline import OFFLINE_VERSION

    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    replay_dir = Path(cassettes) if cassettes is not None else None
    if engine == "llm":
        from summarizer.brief.llm import resolve_model

        model = resolve_model(model)
        if replay_dir is not None and not record:
            # Replayed calls never leave the process, and no real key or endpoint is used.
            base_url = REPLAY_BASE_URL
            api_key = "replay-no-key"
    else:
        model = None
    prompt_version = active_version() if engine == "llm" else OFFLINE_VERSION
    articles, skipped = data.articles, list(data.skipped)
    if engine == "llm" and replay_dir is not None and not record:
        # Replay what was recorded: an article added to the set after the cassettes were
        # recorded is skipped and listed, not failed; with no cassette at all it is an error.
        missing = [a.id for a in articles if not (replay_dir / f"{a.id}.yaml").exists()]
        if len(missing) == len(articles):
            raise ConfigError(
                f"no cassette for article {missing[0]!r}: "
                f"{replay_dir / (missing[0] + '.yaml')} does not exist"
            )
        articles = [a for a in articles if a.id not in missing]
        skipped += [f"{m}: no cassette in {replay_dir} (not replayed)" for m in missing]
    results: list[ArticleResult] = []
    for art in articles:
        result = ArticleResult(
            id=art.id, kind=art.source.kind, language=art.source.language, real=art.source.real
        )
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
    replayed = replay_dir is not None and not record
    return EvalReport(
        prompt_version=prompt_version,
        engine=engine,
        model=model,
        replayed=replayed,
        replies=_reply_source(replay_dir, [a.id for a in articles]) if replayed else None,
        dataset=str(data.path),
        skipped=skipped,
        articles=results,
        overall=overall(results),
        groups=groups(results),
    )


def groups(results: Sequence[ArticleResult]) -> dict[str, Overall]:
    """Overall figures of the real and of the authored articles, for the groups present."""
    out = {}
    for name, real in GROUPS.items():
        members = [r for r in results if r.real is real]
        if members:
            out[name] = overall(members)
    return out


def load_report(path: str | Path) -> EvalReport:
    """Read a report written by `summarizer eval`; `InputError` when it is not one."""
    p = Path(path)
    try:
        return EvalReport.model_validate_json(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except (ValidationError, ValueError, UnicodeDecodeError):
        raise InputError(f"{p}: not an eval report written by `summarizer eval`") from None
