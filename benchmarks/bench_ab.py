"""Ours against the bare openai client, interleaved in one run, at concurrency 32 and 64.

    python benchmarks/bench_ab.py [--articles 500] [--concurrency 32 64] [--rounds 3]

Every arm briefs the same articles against the same scripted server (its own process, latency
200 ms), one arm after the other within each round (bare, ours, ...), so drift on a shared 2-core
machine hits every arm alike. Each round prints a row per arm; the summary gives the median of
the rounds: articles per second, % of ideal (concurrency / latency), % of the bare client's rate
*in the same round* (the goal: >= 95 %), the client process's CPU per article, the CPU per
article of its grounding worker processes (read from /proc), and each request's wall time seen
from the client (median, p90).

Arms:
- bare AsyncOpenAI: the same request (prompt + tool), reply not parsed: the floor for any Python
  client built on `openai`;
- bare request, make_client's client: the bare request over the client our arms use
  (`llm.make_client`: openai's aiohttp transport when there is one, under the reply-size cap);
- summarizer, base_url=: `asummarize(text, base_url=...)`, the form the README shows (one shared
  client per event loop, `llm.shared_client`);
- summarizer, client=: `asummarize(text, client=llm.make_client(...))`, a client the caller owns;
- summarizer, client=, grounding on the loop: the same with `SUMMARIZER_GROUND_WORKERS=0`, so
  the guard runs on the event loop (as before `summarizer.brief.offload`);
- with `--aiohttp` (when the installed openai has `DefaultAioHttpClient`), the bare client over
  openai's aiohttp transport too (`make_client` uses that transport for async clients, so both of
  our arms do).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import ServerProcess, articles, print_machine

from summarizer.brief.llm import RetryPolicy

MODEL = "gpt-4.1-mini"
POLICY = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)

Arm = Callable[[str, list[str], int], Awaitable[list[float]]]


async def timed(one: Callable[[str], Awaitable[Any]], texts: list[str], c: int) -> list[float]:
    """Run `one` over `texts` with at most `c` at once; each request's wall time."""
    gate = asyncio.Semaphore(c)
    latencies: list[float] = []

    async def gated(text: str) -> None:
        async with gate:
            start = time.perf_counter()
            await one(text)
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(gated(t) for t in texts))
    return latencies


async def ours_base_url(url: str, texts: list[str], c: int) -> list[float]:
    from summarizer.engine import asummarize

    async def one(text: str) -> Any:
        brief = await asummarize(text, base_url=url, api_key="bench", model=MODEL, retry=POLICY)
        assert brief.key_facts

    return await timed(one, texts, c)


async def _ours_with(client: Any, texts: list[str], c: int) -> list[float]:
    from summarizer.engine import asummarize

    async def one(text: str) -> Any:
        brief = await asummarize(text, client=client, model=MODEL, retry=POLICY)
        assert brief.key_facts

    try:
        return await timed(one, texts, c)
    finally:
        await client.close()


async def ours_client(url: str, texts: list[str], c: int) -> list[float]:
    from summarizer.brief import llm

    client = llm.make_client(base_url=url, api_key="bench", asynchronous=True)
    return await _ours_with(client, texts, c)


async def ours_client_on_loop(url: str, texts: list[str], c: int) -> list[float]:
    """`ours_client` with grounding on the event loop (no worker process), as before."""
    from summarizer.brief import offload

    before = os.environ.get(offload.WORKERS_ENV)
    os.environ[offload.WORKERS_ENV] = "0"
    try:
        return await ours_client(url, texts, c)
    finally:
        if before is None:
            del os.environ[offload.WORKERS_ENV]
        else:
            os.environ[offload.WORKERS_ENV] = before


