"""A feed of 100,000 entries: what keeping the newest 300 costs, against parsing them all.

    python benchmarks/bench_feed_cap.py [--entries N]

The feed is generated (RSS 2.0, one short entry per minute, in date order, ~25 MB for 100,000
entries). Each way runs `summarizer.digests.feeds.parse_feed` in a fresh process and reports its
time (wall and CPU) and peak RSS: the default cap (300 newest entries; a feed with more than
twice the cap is cut before feedparser sees it) and `max_entries=None` (every entry parsed, as
before the cap).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import print_machine, run_child


def make_feed(n: int) -> bytes:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Big</title>'
        "<link>http://127.0.0.1/</link>\n"
    ]
    for i in range(n):
        when = (base + timedelta(minutes=i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        parts.append(
            f"<item><title>Entry {i}</title><link>http://127.0.0.1/a/{i}</link><guid>id-{i}</guid>"
            f"<pubDate>{when}</pubDate><description>Text of entry {i}. It says something about "
            f"item {i} in a sentence or two.</description></item>\n"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


def child(n: int, capped: bool) -> None:
    from summarizer.digests.feeds import DEFAULT_MAX_ENTRIES, parse_feed

    data = make_feed(n)
    wall, cpu = time.perf_counter(), time.process_time()
    feed = parse_feed(data, name="big", max_entries=DEFAULT_MAX_ENTRIES if capped else None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        json.dumps(
            {
                "bytes": len(data),
                "kept": len(feed.entries),
                "total": feed.total_entries,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    if sys.argv[1:2] == ["child"]:  # _common.run_child
        child(int(sys.argv[2]), sys.argv[3] == "capped")
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    args = ap.parse_args()
    print_machine()
    print(f"{'way':<22} {'feed MB':>8} {'kept':>7} {'wall s':>7} {'cpu s':>7} {'peak RSS MiB':>13}")
    for way in ("capped", "all"):
        r = run_child(str(Path(__file__).resolve()), str(args.entries), way)
        label = "newest 300 (default)" if way == "capped" else "every entry"
        print(
            f"{label:<22} {r['bytes'] / 1e6:>8.1f} {r['kept']:>7,} {r['wall_s']:>7.2f} "
            f"{r['cpu_s']:>7.2f} {r['rss_mib']:>13}"
        )


if __name__ == "__main__":
    main()
