"""Clients are reused: `summarize`/`asummarize` without `client=` build one client per endpoint
and key (and event loop, for async), and close them at exit or when the loop shuts down.

Checked by behaviour (which client object each call used, whether it is closed, what the cache
holds), never by timing.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from summarizer.brief import llm
from summarizer.engine import asummarize, summarize
from summarizer.testing.server import FakeOpenAIServer, FirstSentencesResponder, synthetic_article


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(responder=FirstSentencesResponder()) as s:
        yield s


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every client `make_client` builds, in order."""
    made: list[Any] = []
    real = llm.make_client

    def spy(**kwargs: Any) -> Any:
        client = real(**kwargs)
        made.append(client)
        return client

    monkeypatch.setattr(llm.clients, "make_client", spy)  # where `shared_client` looks it up
    return made


def _used(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The client each brief request was sent through, in order."""
    seen: list[Any] = []
    sync_real, async_real = llm.request_brief, llm.arequest_brief

    def sync_spy(client: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(client)
        return sync_real(client, *args, **kwargs)

    async def async_spy(client: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(client)
        return await async_real(client, *args, **kwargs)

    monkeypatch.setattr(llm, "request_brief", sync_spy)
    monkeypatch.setattr(llm, "arequest_brief", async_spy)
    return seen


def test_summarize_reuses_one_client_per_endpoint(
    server: FakeOpenAIServer, built: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    used = _used(monkeypatch)
    for i in range(3):
        brief = summarize(synthetic_article(i), base_url=server.base_url, model="gpt-4.1-mini")
        assert brief.key_facts
    assert len(built) == 1
    assert used == [built[0]] * 3
    assert not built[0].is_closed()  # kept open for the next call; closed at exit
    # Another timeout is another client; the first one is still reused after it.
    summarize(synthetic_article(3), base_url=server.base_url, timeout=33.0)
    summarize(synthetic_article(4), base_url=server.base_url)
    assert len(built) == 2
    assert used[-1] is built[0] and used[-2] is built[1]
    assert len(server.requests) == 5


def test_asummarize_reuses_one_client_per_loop_and_closes_it_with_the_loop(
    server: FakeOpenAIServer, built: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    used = _used(monkeypatch)

    async def batch(first: int) -> None:
        one = await asummarize(synthetic_article(first), base_url=server.base_url)
        rest = await asyncio.gather(
            *(asummarize(synthetic_article(first + k), base_url=server.base_url) for k in (1, 2))
        )
        assert all(b.key_facts for b in [one, *rest])

    asyncio.run(batch(0))
    assert len(built) == 1 and used == [built[0]] * 3
    # The loop is gone: its client was closed while the loop still ran (no dangling sockets).
    assert built[0].is_closed()
    # A new loop gets a new client (an async client belongs to the loop it first ran in).
    asyncio.run(batch(10))
    assert len(built) == 2 and used[3:] == [built[1]] * 3
    assert built[1].is_closed()
    assert len(server.requests) == 6


def test_async_clients_are_per_loop_and_per_key(server: FakeOpenAIServer) -> None:
    async def two_keys() -> tuple[Any, Any, Any]:
        a = llm.shared_client(base_url=server.base_url, api_key="key-a", asynchronous=True)
        again = llm.shared_client(base_url=server.base_url, api_key="key-a", asynchronous=True)
        b = llm.shared_client(base_url=server.base_url, api_key="key-b", asynchronous=True)
        return a, again, b

    a, again, b = asyncio.run(two_keys())
    assert a is again and a is not b
    assert a.is_closed() and b.is_closed()
    with pytest.raises(RuntimeError):  # no running loop: nothing to bind an async client to
        llm.shared_client(base_url=server.base_url, asynchronous=True)


def test_the_cache_never_holds_the_key(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-reuse-0123456789abcdefghijklmnop"
    client = llm.shared_client(base_url=server.base_url, api_key=secret)
    assert llm.shared_client(base_url=server.base_url, api_key=secret) is client
    other = llm.shared_client(base_url=server.base_url, api_key=secret + "x")
    assert other is not client
    for cache_key in llm._sync_clients:
        assert all(secret not in str(part) for part in cache_key)
        assert secret not in repr(cache_key)
    # The key from the environment is resolved first: a new key there is a new client.
    monkeypatch.setenv("OPENAI_API_KEY", "env-key-one-not-a-secret")
    one = llm.shared_client(base_url=server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "env-key-two-not-a-secret")
    two = llm.shared_client(base_url=server.base_url)
    assert one is not two
    assert llm.shared_client(base_url=server.base_url) is two


def test_shared_clients_are_closed_at_exit(server: FakeOpenAIServer) -> None:
    script = textwrap.dedent(
        f"""
        from summarizer.brief import llm
        from summarizer.engine import summarize
        from summarizer.testing.server import synthetic_article

        summarize(synthetic_article(0), base_url={server.base_url!r}, api_key="k")
        client = llm.shared_client(base_url={server.base_url!r}, api_key="k")
        real = client.close

        def close():
            real()
            print("closed", client.is_closed())

        client.close = close
        print("open", client.is_closed())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["open", "False", "closed", "True"]


def test_close_shared_clients_then_a_new_one(server: FakeOpenAIServer) -> None:
    first = llm.shared_client(base_url=server.base_url, api_key="k")
    llm.close_shared_clients()
    assert first.is_closed()
    second = llm.shared_client(base_url=server.base_url, api_key="k")
    assert second is not first and not second.is_closed()
    # A client closed by its user is not handed out again either.
    second.close()
    assert llm.shared_client(base_url=server.base_url, api_key="k") is not second


def test_the_readmes_batch_example_runs_on_one_client(
    server: FakeOpenAIServer, built: list[Any]
) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
    example = next(b for b in blocks if "async def brief_all" in b)
    assert 'base_url="http://localhost:8000/v1"' in example  # the form the README shows
    code = example.replace("http://localhost:8000/v1", server.base_url)
    scope: dict[str, Any] = {"texts": [synthetic_article(i) for i in range(6)]}
    exec(compile(code, "README.md", "exec"), scope)
    assert [len(b.key_facts) > 0 for b in scope["briefs"]] == [True] * 6
    assert len(built) == 1 and built[0].is_closed()
    assert len(server.requests) == 6


def test_digests_share_the_loops_client(
    server: FakeOpenAIServer, built: list[Any], tmp_path: Any
) -> None:
    from pathlib import Path

    from summarizer import adigest

    articles = sorted((Path(__file__).parent / "data" / "digest" / "articles").glob("*.txt"))
    sources = [str(p) for p in articles[:3]]

    async def two_digests() -> list[Any]:
        first = await adigest(sources, base_url=server.base_url, db=str(tmp_path / "a.sqlite"))
        second = await adigest(sources, base_url=server.base_url, db=str(tmp_path / "b.sqlite"))
        return [first, second]

    digests = asyncio.run(two_digests())
    assert [d.totals["briefed"] for d in digests] == [3, 3]
    # One client for both digests (briefs, and any synthesis calls), closed with the loop.
    assert len(built) == 1 and built[0].is_closed()
    assert len(server.requests) >= 6


# --- the hot path: one grounding per brief, one index per article, however many in flight ------


def test_each_brief_is_grounded_once_and_each_article_indexed_once(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.brief import grounding, locate

    checks: list[str] = []
    indexed: list[str] = []
    real_check, real_init = grounding._check_reply, locate.Locator.__init__

    def counting_check(reply: Any, index: Any) -> Any:
        checks.append(index.text)
        return real_check(reply, index)

    def counting_init(self: Any, text: str, **kwargs: Any) -> None:
        indexed.append(text)
        real_init(self, text, **kwargs)

    monkeypatch.setattr(grounding, "_check_reply", counting_check)
    monkeypatch.setattr(locate.Locator, "__init__", counting_init)
    # Grounded in this process (a worker's checks are tests/test_offload.py's).
    monkeypatch.setenv("SUMMARIZER_GROUND_WORKERS", "0")
    texts = [synthetic_article(100 + i) for i in range(40)]  # more in flight than the LRU holds

    async def batch() -> list[Any]:
        return await asyncio.gather(*(asummarize(t, base_url=server.base_url) for t in texts))

    briefs = asyncio.run(batch())
    assert all(b.meta.evidence for b in briefs)
    assert sorted(checks) == sorted(texts)  # the validator's check, reused by the engine
    assert sorted(t for t in indexed if t in texts) == sorted(texts)


def test_a_kept_report_is_a_copy(server: FakeOpenAIServer) -> None:
    from summarizer.brief.grounding import ArticleIndex, GroundingIssue, check_reply
    from summarizer.brief.models import BriefReply
    from summarizer.testing.server import first_sentences_reply

    text = synthetic_article(7)
    reply = BriefReply.model_validate(first_sentences_reply(text))
    index = ArticleIndex.of(text)
    first = check_reply(reply, index)
    first.issues.append(GroundingIssue("x", "quote_not_found", "added by the caller"))
    first.evidence.clear()
    again = check_reply(reply, index)
    assert not again.issues and again.evidence
    # Another reply (one quote changed) is checked afresh, not served the first one's report.
    changed = reply.model_copy(deep=True)
    changed.key_facts[0].evidence[0] = "words the article never says at all"
    assert check_reply(changed, index).issues
