"""Which articles of the grouping sets fold as syndicated copies, to read them.

    python scripts/syndication_eval.py [--briefs] [SET ...]

Each set (default: eval/grouping, eval/grouping/ecbplus, eval/grouping/gvc; texts that are not
rebuilt are skipped) is folded as if all its articles were one story
(`syndication.copy_groups`, so pairs of two events are tried too), by the articles' own texts,
or with --briefs by the words their offline briefs quote (what a digest uses when it cannot read
the texts back). Prints each fold (the canonical, then its copies, with the containment) and
counts: folds, folds across two events. Read the folds: each should be one text with edits.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from summarizer.brief.models import SourceMeta, SourceRef
from summarizer.digests import syndication
from summarizer.digests.stories import Entry, _copy_text
from summarizer.offline import brief_offline

ROOT = Path(__file__).resolve().parent.parent
SETS = ["eval/grouping", "eval/grouping/ecbplus", "eval/grouping/gvc"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", default=SETS)
    ap.add_argument("--briefs", action="store_true", help="fold by the briefs' quoted words")
    args = ap.parse_args(argv)
    for name in args.sets:
        base = ROOT / name
        records = json.loads((base / "set.json").read_text(encoding="utf-8"))["articles"]
        ids, texts, event = [], [], {}
        for r in records:
            path = base / r["path"]
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8")
            if args.briefs:
                try:
                    brief = brief_offline(text, source=SourceMeta(title=r["title"]))
                except Exception:  # too short to brief: a digest would not have it either
                    continue
                entry = Entry(r["id"], brief, SourceRef(article_id=r["id"], title=r["title"]))
                text = _copy_text(entry, brief, False) or ""
            ids.append(r["id"])
            texts.append(text)
            event[r["id"]] = r["event"]
        started = time.process_time()
        sketches = [syndication.shingles(t) for t in texts]
        groups = syndication.copy_groups(sketches)
        cpu = time.process_time() - started
        folds = across = 0
        for g in groups:
            if len(g) == 1:
                continue
            head = g[0]
            print(f"{name}: {ids[head]} ({len(sketches[head])} shingles)")
            for k in g[1:]:
                c = syndication.containment(sketches[head], sketches[k])
                other = event[ids[k]] != event[ids[head]]
                folds += 1
                across += other
                mark = "  ACROSS EVENTS" if other else ""
                print(f"    {ids[k]} containment {c:.3f} ({len(sketches[k])} shingles){mark}")
        print(
            f"{name}: {len(ids)} articles, {folds} folded as copies, {across} across two events "
            f"({'briefs' if args.briefs else 'texts'}; {cpu:.2f} s CPU)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
