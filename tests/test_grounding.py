"""The grounding checker: which quotes count as found in the article, and which do not."""

from __future__ import annotations

import pytest

from summarizer.brief.grounding import ArticleIndex, check_quote, check_reply, prune_ungrounded
from summarizer.brief.models import BriefReply

ARTICLE = (
    "Russia’s Investigative Committee said the explosion was caused by a homemade bomb filled "
    "with shrapnel. “The next few days are going to be very important,” Trump said on Thursday. "
    "“I think we’re going to make a deal … I think we’re getting very close.”\n\n"
    "Keith Kellogg—Trump’s former national security adviser—criticized the killing."
)
OTHER_ARTICLE = "The city council voted 5 to 2 on Tuesday to close the old Harbor Street library."


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        # exact
        ("the explosion was caused by a homemade bomb filled with shrapnel", True),
        # normalised: straight quotes and apostrophes for curly, extra white space, case
        ('"The next few days are going to be   very important," Trump said', True),
        ("i think we're going to make a deal", True),
        # dash variants: hyphen and en dash for the article's em dash
        ("Keith Kellogg-Trump's former national security adviser", True),
        ("Keith Kellogg – Trump's former national security adviser", True),
        # ellipsis: parts found in order, with either spelling
        ("I think we’re going to make a deal … I think we’re getting very close", True),
        ("I think we're going to make a deal ... getting very close", True),
        ("Investigative Committee said … filled with shrapnel", True),
        # ellipsis parts out of order are not a quote
        ("filled with shrapnel … Investigative Committee said", False),
        # a paragraph break inside the article is only white space
        ("getting very close.” Keith Kellogg", True),
        # missing, paraphrased, or from another article
        ("Ukraine claimed responsibility for the bombing", False),
        ("the blast was caused by a home-made shrapnel bomb", False),
        ("The city council voted 5 to 2 on Tuesday", False),
        # too short to prove anything
        ("Trump", False),
        ("the … bomb", False),
    ],
    ids=[
        "exact",
        "quotes-space-case",
        "apostrophe",
        "dash",
        "spaced-dash",
        "ellipsis-char",
        "ellipsis-dots",
        "ellipsis-two-parts",
        "ellipsis-out-of-order",
        "across-paragraphs",
        "missing",
        "paraphrased",
        "other-article",
        "one-word",
        "short-parts",
    ],
)
def test_quote_table(quote: str, found: bool) -> None:
    kind, spans = check_quote(ArticleIndex(ARTICLE), quote)
    assert (kind is None) is found
    assert bool(spans) is found


NEGATIONS = (
    "The army had not fired a single round, the ministry said. Officials never confirmed the "
    "count. The mayor didn't attend. Die Polizei hat keine Schüsse abgegeben, sagte er. "
    "The minister, who gave no interview, said the plan would work."
)


@pytest.mark.parametrize(
    ("quote", "kind"),
    [
        ("The army had … fired a single round", "quote_skips_negation"),
        ("Officials … confirmed the count", "quote_skips_negation"),
        ("The mayor … attend", "quote_skips_negation"),
        ("Die Polizei hat … Schüsse abgegeben", "quote_skips_negation"),
        # a negation that stays in the quote, or skipped words with none in them, are fine
        ("The army had not fired … the ministry said", None),
        ("The army had not fired a single round … Officials never confirmed", None),
        # a skipped clause that holds a negation is refused too: the checker cannot tell
        # whether the negation bore on what is quoted (the model is asked to quote around it)
        ("The minister, … said the plan would work", "quote_skips_negation"),
    ],
)
def test_an_ellipsis_that_skips_a_negation(quote: str, kind: str | None) -> None:
    got, spans = check_quote(ArticleIndex(NEGATIONS), quote)
    assert got == kind
    # spans are given for a located quote only (issue 10: the brief shows the article's span)
    assert bool(spans) is (kind is None)


def test_spans_are_offsets_into_the_original_text() -> None:
    index = ArticleIndex(ARTICLE)
    spans = index.find("I think we're going to make a deal ... I think we're getting very close")
    assert spans is not None
    # parts with nothing but punctuation between them in the article are one span (issue 10)
    assert [ARTICLE[a:b] for a, b in spans] == [
        "I think we’re going to make a deal … I think we’re getting very close"
    ]


def _reply(**over: object) -> BriefReply:
    base: dict[str, object] = {
        "title": "t",
        "summary": "One thing happened. It matters.",
        "key_facts": [
            {
                "statement": "s",
                "status": "claimed",
                "attribution": "Investigative Committee",
                "evidence": ["caused by a homemade bomb filled with shrapnel"],
            }
        ],
        "parties": [
            {"name": "Keith Kellogg", "kind": "person", "role": "r", "aliases": ["Kellogg"]},
            {"name": "Investigative Committee", "kind": "government", "role": "r"},
        ],
        "positions": [
            {
                "party": "Kellogg",
                "stance": "x",
                "evidence": ["security adviser—criticized the killing"],
            }
        ],
        "open_questions": [],
    }
    base.update(over)
    return BriefReply.model_validate(base)


def test_reply_grounded_with_alias_party() -> None:
    report = check_reply(_reply(), ARTICLE)
    assert report.ok, report.issues
    assert [e.path for e in report.evidence] == [
        "key_facts[0].evidence[0]",
        "positions[0].evidence[0]",
    ]


@pytest.mark.parametrize(
    ("over", "paths"),
    [
        (
            {
                "positions": [
                    {
                        "party": "Zelenskyy",
                        "stance": "x",
                        "evidence": ["security adviser—criticized the killing"],
                    }
                ]
            },
            ["positions[0].party"],
        ),
        (
            {
                "parties": [
                    {"name": "Olaf Scholz", "kind": "person", "role": "r"},
                    {
                        "name": "Keith Kellogg",
                        "kind": "person",
                        "role": "r",
                        "aliases": ["Kellogg"],
                    },
                ]
            },
            ["parties[0]"],
        ),
        # "Ian" must not be found inside "Russian"
        (
            {
                "parties": [
                    {"name": "Ian", "kind": "person", "role": "r"},
                    {
                        "name": "Keith Kellogg",
                        "kind": "person",
                        "role": "r",
                        "aliases": ["Kellogg"],
                    },
                ]
            },
            ["parties[0]"],
        ),
    ],
    ids=["position-party-not-listed", "party-not-in-article", "party-substring-only"],
)
def test_reply_party_checks(over: dict, paths: list[str]) -> None:
    report = check_reply(_reply(**over), ARTICLE)
    assert [i.path for i in report.issues] == paths


def test_validation_context_turns_issues_into_a_reask_message() -> None:
    data = _reply().model_dump()
    data["key_facts"][0]["evidence"] = ["a quote that is not in the article at all"]
    with pytest.raises(ValueError, match=r"key_facts\[0\]\.evidence\[0\]: quote not found"):
        BriefReply.model_validate(data, context={"article": ARTICLE})
    # without the article in context it parses: grounding is opt-in
    BriefReply.model_validate(data)


def test_prune_keeps_grounded_parts() -> None:
    data = _reply().model_dump()
    data["key_facts"][0]["evidence"].append("an invented sentence about the bomb")
    pruned, dropped = prune_ungrounded(BriefReply.model_validate(data), ARTICLE)
    assert pruned.key_facts[0].evidence == ["caused by a homemade bomb filled with shrapnel"]
    assert [d[0] for d in dropped] == ["key_facts[0].evidence[1]"]
