"""The brief engine end to end, replayed from cassettes.

Every cassette here was recorded through the real `openai` client against the local test server
(`summarizer.testing.server`) serving replies written for these fixtures: see cassettes/README.md.
Re-record them with `pytest tests/test_engine.py --record-mode=rewrite`. The tests check what
the code does with each reply: parse, validate, ground, re-ask, retry, map errors, cost.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from summarizer import (
    AuthenticationError,
    GroundingError,
    InputError,
    OutputTruncatedError,
    RefusalError,
    summarize,
)
from summarizer.brief.grounding import normalize
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import CallRecord
from summarizer.brief.prompts import PROMPT_VERSION, data_boundary, render
from summarizer.engine import asummarize
from summarizer.testing.server import FakeOpenAIServer, Step, error, reply

DATA = Path(__file__).parent / "data"
FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


def authored(name: str) -> dict[str, Any]:
    """A reply written by hand for a fixture article (never presented as a model's)."""
    return json.loads((DATA / "replies" / f"{name}.json").read_text(encoding="utf-8"))


def with_invented_quote(data: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(data)
    bad["key_facts"][0]["evidence"] = ["Moskalik was assassinated by Ukrainian intelligence agents"]
    return bad


def request_json(cassette: Any, i: int) -> dict[str, Any]:
    body = cassette.requests[i].body
    return json.loads(body.decode() if isinstance(body, bytes) else body)


@pytest.mark.vcr
def test_seed_article_end_to_end(seed_text: str) -> None:
    calls: list[CallRecord] = []
    with FakeOpenAIServer([reply(authored("seed"))]) as server:
        brief = summarize(seed_text, base_url=server.base_url, on_call=calls.append, retry=FAST)

    names = {p.name for p in brief.parties}
    assert {"Yaroslav Moskalik", "Donald Trump", "Keith Kellogg", "Baza"} <= names
    baza = [f for f in brief.key_facts if f.attribution == "Baza"]
    assert baza and baza[0].status == "reported"
    assert brief.meta.prompt_version == PROMPT_VERSION
    assert brief.meta.schema_version == "1"
    assert brief.meta.model == "gpt-4.1-mini"
    assert brief.meta.attempts == 1 and brief.meta.chunks == 1
    assert brief.meta.usage.total_tokens > 0
    assert brief.meta.cost_usd is not None and brief.meta.cost_usd > 0
    # Every quote is located, and the offsets really point at it.
    quotes = [q for f in brief.key_facts for q in f.evidence]
    quotes += [q for p in brief.positions for q in p.evidence]
    assert len(brief.meta.evidence) == len(quotes)
    for loc in brief.meta.evidence:
        found = " … ".join(seed_text[a:b] for a, b in loc.spans)
        assert normalize(found).replace("\u2026", "") in normalize(loc.quote).replace("\u2026", "")
    assert [c.outcome for c in calls] == ["ok"]


@pytest.mark.vcr
def test_invented_quote_is_reasked_and_mended(seed_text: str, vcr: Any) -> None:
    good = authored("seed")
    # The failing fact alone is asked for again (summarizer.brief.repair), and merged back.
    mended = {"fixes": [{"path": "key_facts[0]", "key_fact": good["key_facts"][0]}]}
    with FakeOpenAIServer([reply(with_invented_quote(good)), reply(mended)]) as server:
        brief = summarize(seed_text, base_url=server.base_url, retry=FAST)

    assert len(vcr.requests) == 2
    second = request_json(vcr, 1)
    assert second["tools"][0]["function"]["name"] == "RepairReply"
    reask = json.dumps(second["messages"], ensure_ascii=False)
    assert "key_facts[0]" in reask
    assert "evidence[0]: quote not found verbatim in the article" in reask
    assert "Moskalik was assassinated by Ukrainian intelligence agents" in reask
    assert brief.meta.attempts == 2
    assert brief.key_facts[0].evidence == good["key_facts"][0]["evidence"]


@pytest.mark.vcr
def test_grounding_failure_strict_raises_with_context(seed_text: str) -> None:
    bad = with_invented_quote(authored("seed"))
    # The repair sends the same failing fact back.
    same = {"fixes": [{"path": "key_facts[0]", "key_fact": bad["key_facts"][0]}]}
    with (
        FakeOpenAIServer([reply(bad), reply(same)]) as server,
        pytest.raises(GroundingError) as info,
    ):
        summarize(seed_text, base_url=server.base_url, retry=FAST, max_retries=1)
    err = info.value
    assert err.attempts == 2
    assert err.usage is not None and err.usage.total_tokens > 0
    assert [i.path for i in err.issues] == ["key_facts[0].evidence[0]"]
    assert "Moskalik was assassinated" in str(err.last_reply)
    assert "\n" not in str(err)


@pytest.mark.vcr
def test_grounding_failure_not_strict_drops_items(seed_text: str) -> None:
    bad = with_invented_quote(authored("seed"))
    bad["parties"].append({"name": "Olaf Scholz", "kind": "person", "role": "x", "aliases": []})
    # The repair sends the same failing items back.
    same = {
        "fixes": [
            {"path": "key_facts[0]", "key_fact": bad["key_facts"][0]},
            {"path": f"parties[{len(bad['parties']) - 1}]", "party": bad["parties"][-1]},
        ]
    }
    with FakeOpenAIServer([reply(bad), reply(same)]) as server:
        brief = summarize(
            seed_text, base_url=server.base_url, retry=FAST, max_retries=1, strict=False
        )
    dropped = {d.path: d.reason for d in brief.meta.dropped}
    assert dropped["key_facts[0].evidence[0]"] == "quote not found"
    assert dropped["key_facts[0]"] == "no grounded evidence left"
    assert any(d.item.get("name") == "Olaf Scholz" for d in brief.meta.dropped)
    assert "Olaf Scholz" not in {p.name for p in brief.parties}
    assert len(brief.key_facts) == len(bad["key_facts"]) - 1


@pytest.mark.vcr
@pytest.mark.parametrize(
    ("first", "outcome"),
    [
        (
            error(
                429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after": "0"}
            ),
            "rate_limited",
        ),
        (error(500, "The server had an error while processing your request."), "server_error"),
        (error(503, "The engine is currently overloaded."), "server_error"),
    ],
    ids=["429", "500", "503"],
)
def test_transient_error_then_success(seed_text: str, first: Step, outcome: str) -> None:
    calls: list[CallRecord] = []
    with FakeOpenAIServer([first, reply(authored("seed"))]) as server:
        brief = summarize(seed_text, base_url=server.base_url, on_call=calls.append, retry=FAST)
    assert [c.outcome for c in calls] == [outcome, "ok"]
    assert calls[0].status_code == first.status
    assert brief.meta.attempts == 2


@pytest.mark.vcr
def test_refusal_is_reported_as_refusal(seed_text: str) -> None:
    refusal = "I'm sorry, but I can't help with that request."
    with (
        FakeOpenAIServer([Step("refusal", refusal)]) as server,
        pytest.raises(RefusalError) as info,
    ):
        summarize(seed_text, base_url=server.base_url, retry=FAST)
    assert info.value.refusal == refusal
    assert info.value.attempts == 1
    assert "refused" in str(info.value)


@pytest.mark.vcr
def test_length_then_larger_budget_succeeds(seed_text: str, vcr: Any) -> None:
    with FakeOpenAIServer(
        [Step("length", '{"title": "Russian gen'), reply(authored("seed"))]
    ) as server:
        brief = summarize(seed_text, base_url=server.base_url, retry=FAST)
    budgets = [request_json(vcr, i)["max_tokens"] for i in range(2)]
    assert budgets[1] > budgets[0]
    assert any("cut off" in w for w in brief.meta.warnings)


@pytest.mark.vcr
def test_length_every_time_is_a_clear_error(seed_text: str, vcr: Any) -> None:
    with (
        FakeOpenAIServer([Step("length", '{"title": "Cut')] * 4) as server,
        pytest.raises(OutputTruncatedError) as info,
    ):
        summarize(seed_text, base_url=server.base_url, retry=FAST)
    assert "output limit" in str(info.value)
    # three growing budgets on the whole article, then a smaller part, then give up
    assert len(vcr.requests) == 4


@pytest.mark.vcr
def test_401_fails_at_once_with_what_to_do(seed_text: str) -> None:
    step = error(
        401,
        "Incorrect API key provided: sk-proj-abc***************************xyz1.",
        code="invalid_api_key",
    )
    with FakeOpenAIServer([step]) as server, pytest.raises(AuthenticationError) as info:
        summarize(seed_text, base_url=server.base_url, retry=FAST)
    message = str(info.value)
    assert "401" in message and "OPENAI_API_KEY" in message
    assert "sk-" not in message
    assert info.value.attempts == 1
    assert info.value.exit_code == 2


@pytest.mark.vcr
def test_prompt_injection_stays_content(vcr: Any) -> None:
    article = (DATA / "articles" / "injection.txt").read_text(encoding="utf-8")
    with FakeOpenAIServer([reply(authored("injection"))]) as server:
        brief = summarize(article, base_url=server.base_url, retry=FAST)
    sent = request_json(vcr, 0)["messages"]
    assert sent[0] == {"role": "system", "content": render(f"{PROMPT_VERSION}.system.j2")}
    user = sent[1]["content"]
    # The article sits last, inside its delimiters, after our instructions; the closing tag
    # carries a code the article does not contain.
    opening = re.search(r"<article-([0-9a-f]{12})>\n", user)
    assert opening is not None
    code = opening.group(1)
    assert code == data_boundary(user[opening.end() : user.rindex("\n</article-")])
    assert user.rstrip().endswith(f"</article-{code}>")
    assert user.index(f"<article-{code}>") < user.index("Ignore previous instructions")
    assert code not in article
    assert "is part of the article's content" in " ".join(sent[0]["content"].split())
    assert "HACKED" not in brief.title
    assert any("anonymous comment" in f.statement for f in brief.key_facts)


def test_async_seed_article(seed_text: str) -> None:
    """asummarize against the live local server (no cassette): same result as summarize."""
    import asyncio

    with FakeOpenAIServer([reply(authored("seed"))]) as server:
        brief = asyncio.run(asummarize(seed_text, base_url=server.base_url, retry=FAST))
        assert len(server.requests) == 1
    assert brief.meta.attempts == 1
    assert len(brief.meta.evidence) > 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t  ", "empty"),
        ("abc\x00def" * 10, "binary"),
        ("\x01\x02\x03\x04 some text " * 10, "binary"),
        ("12 34 56 78 90 " * 20, "almost no words"),
        (b"bytes are not text", "decode"),
    ],
    ids=["empty", "whitespace", "nul", "controls", "numbers", "bytes"],
)
def test_bad_input_fails_before_any_call(text: Any, message: str) -> None:
    with FakeOpenAIServer() as server, pytest.raises(InputError, match=message):
        summarize(text, base_url=server.base_url)
    assert server.requests == []


