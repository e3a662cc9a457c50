"""Precision and recall of the offline synthesis's disagreements on ECB+ events read by hand.

`disagreements.json` holds, per ECB+ `dev` event, the disagreements between outlets a reader
finds in its articles (a quantity, two or more sides, each with its values, its articles and a
short quote), the values that look different but are not (with why, by kind), and the reading
rule. This script runs the real `run_digest` (offline engine, one digest per event, in a
temporary store, as `score.py` does) and scores every disagreement the synthesis shows:

- **precision**: shown disagreements that are one labelled disagreement (its two cited articles
  on two different sides, showing those sides' values) over all shown;
- **recall**: labelled disagreements shown at least once over all labelled;
- every miss is put down to the first step that lost it: `grouping` (no story holds both
  sides), `brief` (no key fact of a side's articles in that story carries its value) or `rules`
  (both values are key facts of one story, and the rules did not set them against each other).

    python eval/synthesis/disagreements.py            # the figures, every shown item and miss
    python eval/synthesis/disagreements.py --json     # the same as JSON
    python eval/synthesis/disagreements.py --split dev   # and every other dev event (unread)

Both lists a digest shows are scored: the synthesis's ("Where sources disagree" in its
account) and the story's own (`Story.disagreements`, from the grouping's looser number rules and
confirmed vs disputed facts; scored as `story list`, a side's values read from its reason). The
digests are run with the `offline_disagreements` setting on (SUMMARIZER_OFFLINE_DISAGREEMENTS=1):
off, its default, the offline engine shows neither.

Figures are per split of the ECB+ set: `dev` events are read whole; `heldout` events (marked
`"read": "shown"`) were read once, only for what the synthesis showed there: precision only.

The ECB+ texts are the outlets' and are not committed: rebuild them with
`eval/grouping/build_ecbplus.py` (see eval/grouping/README.md); without them this prints one
line and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ECBPLUS = ROOT / "eval" / "grouping" / "ecbplus"
LABELS = HERE / "disagreements.json"
_ABOUT = re.compile(r"^(?P<a>.+?) \[(?P<i>\d+)\] vs (?P<b>.+?) \[(?P<j>\d+)\]$")


def norm(text: str) -> str:
    """Lower case, thousands written without separators ("120, 000" and "120,000": 120000)."""
    return re.sub(r"(\d),\s?(?=\d{3}\b)", r"\1", " ".join(text.split()).lower())


def said_value(said: str) -> str:
    """The number a shown side opens with ("120,000 people" -> "120000", "65%" -> "65",
    "US$334 million" -> "334")."""
    words = norm(said).split()
    if not words:
        return ""
    first = re.sub(r"^[a-z]{0,3}[$€£¥]|^[^\w]+", "", words[0])  # "US$334", "$2.6", "€2m"
    return re.sub(r"[^\w.:]+$|%$", "", first).rstrip(".")


def carries(text: str, value: str) -> bool:
    """Whether `text` states `value` as a number or number word of its own."""
    return re.search(rf"(?<![\w.:]){re.escape(norm(value))}(?![\w:]|\.\d)", norm(text)) is not None


def judge(shown: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """Which labelled disagreement a shown one is (`match`), else the `not` entry it is (by
    its articles and values), else unlisted. `shown` has `articles` and `values` (two each)."""
    (a, b), (va, vb) = shown["articles"], shown["values"]
    for d in event["disagreements"]:
        sides = d["sides"]
        for x, sa in enumerate(sides):
            for y, sb in enumerate(sides):
                if x == y or a not in sa["articles"] or b not in sb["articles"]:
                    continue
                if va in {norm(v) for v in sa["values"]} and vb in {norm(v) for v in sb["values"]}:
                    return {"true": True, "match": d["id"]}
    for n in event.get("not", []):
        if (
            a in n["articles"]
            and b in n["articles"]
            and all(any(carries(v, w) for v in n["values"]) for w in (va, vb))
        ):
            return {"true": False, "kind": n["kind"], "why": n["why"]}
    return {"true": False, "kind": "unlisted", "why": "not in disagreements.json: read it"}


def listed_values(reason: str) -> tuple[list[str], list[str]]:
    """The two sides' values of a story's own disagreement, from its reason ("same count,
    different numbers: 12 vs 14 people" -> ["12"], ["14"]; "...: 1, 3 vs 3, 33" -> ["1", "3"],
    ["3", "33"]); none for "one source says confirmed, another disputed"."""
    _, _, said = reason.partition(": ")
    left, sep, right = said.partition(" vs ")
    if not sep:
        return [], []
    right = right.split(" ")[0] if "," not in right else right
    return (
        [said_value(v) for v in left.split(", ") if v.strip()],
        [said_value(v) for v in right.split(", ") if v.strip()],
    )


def judge_listed(item: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """A story's own disagreement (`articles`, `reason`) judged as `judge` does, by any pair of
    the values its reason gives: true when a pair is one labelled disagreement."""
    left, right = listed_values(item["reason"])
    verdicts = [
        judge({"articles": item["articles"], "values": [a, b]}, event)
        for a in left
        for b in right
        if a != b
    ]
    for v in verdicts:
        if v["true"]:
            return v
    known = [v for v in verdicts if v["kind"] != "unlisted"]
    if known:
        return known[0]
    if not left:
        return {"true": False, "kind": "status", "why": "confirmed vs disputed: read it"}
    return {"true": False, "kind": "unlisted", "why": "not in disagreements.json: read it"}


def why_missed(d: dict[str, Any], stories: list[dict[str, Any]]) -> str:
    """The first step that lost a labelled disagreement: grouping, brief or rules. `stories`
    hold `articles` and `facts` (article, evidence) of each multi-source story."""
    sides = d["sides"]
    grouped = False
    for story in stories:
        held = [s for s in sides if set(s["articles"]) & set(story["articles"])]
        if len(held) < 2:
            continue
        grouped = True
        stated = [
            s
            for s in held
            if any(
                art in s["articles"] and any(carries(ev, v) for v in s["values"])
                for art, ev in story["facts"]
            )
        ]
        if len(stated) >= 2:
            return "rules"
    return "brief" if grouped else "grouping"


def score_listed(listed: dict[str, list[dict[str, Any]]], labels: dict[str, Any]) -> dict[str, Any]:
    """Precision and recall of the stories' own lists (`judge_listed`)."""
    unread: dict[str, list[Any]] = {"disagreements": [], "not": []}
    items = [
        {"event": name, **i, **judge_listed(i, labels["events"].get(name, unread))}
        for name, its in listed.items()
        for i in its
    ]
    true = sum(i["true"] for i in items)
    found = {i["match"] for i in items if i["true"]}
    labelled = sum(len(e["disagreements"]) for e in labels["events"].values())
    return {
        "shown": len(items),
        "true": true,
        "precision": round(true / len(items), 3) if items else None,
        "found": len(found),
        "recall": round(len(found) / labelled, 3) if labelled else None,
        "items": items,
    }


