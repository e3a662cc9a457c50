"""Repair, don't redo: a reply's failing items are asked for again alone, and merged back.

Unit tests of `summarizer.brief.repair` (failing items, passages, merge, the flow's choices),
then the flow end to end through the real `openai` client against the local test server.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import GroundingError, summarize
from summarizer.brief import repair
from summarizer.brief.grounding import ArticleIndex, check_reply
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import BriefReply, CallRecord
from summarizer.brief.tokens import count_tokens
from summarizer.engine import asummarize
from summarizer.testing.server import FakeOpenAIServer, reply

DATA = Path(__file__).parent / "data"
FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)
INVENTED = "Moskalik was assassinated by Ukrainian intelligence agents"


def authored() -> dict[str, Any]:
    """The authored reply for the seed article (tests/data/replies/seed.json)."""
    return json.loads((DATA / "replies" / "seed.json").read_text(encoding="utf-8"))


def with_invented_quote(data: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(data)
    bad["key_facts"][0]["evidence"] = [INVENTED]
    return bad


def fix_of(path: str, **item: Any) -> dict[str, Any]:
    return {"fixes": [{"path": path, **item}]}


# --- units -----------------------------------------------------------------------------------


def test_failing_items_group_issues_by_item(seed_text: str) -> None:
    bad = with_invented_quote(authored())
    bad["positions"][2]["party"] = "Nobody Listed"
    bad["parties"].append({"name": "Olaf Scholz", "kind": "person", "role": "x", "aliases": []})
    r = BriefReply.model_validate(bad)
    report = check_reply(r, seed_text)
    failing = repair.failing_items(r, report)
    assert [f.path for f in failing] == ["key_facts[0]", "positions[2]", "parties[17]"]
    assert [p.kind for p in failing[0].problems] == ["quote_not_found"]
    assert not repair.unusable(r, failing)


def test_unusable_when_no_fact_or_position_passes(seed_text: str) -> None:
    bad = authored()
    for item in bad["key_facts"] + bad["positions"]:
        item["evidence"] = [INVENTED]
    r = BriefReply.model_validate(bad)
    assert repair.unusable(r, repair.failing_items(r, check_reply(r, seed_text)))


def test_passage_of_a_quote_not_in_the_article_is_its_nearest_sentence(seed_text: str) -> None:
    index = ArticleIndex.of(seed_text)
    near = repair.passage_for(
        index, [], "the bomb was placed in a parked vehicle and set off remotely", "Bomb"
    )
    assert near is not None and "detonated remotely" in near
    assert near in " ".join(seed_text.split())
    # Nothing of the article comes near: no passage rather than a wrong one.
    assert repair.passage_for(index, [], "quantum chromodynamics lattice gauge", "") is None


def test_passage_of_a_located_quote_holds_the_sentence_before(seed_text: str) -> None:
    index = ArticleIndex.of(seed_text)
    quote = "I think we’re going to make a deal"
    loc = index.locate(quote)
    assert loc.ok
    passage = repair.passage_for(index, loc.spans, quote, "")
    assert passage is not None and quote in passage
    assert passage.index(quote) > 0  # the sentence before it came too


def test_passage_of_a_quote_in_a_long_sentence_keeps_the_quote() -> None:
    filler = " ".join(f"word{i}" for i in range(200))
    said = "and the council said the bridge will reopen in May"
    text = f"The mayor spoke first. {filler} {said} {filler}."
    index = ArticleIndex(text)
    quote = "the council said the bridge will reopen in May"
    loc = index.locate(quote)
    assert loc.ok
    passage = repair.passage_for(index, loc.spans, quote, "")
    assert passage is not None and quote in passage
    assert len(passage) <= repair.MAX_PASSAGE_CHARS + 2


def test_merge_replaces_only_failing_items_and_removes_empty_fixes(seed_text: str) -> None:
    good = authored()
    bad = with_invented_quote(good)
    bad["parties"].append({"name": "Olaf Scholz", "kind": "person", "role": "x", "aliases": []})
    r = BriefReply.model_validate(bad)
    failing = repair.failing_items(r, check_reply(r, seed_text))
    fixed = repair.RepairReply.model_validate(
        {
            "fixes": [
                {"path": "key_facts[0]", "key_fact": good["key_facts"][0]},
                {"path": "parties[17]"},  # removed
                # Not failing: ignored, the item that passed stays as it was.
                {"path": "key_facts[1]", "key_fact": good["key_facts"][2]},
            ]
        }
    )
    merged = repair.merge(r, failing, fixed)
    assert merged.key_facts[0].evidence == good["key_facts"][0]["evidence"]
    assert merged.key_facts[1].statement == good["key_facts"][1]["statement"]
    assert "Olaf Scholz" not in {p.name for p in merged.parties}
    assert len(merged.key_facts) == len(good["key_facts"])
    assert check_reply(merged, seed_text).ok


def test_merge_keeps_an_item_whose_fix_is_of_the_wrong_kind(seed_text: str) -> None:
    bad = with_invented_quote(authored())
    r = BriefReply.model_validate(bad)
    failing = repair.failing_items(r, check_reply(r, seed_text))
    wrong = repair.RepairReply.model_validate(
        fix_of("key_facts[0]", party={"name": "Baza", "kind": "media", "role": "x"})
    )
    merged = repair.merge(r, failing, wrong)
    assert merged.key_facts[0].evidence == [INVENTED]


def test_repair_request_holds_the_items_problems_and_passages_not_the_article(
    seed_text: str,
) -> None:
    bad = with_invented_quote(authored())
    r = BriefReply.model_validate(bad)
    report = check_reply(r, seed_text)
    index = ArticleIndex.of(seed_text)
    failing = repair.add_passages(repair.failing_items(r, report), report, index)
    messages = repair.repair_messages(r, failing)
    user = messages[1]["content"]
    assert "key_facts[0]:" in user and INVENTED in user
    assert "quote not found verbatim in the article" in user
    assert "- article: " in user and "Yaroslav Moskalik" in user
    # Only the item that failed, and far less than the article.
    assert good_statement(1) not in user
    assert count_tokens(user, "gpt-4.1-mini") * 3 < count_tokens(seed_text, "gpt-4.1-mini")
    # The listed parties are sent only when a position fails (its party must be one of them).
    assert "Listed parties" not in user
    bad["positions"][2]["party"] = "Nobody Listed"
    r = BriefReply.model_validate(bad)
    failing = repair.failing_items(r, check_reply(r, seed_text))
    user = repair.repair_messages(r, failing)[1]["content"]
    assert "Listed parties: Yaroslav Moskalik, Vladimir Putin" in user
    assert "positions[2]:" in user and "'Nobody Listed' is not the name or alias" in user


def good_statement(i: int) -> str:
    return str(authored()["key_facts"][i]["statement"])


# --- end to end through the local server ------------------------------------------------------


def test_a_failing_quote_is_repaired_alone(seed_text: str) -> None:
    good = authored()
    calls: list[CallRecord] = []
    script = [
        reply(with_invented_quote(good)),
        reply(fix_of("key_facts[0]", key_fact=good["key_facts"][0])),
    ]
    with FakeOpenAIServer(script) as server:
        brief = summarize(seed_text, base_url=server.base_url, retry=FAST, on_call=calls.append)
        first, second = server.requests
    assert [t["function"]["name"] for t in second["tools"]] == ["RepairReply"]
    assert len(json.dumps(second)) * 2 < len(json.dumps(first))
    assert brief.key_facts[0].evidence == good["key_facts"][0]["evidence"]
    assert [f.statement for f in brief.key_facts[1:]] == [
        f["statement"] for f in good["key_facts"][1:]
    ]
    # Every call is recorded with its tokens, and counts in the brief's usage.
    assert len(calls) == 2 and all(c.usage.total_tokens > 0 for c in calls)
    assert brief.meta.attempts == 2
    assert brief.meta.usage.total_tokens == sum(c.usage.total_tokens for c in calls)
    assert [c.outcome for c in calls] == ["repaired", "ok"]


def test_async_path_repairs_too(seed_text: str) -> None:
    good = authored()
    script = [
        reply(with_invented_quote(good)),
        reply(fix_of("key_facts[0]", key_fact=good["key_facts"][0])),
    ]

    async def run(url: str) -> Any:
        return await asummarize(seed_text, base_url=url, retry=FAST)

    with FakeOpenAIServer(script) as server:
        brief = asyncio.run(run(server.base_url))
        assert server.requests[1]["tools"][0]["function"]["name"] == "RepairReply"
    assert brief.key_facts[0].evidence == good["key_facts"][0]["evidence"]


def test_an_unusable_reply_is_asked_for_again_whole(seed_text: str) -> None:
    good = authored()
    bad = copy.deepcopy(good)
    for item in bad["key_facts"] + bad["positions"]:
        item["evidence"] = [INVENTED]
    with FakeOpenAIServer([reply(bad), reply(good)]) as server:
        brief = summarize(seed_text, base_url=server.base_url, retry=FAST)
        second = server.requests[1]
    assert second["tools"][0]["function"]["name"] == "BriefReply"
    reask = json.dumps(second["messages"][2:])
    assert "key_facts[0].evidence[0]: quote not found verbatim in the article" in reask
    assert brief.meta.attempts == 2 and len(brief.key_facts) == len(good["key_facts"])


def test_a_repair_that_breaks_its_schema_is_asked_again(seed_text: str) -> None:
    good = authored()
    script = [
        reply(with_invented_quote(good)),
        reply({"title": "not a repair"}),
        reply(fix_of("key_facts[0]", key_fact=good["key_facts"][0])),
    ]
    with FakeOpenAIServer(script) as server:
        brief = summarize(seed_text, base_url=server.base_url, retry=FAST)
        assert len(server.requests) == 3
    assert brief.key_facts[0].evidence == good["key_facts"][0]["evidence"]


def test_repairs_stop_at_max_retries_strict_raises(seed_text: str) -> None:
    bad = with_invented_quote(authored())
    still_bad = fix_of("key_facts[0]", key_fact=bad["key_facts"][0])
    with (
        FakeOpenAIServer([reply(bad), reply(still_bad), reply(still_bad)]) as server,
        pytest.raises(GroundingError) as info,
    ):
        summarize(seed_text, base_url=server.base_url, retry=FAST, max_retries=1)
    assert len(server.requests) == 2
    err = info.value
    assert err.attempts == 2 and [i.path for i in err.issues] == ["key_facts[0].evidence[0]"]
    assert INVENTED in str(err.last_reply)


def test_not_strict_keeps_what_passed_after_the_repairs(seed_text: str) -> None:
    good = authored()
    bad = with_invented_quote(good)
    with FakeOpenAIServer([reply(bad), reply({"fixes": []})]) as server:
        brief = summarize(
            seed_text, base_url=server.base_url, retry=FAST, max_retries=1, strict=False
        )
    assert {d.path for d in brief.meta.dropped} >= {"key_facts[0]"}
    assert len(brief.key_facts) == len(good["key_facts"]) - 1


def test_the_repair_call_is_reserved_and_spent_under_the_cost_cap(seed_text: str) -> None:
    from summarizer.budget import Meter

    good = authored()
    begun: list[CallRecord] = []
    meter = Meter(1.0, on_begin=begun.append)
    calls: list[CallRecord] = []
    script = [
        reply(with_invented_quote(good)),
        reply(fix_of("key_facts[0]", key_fact=good["key_facts"][0])),
    ]
    with FakeOpenAIServer(script) as server:
        summarize(
            seed_text, base_url=server.base_url, retry=FAST, meter=meter, on_call=calls.append
        )
    assert len(begun) == 2  # the repair was reserved before it was sent, like the first call
    costs = [c.cost_usd or 0.0 for c in calls]
    assert all(c > 0 for c in costs)
    assert meter.spent == pytest.approx(sum(costs))
    assert meter.reserved == 0


def test_a_cap_below_the_repair_stops_it(seed_text: str) -> None:
    from summarizer.budget import Meter
    from summarizer.errors import BudgetExceeded

    good = authored()
    script = [
        reply(with_invented_quote(good)),
        reply(fix_of("key_facts[0]", key_fact=good["key_facts"][0])),
    ]
    with FakeOpenAIServer(script) as server:
        # Room for the first call's worst case, not for a second one.
        probe = Meter(None)
        worst = probe.worst_case("gpt-4.1-mini", prompt_tokens=3000, max_tokens=4096)
        assert worst is not None
        meter = Meter(worst * 1.2)
        with pytest.raises(BudgetExceeded):
            summarize(seed_text, base_url=server.base_url, retry=FAST, meter=meter)
        assert len(server.requests) == 1
