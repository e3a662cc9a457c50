"""Build eval/grouping/feeds/: the real feeds of ../shared/external/feeds, labelled by event.

    python eval/grouping/build_feeds.py [FEEDS_DIR]            # set.json, texts/
    python eval/grouping/build_feeds.py [FEEDS_DIR] --texts    # texts/ only, checked

FEEDS_DIR defaults to ../shared/external/feeds (from the repository). Every feed file there
that parses (`summarizer.digests.feeds.parse_feed`, as the digest reads it) gives one text per
entry that has its own text: the entry's content as the digest briefs it with `--no-fetch`.
Ids are the feed file's short name and the entry's place in the feed ("tpm-03").

Labels are written below by hand, by reading each entry (title and text), not from any grouping:
two entries have one `event` when they report the same occurrence (the 2018 State of the Union
address and the reactions to it the next day; the 7 November 2017 US elections and the
reactions to their results; the Menendez jury's second day told twice; one Ibope poll told
twice); every other entry is its own event. A `storyline` joins different events of one
running story that a digest may show as one (US public lands; the Trump-Russia inquiry; AT&T's
purchase of Time Warner and CNN; Brazil's 2018 election). Two items of one outlet on one
subject (two NSHipster posts on Objective-C, two heise items for developers, a late-night
show's take on the speech and a guest's interview on the same show) are different events.

Split by feed file: dev is The Guardian, heise and the SAX-error test feed; held-out is TPM,
NSHipster, PCMag (John C. Dvorak) and UOL.

Licence: the feeds' texts belong to their publishers and are not committed: this script writes
them to `feeds/texts/` (ignored by git), and set.json keeps ids, titles, dates, labels and each
text's SHA-256. The feed files themselves are in ../shared, which the project's CI has.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from rebuilt import write_texts

HERE = Path(__file__).resolve().parent
OUT = HERE / "feeds"
DEFAULT_FEEDS = HERE.parent.parent.parent / "shared" / "external" / "feeds"
LICENCE = "text: its publisher's copyright, not redistributed here (rebuilt from the feed file)"
REBUILD = "python eval/grouping/build_feeds.py --texts (README.md)"

HELDOUT = ("tpm", "invalid-characters-gzipped", "illegally-nested", "uolNoticias")

# entry id -> event label (an entry not listed is its own event).
EVENTS: dict[str, str] = {
    # The Guardian, 30-31 January 2018: the State of the Union address and what was said of it.
    **{
        f"guardian-{n:02d}": "sotu-2018"
        for n in (1, 2, 15, 19, 20, 28, 30, 52)  # 15: late-night hosts on the speech
    },
    # Stormy Daniels on Jimmy Kimmel Live (not the hosts' take on the speech).
    "guardian-29": "stormy-daniels-kimmel",
    "guardian-33": "stormy-daniels-kimmel",
    # TPM, 8 November 2017: the elections of the day before and the reactions to the results.
    **{f"tpm-{n:02d}": "us-elections-2017-11-07" for n in (6, 7, 11, 15, 17, 18, 20)},
    "tpm-03": "menendez-jury-day-2",
    "tpm-13": "menendez-jury-day-2",
    # DOJ asks AT&T to sell CNN (TPM's report and its editor's note on the FT report).
    "tpm-08": "doj-att-cnn-sale",
    "tpm-10": "doj-att-cnn-sale",
    # UOL, 24 September 2018: one Ibope poll, told as first and second round.
    "uolNoticias-01": "ibope-poll-2018-09-24",
    "uolNoticias-13": "ibope-poll-2018-09-24",
}
STORYLINES: dict[str, str] = {
    "guardian-17": "us-public-lands",
    "guardian-18": "us-public-lands",
    "guardian-03": "trump-russia",
    "guardian-13": "trump-russia",
    "tpm-12": "trump-russia",
    "tpm-08": "att-time-warner",
    "tpm-10": "att-time-warner",
    "uolNoticias-01": "brazil-election-2018",
    "uolNoticias-13": "brazil-election-2018",
    "uolNoticias-06": "brazil-election-2018",
}


def short_name(path: Path) -> str:
    """'rss-parser__guardian.rss' -> 'guardian'."""
    return path.name.split("__", 1)[-1].split(".", 1)[0]


def docs(feeds: Path) -> Iterator[tuple[str, str, dict[str, object]]]:
    from summarizer.digests.feeds import parse_feed
    from summarizer.errors import InputError

    for path in sorted(p for p in feeds.iterdir() if p.is_file()):
        try:
            feed = parse_feed(path.read_bytes(), name=str(path))
        except InputError:
            continue  # not a feed, or one with no entry: the digest reports it as failed
        key = short_name(path)
        for n, entry in enumerate(feed.entries, 1):
            if not entry.content_text:
                continue
            aid = f"{key}-{n:02d}"
            record: dict[str, object] = {
                "title": (entry.title or aid)[:200],
                "date": entry.published.isoformat() if entry.published else None,
                "outlet": feed.title or key,
                "licence": LICENCE,
                "source": entry.link or f"{path.name}#{n}",
                "via": f"../shared/external/feeds/{path.name}",
                "event": EVENTS.get(aid, f"feeds-{aid}"),
                "storyline": STORYLINES.get(aid),
                "split": "heldout" if key in HELDOUT else "dev",
            }
            yield aid, entry.content_text, record


def build(feeds: Path, write_set: bool) -> int:
    return write_texts(
        OUT, docs(feeds), write_set=write_set, rebuild=REBUILD, extra={"brief_as": "feed-entry"}
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("feeds", type=Path, nargs="?", default=DEFAULT_FEEDS, help="the feeds folder")
    p.add_argument("--texts", action="store_true", help="write texts/ only, check them")
    args = p.parse_args()
    return build(args.feeds, write_set=not args.texts)


if __name__ == "__main__":
    raise SystemExit(main())
