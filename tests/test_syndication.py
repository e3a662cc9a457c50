"""Syndicated copies (issue 15): one text carried by many outlets is one source with many outlets.

The wire text is a real article (Wikinews, CC BY 2.5, from eval/grouping: the CEO of GM on the
"New GM", June 2009); the copies are it with the edits outlets make. Another real Wikinews
article on the same event (GM's bankruptcy) must stay a source of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import pytest

from summarizer.brief.models import SourceRef
from summarizer.digests import syndication
from summarizer.digests.render import render_digest
from summarizer.digests.run import run_digest
from summarizer.digests.stories import Entry, build_story, group, stories
from summarizer.offline import brief_offline
from tests.conftest import ROOT

ARTICLES = ROOT / "eval" / "grouping" / "articles"
WIRE = (ARTICLES / "meantime-gm-127248.txt").read_text(encoding="utf-8")
OTHER = (ARTICLES / "meantime-gm-127227.txt").read_text(encoding="utf-8")  # same event


def _parts(text: str) -> tuple[str, list[str]]:
    """(headline, body paragraphs) of an article file (title line, date line, paragraphs)."""
    lines = [p for p in text.split("\n") if p.strip()]
    return lines[0], lines[2:]


def _join(title: str, body: list[str]) -> str:
    return "\n\n".join([title, "June 04, 2009", *body]) + "\n"


def headline(text: str) -> str:
    _, body = _parts(text)
    return _join("GM chief: 'The GM that let you down is history'", body)


def dateline(text: str) -> str:
    title, body = _parts(text)
    return _join(title, ["NEW YORK (AP) — " + body[0], *body[1:]])


def trimmed(text: str) -> str:
    title, body = _parts(text)
    return _join(title, body[:-2])


def credit(text: str) -> str:
    title, body = _parts(text)
    return _join(title, [*body, "The Associated Press contributed to this report."])


def house_style(text: str) -> str:
    title, body = _parts(text)
    styled = [
        p.replace("U.S.", "US").replace('"', "\u201c").replace("General Motors", "GM") for p in body
    ]
    return _join(title, styled)


def first_half(text: str) -> str:
    title, body = _parts(text)
    return _join(title, body[: len(body) // 2])


def every_edit(text: str) -> str:
    return credit(trimmed(dateline(headline(text))))


def another_article(text: str) -> str:
    return OTHER


def rewrite(text: str) -> str:
    """Every other paragraph replaced by the other article's: a story built on half the wire."""
    title, body = _parts(text)
    _, other = _parts(OTHER)
    return _join(title, [p if k % 2 else other[k % len(other)] for k, p in enumerate(body)])


def short(text: str) -> str:
    """Two sentences of the wire: the same words, too few to call it a copy."""
    title, body = _parts(text)
    return _join(title, [body[0][:80]])


EDITS: list[tuple[Callable[[str], str], bool]] = [
    (lambda t: t, True),
    (headline, True),
    (dateline, True),
    (trimmed, True),
    (credit, True),
    (house_style, True),
    (first_half, True),
    (every_edit, True),
    (another_article, False),
    (rewrite, False),
    (short, False),
]


def _name(edit: Callable[[str], str]) -> str:
    return edit.__name__ if edit.__name__ != "<lambda>" else "identical"


@pytest.mark.parametrize(("edit", "folded"), EDITS, ids=[_name(e) for e, _ in EDITS])
def test_copy_edits(edit: Callable[[str], str], folded: bool) -> None:
    """Each edit an outlet makes to a wire text keeps it a copy; another article does not."""
    a, b = syndication.shingles(WIRE), syndication.shingles(edit(WIRE))
    assert syndication.is_copy(a, b) is folded
    # ... and so through a story: one source or two.
    entries = [_entry("wire", WIRE, "Outlet A"), _entry("copy", edit(WIRE), "Outlet B")]
    story = build_story(entries, [])
    assert len(story.sources) == (1 if folded else 2)
    assert story.outlet_count() == 2
    carried = [c.outlet for s in story.sources for c in s.also_carried_by]
    assert carried == (["Outlet B"] if folded else [])


