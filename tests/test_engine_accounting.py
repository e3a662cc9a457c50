"""A brief's error carries every call the brief made: what `on_call` saw adds up to it.

tests/test_reliability.py checks that over 300 faulty briefs at random; these are the paths a
random batch almost never takes, scripted: a part halved after its replies were cut off at every
output budget, whose first half was briefed and whose second failed; and a long article whose
parts run at once, one of them failing while the others are still asking.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from summarizer.brief.models import CallRecord, Usage
from summarizer.brief.tokens import chunk_text, estimate_tokens
from summarizer.engine import OUTPUT_BUDGETS, asummarize, summarize
from summarizer.errors import LLMError, RefusalError
from summarizer.testing.server import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    Step,
    article_of,
    first_sentences_reply,
    reply,
    synthetic_article,
)


def _total(calls: list[CallRecord]) -> Usage:
    total = Usage()
    for c in calls:
        total = total.add(c.usage)
    return total


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_failed_half_is_charged_the_halves_before_it(mode: str) -> None:
    article = synthetic_article(41, words=250)
    halves = chunk_text(article, max(estimate_tokens(article) // 2, 200))
    assert len(halves) >= 2
    script = [Step("length", '{"title": "Cut off') for _ in OUTPUT_BUDGETS]
    script += [reply(first_sentences_reply(h)) for h in halves[:-1]]
    script += [Step("refusal", "No. (scripted)")]
    calls: list[CallRecord] = []
    with FakeOpenAIServer(script=script) as server, pytest.raises(RefusalError) as info:
        kw: dict[str, Any] = {"base_url": server.base_url, "on_call": calls.append}
        if mode == "sync":
            summarize(article, **kw)
        else:
            asyncio.run(asummarize(article, **kw))
    oks = ["ok"] * (len(halves) - 1)
    assert [c.outcome for c in calls] == ["length"] * len(OUTPUT_BUDGETS) + oks + ["refusal"]
    assert info.value.attempts == len(calls) == len(server.requests)
    assert info.value.usage == _total(calls)


def test_parts_still_asking_when_one_fails_are_stopped_and_charged() -> None:
    """A long article's parts run at once (asummarize): when one fails, the others are
    stopped, and the error carries every call any of them made."""
    article = "\n\n".join(synthetic_article(50 + i, words=250) for i in range(4))

    class OnePartRefused(FirstSentencesResponder):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def __call__(self, request: dict[str, Any]) -> Any:
            text = article_of(request)
            self.seen.append(text)
            if len(self.seen) == 1:
                return Step("refusal", "No. (scripted)")
            return super().__call__(request)

    calls: list[CallRecord] = []
    responder = OnePartRefused()
    with FakeOpenAIServer(responder=responder, latency=0.05) as server:
        with pytest.raises(RefusalError) as info:
            asyncio.run(
                asummarize(
                    article,
                    base_url=server.base_url,
                    on_call=calls.append,
                    max_input_tokens=600,
                )
            )
        asked = len(server.requests)
    assert asked >= 2  # several parts were asking at once
    assert info.value.attempts == len(calls)
    assert info.value.usage == _total(calls)
    assert isinstance(info.value, LLMError)
