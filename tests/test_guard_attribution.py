"""The guard's attribution checks: who the article says spoke a quote, and how sure it is.

Every case is a sentence of a real article: the 14 Wikinews articles in eval/gold/wikinews-*
(article.txt is the body of ../shared/external/wikinews/NN_slug_DATE.txt, CC BY 2.5), checked
with the parties of that article's gold brief.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from summarizer.brief.grounding import (
    ArticleIndex,
    check_quote,
    check_reply,
    format_issues,
    prune_ungrounded,
)
from summarizer.brief.guard_attribution import (
    _Found,
    _speaker_issues,
    _speakers,
    check_attribution,
    layout,
    status_cue,
)
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import BriefReply, CorrectedItem, KeyFact, Position
from summarizer.engine import summarize
from summarizer.evaluation.dataset import load_dataset
from summarizer.testing.server import FakeOpenAIServer, reply

GOLD = Path(__file__).resolve().parent.parent / "eval" / "gold"


def _article(name: str) -> tuple[str, BriefReply]:
    folder = GOLD / name
    text = (folder / "article.txt").read_text(encoding="utf-8")
    gold = BriefReply.model_validate_json((folder / "gold.json").read_text(encoding="utf-8"))
    return text, gold


def _with(
    gold: BriefReply, *, facts: Sequence[KeyFact] = (), positions: Sequence[Position] = ()
) -> BriefReply:
    return gold.model_copy(update={"key_facts": list(facts), "positions": list(positions)})


# --- status: a confirmed fact the article does not state as fact ---------------------------------


@pytest.mark.parametrize(
    ("article", "quote", "status", "cue"),
    [
        # 17_indonesia-asylum-rescue: the adverb bears on its own clause only
        (
            "wikinews-17-indonesia-asylum-rescue",
            "the Indonesian Navy reportedly saved 200 more",
            "reported",
            "reportedly",
        ),
        (
            "wikinews-17-indonesia-asylum-rescue",
            "On Friday, fishermen rescued over 700 asylum seekers whose boat sank",
            None,
            None,
        ),
        # ... "According to ABC News, Basya also believes ... may have left the boat on purpose"
        (
            "wikinews-17-indonesia-asylum-rescue",
            "the asylum seekers found in the water may have left the boat on purpose",
            "reported",
            "According to ABC News",
        ),
        # 03_homeopathy-manslaughter-trial: "Allegedly, Thomas' sister pleaded with him ..."
        (
            "wikinews-03-homeopathy-manslaughter-trial",
            "Thomas' sister pleaded with him to send Gloria to a conventional medical doctor",
            "reported",
            "Allegedly",
        ),
        # 05_north-korea-quasi-war: "According to Yonhap news agency, quoting ... KCNA, ..."
        (
            "wikinews-05-north-korea-quasi-war",
            "the country's military has been placed on high alert",
            "reported",
            "According to Yonhap news agency",
        ),
        # 11_scientology-defector-arrest: a named party's account is a claim
        (
            "wikinews-11-scientology-defector-arrest",
            "a detective for the Los Angeles Sheriff's office was provided with material from "
            "Scientology",
            "claimed",
            "According to Rathbun",
        ),
        # 01_uk-asylum-questionnaire: "A leaked internal letter seen by Sky News says ..."
        (
            "wikinews-01-uk-asylum-questionnaire",
            "failure to return the questionnaire without reasonable explanation may result in an "
            "individual's asylum claim being withdrawn",
            "reported",
            "seen by Sky News",
        ),
        # 01: "... was reportedly rejected by Prime Minister Boris Johnson ..."
        (
            "wikinews-01-uk-asylum-questionnaire",
            "A similar fast-track system backed by the British Red Cross in September 2021 for "
            "3,000 Afghan refugees was reportedly rejected",
            "reported",
            "reportedly",
        ),
        # 05: stated by the article itself
        (
            "wikinews-05-north-korea-quasi-war",
            "Both countries have put their militaries on high levels of alert.",
            None,
            None,
        ),
        # 01: the article's own figures, with no cue
        (
            "wikinews-01-uk-asylum-questionnaire",
            "a record 45,756 migrants crossing the Channel last year",
            None,
            None,
        ),
    ],
)
def test_status_cue_on_real_sentences(
    article: str, quote: str, status: str | None, cue: str | None
) -> None:
    text, gold = _article(article)
    kind, spans = check_quote(ArticleIndex(text), quote)
    assert kind is None, kind
    got = status_cue(text, layout(text).sentences_of(spans), spans, list(gold.parties))
    assert (got.status if got else None) == status
    if cue is not None:
        assert got is not None and cue.lower() in got.cue.lower()


def test_an_overstated_fact_is_reasked_with_what_the_article_says() -> None:
    text, gold = _article("wikinews-17-indonesia-asylum-rescue")
    fact = KeyFact(
        statement="The navy saved 200 more asylum seekers.",
        evidence=["the Indonesian Navy reportedly saved 200 more"],
        status="confirmed",
    )
    issues = check_attribution(_with(gold, facts=[fact]), text)
    assert [(i.path, i.kind) for i in issues] == [("key_facts[0].status", "status_overstated")]
    message = format_issues(issues)
    assert "only as reported ('reportedly')" in message and "use status reported" in message
    # the same fact given its true status passes
    fact.status = "reported"
    assert check_attribution(_with(gold, facts=[fact]), text) == []


# --- an ellipsis that skips a hedge -----------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "quote", "skipped"),
    [
        # 17: "... believes the asylum seekers found in the water may have left the boat ..."
        (
            "wikinews-17-indonesia-asylum-rescue",
            "Basya also believes the asylum seekers found in the water … left the boat on purpose",
            "may have",
        ),
        # 01: "... for 3,000 Afghan refugees was reportedly rejected by Prime Minister ..."
        (
            "wikinews-01-uk-asylum-questionnaire",
            "for 3,000 Afghan refugees was … rejected by Prime Minister Boris Johnson",
            "reportedly",
        ),
        # 17: the second part is in the navy's clause, whose "reportedly" the '…' hides
        (
            "wikinews-17-indonesia-asylum-rescue",
            "fishermen rescued over 700 asylum seekers … saved 200 more",
            "reportedly",
        ),
        # 09_warming-ozone-crops: "... says some crops may have higher yields ..."
        (
            "wikinews-09-warming-ozone-crops",
            "Environmental Protection Agency says some crops … higher yields",
            "may have",
        ),
    ],
)
def test_an_ellipsis_that_skips_a_hedge(article: str, quote: str, skipped: str) -> None:
    text, gold = _article(article)
    fact = KeyFact(statement="s", evidence=[quote], status="reported")
    issues = check_attribution(_with(gold, facts=[fact]), text)
    assert [i.kind for i in issues] == ["quote_skips_hedge"]
    # the message names the words skipped (or, for a long stretch, the cue among them)
    assert skipped in issues[0].message.split(" in the article")[0]


@pytest.mark.parametrize(
    ("article", "quote"),
    [
        # words skipped with no doubt in them
        (
            "wikinews-05-north-korea-quasi-war",
            "North Korea fired artillery rounds … that broadcasts anti-Pyongyang propaganda",
        ),
        # a hedge in a whole sentence between the parts bears on neither
        (
            "wikinews-17-indonesia-asylum-rescue",
            "a warship was deployed to retrieve them. … the United Nations rates the Rohingya",
        ),
    ],
)
def test_an_ellipsis_that_skips_no_hedge_passes(article: str, quote: str) -> None:
    text, gold = _article(article)
    fact = KeyFact(statement="s", evidence=[quote], status="reported")
    assert check_quote(ArticleIndex(text), quote)[0] is None
    assert check_attribution(_with(gold, facts=[fact]), text) == []


# --- precision: the gold briefs -----------------------------------------------------------------


def test_no_gold_brief_is_rejected() -> None:
    data = load_dataset(GOLD)
    rejected = [
        f"{art.id}: {i.message}"
        for art in data.articles
        for i in check_attribution(art.gold, art.text)
    ]
    assert rejected == []
    assert len(data.articles) >= 9


# --- strict=False -------------------------------------------------------------------------------


def test_strict_false_corrects_the_status_and_drops_a_hedge_skipping_quote() -> None:
    text, gold = _article("wikinews-17-indonesia-asylum-rescue")
    facts = [
        KeyFact(
            statement="The navy saved 200 more asylum seekers.",
            evidence=["the Indonesian Navy reportedly saved 200 more"],
            status="confirmed",
        ),
        KeyFact(
            statement="The asylum seekers left the boat on purpose.",
            evidence=["the asylum seekers found in the water … left the boat on purpose"],
            status="claimed",
        ),
        KeyFact(
            statement="Fishermen rescued more than 700 asylum seekers.",
            evidence=["On Friday, fishermen rescued over 700 asylum seekers whose boat sank"],
            status="confirmed",
        ),
    ]
    reply = _with(gold, facts=facts, positions=list(gold.positions))
    corrected: list[CorrectedItem] = []
    pruned, dropped = prune_ungrounded(reply, text, corrected)
    assert [(c.path, c.before, c.after) for c in corrected] == [
        ("key_facts[0].status", "confirmed", "reported")
    ]
    assert "reportedly" in corrected[0].reason
    assert [(p, why) for p, why, _ in dropped] == [
        ("key_facts[1].evidence[0]", "quote skips hedge"),
        ("key_facts[1]", "no grounded evidence left"),
    ]
    assert [f.statement for f in pruned.key_facts] == [facts[0].statement, facts[2].statement]
    assert [f.status for f in pruned.key_facts] == ["reported", "confirmed"]
    assert check_reply(pruned, text).ok


# --- who speaks a quote ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "party", "quote", "speaker"),
    [
        # 05_north-korea-quasi-war: "... and South Korea says the broadcasts will continue."
        (
            "wikinews-05-north-korea-quasi-war",
            "North Korea",
            "South Korea says the broadcasts will continue",
            "South Korea",
        ),
        # 27_ahmed-mohamed-clock: "Jafari said she felt Mohamed had been subject to ..."
        (
            "wikinews-27-ahmed-mohamed-clock",
            "Mark Zuckerberg",
            "Jafari said she felt Mohamed had been subject to Islamophobia",
            "Amneh Jafari",
        ),
        # 19_canada-document-street: no reporting verb, the sentence's subject acts
        (
            "wikinews-19-canada-document-street",
            "Paul Dewar",
            "Environment Minister John Baird has asked government officials how such documents",
            "John Baird",
        ),
        # 01_uk-asylum-questionnaire: Braverman's words on GB News given to Sunak
        (
            "wikinews-01-uk-asylum-questionnaire",
            "Rishi Sunak",
            "It's clear that we have an unsustainable situation in towns and cities around our "
            "country",
            "Suella Braverman",
        ),
    ],
)
def test_a_quote_under_another_listed_party_is_reasked_naming_the_speaker(
    article: str, party: str, quote: str, speaker: str
) -> None:
    text, gold = _article(article)
    reply = _with(gold, positions=[Position(party=party, stance="s", evidence=[quote])])
    issues = check_attribution(reply, text)
    assert [i.kind for i in issues] == ["attributed_to_other_party"]
    assert f"the article attributes this quote to {speaker}, not to {party}" in issues[0].message
    # given to the party the article names, the same quote passes
    right = _with(gold, positions=[Position(party=speaker, stance="s", evidence=[quote])])
    assert check_attribution(right, text) == []


@pytest.mark.parametrize(
    ("article", "party", "quote"),
    [
        # 17: ABC News relays what Basya believes: Basya's position, not the outlet's words
        (
            "wikinews-17-indonesia-asylum-rescue",
            "Fuad Basya",
            "Basya also believes the asylum seekers found in the water may have left the boat",
        ),
        # 05: KCNA's quote whose subject is Kim Jong-un's order
        (
            "wikinews-05-north-korea-quasi-war",
            "Kim Jong-un",
            "Kim Jong-un issued an order of the supreme commander of the Korean People's Army",
        ),
        # 19_canada-document-street: "Dewar says that ... However, when a government document
        # has been found on the streets, the government then says ...": Dewar's words carry on
        (
            "wikinews-19-canada-document-street",
            "Paul Dewar",
            "However, when a government document has been found on the streets, the government "
            "then says it wasn't particularly sensitive.",
        ),
        # 03_homeopathy-manslaughter-trial: the prosecutor's direct quote about Gloria is his,
        # though it opens with her name
        (
            "wikinews-03-homeopathy-manslaughter-trial",
            "Mark Tedeschi",
            "Gloria spent a lot of the last five months of her life crying, irritable, scratching",
        ),
        # 27: two parties assert it together
        (
            "wikinews-27-ahmed-mohamed-clock",
            "Irving Independent School District",
            "Both the Irving Independent School District and the Irving Police Department",
        ),
    ],
)
def test_a_quote_the_article_ties_to_the_party_passes(article: str, party: str, quote: str) -> None:
    text, gold = _article(article)
    reply = _with(gold, positions=[Position(party=party, stance="s", evidence=[quote])])
    assert check_quote(ArticleIndex(text), quote)[0] is None
    assert check_attribution(reply, text) == []


def test_an_ellipsis_joining_two_speakers_is_reasked() -> None:
    # 01: Braverman on GB News, then Sunak in the next paragraph. The matcher may refuse a '…'
    # across paragraphs on its own; the speaker check is tested on the parts' own spans.
    text, gold = _article("wikinews-01-uk-asylum-questionnaire")
    first = "we have an unsustainable situation in towns and cities around our country"
    second = "we want a system whereby if someone arrives in our country illegally"
    index = ArticleIndex(text)
    spans = [index.find(first)[0], index.find(second)[0]]  # type: ignore[index]
    quote = f"{first} … {second}"
    reply = _with(
        gold, positions=[Position(party="Suella Braverman", stance="s", evidence=[quote])]
    )
    found = [_Found("positions[0].evidence[0]", "positions", 0, 0, quote, spans)]
    issues = _speaker_issues(reply, found, _speakers(reply, text), text)
    assert [i.kind for i in issues] == ["joins_speakers"]
    assert "to Suella Braverman and" in issues[0].message and "to Rishi Sunak" in issues[0].message
    # and the guard refuses the quote, whichever check sees it first
    assert any(i.path == "positions[0].evidence[0]" for i in check_reply(reply, text).issues)
    # the gold brief's own '[...]' quotes of one speaker pass (test_no_gold_brief_is_rejected)


def test_strict_false_drops_a_quote_of_another_party() -> None:
    text, gold = _article("wikinews-05-north-korea-quasi-war")
    positions = [
        Position(
            party="North Korea",
            stance="s",
            evidence=["South Korea says the broadcasts will continue"],
        ),
        Position(
            party="South Korea",
            stance="t",
            evidence=["South Korea says the broadcasts will continue"],
        ),
    ]
    corrected: list[CorrectedItem] = []
    pruned, dropped = prune_ungrounded(_with(gold, positions=positions), text, corrected)
    assert [(p, why) for p, why, _ in dropped] == [
        ("positions[0].evidence[0]", "attributed to other party"),
        ("positions[0]", "no grounded evidence left"),
    ]
    assert [p.party for p in pruned.positions] == ["South Korea"] and corrected == []


# --- the LLM path, through authored cassettes (local test server) -------------------------------

REPLIES = Path(__file__).resolve().parent / "data" / "replies"
FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


def _seed_reply_with_errors() -> tuple[dict[str, Any], dict[str, Any]]:
    """The authored seed reply, and a copy with the Baza fact called confirmed and Trump's
    first quote given to Putin."""
    good = json.loads((REPLIES / "seed.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(good)
    assert bad["key_facts"][3]["evidence"][0].startswith("According to Baza")
    bad["key_facts"][3]["status"] = "confirmed"
    assert bad["positions"][0]["party"] == "Donald Trump"
    bad["positions"][0]["party"] = "Vladimir Putin"
    return good, bad


@pytest.mark.vcr
def test_llm_path_reasks_saying_what_the_article_says(seed_text: str, vcr: Any) -> None:
    good, bad = _seed_reply_with_errors()
    # Only the two failing items are asked for again (summarizer.brief.repair).
    mended = {
        "fixes": [
            {"path": "key_facts[3]", "key_fact": good["key_facts"][3]},
            {"path": "positions[0]", "position": good["positions"][0]},
        ]
    }
    with FakeOpenAIServer([reply(bad), reply(mended)]) as server:
        brief = summarize(seed_text, base_url=server.base_url, retry=FAST)
    assert len(vcr.requests) == 2
    body = vcr.requests[1].body
    sent = json.loads(body.decode() if isinstance(body, bytes) else body)
    reask = json.dumps(sent["messages"], ensure_ascii=False)
    assert (
        "status: the article gives this only as reported ('According to Baza'): "
        "use status reported" in reask
    )
    assert "the article attributes this quote to Donald Trump, not to Vladimir Putin" in reask
    assert brief.key_facts[3].status == "reported" and brief.meta.corrected == []


@pytest.mark.vcr
def test_llm_path_strict_false_corrects_the_status_and_drops_the_quote(seed_text: str) -> None:
    _, bad = _seed_reply_with_errors()
    # The repair sends the same failing items back.
    same = {
        "fixes": [
            {"path": "key_facts[3]", "key_fact": bad["key_facts"][3]},
            {"path": "positions[0]", "position": bad["positions"][0]},
        ]
    }
    with FakeOpenAIServer([reply(bad), reply(same)]) as server:
        brief = summarize(
            seed_text, base_url=server.base_url, retry=FAST, max_retries=1, strict=False
        )
    assert [(c.path, c.before, c.after) for c in brief.meta.corrected] == [
        ("key_facts[3].status", "confirmed", "reported")
    ]
    assert "According to Baza" in brief.meta.corrected[0].reason
    assert brief.key_facts[3].status == "reported"
    dropped = {d.path: d.reason for d in brief.meta.dropped}
    assert dropped == {
        "positions[0].evidence[0]": "attributed to other party",
        "positions[0].evidence[1]": "attributed to other party",
        "positions[0]": "no grounded evidence left",
    }
    assert len(brief.positions) == len(bad["positions"]) - 1
