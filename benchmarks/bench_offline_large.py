"""The offline engine on very long articles: time per character stays flat (linear).

    python benchmarks/bench_offline_large.py [--quick] [--sizes 1000,100000,...]

The text is the real Wikinews articles of `../shared/external/wikinews/` concatenated (blank line
between them) until the size is reached, cut at the last full stop before it. Each size is one
`summarizer.summarize(text, engine="offline")` call (parties, who said what, facts, open
questions and the grounding check of the result), timed in a fresh subprocess: wall time and
CPU time (the machine is shared, CPU time is the steadier figure), peak RSS, and CPU
microseconds per character. A linear engine keeps µs/char about constant from 100k to 3M.
`--quick` stops at 1M characters; `--one-paragraph` joins the text into a single paragraph (no
line breaks), the shape that once made sentence splitting quadratic.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from _common import ROOT, print_machine, run_child

WIKINEWS = ROOT.parent / "shared" / "external" / "wikinews"
SIZES = [1_000, 100_000, 1_000_000, 3_000_000]


def long_text(size: int, one_paragraph: bool = False) -> str:
    """Wikinews articles, concatenated and repeated, cut to about `size` characters."""
    parts = [p.read_text(encoding="utf-8") for p in sorted(WIKINEWS.glob("*.txt"))]
    if not parts:
        sys.exit(f"no articles in {WIKINEWS}")
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        out.append(parts[i % len(parts)])
        total += len(out[-1]) + 2
        i += 1
    text = "\n\n".join(out)
    if one_paragraph:
        text = " ".join(text.split("\n"))
    text = text[:size]
    return text[: text.rfind(".") + 1]


def child(size: int, one_paragraph: bool) -> None:
    import summarizer

    text = long_text(size, one_paragraph)
    summarizer.summarize(text[:5_000], engine="offline")  # imports and lazy tables, not timed
    wall, cpu = time.perf_counter(), time.process_time()
    brief = summarizer.summarize(text, engine="offline")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        json.dumps(
            {
                "chars": len(text),
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "parties": len(brief.parties),
                "facts": len(brief.key_facts),
                "positions": len(brief.positions),
            }
        )
    )


def main() -> None:
    if sys.argv[1:2] == ["child"]:  # _common.run_child: one size in a fresh interpreter
        child(int(sys.argv[2]), sys.argv[3:4] == ["one"])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="stop at 1M characters")
    ap.add_argument("--sizes", help="comma-separated sizes in characters")
    ap.add_argument("--one-paragraph", action="store_true", help="no line breaks in the text")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else SIZES
    if args.quick:
        sizes = [s for s in sizes if s <= 1_000_000]
    print_machine()
    shape = "one paragraph" if args.one_paragraph else "paragraphs kept"
    print(f"text: {WIKINEWS} concatenated ({shape}); summarizer.summarize(text, engine='offline')")
    print(f"{'chars':>10} {'wall s':>8} {'cpu s':>8} {'cpu µs/char':>12} {'RSS MiB':>8}  brief")
    for size in sizes:
        r = run_child(
            str(Path(__file__).resolve()), str(size), "one" if args.one_paragraph else "kept"
        )
        per = r["cpu_s"] / r["chars"] * 1e6
        print(
            f"{r['chars']:>10,} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} {per:>12.2f} "
            f"{r['rss_mib']:>8}  {r['parties']} parties, {r['facts']} facts, "
            f"{r['positions']} positions"
        )


if __name__ == "__main__":
    main()
