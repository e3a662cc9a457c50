"""The requests we send are the ones openai's `create` would build: same JSON, same key order.

`llm._as_sent` hands the body to openai in `extra_body`, past its TypedDict walk (which leaves
our plain-JSON bodies as they are, and costs ~0.6 ms of CPU per request). Each case runs a
brief twice against the scripted server, once as openai would send it (`_as_sent` off) and once
as we do, and compares every request: brief, repair, instructor's re-ask, sync and async.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from openai._utils._transform import maybe_transform
from openai.types.chat import completion_create_params

from summarizer.brief import llm
from summarizer.brief.llm import RetryPolicy
from summarizer.engine import asummarize, summarize
from summarizer.errors import LLMError
from summarizer.testing.server import FakeOpenAIServer, FirstSentencesResponder, synthetic_article

FAST = RetryPolicy(attempts=2, backoff_base_s=0.001, backoff_max_s=0.005)


def _requests(fault: str | None, mode: str, monkeypatch: pytest.MonkeyPatch, *, fast: bool) -> Any:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(llm.transport, "_as_sent", lambda kwargs: kwargs)
        faults = {fault: 1.0} if fault else {}
        with FakeOpenAIServer(responder=FirstSentencesResponder(), faults=faults) as server:
            text = synthetic_article(31)
            kw: dict[str, Any] = {"base_url": server.base_url, "retry": FAST, "strict": False}
            try:
                if mode == "sync":
                    summarize(text, **kw)
                else:
                    asyncio.run(asummarize(text, **kw))
            except LLMError:
                pass  # a fault on every request fails the brief: its requests still count
            return list(server.requests)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", [None, "invented_quote", "malformed"])
def test_the_requests_are_the_ones_openai_would_send(
    fault: str | None, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = _requests(fault, mode, monkeypatch, fast=False)
    ours = _requests(fault, mode, monkeypatch, fast=True)
    assert len(ours) == len(theirs) >= (1 if fault is None else 2)
    # Same keys, same order, same values: the same bytes from the same serializer.
    assert [json.dumps(b) for b in ours] == [json.dumps(b) for b in theirs]
    # And openai's walk would not have changed any of them.
    params = completion_create_params.CompletionCreateParamsNonStreaming
    for body in ours:
        assert maybe_transform(body, params) == body


def test_what_openai_handles_itself_is_left_to_it() -> None:
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert llm._as_sent({**body, "stream": True}) == {**body, "stream": True}
    assert llm._as_sent({**body, "response_format": {"type": "json_object"}}) == {
        **body,
        "response_format": {"type": "json_object"},
    }
    odd = {**body, "messages": ({"role": "user", "content": "hi"},)}  # a tuple is walked
    assert llm._as_sent(odd) is odd
    odd_tool = {**body, "tools": [{"type": "function", "function": {"name": ("f",)}}]}
    assert llm._as_sent(odd_tool) is odd_tool
    odd_schema = {**body, "tools": [{"type": "function", "function": {"parameters": ["x"]}}]}
    assert llm._as_sent(odd_schema) is odd_schema
    unknown = {**body, "not_an_argument": 1}
    assert llm._as_sent(unknown) is unknown
    sent = llm._as_sent({**body, "temperature": 0, "timeout": 5.0})
    assert sent == {
        "messages": [],
        "model": "m",
        "timeout": 5.0,
        "extra_body": {**body, "temperature": 0},
    }
