"""The digest end to end: throughput by concurrency, a cached re-run, and memory by size.

    python benchmarks/bench_digest.py [--quick]

Everything `summarizer digest` does runs here, through `summarizer.digests.run.arun_digest`:
read the files, brief each article through the real openai client against the fake server (in
its own process, simulated latency), store every brief in SQLite, group the briefs into stories,
write the Markdown digest. The articles come from `_common.news_article`: stories of 4 articles with
their own invented people and words, so the grouping has real work to do (the plain synthetic
articles all share one vocabulary and would make one giant story).

1. Throughput: 500 articles, 200 ms latency, concurrency 8, 32 and 64: articles/s against
   the ideal (concurrency / latency), then the same digest again from the cache.
2. Memory: a fresh process per size (500 to 5,000 articles, latency 0, concurrency 32) reports
   its peak RSS; the store on disk grows with the articles, the process should not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from _common import ServerProcess, news_article, print_machine, run_child

from summarizer.brief.llm import RetryPolicy

POLICY = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


def write_articles(folder: Path, count: int) -> None:
    """`count` articles, one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{i:05}.txt").write_text(news_article(i), encoding="utf-8")


def run_digest(folder: Path, db: Path, base_url: str, concurrency: int) -> tuple[float, dict]:
    """One `adigest` run; (wall seconds, its counts)."""
    from summarizer.digests.run import arun_digest

    out = folder.parent / "digest.md"
    start = time.perf_counter()
    result = asyncio.run(
        arun_digest(
            [str(folder)],
            engine="llm",
            base_url=base_url,
            api_key="bench",
            db=db,
            concurrency=concurrency,
            retry=POLICY,
            outputs=[(out, "md")],
        )
    )
    wall = time.perf_counter() - start
    p = result.progress
    return wall, {
        "briefed": p.done,
        "cached": p.cached,
        "failed": p.failed,
        "calls": p.calls,
        "stories": len(result.digest.stories),
    }


def throughput(count: int, concurrencies: list[int], latency: float) -> None:
    print(f"\n## Throughput: {count} articles, latency {latency * 1000:.0f} ms")
    print("| run | conc | s | art/s | ideal/s | ratio | calls | stories |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(latency, responder="story") as srv:
        folder = Path(tmp) / "articles"
        write_articles(folder, count)
        for c in concurrencies:
            db = Path(tmp) / f"store-{c}.db"
            wall, got = run_digest(folder, db, srv.base_url, c)
            assert got["briefed"] == count and got["failed"] == 0, got
            ideal = c / latency
            print(
                f"| digest | {c} | {wall:.2f} | {count / wall:.1f} | {ideal:.0f} | "
                f"{count / wall / ideal:.0%} | {got['calls']} | {got['stories']} |"
            )
        wall, got = run_digest(folder, db, srv.base_url, concurrencies[-1])
        assert got["cached"] == count and got["calls"] == 0, got
        print(
            f"| same digest again (cache) | {concurrencies[-1]} | {wall:.2f} | "
            f"{count / wall:.0f} | | | {got['calls']} | {got['stories']} |"
        )


def child(count: int, base_url: str) -> None:
    """In a fresh process: one digest of `count` articles; print peak RSS and timings as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        write_articles(folder, count)
        import summarizer.digests  # noqa: F401  (imports counted before the run)

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        wall, got = run_digest(folder, Path(tmp) / "store.db", base_url, 32)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = (Path(tmp) / "store.db").stat().st_size / 1024 / 1024
    print(json.dumps({"before": before, "peak": peak, "wall": wall, "db_mib": size, **got}))


def memory(sizes: list[int]) -> None:
    print("\n## Memory: one fresh process per size, latency 0, concurrency 32")
    print("| articles | RSS before MiB | peak RSS MiB | store MiB | s | stories |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    with ServerProcess(0.0, responder="story") as srv:
        for n in sizes:
            r = run_child(__file__, str(n), srv.base_url)
            assert r["briefed"] == n, r
            print(
                f"| {n:,} | {r['before']:.1f} | {r['peak']:.1f} | {r['db_mib']:.1f} | "
                f"{r['wall']:.1f} | {r['stories']} |"
            )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(int(sys.argv[2]), sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 articles; memory at 200 and 500")
    args = ap.parse_args()
    print_machine()
    if args.quick:
        throughput(200, [8, 32], 0.2)
        memory([200, 500])
    else:
        throughput(500, [8, 32, 64], 0.2)
        memory([500, 1000, 2500, 5000])


if __name__ == "__main__":
    main()