def _entry(
    article_id: str, text: str, outlet: str | None, when: datetime | None = None, *, own=True
) -> Entry:
    title, _ = _parts(text)
    brief = brief_offline(text)
    domain = f"{outlet.lower().replace(' ', '')}.example" if outlet else None
    ref = SourceRef(
        article_id=article_id,
        title=title,
        url=f"https://{domain}/{article_id}" if domain else None,
        outlet=outlet,
        domain=domain,
        published=when.isoformat() if when else None,
    )
    return Entry(article_id, brief, ref, when, text=(lambda: text) if own else None)


def _copies(n: int, *, own: bool = True) -> list[Entry]:
    """The wire text as n outlets ran it (datelines, headlines, cut tails), an hour apart."""
    day = datetime(2009, 6, 1, 12, tzinfo=UTC)
    edits = [dateline, every_edit, credit, trimmed, house_style, headline]
    return [
        _entry(
            f"copy{k}", edits[k % len(edits)](WIRE), f"Outlet {k}", day + timedelta(hours=k),
            own=own,
        )
        for k in range(n)
    ]  # fmt: skip


def test_n_copies_are_one_source_with_n_minus_1_outlets_and_count_as_n() -> None:
    copies = _copies(8)
    other = _entry("other", OTHER, "Other Paper", datetime(2009, 6, 1, 15, tzinfo=UTC))
    [(members, why)] = [g for g in group([*copies, other]) if len(g[0]) > 1]
    assert len(members) == 9  # grouping is unchanged: the copies and the other article
    story = build_story(members, why)
    wire, mine = story.sources
    assert mine.article_id == "other" and mine.also_carried_by == []
    assert len(wire.also_carried_by) == 7
    assert {wire.article_id, *(c.article_id for c in wire.also_carried_by)} == {
        f"copy{k}" for k in range(8)
    }
    # The canonical is the fullest text (not one with its last paragraphs cut).
    assert wire.article_id in {"copy0", "copy2", "copy4", "copy5"}
    assert wire.wire == "AP"  # the dateline says (AP)
    # The front page counts nine outlets, copies included.
    assert story.outlet_count() == 9 and story.importance >= 9
    assert story.why_grouped[0].startswith("7 near-identical copies of one text")
    # Facts, positions and quotes cite the two sources only.
    cited = {a for f in story.facts for a in f.sources} | {
        a for p in story.positions for a in p.sources
    }
    assert cited <= {wire.article_id, "other"} and wire.article_id in cited
    line = wire.carried_line()
    assert line is not None
    assert re.fullmatch(r"AP via 8 outlets: Outlet \d, Outlet \d, Outlet \d and 5 more", line)


def test_copies_fold_by_their_briefs_when_no_text_can_be_read() -> None:
    """A digest that cannot read the texts back folds by the words each brief quotes."""
    story = stories(_copies(4, own=False))[0]
    assert len(story.sources) == 1 and len(story.sources[0].also_carried_by) == 3
    assert story.sources[0].wire is None  # the agency is read from the text only


def test_two_articles_on_one_event_stay_two_sources() -> None:
    day = datetime(2009, 6, 1, 12, tzinfo=UTC)
    a = _entry("wire", WIRE, "Outlet A", day)
    b = _entry("other", OTHER, "Outlet B", day)
    story = build_story([a, b], ["'a' and 'b': shared parties GM; similarity 0.40"])
    assert [s.article_id for s in story.sources] == ["wire", "other"]
    assert all(s.also_carried_by == [] for s in story.sources)
    assert story.why_grouped == ["'a' and 'b': shared parties GM; similarity 0.40"]


def _feed(path: Path, outlet: str, host: str, title: str, text: str, when: datetime) -> None:
    body = _parts(text)[1]  # the entry's text starts with its title line, as a page's does
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        f"<title>{escape(outlet)}</title><link>https://{host}/</link>"
        f"<item><title>{escape(title)}</title><link>https://{host}/gm-new-plan</link>"
        f"<guid>https://{host}/gm-new-plan</guid>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
        f"<description>{escape(''.join(f'<p>{p}</p>' for p in [title, *body]))}</description>"
        "</item>"
        "</channel></rss>",
        encoding="utf-8",
    )


