"""Batch throughput: articles per second against a simulated 200 ms model, by concurrency.

    python benchmarks/bench_throughput.py [--quick] [--articles N] [--latency S]

For each concurrency (1, 8, 32, 64) the same articles are briefed through our async path, every
reply parsed, validated and grounded, and the rate is compared with the ideal: concurrency ÷
latency (no rate limit is configured here, so nothing caps it lower). In the same run, for
reference:

- "plain instructor loop": the sequential loop a user would write with instructor
  (`instructor.from_openai(openai.OpenAI(...))`, `create(response_model=BriefReply, ...)`);
- "instructor async": the same through `AsyncOpenAI` at the same concurrency (no grounding);
- "bare AsyncOpenAI": the same request (prompt + tool) with the openai client alone, no
  parsing into our models: the floor any Python client built on `openai` pays.

The fake server runs in its own process; the machine's 2 cores are shared by that server and the
client being measured. "client CPU/art" is the client process's CPU time per article: with one
event loop, the client saturates one core when that times the rate nears 1 s/s.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

from _common import ServerProcess, articles, print_machine

from summarizer.brief.llm import RetryPolicy

MODEL = "gpt-4.1-mini"
POLICY = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)

Runner = Callable[[list[str], int, str], Coroutine[Any, Any, int]]


def path_used() -> str:
    """Which of our entry points the batch goes through."""
    return "asummarize(base_url=)+gather"


async def _gather(texts: list[str], concurrency: int, one: Callable[[str], Awaitable[Any]]) -> int:
    gate = asyncio.Semaphore(concurrency)

    async def gated(text: str) -> Any:
        async with gate:
            return await one(text)

    results = await asyncio.gather(*(gated(t) for t in texts))
    return sum(1 for r in results if r is not None)


async def run_ours(texts: list[str], concurrency: int, base_url: str) -> int:
    """Brief `texts` with at most `concurrency` requests in flight; return the briefs made.

    The form the README shows: `asummarize(text, base_url=...)`, no client of our own (calls
    share one client per event loop, `llm.shared_client`)."""
    from summarizer.engine import asummarize

    async def one(text: str) -> Any:
        brief = await asummarize(
            text, base_url=base_url, api_key="bench", model=MODEL, retry=POLICY
        )
        return brief if brief.key_facts else None

    return await _gather(texts, concurrency, one)


async def run_instructor_async(texts: list[str], concurrency: int, base_url: str) -> int:
    """instructor over AsyncOpenAI at the same concurrency, no grounding (reference)."""
    import instructor
    import openai

    from summarizer.brief.models import BriefReply
    from summarizer.brief.prompts import brief_messages

    raw = openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
    client = instructor.from_openai(raw)

    async def one(text: str) -> Any:
        return await client.chat.completions.create(
            model=MODEL,
            response_model=BriefReply,
            messages=brief_messages(text),
            temperature=0,
        )

    try:
        return await _gather(texts, concurrency, one)
    finally:
        await raw.close()


async def run_bare(texts: list[str], concurrency: int, base_url: str) -> int:
    """The same request with the openai client alone, reply not parsed (the floor)."""
    import openai

    from summarizer.brief.llm import brief_tool
    from summarizer.brief.prompts import brief_messages

    client = openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
    tool: Any = brief_tool()
    choice: Any = {"type": "function", "function": {"name": "BriefReply"}}

    async def one(text: str) -> Any:
        messages: Any = brief_messages(text)
        return await client.chat.completions.create(
            model=MODEL, messages=messages, tools=[tool], tool_choice=choice, temperature=0
        )

    try:
        return await _gather(texts, concurrency, one)
    finally:
        await client.close()


def run_instructor_loop(texts: list[str], base_url: str) -> int:
    """The plain loop a user would write with instructor: one article after the other."""
    import instructor
    import openai

    from summarizer.brief.models import BriefReply
    from summarizer.brief.prompts import brief_messages

    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="bench"))
    made = 0
    for text in texts:
        result = client.chat.completions.create(
            model=MODEL,
            response_model=BriefReply,
            messages=brief_messages(text),
            temperature=0,
        )
        made += bool(result.key_facts)
    return made


def _run(runner: Runner, texts: list[str], c: int, url: str) -> int:
    return asyncio.run(runner(texts, c, url))


def measure(fn: Callable[[], int]) -> tuple[float, float, int]:
    """(wall seconds, client CPU seconds, items made) of one run."""
    c0, t0 = time.process_time(), time.perf_counter()
    made = fn()
    return time.perf_counter() - t0, time.process_time() - c0, made


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 articles, 50 in sequential loops")
    ap.add_argument("--articles", type=int, default=None)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32, 64])
    args = ap.parse_args()
    n = args.articles or (100 if args.quick else 500)
    latency = args.latency
    texts = list(articles(n))
    print_machine()
    print(
        f"# {n} articles of ~600 words, simulated latency {latency * 1000:.0f} ms, "
        f"path: {path_used()}, no rate limit"
    )
    head = f"{'run':<30}{'conc':>5}{'seconds':>9}{'art/s':>8}{'ideal/s':>9}{'ratio':>7}"
    print(head + f"{'client CPU/art':>16}")

    def row(name: str, c: int, count: int, wall: float, cpu: float) -> None:
        rate = count / wall
        ideal = c / latency
        print(
            f"{name:<30}{c:>5}{wall:>9.2f}{rate:>8.1f}{ideal:>9.1f}{rate / ideal:>7.0%}"
            f"{cpu / count * 1000:>13.1f} ms"
        )

    runs: list[tuple[str, Runner, bool]] = [
        (f"summarizer ({path_used()})", run_ours, True),
        ("instructor async (reference)", run_instructor_async, False),
        ("bare AsyncOpenAI (floor)", run_bare, False),
    ]
    with ServerProcess(latency=latency) as server:
        url = server.base_url
        # warm-up, untimed: imports, template compile, first connections
        for _, runner, _ in runs:
            asyncio.run(runner(texts[:4], 2, url))
        for c in args.concurrency:
            for name, runner, always in runs:
                if c == 1 and not always:
                    continue  # at concurrency 1 the sequential loop below is the reference
                wall, cpu, made = measure(partial(_run, runner, texts, c, url))
                assert made == n, f"{name}: only {made} of {n}"
                row(name, c, n, wall, cpu)
        loop_n = min(n, 50) if args.quick else n
        wall, cpu, made = measure(lambda: run_instructor_loop(texts[:loop_n], url))
        assert made == loop_n
        row("plain instructor loop", 1, loop_n, wall, cpu)


if __name__ == "__main__":
    main()
