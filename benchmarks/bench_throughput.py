"""Batch throughput: articles per second against a simulated 200 ms model, by concurrency.

    python benchmarks/bench_throughput.py [--quick] [--articles N] [--latency S]

For each concurrency (1, 8, 32, 64) the same articles are briefed through our async path, every
reply parsed, validated and grounded, and the rate is compared with the ideal: concurrency ÷
latency (no rate limit is configured here, so nothing caps it lower). Side by side, in the same
run, a plain sequential `instructor` loop as a user would write it. The fake server runs in its
own process; the machine's 2 cores are shared by that server and the client being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from _common import ServerProcess, articles, print_machine

from summarizer.llm import RetryPolicy
from summarizer.models import Brief

MODEL = "gpt-4.1-mini"
POLICY = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


def path_used() -> str:
    """Which of our entry points the batch goes through (the digest, once it exists)."""
    return "asummarize+gather"


async def run_ours(texts: list[str], concurrency: int, base_url: str) -> tuple[float, int]:
    """Brief `texts` with at most `concurrency` requests in flight; (seconds, briefs made)."""
    from summarizer import llm
    from summarizer.engine import asummarize

    client: Any = llm.make_client(base_url=base_url, api_key="bench", asynchronous=True)
    gate = asyncio.Semaphore(concurrency)

    async def one(text: str) -> Brief:
        async with gate:
            return await asummarize(text, client=client, model=MODEL, retry=POLICY)

    t0 = time.perf_counter()
    briefs = await asyncio.gather(*(one(t) for t in texts))
    elapsed = time.perf_counter() - t0
    await client.close()
    return elapsed, sum(1 for b in briefs if b.key_facts)


def run_instructor_loop(texts: list[str], base_url: str) -> tuple[float, int]:
    """The plain loop a user would write with instructor: one article after the other."""
    import instructor
    import openai

    from summarizer.models import BriefReply
    from summarizer.prompts import brief_messages

    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="bench"))
    made = 0
    t0 = time.perf_counter()
    for text in texts:
        result = client.chat.completions.create(
            model=MODEL,
            response_model=BriefReply,
            messages=brief_messages(text),  # type: ignore[arg-type]
            temperature=0,
        )
        made += bool(result.key_facts)
    return time.perf_counter() - t0, made


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 articles, fewer rows")
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
    print(f"{'run':<28}{'conc':>5}{'seconds':>9}{'art/s':>8}{'ideal/s':>9}{'ratio':>7}")
    with ServerProcess(latency=latency) as server:
        # one untimed warm-up article: imports, connection, template compile
        asyncio.run(run_ours(texts[:2], 2, server.base_url))
        for c in args.concurrency:
            seconds, made = asyncio.run(run_ours(texts, c, server.base_url))
            assert made == n, f"only {made} of {n} briefs"
            rate = n / seconds
            ideal = c / latency
            print(
                f"{'summarizer (' + path_used() + ')':<28}{c:>5}{seconds:>9.2f}{rate:>8.1f}"
                f"{ideal:>9.1f}{rate / ideal:>7.0%}"
            )
        loop_n = n if not args.quick else min(n, 50)
        seconds, made = run_instructor_loop(texts[:loop_n], server.base_url)
        assert made == loop_n
        rate = loop_n / seconds
        ideal = 1 / latency
        print(
            f"{'plain instructor loop':<28}{1:>5}{seconds:>9.2f}{rate:>8.1f}{ideal:>9.1f}"
            f"{rate / ideal:>7.0%}"
        )


if __name__ == "__main__":
    main()