def test_a_digest_of_n_copies_shows_one_source_carried_by_n_outlets(tmp_path: Path) -> None:
    """Five outlets' feeds carry the wire text (edited), a sixth its own article on the event:
    the digest (offline engine, feeds written to tmp_path) has one story of two sources, the
    wire one carried by five outlets, in JSON, Markdown, HTML and Atom."""
    day = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
    edits = [dateline, headline, trimmed, credit, house_style]
    feeds = []
    for k, edit in enumerate(edits):
        copy = edit(WIRE)
        feeds.append(tmp_path / f"outlet{k}.xml")
        _feed(feeds[-1], f"Outlet {k}", f"outlet{k}.example", _parts(copy)[0], copy,
              day + timedelta(minutes=k))  # fmt: skip
    feeds.append(tmp_path / "other.xml")
    _feed(feeds[-1], "Other Paper", "other.example", _parts(OTHER)[0], OTHER, day)
    d = run_digest([str(f) for f in feeds], engine="offline", db=tmp_path / "s.db",
                   fetch_pages=False).digest  # fmt: skip
    [story] = [s for s in [*d.stories, *d.in_brief] if len(s.sources) > 1]
    data = json.loads(render_digest(d, "json"))
    [js] = [s for s in data["stories"] if s["id"] == story.id]
    carried = {s["outlet"]: [c["outlet"] for c in s["also_carried_by"]] for s in js["sources"]}
    assert carried["Other Paper"] == []
    [wire] = [o for o in carried if o != "Other Paper"]
    assert sorted([wire, *carried[wire]]) == [f"Outlet {k}" for k in range(5)]
    assert story.outlet_count() == 6
    md = render_digest(d, "md")
    # "AP via 5 outlets" where the digest reads the texts back (the copies credit AP), "carried
    # by 5 outlets" where it folds by the briefs' words.
    via = r"(?:AP via|carried by) 5 outlets"
    assert re.search(via + r": Outlet \d, Outlet \d, Outlet \d and 2 more", md)
    assert "6 outlets, 2 sources" in md
    page = render_digest(d, "html")
    assert "2 sources · 6 outlets" in page and re.search('class="via">' + via, page)
    atom = feedparser.parse(render_digest(d, "atom"))
    assert not atom.bozo
    [entry] = [e for e in atom.entries if re.search(via, e.content[0].value)]
    assert entry.id.endswith(story.id)


def test_a_wire_story_in_brief_is_one_short_line() -> None:
    """A story's one line (In brief, unchanged) names five outlets and counts the rest."""
    from summarizer.brief.models import Digest
    from summarizer.digests.continuity import in_brief_item

    wire = in_brief_item(build_story(_copies(12), []))
    assert wire.outlet_count == 12 and wire.source_count == 1 and wire.more_outlets == 7
    md = render_digest(
        Digest(engine="offline", prompt_version="test", stories=[], in_brief=[wire]), "md"
    )
    [line] = [x for x in md.splitlines() if x.startswith("- **")]
    assert re.search(r"— new · Outlet \d+(; Outlet \d+){4} and 7 more · 2009-06-01", line)


def test_the_agency_is_named_when_any_copy_credits_it() -> None:
    """The canonical (earliest) has no dateline; a later copy's "NEW YORK (AP) —" names AP."""
    day = datetime(2009, 6, 1, 12, tzinfo=UTC)
    plain = _entry("plain", WIRE, "Outlet A", day)
    ap = _entry("ap", dateline(WIRE), "Outlet B", day + timedelta(hours=1))
    [source] = build_story([ap, plain], []).sources
    assert source.article_id == "plain" and source.wire == "AP"
    assert source.carried_line() == "AP via 2 outlets: Outlet A, Outlet B"
    # Without a credit anywhere, no agency is guessed.
    [source] = build_story([_entry("b", headline(WIRE), "Outlet B", day), plain], []).sources
    assert (
        source.wire is None and source.carried_line() == "carried by 2 outlets: Outlet B, Outlet A"
    )


