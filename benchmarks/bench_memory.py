"""Peak memory of a batch of N articles: bounded, not growing with N.

    python benchmarks/bench_memory.py [--quick]

Each N (500, 1,000, 2,500, 5,000) runs in a fresh subprocess that briefs N synthetic articles
against the local test server (latency 0, in its own process so its memory is not counted) at
concurrency 32, and reports its peak RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`), next to
the RSS after imports. The slope between the smallest and the largest N is the growth per
article. Articles are generated lazily and each brief goes to a JSONL file as it is made, the way
a digest streams them, so what is measured is the engine's own footprint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from _common import ServerProcess, articles, print_machine, run_child

CONCURRENCY = 32


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


async def _batch(texts: Iterator[str], base_url: str, out: Path) -> int:
    """Brief every text with CONCURRENCY workers, appending each brief to `out` as it is made."""
    from summarizer.brief import llm
    from summarizer.engine import asummarize

    client = llm.make_client(base_url=base_url, api_key="bench", asynchronous=True)
    done = 0
    with out.open("w", encoding="utf-8") as sink:

        async def worker() -> None:
            nonlocal done
            for text in texts:  # a shared generator: each worker pulls the next article
                brief = await asummarize(text, client=client, model="gpt-4.1-mini")
                sink.write(brief.to_json(indent=None) + "\n")
                done += 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    await client.close()
    return done


def child(n: int, base_url: str) -> None:
    """Run one batch of `n` and print {"n", "done", "base_kib", "peak_kib"} as JSON."""
    # imported here so the baseline counts them

    base = _rss_kib()
    with tempfile.TemporaryDirectory() as tmp:
        done = asyncio.run(_batch(articles(n), base_url, Path(tmp) / "briefs.jsonl"))
    print(json.dumps({"n": n, "done": done, "base_kib": base, "peak_kib": _rss_kib()}))


def main() -> None:
    """Run each N in a subprocess and print the table and the slope."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 100, 200, 500, 1,000")
    args = ap.parse_args()
    sizes = [100, 200, 500, 1_000] if args.quick else [500, 1_000, 2_500, 5_000]
    print_machine()
    print(f"# asummarize worker pool (concurrency {CONCURRENCY}) streaming to JSONL, latency 0")
    print(f"{'articles':>9}{'after imports MiB':>19}{'peak RSS MiB':>14}")
    rows = []
    with ServerProcess(latency=0.0) as server:
        for n in sizes:
            r = run_child(__file__, str(n), server.base_url)
            assert r["done"] == n, r
            rows.append(r)
            print(f"{n:>9,}{r['base_kib'] / 1024:>19.1f}{r['peak_kib'] / 1024:>14.1f}")
    first, last = rows[0], rows[-1]
    slope = (last["peak_kib"] - first["peak_kib"]) / (last["n"] - first["n"])
    print(
        f"# slope {first['n']:,} -> {last['n']:,} articles: {slope:.2f} KiB per article "
        f"({slope * 1000 / 1024:.1f} MiB per 1,000)"
    )
    prev = rows[-2]
    tail = (last["peak_kib"] - prev["peak_kib"]) / (last["n"] - prev["n"])
    print(f"# slope {prev['n']:,} -> {last['n']:,} articles: {tail:.2f} KiB per article")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "child":
        child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
