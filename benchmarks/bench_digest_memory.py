"""Peak memory of one digest by its size: 1,000 / 10,000 / 50,000 articles (issue 15).

    python benchmarks/bench_digest_memory.py [--sizes 1000 10000 50000] [--authored] [--phases]

The real digest (`summarizer.digests.run.arun_digest`, offline engine, no model) over a folder of
`_common.news_article` files (stories of 4 articles, each story with its own invented names and
words), writing a Markdown digest. Each run is a fresh process; peak RSS from `getrusage`.

Two runs per size over one store: "cold" briefs every article (offline) and stores it; "warm" is
the same digest again, where every brief comes from the store and the run only reads, groups,
renders: the digest's own memory. Sizes above `--warm-only-above` are too slow to brief cold
on this machine (the offline engine briefs about 100 articles/s, after reading and hashing);
their store is filled with `summarizer.store` directly (the same briefs the offline engine makes,
brief by brief, in a separate process), and only the warm run is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import news_article, print_machine, run_child


def write_articles(folder: Path, count: int) -> None:
    """`count` articles, one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{i:06}.txt").write_text(news_article(i), encoding="utf-8")


def trace_phases(rss: bool = False) -> dict[str, list[float]]:
    """Trace Python's allocations (tracemalloc) and note, at each phase of the digest's end,
    what is held and the most held so far (MiB): the phases are wrapped, the code is not
    changed. Slows the run about 3x; RSS is then not the digest's own. With `rss`, note the
    process's RSS now and its peak so far instead (no tracing, no slowdown: for large sizes)."""
    import tracemalloc

    import summarizer.digests.run as run

    phases: dict[str, list[float]] = {}

    def note(name: str) -> None:
        if rss:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            now = pages * resource.getpagesize() / 2**20
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            phases[name] = [round(now, 1), round(peak, 1)]
            return
        current, most = tracemalloc.get_traced_memory()
        phases[name] = [round(current / 2**20, 1), round(most / 2**20, 1)]

    def wrap(module: Any, name: str, before: str | None, after: str | None) -> None:
        real = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if before:
                note(before)
            out = real(*args, **kwargs)
            if after:
                note(after)
            return out

        setattr(module, name, wrapped)

    wrap(run, "group", "briefed (entries held)", "grouped")
    # Each story built and let go, its one line and state kept (digest schema v3).
    wrap(run, "_one_lines", None, "stories built")
    wrap(run, "front_page", "continuity", None)
    wrap(run, "_write_outputs", "digest made", "outputs written")
    if not rss:
        tracemalloc.start()
    return phases


def child(folder: str, db: str, phases: str | None = None) -> None:
    """In a fresh process: one offline digest of `folder`; print peak RSS and counts as JSON."""
    from summarizer.digests.run import arun_digest

    traced = trace_phases(rss=phases == "rss-phases") if phases else None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = asyncio.run(
        arun_digest(
            [folder],
            engine="offline",
            db=db,
            concurrency=8,
            outputs=[(Path(db).parent / "digest.md", "md")],
        )
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p = result.progress
    d = result.digest
    print(
        json.dumps(
            {
                "before": before,
                "peak": peak,
                "wall": wall,
                "briefed": p.done,
                "cached": p.cached,
                "failed": p.failed,
                "stories": len(d.stories) + len(d.in_brief),
                "phases": traced,
            }
        )
    )


def fill(folder: str, db: str) -> None:
    """In a fresh process: put an authored brief of every article of `folder` in the store, as
    the digest keys it (the offline engine's key), without briefing: title and summary from its
    first sentences, five facts, its people as parties (`_common.StoryResponder`'s reply)."""
    from summarizer.brief.models import SCHEMA_VERSION, Brief
    from summarizer.brief.prompts import active_version
    from summarizer.digests.sources import expand
    from summarizer.store import BriefKey, open_store
    from summarizer.testing.server import first_sentences_reply

    store = open_store(Path(db))
    items, failed, _ = expand([folder])
    assert not failed, failed
    for item in items:
        article: Any = item.load()[0]
        article_id = store.add_article(article.text, item.name, article.source)
        data = first_sentences_reply(article.text, facts=5)
        first = " ".join(article.text.split()).split(". ")[:2]
        data["title"] = " ".join(first[0].split()[:9])
        data["summary"] = f"{first[0]}. {first[1]}."
        data["meta"] = {"engine": "offline", "prompt_version": active_version()}
        key = BriefKey(article_id, "offline", "offline", active_version(), SCHEMA_VERSION)
        store.put_brief(key, Brief.model_validate(data))
    store.close()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3], phases=sys.argv[4] if sys.argv[4:] else None)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "fill":
        fill(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument(
        "--dir",
        type=Path,
        help="keep articles and stores here (DIR/<size>/); a size whose store exists is run warm "
        "only, so a second checkout can be measured over the same briefs",
    )
    ap.add_argument(
        "--authored",
        action="store_true",
        help="fill each store with authored briefs (fast; see `fill`) and run warm only, each "
        "run on a fresh copy of the filled store",
    )
    ap.add_argument(
        "--phases",
        action="store_true",
        help="also trace Python's allocations (tracemalloc) and print, per size, what the digest "
        "holds at each phase of its end (MiB held, most held so far); about 3x slower",
    )
    ap.add_argument(
        "--rss-phases",
        action="store_true",
        help="note the RSS now / peak so far (MiB) at each phase instead of tracing: no slowdown",
    )
    args = ap.parse_args()
    print_machine()
    traced: dict[int, dict[str, list[float]]] = {}
    print("| articles | run | RSS after imports MiB | peak RSS MiB | s | cached | stories |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            base = (args.dir or Path(tmp)) / str(n)
            folder, db = base / "articles", base / "store.db"
            if not folder.is_dir():
                write_articles(folder, n)
            if args.authored:
                # Every run starts from the filled store: no earlier digest's stories in it.
                filled = base / "filled.db"
                if not filled.exists():
                    subprocess.run(
                        [sys.executable, __file__, "fill", str(folder), str(filled)], check=True
                    )
                shutil.copyfile(filled, db)
            runs = ["warm"] if db.exists() else ["cold", "warm"]
            for run in runs:
                wanted = "rss-phases" if args.rss_phases else "phases" if args.phases else None
                extra = [wanted] if wanted and run == "warm" else []
                r = run_child(__file__, str(folder), str(db), *extra)
                assert r["failed"] == 0, r
                print(
                    f"| {n:,} | {run} | {r['before']:.1f} | {r['peak']:.1f} | {r['wall']:.1f} | "
                    f"{r['cached']:,} | {r['stories']:,} |",
                    flush=True,
                )
                if r.get("phases"):
                    traced[n] = r["phases"]
    if traced:
        sizes = list(traced)
        what = (
            "RSS MiB, now / peak so far"
            if args.rss_phases
            else "Traced (tracemalloc) MiB, held / most held so far"
        )
        print(f"\n{what}, by phase of the warm run:\n")
        print("| phase | " + " | ".join(f"{n:,}" for n in sizes) + " |")
        print("| --- |" + " ---: |" * len(sizes))
        for phase in traced[sizes[0]]:
            cells = [traced[n].get(phase, [0.0, 0.0]) for n in sizes]
            print(f"| {phase} | " + " | ".join(f"{c[0]:.1f} / {c[1]:.1f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
