"""How well story ids carry over from digest to digest, on eval/grouping's labelled articles.

Simulates a daily digest over the labelled set (real Wikinews articles, each with its date, its
event and its storyline): for every date in the set, one digest of the articles published in the
`--window` days up to it (as `--since` would give), grouped as the digest groups them, its stories
matched to the earlier digests' by `summarizer.digests.continuity.carry_over` (in memory, as the
store would keep them). Then, over every pair of articles:

- carried: both shown, in different digests, under one story id; precision = the share of those
  pairs that are one event (and, leniently, one storyline); recall = the share of same-event
  pairs shown in different digests that got one id.
- changes: how many stories were new, updated and unchanged over all the digests.

    python scripts/continuity_eval.py [--window 3] [--split dev|heldout|all]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "n/a"


def main() -> None:
    from summarizer import summarize
    from summarizer.brief.models import SourceRef
    from summarizer.digests.continuity import StoryState, carry_over
    from summarizer.digests.stories import Entry, stories

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=int, default=3, help="days each digest covers")
    ap.add_argument("--split", default="all", choices=["dev", "heldout", "all"])
    ap.add_argument("--set", default=str(ROOT / "eval" / "grouping" / "set.json"))
    args = ap.parse_args()
    base = Path(args.set).parent
    rows = json.loads(Path(args.set).read_text(encoding="utf-8"))["articles"]
    rows = [r for r in rows if args.split == "all" or r["split"] == args.split]
    entries: dict[str, Entry] = {}
    for r in rows:
        text = (base / r["path"]).read_text(encoding="utf-8")
        try:
            brief = summarize(text, engine="offline")
        except Exception as exc:  # a text the offline engine refuses is left out
            print(f"skipped {r['id']}: {exc}")
            continue
        when = datetime.fromisoformat(r["date"]).replace(tzinfo=UTC)
        ref = SourceRef(
            article_id=r["id"], title=r["title"], published=r["date"], outlet=r.get("outlet")
        )
        entries[r["id"]] = Entry(r["id"], brief, ref, when)
    label = {r["id"]: r for r in rows}
    days = sorted({e.when for e in entries.values() if e.when})
    saved: dict[str, StoryState] = {}
    shown: dict[str, list[tuple[int, str]]] = {}  # article -> [(digest number, story id)]
    changes: Counter[str] = Counter()
    for n, day in enumerate(days):
        batch = [
            e
            for e in entries.values()
            if e.when and day - timedelta(days=args.window - 1) <= e.when <= day
        ]
        found = stories(batch)
        members = {m.article_id for s in found for m in s.sources}
        earlier = [
            s
            for s in saved.values()
            if members & set(s.members) or s.last_updated >= day - timedelta(days=30)
        ]
        now = day + timedelta(hours=7)
        for state in carry_over(found, earlier, now):
            saved[state.id] = state
        for s in found:
            changes[s.change] += 1
            for m in s.sources:
                shown.setdefault(m.article_id, []).append((n, s.id))
    carried = same_event = same_line = 0
    event_pairs = event_carried = 0
    for a, b in combinations(sorted(shown), 2):
        ids_a = {sid for _, sid in shown[a]}
        ids_b = {sid for _, sid in shown[b]}
        runs_apart = {n for n, _ in shown[a]} != {n for n, _ in shown[b]}
        one_event = label[a]["event"] == label[b]["event"]
        one_line = bool(label[a]["storyline"]) and label[a]["storyline"] == label[b]["storyline"]
        together = bool(ids_a & ids_b)
        if together and runs_apart:
            carried += 1
            same_event += one_event
            same_line += one_event or one_line
        if one_event and runs_apart:
            event_pairs += 1
            event_carried += together
    print(
        f"{len(entries)} articles, {len(days)} digests (window {args.window} days, split "
        f"{args.split}); stories: {changes['new']} new, {changes['updated']} updated, "
        f"{changes['unchanged']} unchanged"
    )
    print(
        f"pairs carried under one id across digests: {carried}; one event: {same_event} "
        f"(precision {_share(same_event, carried)}); one event or "
        f"storyline: {same_line} ({_share(same_line, carried)})"
    )
    print(
        f"same-event pairs shown in different digests: {event_pairs}; carried under one id: "
        f"{event_carried} (recall {_share(event_carried, event_pairs)})"
    )


if __name__ == "__main__":
    main()
