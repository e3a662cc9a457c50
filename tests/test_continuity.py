"""Stories across runs (ids, new/updated/unchanged), the front page, outlets, Atom, headlines.

The two-day runs use real Wikinews articles from eval/grouping (CC BY 2.5) with the offline
engine, on a store in tmp_path: day one a GM bankruptcy story and an Apple Corps v Apple story;
day two the same two articles, a second GM article (joins the GM story: updated) and a Russian
stock market article (a new story). The Apple story is untouched (unchanged).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from click.testing import CliRunner

from summarizer.brief.models import Digest, SourceRef, Story
from summarizer.cli import main
from summarizer.digests.atom import entry_id
from summarizer.digests.continuity import StoryState, carry_over, front_page, in_brief_item
from summarizer.digests.feeds import parse_feed
from summarizer.digests.headline import first_sentence, headline, headline_problem
from summarizer.digests.render import digest_markdown, render_digest
from summarizer.digests.run import _source_ref, run_digest
from summarizer.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "eval" / "grouping" / "articles"
GM_1, GM_2 = "meantime-gm-127226.txt", "meantime-gm-127227.txt"
APPLE, STOCK = "meantime-apple-37313.txt", "meantime-stock-113227.txt"
FEEDS = ROOT.parent / "shared" / "external" / "feeds"
PAGES = ROOT.parent / "shared" / "external" / "article_html"


def _day(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True)
    for n in names:
        shutil.copy(ARTICLES / n, folder / n)
    return folder


def _by_member(d: Digest, name: str, folder: Path) -> Story:
    """The story (front page or in brief) whose sources include the article `name`."""
    wanted = (folder / name).read_text(encoding="utf-8")[:60]
    for s in [*d.stories, *d.in_brief]:
        for ref in s.sources:
            if ref.path and Path(ref.path).name == name:
                return s
    raise AssertionError(f"no story holds {name} ({wanted!r})")


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("two-days")
    db = tmp / "store.db"
    d1 = _day(tmp / "day1", [GM_1, APPLE])
    d2 = _day(tmp / "day2", [GM_1, APPLE, GM_2, STOCK])
    first = run_digest(
        [str(d1)],
        engine="offline",
        db=db,
        outputs=[(tmp / "day1.atom", "atom"), (tmp / "day1.json", "json")],
    )
    second = run_digest(
        [str(d2)],
        engine="offline",
        db=db,
        outputs=[
            (tmp / "day2.atom", "atom"),
            (tmp / "day2.json", "json"),
            (tmp / "day2.md", "md"),
        ],
    )
    return SimpleNamespace(tmp=tmp, db=db, d1=d1, d2=d2, first=first.digest, second=second.digest)


def test_day_one_every_story_is_new(two_days: SimpleNamespace) -> None:
    d = two_days.first
    assert len(d.stories) == 2 and not d.in_brief
    assert {s.change for s in d.stories} == {"new"}
    assert all(s.first_seen == s.last_updated == d.created_at for s in d.stories)


def test_day_two_updated_unchanged_and_new(two_days: SimpleNamespace) -> None:
    one, two = two_days.first, two_days.second
    gm1, gm2 = _by_member(one, GM_1, two_days.d1), _by_member(two, GM_1, two_days.d2)
    apple1, apple2 = _by_member(one, APPLE, two_days.d1), _by_member(two, APPLE, two_days.d2)
    stock = _by_member(two, STOCK, two_days.d2)
    # The second GM article joined the GM story: same id, updated, the new source listed.
    assert _by_member(two, GM_2, two_days.d2).id == gm2.id == gm1.id
    assert gm2.change == "updated" and len(gm2.sources) == 2
    assert gm2.since_last is not None
    new_ref = next(s for s in gm2.sources if s.path and s.path.endswith(GM_2))
    assert gm2.since_last.new_sources == [new_ref.article_id]
    assert gm2.since_last.new_facts, "the new article's facts are new"
    assert gm2.first_seen == one.created_at and gm2.last_updated == two.created_at
    # Apple: nothing new, same id, its last update is still day one's.
    assert apple2.id == apple1.id and apple2.change == "unchanged" and apple2.since_last is None
    assert apple2.last_updated == one.created_at
    # The stock market story is new.
    assert stock.change == "new" and stock.id not in {gm1.id, apple1.id}
    # Something new comes first; the unchanged story last.
    assert [s.change for s in two.stories][-1] == "unchanged"


def test_json_carries_id_and_change(two_days: SimpleNamespace) -> None:
    data = json.loads((two_days.tmp / "day2.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == "3"
    got = {s["id"]: s["change"] for s in data["stories"]}
    assert sorted(got.values()) == ["new", "unchanged", "updated"]
    updated = next(s for s in data["stories"] if s["change"] == "updated")
    assert updated["since_last"]["new_sources"]


def test_markdown_folds_the_unchanged_story(two_days: SimpleNamespace) -> None:
    md = (two_days.tmp / "day2.md").read_text(encoding="utf-8")
    apple = _by_member(two_days.second, APPLE, two_days.d2)
    assert "3 stories: 1 new, 1 updated, 1 unchanged since the last digest" in md
    assert "**Since the last digest:** 1 new source" in md
    gm = _by_member(two_days.second, GM_1, two_days.d2)
    assert gm.since_last is not None
    shown = [ln for ln in md.splitlines() if ln.startswith("- new: ")]
    assert 1 <= len(shown) <= 3 and len(shown) == min(3, len(gm.since_last.new_facts))
    folded = md.split("## Unchanged since the last digest", 1)[1]
    lines = [ln for ln in folded.splitlines() if ln.startswith("- ")]
    assert len(lines) == 1 and apple.id in lines[0]
    # Folded: its facts are not shown, and it has no numbered section of its own.
    assert f"## 1. {apple.title}" not in md and f"## 3. {apple.title}" not in md


def test_unchanged_show_and_omit(two_days: SimpleNamespace) -> None:
    d = two_days.second
    apple = _by_member(d, APPLE, two_days.d2)
    shown = digest_markdown(d.model_copy(update={"unchanged": "show"}))
    assert "## Unchanged since the last digest" not in shown
    assert f"## 3. {apple.title}" in shown
    every = [*d.stories, *d.in_brief]
    front, rest = front_page(every, 12, "omit")
    assert apple.id not in {s.id for s in [*front, *rest]} and len(front) == 2


def test_atom_ids_stable_and_only_the_updated_story_changes(two_days: SimpleNamespace) -> None:
    one = feedparser.parse((two_days.tmp / "day1.atom").read_bytes())
    two = feedparser.parse((two_days.tmp / "day2.atom").read_bytes())
    assert not one.bozo and not two.bozo
    assert one.version == two.version == "atom10"
    before = {e.id: e.updated for e in one.entries}  # full precision, as written
    after = {e.id: e.updated for e in two.entries}
    assert len(before) == 2 and len(after) == 3
    assert set(before) < set(after)
    gm = entry_id(_by_member(two_days.second, GM_1, two_days.d2).id)
    apple = entry_id(_by_member(two_days.second, APPLE, two_days.d2).id)
    assert gm in before and apple in before
    assert after[apple] == before[apple]
    changed = {i for i in before if after[i] != before[i]}
    assert changed == {gm}


def test_a_third_run_over_day_two_changes_nothing(two_days: SimpleNamespace) -> None:
    db = two_days.tmp / "third.db"
    shutil.copy(two_days.db, db)
    third = run_digest([str(two_days.d2)], engine="offline", db=db).digest
    assert {s.change for s in [*third.stories, *third.in_brief]} == {"unchanged"}
    assert {s.id for s in third.stories} == {s.id for s in two_days.second.stories}


def test_the_store_keeps_each_story_and_its_members(two_days: SimpleNamespace) -> None:
    con = sqlite3.connect(two_days.db)
    rows = con.execute("SELECT id, first_seen, last_updated, fingerprint FROM stories").fetchall()
    members = con.execute("SELECT story_id, article_id FROM story_members").fetchall()
    con.close()
    assert len(rows) == 3
    gm = _by_member(two_days.second, GM_1, two_days.d2)
    assert sorted(a for s, a in members if s == gm.id) == sorted(r.article_id for r in gm.sources)


def test_a_story_whose_old_articles_left_the_window_is_matched_by_wording(
    tmp_path: Path,
) -> None:
    # Day two holds only the new GM article: no shared member, the wording links it.
    db = tmp_path / "s.db"
    d1 = _day(tmp_path / "d1", [GM_1, APPLE])
    d2 = _day(tmp_path / "d2", [GM_2])
    first = run_digest([str(d1)], engine="offline", db=db).digest
    second = run_digest([str(d2)], engine="offline", db=db).digest
    gm = _by_member(first, GM_1, d1)
    (story,) = second.stories
    assert story.id == gm.id and story.change == "updated"
    assert story.since_last is not None and len(story.since_last.new_sources) == 1


def _story(sid: str, outlet: str, n_sources: int = 1, day: int = 1) -> Story:
    refs = [
        SourceRef(
            article_id=f"{sid}{i}",
            title=f"{sid} {i}",
            outlet=f"{outlet}{i}",
            published=f"2026-11-{day:02d}T08:00:00+00:00",
        )
        for i in range(n_sources)
    ]
    return Story(
        id=sid,
        title=f"Story {sid}",
        summary="A summary.",
        importance=0.0,
        sources=refs,
        why_grouped=[],
        parties=[],
        facts=[],
        positions=[],
        open_questions=[],
        disagreements=[],
    )


def test_front_page_ranks_by_outlets_then_recency_and_caps() -> None:
    stories = [_story("a", "x", 1, day=20), _story("b", "y", 3, day=1), _story("c", "z", 1, 22)]
    front, rest = front_page(stories, 2)
    assert [s.id for s in front] == ["b", "c"] and [s.id for s in rest] == ["a"]
    # A story's one line (digest v3's in_brief) ranks as the story does.
    lines = front_page([in_brief_item(s) for s in stories], 2)
    assert [[s.id for s in part] for part in lines] == [["b", "c"], ["a"]]
    d = Digest(engine="offline", prompt_version="v", stories=front, in_brief=lines[1])
    md = digest_markdown(d)
    brief = md.split("## In brief", 1)[1]
    assert len([ln for ln in brief.splitlines() if ln.startswith("- ")]) == 1
    assert "Story a" in brief and "## 1. Story b" in md and "## 2. Story c" in md
    # Sources by outlet and date, then the title; a source known by no outlet: title, date.
    assert "1. y0, 2026-11-01 — b 0" in md and "3. y2, 2026-11-01 — b 2" in md
    local = SourceRef(
        article_id="l", title="A local text", path="/tmp/l.txt", published="2026-11-02"
    )
    md = digest_markdown(
        d.model_copy(update={"stories": [front[0].model_copy(update={"sources": [local]})]})
    )
    assert "1. A local text (2026-11-02)" in md and "/tmp/l.txt" not in md


def test_carry_over_never_gives_one_earlier_id_to_two_stories() -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    earlier = StoryState(
        id="old",
        title="t",
        members=["a0", "b0"],
        parties=[],
        terms={},
        facts=[],
        sources=["a0", "b0"],
        disagreements=[],
        first_seen=now - timedelta(days=1),
        last_updated=now - timedelta(days=1),
    )
    a, b = _story("a", "x"), _story("b", "y")
    carry_over([a, b], [earlier], now)
    assert "old" in {a.id, b.id}
    assert a.id != b.id and {a.change, b.change} == {"new", "unchanged"}


def test_outlet_and_domain_from_a_real_page() -> None:
    from summarizer.ingest import article_from_bytes

    page = PAGES / "theverge.com.ios13.html"
    if not page.exists():
        pytest.skip("../shared/external/article_html is not beside the repo")
    url = "https://www.theverge.com/2019/7/3/ios-13-facetime"
    article = article_from_bytes(page.read_bytes(), name=url, url=url)
    item = SimpleNamespace(name=url, published=None, title=None, outlet=None, categories=[])
    ref = _source_ref(item, article, "a" * 64)
    assert ref.outlet == "The Verge" and ref.domain == "theverge.com"  # og:site_name, host
    assert ref.label.startswith("The Verge (theverge.com)")
    # A feed's title names the outlet before the page does.
    item.outlet, item.categories = "Verge Tech", ["Apple"]
    ref = _source_ref(item, article, "a" * 64)
    assert ref.outlet == "Verge Tech" and ref.categories == ["Apple"]


def test_a_source_label_is_never_a_path_when_a_name_is_known() -> None:
    ref = SourceRef(article_id="x", title="A headline", path="/tmp/a.txt", published="2026-11-24")
    assert ref.label == "A headline, 2026-11-24"
    ref = SourceRef(article_id="x", title="/tmp/a.txt", path="/tmp/a.txt", domain="bbc.co.uk")
    assert ref.label == "bbc.co.uk"


# --- headlines, on real feed items -----------------------------------------------------------


def _feed(name: str):  # type: ignore[no-untyped-def]
    path = FEEDS / name
    if not path.exists():
        pytest.skip("../shared/external/feeds is not beside the repo")
    return parse_feed(path.read_bytes(), name=name)


def test_a_dateline_is_never_a_title() -> None:
    feed = _feed("node-feedparser__tpm.atom")
    openings = [first_sentence(e.content_text or "") for e in feed.entries]
    datelined = [o for o in openings if o.startswith(("NEWARK, N.J. (AP)", "WASHINGTON (AP)"))]
    assert len(datelined) >= 3
    for o in datelined:
        h = headline([o])
        assert not h.startswith(("NEWARK", "WASHINGTON")) and headline_problem(h) is None
    assert headline_problem("NEWARK, N.J.") is not None
    assert headline(["NEWARK, N.J.", "Menendez 'Convinced' He Will Be Exonerated"]) == (
        "Menendez 'Convinced' He Will Be Exonerated"
    )


def test_code_is_never_a_title() -> None:
    feed = _feed("node-feedparser__invalid-characters-gzipped.xml")
    entry = next(e for e in feed.entries if e.title == "Associated Objects")
    opening = first_sentence(entry.content_text or "")
    assert opening.startswith("#import <objc/runtime.h>")
    assert headline_problem(opening) == "code"
    assert headline_problem("\\#import <objc/runtime.h>") == "code"  # as Markdown escapes it
    # The brief's title was the code line; the feed entry's title wins over it.
    assert headline([entry.title, opening]) == "Associated Objects"
    assert headline([opening, "Objective-C developers are wary of runtime"]).startswith(
        "Objective-C"
    )


def test_real_feed_titles_are_headlines() -> None:
    names = [
        "rss-parser__guardian.rss",
        "node-feedparser__tpm.atom",
        "rss-parser__heise.atom",
        "rss-parser__uolNoticias.rss",
        "node-feedparser__illegally-nested.xml",
        "node-feedparser__invalid-characters-gzipped.xml",
    ]
    titles = [e.title for n in names for e in _feed(n).entries if e.title]
    assert len(titles) > 100
    refused = [t for t in titles if headline_problem(t)]
    assert refused == []  # '#Me Too is about more …' included: a hashtag is not code
    assert headline_problem("/tmp/readme-articles/dam-wire.txt") == "a path or a URL"
    assert headline_problem("https://example.org/news/1") == "a path or a URL"


def test_feed_entries_give_categories_and_the_outlet(tmp_path: Path) -> None:
    src = FEEDS / "rss-parser__guardian.rss"
    if not src.exists():
        pytest.skip("../shared/external/feeds is not beside the repo")
    feed = tmp_path / "guardian.rss"
    shutil.copy(src, feed)
    from summarizer.digests.sources import expand

    items, failed, _ = expand([str(feed)], fetch_pages=False)
    assert not failed and items
    assert items[0].outlet == "The Guardian" and "US politics" in items[0].categories
    assert items[0].title and headline_problem(items[0].title) is None


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_atom_out_and_max_stories(tmp_path: Path) -> None:
    src = _day(tmp_path / "src", [GM_1, APPLE, STOCK])
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    out = tmp_path / "digest.atom"
    r = runner.invoke(
        main, ["digest", str(src), "--engine", "offline", "--db", db, "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    parsed = feedparser.parse(out.read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 3
    assert all(e.id.startswith("tag:") for e in parsed.entries)
    r = runner.invoke(
        main,
        ["digest", str(src), "--engine", "offline", "--db", db, "--format", "json",
         "--max-stories", "1", "--unchanged", "show"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data["stories"]) == 1 and len(data["in_brief"]) == 2
    assert {s["change"] for s in [*data["stories"], *data["in_brief"]]} == {"unchanged"}
    r = runner.invoke(
        main, ["digest", str(src), "--engine", "offline", "--db", db, "--format", "md",
               "--unchanged", "omit"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "3 stories: 0 new, 0 updated, 3 unchanged since the last digest (left out)" in r.stdout
    assert (
        "## 1." not in r.stdout
        and "3 stories (0 new, 0 updated, 3 unchanged (left out)) from 3 sources" in r.stderr
    )
    r = runner.invoke(main, ["digest", str(src), "--db", db, "--unchanged", "sometimes"])
    assert r.exit_code == 2


def test_config_keys_for_the_front_page(tmp_path: Path) -> None:
    from summarizer.config import load_digest_config
    from summarizer.errors import ConfigError

    cfg = tmp_path / "d.toml"
    cfg.write_text(
        'sources = ["x"]\nmax_stories = 5\nunchanged = "omit"\n'
        '[[outputs]]\npath = "out/d.atom"\nformat = "atom"\n',
        encoding="utf-8",
    )
    job = load_digest_config(cfg)
    assert job.max_stories == 5 and job.unchanged == "omit" and job.outputs[0][1] == "atom"
    cfg.write_text('sources = ["x"]\nunchanged = "hide"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unchanged must be fold, omit or show"):
        load_digest_config(cfg)


def test_render_digest_atom_dispatch(two_days: SimpleNamespace) -> None:
    text = render_digest(two_days.second, "atom")
    assert text.startswith("<?xml") and "<feed" in text
    assert isinstance(SQLiteStore, type)


def test_atom_entry_carries_the_cited_synthesis(tmp_path: Path) -> None:
    fixtures = ROOT / "tests" / "data" / "digest" / "articles"
    out = tmp_path / "d.atom"
    d = run_digest([str(fixtures)], engine="offline", db=tmp_path / "s.db", outputs=[(out, "atom")])
    story = next(s for s in d.digest.stories if len(s.sources) > 1)
    assert story.synthesis is not None and story.synthesis.summary
    parsed = feedparser.parse(out.read_bytes())
    entry = next(e for e in parsed.entries if e.id == entry_id(story.id))
    html = entry.content[0].value
    assert story.synthesis.summary[0].text in html and "[1]" in html and "[2]" in html
    assert entry.title == story.title


def test_a_digest_of_real_feeds_is_a_front_page_of_headlines_by_outlet(tmp_path: Path) -> None:
    names = ["rss-parser__guardian.rss", "node-feedparser__tpm.atom"]
    for n in names:
        if not (FEEDS / n).exists():
            pytest.skip("../shared/external/feeds is not beside the repo")
        shutil.copy(FEEDS / n, tmp_path / n)
    feeds = [str(tmp_path / n) for n in names]
    d = run_digest(feeds, engine="offline", db=tmp_path / "s.db", fetch_pages=False).digest
    every = [*d.stories, *d.in_brief]
    assert len(d.stories) == 12 and len(every) > 40
    for s in every:
        assert headline_problem(s.title) is None, s.title
    for s in d.stories:
        for ref in s.sources:
            assert ref.outlet in {"The Guardian", "All TPM News"} and ref.domain
            assert not ref.label.startswith(("/", str(tmp_path)))
    for item in d.in_brief:  # one line each (digest schema v3): outlets, counts, newest date
        assert set(item.outlets) <= {"The Guardian", "All TPM News"} and item.outlets
        assert item.source_count >= 1 and item.url and item.url.startswith("http")
    assert not any(s.title.startswith(("NEWARK", "WASHINGTON (AP)")) for s in every)
    guardian = [s for s in d.stories if s.sources[0].outlet == "The Guardian"]
    guardian += [s for s in d.in_brief if s.outlets[0] == "The Guardian"]
    assert sum(1 for s in guardian if s.categories) == len(guardian) > 12
    # Ranked: distinct outlets, then the newest source first.
    keys = [(-len({r.outlet for r in s.sources}), -max(_ts(r.published) for r in s.sources))
            for s in d.stories]  # fmt: skip
    keys += [(-s.outlet_count, -(s.newest.timestamp() if s.newest else 0.0)) for s in d.in_brief]
    assert keys == sorted(keys)


def _ts(published: str | None) -> float:
    return datetime.fromisoformat(published).timestamp() if published else 0.0
