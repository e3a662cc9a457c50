"""The quote guard against corpora of real model quotes and of variants of real news quotes.

`eval/quotes/real.jsonl`: quotes real models put in quotation marks while summarising, with
their source (FaithBench's copy of the Vectara leaderboard summaries), labelled by hand.
`eval/quotes/news_variants.jsonl`: authored variants of quotes from the Wikinews articles in
`../shared/external/wikinews`, faithful and unfaithful. See eval/quotes/README.md.

Goals (issue 10): at most 1 % of faithful real-model quotes rejected; at most 1 in 15 faithful
news variants rejected; no unfaithful pair accepted, ever.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.brief.grounding import ArticleIndex, check_quote
from summarizer.evaluation.quotes import (
    DEFAULT_ARTICLES,
    GOAL_REAL_FAITHFUL_REJECTED,
    GOAL_VARIANT_FAITHFUL_REJECTED,
    QuotePair,
    load_corpus,
    run_quotes,
)

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "quotes"

if not DEFAULT_ARTICLES.is_dir():
    pytest.skip("../shared/external/wikinews is not beside the repo", allow_module_level=True)

PAIRS = load_corpus(CORPUS)
UNFAITHFUL = [p for p in PAIRS if p.label == "unfaithful"]


def test_corpus_is_what_the_readme_says() -> None:
    files = {p.file for p in PAIRS}
    assert files == {"real.jsonl", "real_curation.jsonl", "news_variants.jsonl"}
    real = [p for p in PAIRS if p.file.startswith("real")]
    news = [p for p in PAIRS if p.file == "news_variants.jsonl"]
    assert len(real) >= 150 and len({p.group for p in real}) >= 10
    assert sum(p.label == "faithful" for p in news) >= 45
    assert len({p.id for p in PAIRS}) == len(PAIRS)
    # every real pair says where it comes from
    for path in CORPUS.glob("real*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert row["kind"] == "real" and row["model"]
            assert {"repo", "commit", "path", "row", "licence"} <= set(row["origin"])


def test_every_news_variant_names_a_real_span_of_its_article() -> None:
    for line in (CORPUS / "news_variants.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        article = (DEFAULT_ARTICLES / row["article"]).read_text(encoding="utf-8")
        assert row["original"] in article, row["id"]
        assert row["quote"] != row["original"], row["id"]
        assert row["kind"] == "authored"


@pytest.mark.parametrize("pair", UNFAITHFUL, ids=[p.id for p in UNFAITHFUL])
def test_unfaithful_quote_is_refused(pair: QuotePair) -> None:
    problem, _ = check_quote(ArticleIndex.of(pair.source), pair.quote)
    assert problem is not None, f"{pair.id} accepted ({pair.why}): {pair.quote!r}"


@pytest.mark.parametrize(
    ("files", "goal"),
    [
        ("real", GOAL_REAL_FAITHFUL_REJECTED),
        ("news_variants", GOAL_VARIANT_FAITHFUL_REJECTED),
    ],
)
def test_faithful_rejection_rate_within_goal(files: str, goal: float) -> None:
    report = run_quotes([p for p in PAIRS if p.file.startswith(files)])
    tally = report.real() if files == "real" else report.by_file[f"{files}.jsonl"]
    rejected = [r.id for r in report.results if r.label == "faithful" and not r.accepted]
    assert tally.faithful_rejected_rate is not None
    assert tally.faithful_rejected_rate <= goal, (
        f"{files}: {tally.faithful_rejected}/{tally.faithful} faithful quotes rejected "
        f"(goal {goal:.3f}): {rejected}"
    )


def test_report_counts_each_label() -> None:
    """The tally itself, on pairs whose outcome is certain under any guard."""
    text = "The minister said the bridge would reopen on Monday after repairs."
    pairs = [
        QuotePair(
            id="a",
            file="x",
            group="g",
            label="faithful",
            quote="the bridge would reopen",
            source=text,
        ),
        QuotePair(
            id="b",
            file="x",
            group="g",
            label="unfaithful",
            quote="the tunnel would close",
            source=text,
        ),
        QuotePair(
            id="c",
            file="x",
            group="h",
            label="debatable",
            quote="a bridge reopened Tuesday",
            source=text,
        ),
    ]
    report = run_quotes(pairs)
    t = report.by_file["x"]
    assert (t.faithful, t.faithful_rejected, t.unfaithful, t.unfaithful_accepted) == (1, 0, 1, 0)
    assert (t.debatable, t.debatable_rejected) == (1, 1)
    assert set(report.by_group["x"]) == {"g", "h"}
    assert report.mistakes == []
    assert report.goals_met() == {"no unfaithful pair accepted": True}


def test_cli_eval_quotes_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    out = tmp_path / "quotes.json"
    result = CliRunner().invoke(main, ["eval", "--quotes", str(CORPUS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "real.jsonl" in result.output and "news_variants.jsonl" in result.output
    assert "goal" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["by_file"]["real.jsonl"]["faithful"] == sum(
        p.label == "faithful" for p in PAIRS if p.file == "real.jsonl"
    )


REASK = CORPUS.parents[1] / "cassettes" / "reask"


@pytest.mark.parametrize("cassette", sorted(REASK.glob("*.yaml")), ids=lambda p: p.stem[:2])
def test_presentation_variants_cause_no_reask(cassette: Path) -> None:
    """Replay an authored reply whose quotes are faithful variants: accepted at the first call."""
    import vcr

    from summarizer import summarize
    from summarizer.brief.llm import RetryPolicy

    article = (DEFAULT_ARTICLES / f"{cassette.stem}.txt").read_text(encoding="utf-8")
    recorder = vcr.VCR(record_mode="none", match_on=["method", "path"])
    with recorder.use_cassette(str(cassette)):
        brief = summarize(article, base_url="http://127.0.0.1:9/v1", retry=RetryPolicy())
    assert brief.meta.attempts == 1