def test_no_key_no_base_url_is_a_one_line_error(seed_text: str, monkeypatch: Any) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(
        AuthenticationError, match="no API key: set OPENAI_API_KEY, or give a base URL"
    ):
        summarize(seed_text)


def test_401_message_never_shows_a_key(seed_text: str) -> None:
    """Live against the local server (a cassette is scrubbed, so it could not show this)."""
    step = error(
        401,
        "Incorrect API key provided: sk-proj-abc***************************xyz1.",
        code="invalid_api_key",
    )
    with FakeOpenAIServer([step]) as server, pytest.raises(AuthenticationError) as info:
        summarize(seed_text, base_url=server.base_url, retry=FAST)
    assert "sk-" not in str(info.value)
    assert "[redacted]" in str(info.value)


def long_article(words: int = 60_000) -> str:
    """A deterministic synthetic article of about `words` words, in paragraphs."""
    import random

    rng = random.Random(7)
    people = ["Maria Keller", "Tomas Reed", "Anan Chai", "Lena Ortiz", "Omar Haddad"]
    places = ["Northport", "the river district", "the old harbour", "the capital", "Eastfield"]
    verbs = ["said", "told reporters", "wrote in a statement", "argued", "confirmed"]
    things = [
        "the new flood barrier",
        "the budget plan",
        "the port expansion",
        "the rail contract",
        "the water tariff",
    ]
    paras: list[str] = []
    count = 0
    n = 0
    while count < words:
        sents = []
        for _ in range(rng.randint(3, 6)):
            n += 1
            s = (
                f"{rng.choice(people)} {rng.choice(verbs)} that {rng.choice(things)} in "
                f"{rng.choice(places)} would be reviewed again in meeting {n}."
            )
            sents.append(s)
            count += len(s.split())
        paras.append(" ".join(sents))
    return "\n\n".join(paras)