def test_the_front_page_counts_the_outlets_that_carried_copies() -> None:
    """Eight outlets carrying one wire text outrank three outlets with their own articles."""
    from summarizer.brief.models import Brief, BriefMeta, KeyFact
    from summarizer.digests.continuity import front_page

    wire = build_story(_copies(8), [])
    fact = "The orchestra plays nine concerts."
    tour = build_story(
        [
            Entry(
                f"o{k}",
                Brief(
                    title=f"Orchestra tour {k}",
                    summary=f"{fact} It tours in May.",
                    key_facts=[KeyFact(statement=fact, evidence=[fact], status="claimed")],
                    parties=[],
                    positions=[],
                    open_questions=[],
                    meta=BriefMeta(prompt_version="test"),
                ),
                SourceRef(article_id=f"o{k}", title=f"Orchestra tour {k}", outlet=f"Paper {k}"),
            )
            for k in range(3)
        ],
        [],
    )
    assert len(wire.sources) == 1 and wire.outlet_count() == 8 and tour.outlet_count() == 3
    front, in_brief = front_page([tour, wire], max_stories=1)
    assert front == [wire] and in_brief == [tour]


@pytest.mark.parametrize(
    ("feeds", "outlets"),
    [
        # Two outlets' feeds with the byte-identical wire text: one source, two outlets.
        ([("Outlet A", "a.example", WIRE), ("Outlet B", "b.example", WIRE)], 2),
        # A third outlet's edited copy folds in too; the first outlet's second feed (the same
        # text again) is not a third outlet, and no outlet is listed twice.
        (
            [
                ("Outlet A", "a.example", WIRE),
                ("Outlet B", "b.example", WIRE),
                ("Outlet C", "c.example", dateline(WIRE)),
                ("Outlet A", "a.example", WIRE),
            ],
            3,
        ),
        # The identical pair is a near copy (cut tail) of a fuller text from a third outlet:
        # both outlets of the pair are listed on the fuller text's source.
        (
            [
                ("Outlet A", "a.example", WIRE),
                ("Outlet B", "b.example", trimmed(WIRE)),
                ("Outlet C", "c.example", trimmed(WIRE)),
            ],
            3,
        ),
    ],
    ids=["identical", "identical-and-near-copy", "identical-pair-folded-into-fuller"],
)
def test_an_identical_copy_from_another_outlet_is_listed_not_dropped(
    tmp_path: Path, feeds: list[tuple[str, str, str]], outlets: int
) -> None:
    """The text is briefed once (its copies are the same article), but every outlet that
    carried it is listed on its source and counted on the front page."""
    day = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
    paths = []
    for k, (outlet, host, text) in enumerate(feeds):
        paths.append(tmp_path / f"feed{k}.xml")
        _feed(paths[-1], outlet, host, _parts(text)[0], text, day + timedelta(minutes=k))
    result = run_digest([str(p) for p in paths], engine="offline", db=tmp_path / "s.db",
                        fetch_pages=False)  # fmt: skip
    d = result.digest
    [story] = [*d.stories, *d.in_brief]
    [source] = story.sources
    names = [source.outlet, *(c.outlet for c in source.also_carried_by)]
    assert sorted(names) == [f"Outlet {c}" for c in "ABC"[:outlets]]
    # The earliest feed's item is the source, whichever article was read first.
    assert source.outlet == "Outlet A"
    assert all(c.url and c.domain and c.published for c in source.also_carried_by)
    assert story.outlet_count() == outlets and story.importance >= outlets
    md = render_digest(d, "md")
    assert re.search(rf"(?:AP via|carried by) {outlets} outlets: Outlet A, Outlet [BC]", md)
    # Each text was briefed once; the operator still sees the identical copies counted.
    texts = len({text for _, _, text in feeds})
    assert result.progress.done == texts and result.progress.cached == len(feeds) - texts