def worker_cpu() -> float:
    """CPU seconds used so far by this process's grounding workers (Linux /proc; 0 elsewhere)."""
    from summarizer.brief import offload

    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for w in list(offload._workers):
        try:
            fields = Path(f"/proc/{w.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


async def _bare_with(client: Any, texts: list[str], c: int) -> list[float]:
    from summarizer.brief.llm import brief_tool
    from summarizer.brief.prompts import brief_messages

    tool: Any = brief_tool()
    choice: Any = {"type": "function", "function": {"name": "BriefReply"}}

    async def one(text: str) -> Any:
        messages: Any = brief_messages(text)
        return await client.chat.completions.create(
            model=MODEL, messages=messages, tools=[tool], tool_choice=choice, temperature=0
        )

    try:
        return await timed(one, texts, c)
    finally:
        await client.close()


async def bare(url: str, texts: list[str], c: int) -> list[float]:
    import openai

    client = openai.AsyncOpenAI(base_url=url, api_key="bench", max_retries=0)
    return await _bare_with(client, texts, c)


async def bare_aiohttp(url: str, texts: list[str], c: int) -> list[float]:
    import openai

    client = openai.AsyncOpenAI(
        base_url=url, api_key="bench", max_retries=0, http_client=openai.DefaultAioHttpClient()
    )
    return await _bare_with(client, texts, c)


async def bare_ours_client(url: str, texts: list[str], c: int) -> list[float]:
    """The bare request over the client `make_client` builds (our transport, reply-size cap)."""
    from summarizer.brief import llm

    return await _bare_with(
        llm.make_client(base_url=url, api_key="bench", asynchronous=True), texts, c
    )


def has_aiohttp() -> bool:
    """Whether the installed openai offers its aiohttp transport (and aiohttp is there)."""
    try:
        import openai

        openai.AsyncOpenAI(api_key="x", http_client=openai.DefaultAioHttpClient())
    except (AttributeError, RuntimeError, ImportError):
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--aiohttp", action="store_true", help="add the aiohttp-transport arms")
    ap.add_argument(
        "--arms",
        nargs="+",
        help="run only the arms whose names contain one of these words (the bare arm always)",
    )
    args = ap.parse_args()
    texts = list(articles(args.articles))
    arms: list[tuple[str, Arm]] = [
        ("bare AsyncOpenAI", bare),
        ("summarizer, base_url=", ours_base_url),
        ("summarizer, client=", ours_client),
        ("summarizer, client=, grounding on the loop", ours_client_on_loop),
    ]
    if args.aiohttp and has_aiohttp():
        arms.insert(1, ("bare AsyncOpenAI, aiohttp", bare_aiohttp))
    arms.insert(len(arms) - 3, ("bare request, make_client's client", bare_ours_client))
    if args.arms:
        arms = [a for a in arms if a[0] == "bare AsyncOpenAI" or any(w in a[0] for w in args.arms)]
    print_machine()
    print(
        f"\n{args.articles} articles (~600 words), latency {args.latency * 1000:.0f} ms, "
        f"{args.rounds} rounds, arms interleaved within each round"
    )
    # results[c][arm] = rows of (rate, loop CPU/art, median, p90, vs bare, worker CPU/art)
    results: dict[int, dict[str, list[tuple[float, ...]]]] = {}
    head = (
        "| conc | arm | art/s | % ideal | % bare{} | CPU ms/art | worker CPU ms/art | median ms "
        "| p90 ms |"
    )
    with ServerProcess(latency=args.latency) as server:
        url = server.base_url
        for _, arm in arms:  # warm-up: imports, first connections, the grounding worker
            asyncio.run(arm(url, texts[:4], 2))
        time.sleep(2)  # the worker, started by the warm-up, is ready
        print("| round " + head.format(""))
        print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in range(args.rounds):
            for c in args.concurrency:
                ideal = c / args.latency
                bare_rate = 0.0
                for name, arm in arms:
                    cpu0, w0, t0 = time.process_time(), worker_cpu(), time.perf_counter()
                    lat = asyncio.run(arm(url, texts, c))
                    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                    worker = worker_cpu() - w0
                    lat.sort()
                    rate = len(texts) / wall
                    if name == "bare AsyncOpenAI":
                        bare_rate = rate
                    row = (
                        rate,
                        cpu / len(texts) * 1000,
                        statistics.median(lat) * 1000,
                        lat[int(0.9 * len(lat))] * 1000,
                        rate / bare_rate,
                        worker / len(texts) * 1000,
                    )
                    results.setdefault(c, {}).setdefault(name, []).append(row)
                    print(
                        f"| {r + 1} | {c} | {name} | {rate:.1f} | {rate / ideal:.0%} | "
                        f"{row[4]:.0%} | {row[1]:.1f} | {row[5]:.1f} | {row[2]:.1f} | "
                        f"{row[3]:.1f} |"
                    )
    print(f"\nmedians of {args.rounds} rounds")
    print(head.format(" (same round)"))
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c, by_arm in results.items():
        ideal = c / args.latency
        for name, rows in by_arm.items():
            med = [statistics.median(col) for col in zip(*rows, strict=True)]
            print(
                f"| {c} | {name} | {med[0]:.1f} | {med[0] / ideal:.0%} | {med[4]:.0%} | "
                f"{med[1]:.1f} | {med[5]:.1f} | {med[2]:.1f} | {med[3]:.1f} |"
            )


if __name__ == "__main__":
    main()
