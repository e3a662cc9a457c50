"""Score briefs against check-lists: the format of real articles that have no full gold brief.

A check-list folder holds article files (``NN_slug.txt``: header lines, one blank line, the
body) and one ``gold.json`` keyed by file name. Every string in it is a lower-case substring of
the body (see ``../shared/external/wikinews/README.md``):

- ``parties``: parties a brief must name (in a party's name or aliases);
- ``positions``: ``[party, words]``: that party's own quoted or reported words, which a position
  of that party must carry (in its evidence or stance);
- ``open_keywords``: any of these is likely in an open question;
- ``disputed`` / ``reported``: facts a brief must not call ``confirmed``.

Metrics, summed over articles (micro-averaged):

- party recall: check-list parties found in some brief party's name or aliases;
- position recall: check-list positions carried by a position of the right party (a party whose
  name or aliases hold the check-list name, or whose role names it: "Panama coach" speaks for
  "panama");
- misattributed: of the check-list quotes the brief gives to anyone (a position, or a key fact
  with an attribution, whose evidence or stance carries the words), those given only to a wrong
  party;
- status violations: disputed or reported facts that a key fact carrying them calls confirmed;
- open questions: articles with an open question that holds one of the keywords.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from summarizer.brief.grounding import normalize
from summarizer.brief.models import BriefReply, Party
from summarizer.errors import InputError
from summarizer.evaluation.matching import EVAL_VERSION


class Checklist(BaseModel):
    """What a brief of one real article must and must not say."""

    parties: list[str] = Field(default_factory=list)
    positions: list[tuple[str, str]] = Field(default_factory=list)
    open_keywords: list[str] = Field(default_factory=list)
    disputed: list[str] = Field(default_factory=list)
    reported: list[str] = Field(default_factory=list)


@dataclass
class ChecklistArticle:
    """One article of a check-list folder: its body and its check-list."""

    id: str
    text: str
    checklist: Checklist
    title: str | None = None


def article_body(raw: str) -> tuple[str, dict[str, str]]:
    """Split a file of header lines ("Key: value"), a blank line and the body."""
    head, sep, body = raw.partition("\n\n")
    lines = head.splitlines()
    if sep and lines and all(":" in line for line in lines):
        fields = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines)}
        return body.strip("\n") + "\n", fields
    return raw, {}


def is_checklist_folder(path: str | Path) -> bool:
    """A folder with a top-level gold.json keyed by the article files beside it."""
    gold = Path(path) / "gold.json"
    if not gold.is_file():
        return False
    try:
        data = json.loads(gold.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and any(
        isinstance(k, str) and (Path(path) / k).is_file() for k in data
    )


def load_checklists(path: str | Path) -> list[ChecklistArticle]:
    """Every article of a check-list folder; `InputError` when it is malformed."""
    root = Path(path)
    try:
        data = json.loads((root / "gold.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{root}/gold.json: cannot read the check-lists: {exc}") from None
    out = []
    for name in sorted(data):
        file = root / name
        if not file.is_file():
            raise InputError(f"{root}/gold.json names {name}, which is not in the folder")
        text, fields = article_body(file.read_text("utf-8"))
        try:
            checklist = Checklist.model_validate(data[name])
        except ValueError as exc:
            raise InputError(f"{root}/gold.json: {name}: {str(exc).splitlines()[0]}") from None
        out.append(ChecklistArticle(name, text, checklist, fields.get("title")))
    return out


def _key(text: str) -> str:
    return normalize(text).strip(" .,;:'\"")


def _names(party: Party) -> list[str]:
    return [_key(n) for n in [party.name, *party.aliases]]


def _party_of(name: str, parties: Sequence[Party]) -> Party | None:
    key = _key(name)
    for p in parties:
        if key in _names(p):
            return p
    return None


def _speaks_for(want: str, party: Party) -> bool:
    """Whether `party`'s role says it speaks for `want` ("England captain", "Panama coach")."""
    return (
        re.search(r"(?<!\w)" + re.escape(want) + r"(?:'s?|’s?)?(?!\w)", _key(party.role))
        is not None
    )


