"""Precision of the offline story synthesis, section by section, against marks read by hand.

The reading set is every multi-source story of
- a digest of each MEANTIME storyline of `eval/grouping/set.json` (the storyline's Wikinews
  articles, offline engine, one digest per storyline), and
- the digest of the three real feeds in `../shared/external/feeds` (guardian, heise, tpm),
  `--no-fetch`.

Split: **tune** = the grouping set's `dev` storylines and the feeds; **heldout** = its `heldout`
storylines (read once, at the end). Each item the synthesis shows (the story's headline, a
summary sentence, a perspective, a timeline event, a what-to-watch line, a disagreement) is
keyed by its section, its story's articles and its text; `marks.json` holds a mark (right or
wrong, and why) per key.

    python eval/synthesis/score.py                  # precision per section and split
    python eval/synthesis/score.py --unmarked       # the items no one has marked yet (JSON)
    python eval/synthesis/score.py --split tune --dump items.json   # every item, with its mark

Precision counts marked items only; unmarked items are counted and listed, never guessed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GROUPING = ROOT / "eval" / "grouping"
FEEDS = ROOT.parent / "shared" / "external" / "feeds"
FEED_FILES = ("rss-parser__guardian.rss", "rss-parser__heise.atom", "node-feedparser__tpm.atom")
MARKS = HERE / "marks.json"
SECTIONS = ("headline", "summary", "perspectives", "timeline", "watch", "disagreements")


def _key(section: str, story: list[str], text: str) -> str:
    raw = "|".join([section, ",".join(sorted(story)), " ".join(text.split())])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _items(story: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    """What a reader sees of one story's synthesis, one record per item."""
    s = story.synthesis
    ids = [names.get(r.path or "", r.url or r.article_id) for r in story.sources]
    out: list[dict[str, Any]] = []

    def add(section: str, text: str, cites: list[Any]) -> None:
        out.append(
            {
                "key": _key(section, ids, text),
                "section": section,
                "story": sorted(ids),
                "text": text,
                "quotes": [f"[{ids[c.source - 1]}] {c.quote}" for c in cites],
            }
        )

    add("headline", story.title, [])
    for x in s.summary:
        add("summary", x.text, x.citations)
    for p in s.perspectives:
        add("perspectives", f"{p.who} ({p.kind}): {p.view}", [p.citation])
    for ev in s.timeline:
        said = f" ({ev.said_as})" if ev.said_as else ""
        add("timeline", f"{ev.date}{said}: {ev.event}", ev.citations)
    for w in s.watch:
        add("watch", w.text, w.citations)
    for d in s.disagreements:
        sides = " | ".join(f"[{ids[x.citation.source - 1]}] {x.claim}" for x in d.sides)
        add("disagreements", f"{d.about} :: {sides}", [x.citation for x in d.sides])
    return out


def _gvc_runs() -> list[tuple[str, list[str], dict[str, str]]]:
    """A digest per GVC shooting with two or more articles (splits gvc-heldout and gvc-dev,
    each read once, for what to watch and the timeline only), when its texts were rebuilt
    locally (`eval/grouping/build_gvc.py`; they are not committed)."""
    gvc = GROUPING / "gvc"
    if not (gvc / "texts").is_dir():
        return []
    data = json.loads((gvc / "set.json").read_text(encoding="utf-8"))["articles"]
    events: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for a in data:
        if (gvc / a["path"]).exists():
            events.setdefault((a["split"], a["event"]), []).append(a)
    runs = []
    for (part, _name), arts in sorted(events.items()):
        if len(arts) >= 2:
            paths = [str(gvc / a["path"]) for a in arts]
            ids = dict(zip(paths, [a["id"] for a in arts], strict=True))
            runs.append((f"gvc-{part}", paths, ids))
    return runs


def reading_set(split: str | None = None) -> list[dict[str, Any]]:
    """Every item of every multi-source story of the reading set (optionally one split)."""
    from summarizer.digests.run import run_digest

    data = json.loads((GROUPING / "set.json").read_text(encoding="utf-8"))["articles"]
    lines: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for a in data:
        if a.get("storyline"):
            lines.setdefault((a["split"], a["storyline"]), []).append(a)
    runs: list[tuple[str, list[str], dict[str, str]]] = []
    for (part, _name), arts in sorted(lines.items()):
        if len(arts) < 2:
            continue
        paths = [str(GROUPING / a["path"]) for a in arts]
        runs.append(
            (
                "tune" if part == "dev" else "heldout",
                paths,
                dict(zip(paths, [a["id"] for a in arts], strict=True)),
            )
        )
    if all((FEEDS / f).exists() for f in FEED_FILES):
        runs.append(("tune", [str(FEEDS / f) for f in FEED_FILES], {}))
    else:
        print(f"note: {FEEDS} is missing: the feeds' story is left out of tune", file=sys.stderr)
    runs += _gvc_runs()
    items: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (part, paths, names) in enumerate(runs):
            if split and part != split:
                continue
            kw: dict[str, Any] = {"fetch_pages": False} if not names else {}
            result = run_digest(paths, engine="offline", db=Path(tmp) / f"{n}.db", **kw)
            for story in result.digest.stories:
                if len(story.sources) > 1 and story.synthesis is not None:
                    for item in _items(story, names):
                        items.append({"split": part, **item})
    return items


def score(items: list[dict[str, Any]], marks: dict[str, Any]) -> dict[str, Any]:
    """Precision per split and section over the marked items, and how many are unmarked."""
    out: dict[str, Any] = {}
    for item in items:
        row = out.setdefault(item["split"], {}).setdefault(
            item["section"], {"items": 0, "right": 0, "wrong": 0, "unmarked": 0}
        )
        row["items"] += 1
        mark = marks.get(item["key"], {}).get("mark")
        row[mark if mark in ("right", "wrong") else "unmarked"] += 1
    for part in out.values():
        for row in part.values():
            marked = row["right"] + row["wrong"]
            row["precision"] = round(row["right"] / marked, 3) if marked else None
    return out


def _mark(marks: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in marks.get(key, {}).items() if k in ("mark", "why")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("tune", "heldout", "gvc-heldout", "gvc-dev"))
    ap.add_argument("--marks", type=Path, default=MARKS)
    ap.add_argument("--unmarked", action="store_true", help="print the unmarked items (JSON)")
    ap.add_argument("--dump", type=Path, help="write every item, with its mark, to this file")
    args = ap.parse_args(argv)
    marks = json.loads(args.marks.read_text(encoding="utf-8")) if args.marks.exists() else {}
    items = reading_set(args.split)
    if args.dump:
        full = [
            {**i, **{k: v for k, v in marks.get(i["key"], {}).items() if k in ("mark", "why")}}
            for i in items
        ]
        args.dump.write_text(
            json.dumps(full, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if args.unmarked:
        json.dump(
            [i for i in items if i["key"] not in marks], sys.stdout, indent=1, ensure_ascii=False
        )
        print()
        return 0
    report = score(items, marks)
    for part, sections in sorted(report.items()):
        for section in SECTIONS:
            row = sections.get(section)
            if row:
                p = "n/a" if row["precision"] is None else f"{row['precision']:.2f}"
                print(
                    f"{part:8} {section:14} items {row['items']:3}  right {row['right']:3}  "
                    f"wrong {row['wrong']:3}  unmarked {row['unmarked']:3}  precision {p}"
                )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