def score(
    shown: dict[str, list[dict[str, Any]]],
    stories: dict[str, list[dict[str, Any]]],
    labels: dict[str, Any],
) -> dict[str, Any]:
    """Precision over shown disagreements, recall over labelled ones, misses by step."""
    items, found, misses = [], set(), []
    unread: dict[str, list[Any]] = {"disagreements": [], "not": []}
    for name in [*labels["events"], *(n for n in shown if n not in labels["events"])]:
        event = labels["events"].get(name, unread)
        for s in shown.get(name, []):
            verdict = judge(s, event)
            items.append({"event": name, **s, **verdict})
            if verdict["true"]:
                found.add(verdict["match"])
        for d in event["disagreements"]:
            if d["id"] not in found:
                step = why_missed(d, stories.get(name, []))
                misses.append(
                    {"event": name, "id": d["id"], "quantity": d["quantity"], "lost": step}
                )
    true = sum(i["true"] for i in items)
    labelled = sum(len(e["disagreements"]) for e in labels["events"].values())
    return {
        "shown": len(items),
        "true": true,
        "precision": round(true / len(items), 3) if items else None,
        "labelled": labelled,
        "found": len(found),
        "recall": round(len(found) / labelled, 3) if labelled else None,
        "items": items,
        "misses": misses,
    }


def check_quotes(labels: dict[str, Any], text_of: dict[str, str]) -> list[str]:
    """Labelled quotes that none of their side's articles carries (whitespace aside)."""
    bad = []
    for event in labels["events"].values():
        for d in event["disagreements"]:
            for s in d["sides"]:
                if not any(
                    " ".join(s["quote"].split()) in " ".join(text_of.get(a, "").split())
                    for a in s["articles"]
                ):
                    bad.append(f"{d['id']}: {s['quote']!r}")
    return bad


Runs = dict[str, list[dict[str, Any]]]


@contextlib.contextmanager
def _restored(var: str, value: str | None) -> Iterator[None]:
    """Put an environment variable back as it was (`value`; None: unset) after the block."""
    try:
        yield
    finally:
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


def by_split(
    shown: Runs,
    stories: Runs,
    labels: dict[str, Any],
    split_of: dict[str, str],
    listed: Runs | None = None,
) -> dict[str, dict[str, Any]]:
    """`score` for each split of the ECB+ set apart (dev is read, held-out is read once), and
    `score_listed` of the stories' own lists as `story list`."""
    names = [*labels["events"], *shown, *(listed or {})]
    out = {}
    for part in sorted({split_of.get(n, "?") for n in names}):
        events = {n: e for n, e in labels["events"].items() if split_of.get(n, "?") == part}
        seen = {n: v for n, v in shown.items() if split_of.get(n, "?") == part}
        out[part] = score(seen, stories, {"events": events})
        mine = {n: v for n, v in (listed or {}).items() if split_of.get(n, "?") == part}
        out[part]["story list"] = score_listed(mine, {"events": events})
        out[part]["read"] = sum(e.get("read", "all") == "all" for e in events.values())
        out[part]["read_shown"] = sum(e.get("read") == "shown" for e in events.values())
    return out