def _is(want: str, party_name: str | None, parties: Sequence[Party]) -> bool:
    """Whether the brief's party `party_name` is the check-list's party `want`.

    It is when `want` is in one of its names or aliases, or, for a person or a body speaking
    for it (a coach for a team, a spokesman for a ministry), when its role names `want`.
    """
    if not party_name:
        return False
    p = _party_of(party_name, parties)
    names = _names(p) if p else [_key(party_name)]
    return any(want in n for n in names) or (p is not None and _speaks_for(want, p))


class ChecklistScores(BaseModel):
    """One article's (or the whole set's) check-list counts."""

    parties: int = 0
    parties_found: int = 0
    positions: int = 0
    positions_found: int = 0
    quotes_attributed: int = 0
    misattributed: int = 0
    status_checked: int = 0
    called_confirmed: int = 0
    open_articles: int = 0
    open_hit: int = 0
    missed_parties: list[str] = Field(default_factory=list)
    missed_positions: list[str] = Field(default_factory=list)
    wrong_party: list[str] = Field(default_factory=list)
    wrong_status: list[str] = Field(default_factory=list)

    def add(self, other: ChecklistScores) -> None:
        """Add another article's counts and lists into this one."""
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def party_recall(self) -> float | None:
        """Check-list parties the brief names."""
        return self.parties_found / self.parties if self.parties else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def position_recall(self) -> float | None:
        """Check-list positions the brief gives to the right party."""
        return self.positions_found / self.positions if self.positions else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def misattribution(self) -> float | None:
        """Of the check-list quotes the brief attributes, those given to a wrong party."""
        return self.misattributed / self.quotes_attributed if self.quotes_attributed else None


def score_checklist(brief: BriefReply, checklist: Checklist) -> ChecklistScores:
    """Score one brief against one check-list (see the module docstring)."""
    s = ChecklistScores()
    parties = brief.parties
    all_names = [n for p in parties for n in _names(p)]
    for want in checklist.parties:
        s.parties += 1
        if any(want in n for n in all_names):
            s.parties_found += 1
        else:
            s.missed_parties.append(want)

    def carries(words: str, texts: Sequence[str]) -> bool:
        return any(words in _key(t) for t in texts)

    for who, words in checklist.positions:
        w = _key(words)
        s.positions += 1
        carrying = [p for p in brief.positions if carries(w, [*p.evidence, p.stance])]
        holders = [p.party for p in carrying]
        holders += [
            f.attribution
            for f in brief.key_facts
            if f.attribution and carries(w, [*f.evidence, f.statement])
        ]
        if any(_is(who, p.party, parties) for p in carrying):
            s.positions_found += 1
        else:
            s.missed_positions.append(f"{who}: {words}")
        if holders:
            s.quotes_attributed += 1
            if not any(_is(who, h, parties) for h in holders):
                s.misattributed += 1
                s.wrong_party.append(f"{words!r} -> {', '.join(dict.fromkeys(holders))} ({who})")
    for words in dict.fromkeys([*checklist.disputed, *checklist.reported]):
        w = _key(words)
        facts = [f for f in brief.key_facts if carries(w, f.evidence)]
        if facts:
            s.status_checked += 1
            if any(f.status == "confirmed" for f in facts):
                s.called_confirmed += 1
                s.wrong_status.append(words)
    if checklist.open_keywords:
        s.open_articles = 1
        asked = " ".join(_key(f"{q.question} {q.why_open}") for q in brief.open_questions)
        s.open_hit = int(any(_key(k) in asked for k in checklist.open_keywords))
    return s


@dataclass
class ChecklistReport:
    """Scores per article and in total."""

    articles: list[tuple[str, ChecklistScores]] = field(default_factory=list)
    total: ChecklistScores = field(default_factory=ChecklistScores)


class ChecklistResult(BaseModel):
    """One article of a check-list run: its scores, or the error when it got no brief."""

    id: str
    title: str | None = None
    error: str | None = None
    scores: ChecklistScores | None = None
    calls: int = 0
    wall_s: float = 0.0


