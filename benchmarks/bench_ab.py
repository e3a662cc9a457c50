"""Ours against the bare openai client, alternated in one run, with per-request latencies.

    python benchmarks/bench_ab.py [--articles 500] [--concurrency 32] [--rounds 2]

`bench_throughput.py` runs each path once; this alternates them (bare, ours, bare, ours, ...)
against the same fake server, so drift on a shared 2-core machine hits both, and prints each
request's wall time from the client's side (median, p90, max). It answers one question: is the
gap to the ideal ours, or the client stack's that every Python caller of `openai` pays?
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _common import ServerProcess, articles, print_machine

from summarizer.llm import RetryPolicy

POLICY = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


async def timed(
    one: Callable[[str], Awaitable[Any]], texts: list[str], concurrency: int
) -> tuple[float, list[float]]:
    """Run `one` over `texts` with at most `concurrency` at once: (wall s, per-request s)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def gated(text: str) -> None:
        async with gate:
            start = time.perf_counter()
            await one(text)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(gated(t) for t in texts))
    return time.perf_counter() - start, latencies


async def ours(url: str, texts: list[str], concurrency: int) -> tuple[float, list[float]]:
    from summarizer import llm
    from summarizer.engine import asummarize

    client: Any = llm.make_client(base_url=url, api_key="bench", asynchronous=True)

    async def one(text: str) -> Any:
        return await asummarize(text, client=client, model="gpt-4.1-mini", retry=POLICY)

    try:
        return await timed(one, texts, concurrency)
    finally:
        await client.close()


async def bare(url: str, texts: list[str], concurrency: int) -> tuple[float, list[float]]:
    import openai

    from summarizer.llm import brief_tool
    from summarizer.prompts import brief_messages

    client = openai.AsyncOpenAI(base_url=url, api_key="bench", max_retries=0)
    choice: Any = {"type": "function", "function": {"name": "BriefReply"}}

    async def one(text: str) -> Any:
        return await client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=brief_messages(text),  # type: ignore[arg-type]
            tools=[brief_tool()],  # type: ignore[list-item]
            tool_choice=choice,
        )

    try:
        return await timed(one, texts, concurrency)
    finally:
        await client.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    texts = list(articles(args.articles))
    ideal = args.concurrency / args.latency
    print_machine()
    print(f"\n{args.articles} articles, concurrency {args.concurrency}, latency "
          f"{args.latency * 1000:.0f} ms, ideal {ideal:.0f}/s")  # fmt: skip
    print("| path | art/s | ratio | median ms | p90 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with ServerProcess(latency=args.latency) as server:
        asyncio.run(bare(server.base_url, texts[:4], 2))  # warm-up: imports, connections
        asyncio.run(ours(server.base_url, texts[:4], 2))
        for _ in range(args.rounds):
            for name, path in (("bare AsyncOpenAI", bare), ("summarizer", ours)):
                wall, lat = asyncio.run(path(server.base_url, texts, args.concurrency))
                lat.sort()
                rate = len(texts) / wall
                print(
                    f"| {name} | {rate:.1f} | {rate / ideal:.0%} | "
                    f"{statistics.median(lat) * 1000:.1f} | {lat[int(0.9 * len(lat))] * 1000:.1f} "
                    f"| {lat[-1] * 1000:.1f} |"
                )


if __name__ == "__main__":
    main()