def run(
    labels: dict[str, Any], split: str | None = None
) -> tuple[Runs, Runs, dict[str, str], dict[str, str], Runs]:
    """Run the offline digest over each labelled event (and, with `split`, every other event
    of that split of the ECB+ set), with the `offline_disagreements` setting on: what its
    synthesis shows, its stories, the texts, each event's split and the stories' own lists."""
    from summarizer.config import ENV
    from summarizer.digests.run import run_digest

    var = ENV["offline_disagreements"]
    before = os.environ.get(var)
    os.environ[var] = "1"  # what the rules find, shown to be scored
    listed: Runs = {}
    articles = json.loads((ECBPLUS / "set.json").read_text(encoding="utf-8"))["articles"]
    events = list(labels["events"])
    events += sorted({a["event"] for a in articles if a["split"] == split} - set(events))
    split_of = {a["event"]: a["split"] for a in articles}
    shown: Runs = {}
    stories: Runs = {}
    text_of: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, _restored(var, before):
        for n, name in enumerate(events):
            arts = [a for a in articles if a["event"] == name]
            paths = [str(ECBPLUS / a["path"]) for a in arts]
            ids = dict(zip(paths, [a["id"] for a in arts], strict=True))
            for p, i in ids.items():
                text_of[i] = Path(p).read_text(encoding="utf-8")
            result = run_digest(paths, engine="offline", db=Path(tmp) / f"{n}.db")
            for story in result.digest.stories:
                if len(story.sources) < 2 or story.synthesis is None:
                    continue
                names = [ids.get(r.path or "", r.article_id) for r in story.sources]
                by_hash = {r.article_id: ids.get(r.path or "", r.article_id) for r in story.sources}
                stories.setdefault(name, []).append(
                    {
                        "articles": names,
                        "facts": [
                            (by_hash.get(src, src), ev)
                            for f in story.facts
                            for src, ev in zip(f.sources, f.evidence, strict=False)
                        ],
                    }
                )
                for dis in story.disagreements:
                    listed.setdefault(name, []).append(
                        {
                            "articles": [by_hash.get(x, x) for x in dis.sources[:2]],
                            "reason": dis.reason,
                            "text": f"{dis.reason} :: " + " // ".join(dis.claims),
                        }
                    )
                for d in story.synthesis.disagreements:
                    m = _ABOUT.match(d.about)
                    said = (m["a"], m["b"]) if m else (d.about, "")
                    shown.setdefault(name, []).append(
                        {
                            "articles": [names[x.citation.source - 1] for x in d.sides[:2]],
                            "values": [said_value(said[0]), said_value(said[1])],
                            "text": d.about,
                            "quotes": [x.citation.quote for x in d.sides[:2]],
                        }
                    )
    return shown, stories, text_of, split_of, listed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--json", action="store_true", help="print the whole result as JSON")
    ap.add_argument(
        "--split",
        choices=("dev", "heldout"),
        help="also run every other event of this ECB+ split (what it shows there is unread)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="print the story lists too")
    args = ap.parse_args(argv)
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    if not (ECBPLUS / "texts").is_dir():
        print(
            f"skipped: the ECB+ texts are not in {ECBPLUS / 'texts'} "
            "(rebuild them with eval/grouping/build_ecbplus.py)"
        )
        return 0
    shown, stories, text_of, split_of, listed = run(labels, args.split)
    bad = check_quotes(labels, text_of)
    if bad:
        print("labelled quotes not found in their articles:\n  " + "\n  ".join(bad))
        return 1
    results = by_split(shown, stories, labels, split_of, listed)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
        return 0
    print(f"events run with a multi-source story: {len(stories)}")
    for part, result in results.items():
        p = "n/a" if result["precision"] is None else f"{result['precision']:.2f}"
        r = "n/a" if result["recall"] is None else f"{result['recall']:.2f}"
        print(
            f"{part}: events read {result['read']} (shown items only: {result['read_shown']})  "
            f"shown {result['shown']}  true {result['true']}  precision {p}  "
            f"labelled {result['labelled']}  found {result['found']}  recall {r}"
        )
        for i in result["items"]:
            verdict = f"true ({i['match']})" if i["true"] else f"false, {i['kind']}: {i['why']}"
            print(f"  shown {i['event']}: {i['text']}  [{' vs '.join(i['articles'])}] -> {verdict}")
        for m in result["misses"]:
            print(f"  missed {m['event']}: {m['id']} ({m['quantity']}), lost at {m['lost']}")
        own = result["story list"]
        p = "n/a" if own["precision"] is None else f"{own['precision']:.2f}"
        print(
            f"{part} story list: shown {own['shown']}  true {own['true']}  precision {p}  "
            f"found {own['found']} of {result['labelled']}"
        )
        if args.verbose:
            for i in own["items"]:
                verdict = f"true ({i['match']})" if i["true"] else f"false, {i['kind']}"
                print(f"  listed {i['event']}: {i['text'][:300]} -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