class ChecklistRun(BaseModel):
    """What `summarizer eval <check-list folder>` writes: which engine, per article, total."""

    kind: Literal["checklist"] = "checklist"
    eval_version: str = EVAL_VERSION
    prompt_version: str
    engine: str
    model: str | None
    dataset: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    articles: list[ChecklistResult]
    total: ChecklistScores
    failed: int = 0


def run_checklist_eval(
    path: str | Path,
    *,
    engine: Literal["offline", "llm"] = "offline",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    on_article: Callable[[ChecklistResult], None] | None = None,
) -> ChecklistRun:
    """Brief every article of a check-list folder with `engine` and score it.

    As in `run_eval`, the LLM engine runs with `strict=False`; an article whose brief fails is
    reported with its error and counted in `failed`; settings and key errors stop the run.
    """
    import time

    from summarizer.brief.models import SourceMeta
    from summarizer.brief.prompts import active_version
    from summarizer.engine import summarize
    from summarizer.errors import ConfigError, SummarizerError
    from summarizer.offline import OFFLINE_VERSION

    articles = load_checklists(path)
    if engine == "llm":
        from summarizer.brief.llm import resolve_model

        model = resolve_model(model)
    else:
        model = None
    prompt_version = active_version() if engine == "llm" else OFFLINE_VERSION
    results: list[ChecklistResult] = []
    total = ChecklistScores()
    for art in articles:
        result = ChecklistResult(id=art.id, title=art.title)
        started = time.perf_counter()
        try:
            brief = summarize(
                art.text,
                engine=engine,
                model=model,
                base_url=base_url,
                api_key=api_key,
                strict=False,
                source=SourceMeta(title=art.title),
            )
        except SummarizerError as exc:
            if exc.exit_code == ConfigError.exit_code:
                raise
            result.error = str(exc)
            result.calls = getattr(exc, "attempts", 0)
        else:
            prompt_version = brief.meta.prompt_version
            result.scores = score_checklist(brief, art.checklist)
            result.calls = brief.meta.attempts
            total.add(result.scores)
        result.wall_s = round(time.perf_counter() - started, 3)
        results.append(result)
        if on_article:
            on_article(result)
    return ChecklistRun(
        prompt_version=prompt_version,
        engine=engine,
        model=model,
        dataset=str(path),
        articles=results,
        total=total,
        failed=sum(1 for r in results if r.scores is None),
    )


def run_checklists(
    path: str | Path,
    brief: Callable[[ChecklistArticle], BriefReply],
    *,
    only: Callable[[str], bool] | None = None,
) -> ChecklistReport:
    """Brief every article of a check-list folder with `brief` and score it."""
    report = ChecklistReport()
    for art in load_checklists(path):
        if only is not None and not only(art.id):
            continue
        scores = score_checklist(brief(art), art.checklist)
        report.articles.append((art.id, scores))
        report.total.add(scores)
    return report


def _main() -> None:  # pragma: no cover - a development aid: python -m ...checklist DIR
    import sys

    from summarizer.brief.models import SourceMeta
    from summarizer.offline import brief_offline

    folder = sys.argv[1] if len(sys.argv) > 1 else "../shared/external/wikinews"
    verbose = "-v" in sys.argv
    pick = [a for a in sys.argv[2:] if a != "-v"]
    report = run_checklists(
        folder,
        lambda a: brief_offline(a.text, source=SourceMeta(title=a.title)),
        only=(lambda n: any(p in n for p in pick)) if pick else None,
    )
    for name, sc in [*report.articles, ("TOTAL", report.total)]:
        print(
            f"{name[:40]:40} parties {sc.parties_found}/{sc.parties} "
            f"positions {sc.positions_found}/{sc.positions} "
            f"misattr {sc.misattributed}/{sc.quotes_attributed} "
            f"confirmed {sc.called_confirmed}/{sc.status_checked} open {sc.open_hit}/"
            f"{sc.open_articles}"
        )
        if name == "TOTAL" or not verbose:
            continue
        for label, items in [
            ("missed party", sc.missed_parties),
            ("missed position", sc.missed_positions),
            ("wrong party", sc.wrong_party),
            ("called confirmed", sc.wrong_status),
        ]:
            for item in items:
                print(f"    {label}: {item}")


if __name__ == "__main__":  # pragma: no cover
    _main()