def part_responder(request: dict[str, Any]) -> Step:
    """Authored replies for the synthetic long article, made from the part in each request."""
    from summarizer.testing.server import article_of

    part = article_of(request)
    sentences = [s.strip() for s in part.split(".") if s.strip()][:3]
    people = sorted({" ".join(s.split()[:2]) for s in sentences})
    return reply(
        {
            "title": "Northport council reviews its projects",
            "summary": "Officials keep reviewing several projects. Meetings continue.",
            "key_facts": [
                {
                    "statement": s,
                    "evidence": [s + "."],
                    "status": "claimed",
                    "attribution": " ".join(s.split()[:2]),
                }
                for s in sentences
            ],
            "parties": [
                {"name": p, "kind": "person", "role": "official", "aliases": [p.split()[-1]]}
                for p in people
            ],
            "positions": [
                {"party": " ".join(s.split()[:2]), "stance": "Wants a review.", "evidence": [s]}
                for s in sentences[:1]
            ],
            "open_questions": [
                {
                    "question": "When will the reviews end?",
                    "why_open": "No date is given.",
                    "parties": people[:1],
                }
            ],
        }
    )


@pytest.mark.vcr
def test_sixty_thousand_words_several_calls_one_brief(vcr: Any) -> None:
    article = long_article()
    assert len(article.split()) >= 60_000
    with FakeOpenAIServer(responder=part_responder) as server:
        brief = summarize(article, base_url=server.base_url, retry=FAST)
    calls = len(vcr.requests)
    assert calls >= 3
    assert brief.meta.chunks == calls
    # each request carried one part, marked as such, and together they cover the article
    parts = [request_json(vcr, i)["messages"][1]["content"] for i in range(calls)]
    assert all(f"of {calls} of one long article" in p for p in parts)
    # one merged brief: parties deduplicated across parts, facts from every part, all grounded
    names = [p.name for p in brief.parties]
    assert len(names) == len(set(names)) <= 5
    assert len(brief.key_facts) == 3 * calls
    assert len(brief.meta.evidence) == sum(len(f.evidence) for f in brief.key_facts) + sum(
        len(p.evidence) for p in brief.positions
    )
    assert brief.meta.usage.prompt_tokens > 60_000


def test_logs_never_show_a_key(seed_text: str, caplog: pytest.LogCaptureFixture) -> None:
    """instructor logs raw API errors; a 401 body echoes a masked key; our filter redacts it."""
    import logging

    caplog.set_level(logging.DEBUG)
    step = error(401, "Incorrect API key provided: sk-proj-abc***xyz1.", code="invalid_api_key")
    with FakeOpenAIServer([step]) as server, pytest.raises(AuthenticationError):
        summarize(seed_text, base_url=server.base_url, retry=FAST)
    assert caplog.records, "expected instructor/openai to log the failure"
    assert all("sk-" not in r.getMessage() for r in caplog.records)
