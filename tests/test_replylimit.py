"""Replies over a size limit fail clearly, without being read whole (a real server on 127.0.0.1).

The OpenAI SDK is driven directly with the capped transport, as `summarizer.brief.llm` will: a 10 MB
reply with a Content-Length, the same with no length at all (read until the server closes),
and a normal reply that must pass untouched, sync and async.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import httpx2
import openai
import pytest

from summarizer.replylimit import (
    AsyncCappedTransport,
    CappedTransport,
    ReplyTooLarge,
    too_large,
)
from summarizer.testing.server import (
    FakeOpenAIServer,
    first_sentences_reply,
    reply,
    synthetic_article,
)
from tests.conftest import local_site

TEN_MB = 10_000_000
LIMIT = 1_000_000
MESSAGES = [{"role": "user", "content": "brief this"}]


def client(base_url: str, limit: int = LIMIT) -> openai.OpenAI:
    transport = CappedTransport(limit=limit)
    return openai.OpenAI(
        api_key="test",
        base_url=base_url,
        max_retries=0,
        http_client=httpx2.Client(transport=transport),
    )


def test_a_10_mb_reply_with_a_length_fails_before_it_is_read() -> None:
    with (
        FakeOpenAIServer([reply({"title": "x" * TEN_MB})]) as server,
        pytest.raises(openai.APIConnectionError) as info,
        client(server.base_url) as capped,
    ):
        capped.chat.completions.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]
    cause = too_large(info.value)
    assert cause is not None and cause.declared is not None and cause.declared > TEN_MB
    assert str(cause).startswith(f"the reply from {server.base_url}/chat/completions is ")
    assert "over the 1,000,000-byte limit" in str(cause) and "\n" not in str(cause)


class _Endless(BaseHTTPRequestHandler):
    """Answers any POST with 10 MB and no Content-Length; counts what it managed to send."""

    sent: ClassVar[list[int]] = []
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        chunk = b" " * 65536
        sent = 0
        try:
            self.wfile.write(b'{"id": "x", "padding": "')
            while sent < TEN_MB:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            type(self).sent.append(sent)


@pytest.fixture
def endless() -> Iterator[str]:
    _Endless.sent.clear()
    with local_site(_Endless) as url:
        yield url


def test_a_10_mb_reply_without_a_length_is_cut_off_at_the_limit(endless: str) -> None:
    with pytest.raises(openai.APIConnectionError) as info, client(f"{endless}/v1") as capped:
        capped.chat.completions.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]
    cause = too_large(info.value)
    assert cause is not None and cause.declared is None
    assert "more than 1,000,000 bytes" in str(cause)
    info.value.__cause__ = None  # drop the reference to the half-read response
    for _ in range(100):  # the server notices the client hung up
        if _Endless.sent:
            break
        threading.Event().wait(0.05)
    assert _Endless.sent and _Endless.sent[0] < TEN_MB


def test_a_normal_reply_passes_untouched() -> None:
    data = first_sentences_reply(synthetic_article(3))
    with FakeOpenAIServer([reply(data)]) as server, client(server.base_url) as capped:
        result = capped.chat.completions.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]
    # no tools in the request: the fake server answers in the message's content
    assert json.loads(result.choices[0].message.content or "") == data


def test_the_async_client_is_capped_too() -> None:
    async def ask(base_url: str) -> None:
        async with httpx2.AsyncClient(transport=AsyncCappedTransport(limit=LIMIT)) as http:
            capped = openai.AsyncOpenAI(
                api_key="test", base_url=base_url, max_retries=0, http_client=http
            )
            await capped.chat.completions.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]

    with (
        FakeOpenAIServer([reply({"title": "x" * TEN_MB})]) as server,
        pytest.raises(openai.APIConnectionError) as info,
    ):
        asyncio.run(ask(server.base_url))
    assert isinstance(too_large(info.value), ReplyTooLarge)


@pytest.mark.parametrize("limit", [10_000, LIMIT])
def test_the_limit_is_the_one_given(limit: int) -> None:
    data = {"title": "y" * 50_000}
    with FakeOpenAIServer([reply(data)]) as server, client(server.base_url, limit) as capped:
        ask = capped.chat.completions.create
        if limit < 50_000:
            with pytest.raises(openai.APIConnectionError) as info:
                ask(model="m", messages=MESSAGES)  # type: ignore[arg-type]
            assert too_large(info.value) is not None
        else:
            assert ask(model="m", messages=MESSAGES).choices  # type: ignore[arg-type]
