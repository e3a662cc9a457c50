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

from summarizer.evaluation.compare import CompareRow, Comparison, compare, metric_values
from summarizer.evaluation.dataset import Dataset, GoldArticle, SourceNote, load_dataset
from summarizer.evaluation.guard_suite import (
    PERTURBATIONS,
    UNCATCHABLE,
    GuardReport,
    KindResult,
    perturbation_suite,
)
from summarizer.evaluation.matching import (
    EVAL_VERSION,
    QUESTION_JACCARD,
    SPAN_OVERLAP,
    STANCE_JACCARD,
    STATEMENT_JACCARD,
    content_words,
    evidence_chars,
    fact_score,
    greedy_match,
    jaccard,
    name_key,
    parties_match,
    party_score,
    position_content_score,
    span_overlap,
)
from summarizer.evaluation.runs import (
    RATIOS,
    REPLAY_BASE_URL,
    SECTIONS,
    ArticleResult,
    EvalReport,
    Overall,
    load_report,
    overall,
    run_eval,
)
from summarizer.evaluation.scoring import Agreement, Counts, Ratio, Scores, score_brief

__all__ = [
    "EVAL_VERSION",
    "PERTURBATIONS",
    "QUESTION_JACCARD",
    "RATIOS",
    "REPLAY_BASE_URL",
    "SECTIONS",
    "SPAN_OVERLAP",
    "STANCE_JACCARD",
    "STATEMENT_JACCARD",
    "UNCATCHABLE",
    "Agreement",
    "ArticleResult",
    "CompareRow",
    "Comparison",
    "Counts",
    "Dataset",
    "EvalReport",
    "GoldArticle",
    "GuardReport",
    "KindResult",
    "Overall",
    "Ratio",
    "Scores",
    "SourceNote",
    "compare",
    "content_words",
    "evidence_chars",
    "fact_score",
    "greedy_match",
    "jaccard",
    "load_dataset",
    "load_report",
    "metric_values",
    "name_key",
    "overall",
    "parties_match",
    "party_score",
    "perturbation_suite",
    "position_content_score",
    "run_eval",
    "score_brief",
    "span_overlap",
]
