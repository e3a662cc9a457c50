"""Issue 15, memory flat in batch size: a digest groups compact entries (no brief held) and reads
each brief back from the store only while its story is built."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import summarizer.digests.run as run_module
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import Brief, BriefMeta, KeyFact, Party, SourceRef
from summarizer.digests import stories as st
from summarizer.errors import StoreError
from summarizer.store import SQLiteStore
from summarizer.testing.server import FakeOpenAIServer
from tests.digest_helpers import ARTICLES, responder


def entry(
    article_id: str, title: str, *, parties: list[str] | None = None, facts: list[str]
) -> st.Entry:
    brief = Brief(
        title=title,
        summary=f"{title}. {facts[0]}",
        key_facts=[KeyFact(statement=f, evidence=[f], status="claimed") for f in facts],
        parties=[Party(name=p, kind="person", role="named") for p in parties or []],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test"),
    )
    return st.Entry(article_id, brief, SourceRef(article_id=article_id, title=title))


def _full_entries() -> list[st.Entry]:
    """Two stories of two briefs each, and one lone brief (undated: no recency in importance)."""
    return [
        entry(
            "a1",
            "Dam breaks in Harlow",
            parties=["Nadia Brennan", "Harlow Water Board"],
            facts=["The Harlow dam broke on Monday.", "Twelve people died in Harlow."],
        ),
        entry(
            "a2",
            "Harlow dam collapse kills fourteen",
            parties=["Nadia Brennan"],
            facts=["The Harlow dam broke on Monday.", "Fourteen people died in Harlow."],
        ),
        entry(
            "b1",
            "Valdoria central bank raises rates",
            parties=["Tomas Okafor"],
            facts=["The Valdoria central bank raised its rate to 4.5 percent."],
        ),
        entry(
            "b2",
            "Valdoria bank lifts rate to 4.5 percent",
            parties=["Tomas Okafor"],
            facts=["The Valdoria central bank raised its rate to 4.5 percent."],
        ),
        entry("c1", "Orchestra tours Mertland", facts=["The orchestra plays nine concerts."]),
    ]


def _compact(entries: list[st.Entry], loads: Counter[str]) -> list[st.Entry]:
    def loader(e: st.Entry) -> Any:
        assert e.brief is not None

        def load() -> Brief:
            loads[e.article_id] += 1
            assert e.brief is not None
            return e.brief.model_copy(deep=True)

        return load

    return [st.Entry.compact(e.article_id, e.brief, e.ref, e.when, loader(e)) for e in entries]  # type: ignore[arg-type]


def test_compact_entries_hold_no_brief_and_make_the_same_stories() -> None:
    full = _full_entries()
    loads: Counter[str] = Counter()
    compact = _compact(full, loads)
    assert all(e.brief is None and e.features is not None for e in compact)
    grouped = st.group(compact)
    assert not loads, "grouping reads no brief: it works from the features"
    assert [[e.article_id for e in m] for m, _ in grouped] == [
        [e.article_id for e in m] for m, _ in st.group(full)
    ]
    got = st.stories(compact)
    want = st.stories(full)
    assert [s.model_dump() for s in got] == [s.model_dump() for s in want]
    assert len(want) == 3  # the test has stories to build, not one per brief or one in all
    # Each brief is read once, while its story is built, and not kept.
    assert loads == Counter({e.article_id: 1 for e in full})
    assert all(e.brief is None for e in compact)


def test_features_are_what_grouping_computed_from_the_brief() -> None:
    e = _full_entries()[0]
    assert e.brief is not None
    f = st.Features.of(e.brief)
    assert f.terms() == st._terms(e.brief)
    assert dict(f.named) == st._named(e.brief)
    assert set(f.specifics) == st._specifics(e.brief)
    assert set(f.numbers) == st._numbers_of(st._brief_text(e.brief))


def test_a_brief_gone_from_the_store_is_a_store_error() -> None:
    e = _full_entries()[4]
    assert e.brief is not None
    gone = st.Entry.compact(e.article_id, e.brief, e.ref, e.when, lambda: None)
    with pytest.raises(StoreError, match="no longer in the store"):
        st.stories([gone])


def test_a_digest_groups_entries_without_briefs_and_reads_them_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[st.Entry]] = []
    held: list[bool] = []
    real_group = run_module.group

    def spy(entries: list[st.Entry]) -> Any:
        seen.append(list(entries))
        held.append(all(e.brief is None and e.features is not None for e in entries))
        return real_group(entries)

    reads: Counter[str] = Counter()
    real_get = SQLiteStore.get_brief

    def counting_get(self: SQLiteStore, key: Any) -> Any:
        reads[key.article_id] += 1
        return real_get(self, key)

    monkeypatch.setattr(run_module, "group", spy)
    monkeypatch.setattr(SQLiteStore, "get_brief", counting_get)
    with FakeOpenAIServer(responder=responder) as server:
        result = run_module.run_digest(
            [str(ARTICLES)],
            engine="llm",
            base_url=server.base_url,
            db=tmp_path / "s.db",
            retry=RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05),
            synthesis="off",
        )
    assert result.exit_code == 0
    (entries,) = seen
    assert len(entries) == 5
    assert held == [True]  # grouped from features, no brief held
    # One read per article for the cache (nothing there yet), one when its story is built and
    # one when it is built again in full for the front page (every story is on it here).
    assert set(reads.values()) == {3}
    assert len(reads) == 5
    assert sorted(len(s.sources) for s in result.digest.stories) == [2, 3]


def test_refs_are_unchanged_by_compacting() -> None:
    e = _full_entries()[1]
    assert e.brief is not None
    c = st.Entry.compact(e.article_id, e.brief, e.ref, e.when, lambda: e.brief)
    assert c.ref == e.ref and isinstance(c.ref, SourceRef) and c.full() == e.brief


def test_syndicated_copies_are_one_story_with_a_short_why() -> None:
    # One wire story carried by eight outlets (each copy its own article: a byline differs).
    copies = [
        entry(
            f"w{i}",
            "Harlow dam breaks after storm",
            parties=["Nadia Brennan"],
            facts=["The Harlow dam broke on Monday.", "Twelve people died in Harlow."],
        )
        for i in range(8)
    ]
    for i, e in enumerate(copies):
        e.ref = e.ref.model_copy(update={"outlet": f"Outlet {i}"})
    other = entry("x1", "Orchestra tours Mertland", facts=["The orchestra plays nine concerts."])
    built = st.stories([*copies, other])
    wire = next(s for s in built if len(s.sources) > 1)
    assert len(wire.sources) == 8 and wire.importance >= 8  # eight outlets
    # 28 alike pairs: five shown, the rest counted.
    assert len(wire.why_grouped) == st.WHY_SHOWN + 1
    assert wire.why_grouped[-1] == "and 23 more alike pairs of these sources"
    assert all("similarity 1.00" in why for why in wire.why_grouped[:-1])


def test_a_few_reasons_are_all_shown() -> None:
    why = [f"'a' and 'b': shared parties none; similarity 0.{i}0" for i in range(1, 4)]
    assert st._why_shown(why) == why
    assert st._why_shown([]) == ["a single source"]
    many = [f"'a' and 'b': shared parties none; similarity 0.{i}0" for i in range(1, 8)]
    shown = st._why_shown(many)
    assert (
        shown[0].endswith("similarity 0.70")
        and shown[-1] == "and 2 more alike pairs of these sources"
    )


def test_grouped_entries_let_go_of_their_features() -> None:
    # A compact entry reads its brief back from the store: once grouped, its features go.
    compact = _compact(_full_entries(), Counter())
    st.stories(compact)
    assert all(e.features is None for e in compact)
    # An entry that holds its brief keeps what it computed (there is nothing to read back).
    full = _full_entries()
    st.stories(full)
    assert all(e.features is not None for e in full)


def test_a_digest_lets_go_of_its_sources_before_grouping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work items (a feed's hold each entry's own text) are not kept while the stories are
    grouped, built and rendered."""
    import gc
    import weakref

    from summarizer.digests import sources

    refs: list[weakref.ref[Any]] = []
    real_expand = sources.expand

    def spy_expand(*args: Any, **kwargs: Any) -> Any:
        items, failed, warnings = real_expand(*args, **kwargs)
        refs.extend(weakref.ref(item) for item in items)
        return items, failed, warnings

    alive: list[int] = []
    real_group = run_module.group

    def spy_group(entries: list[st.Entry]) -> Any:
        gc.collect()
        alive.append(sum(r() is not None for r in refs))
        return real_group(entries)

    monkeypatch.setattr(sources, "expand", spy_expand)
    monkeypatch.setattr(run_module, "group", spy_group)
    result = run_module.run_digest(
        [str(ARTICLES)], engine="offline", db=tmp_path / "s.db", synthesis="off"
    )
    assert result.exit_code == 0
    assert len(refs) == 5 and len(result.digest.stories) >= 2
    assert alive == [0]


ARTICLES_APART = {
    "harbour": "Dockworkers in Kelmouth unloaded the first container ship at the rebuilt "
    "harbour. Port director Anya Broussard said cranes now lift forty boxes an hour.",
    "orchard": "Frost destroyed most apricot blossoms across the Varnel valley orchards. "
    "Grower Tomas Lindqvist expects a harvest of barely a third this summer.",
    "glacier": "Researchers measured the Pelto glacier retreating eleven metres since spring. "
    "Glaciologist Mei Okafor blamed unusually warm autumn rain.",
    "railway": "Commuters on the Brisford line faced cancelled trains after signal cables "
    "were stolen overnight. Operator spokesman Idris Kaplan promised repairs by Friday.",
    "library": "The Dunmere public library reopened with a children's reading room and "
    "restored murals. Librarian Sofia Achebe thanked volunteers who catalogued donations.",
    "festival": "Jazz bands from nine countries played the opening night of the Quellport "
    "festival. Organiser Ruben Novak counted twelve thousand tickets sold.",
}
TOPICS = list(ARTICLES_APART)


def _distinct_articles(folder: Path) -> Path:
    """Six short articles, each its own story (no word or name in common)."""
    folder.mkdir()
    for i, (topic, text) in enumerate(ARTICLES_APART.items()):
        (folder / f"{i}-{topic}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def test_a_digest_builds_one_story_at_a_time_and_keeps_one_line_of_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: each story is built, kept as its one line (`InBrief`) and its state, and let
    go; only the front page's stories are built again in full."""
    import gc
    import weakref

    built: list[weakref.ref[Any]] = []
    alive: list[int] = []
    real_build = run_module.build_story

    def spy_build(members: list[st.Entry], why: list[str]) -> Any:
        gc.collect()
        alive.append(sum(r() is not None for r in built))
        story = real_build(members, why)
        built.append(weakref.ref(story))
        return story

    monkeypatch.setattr(run_module, "build_story", spy_build)
    folder = _distinct_articles(tmp_path / "a")
    d = run_module.run_digest(
        [str(folder)], engine="offline", db=tmp_path / "s.db", synthesis="off", max_stories=2
    ).digest
    assert len(d.stories) == 2 and len(d.in_brief) == len(TOPICS) - 2
    # Six stories built once each, then the front page's two again.
    assert len(alive) == len(TOPICS) + 2
    # While the six are built, at most the one just built is still held (it is being let go).
    assert max(alive[: len(TOPICS)]) <= 1
    front_ids = {s.id for s in d.stories}
    assert front_ids.isdisjoint(i.id for i in d.in_brief)
    # The one lines are what the stories said of themselves.
    for item in d.in_brief:
        assert item.source_count == 1 and item.change == "new" and item.first_seen is not None
        assert any(t in f"{item.title} {item.summary}".lower() for t in TOPICS)


def test_a_second_digest_keeps_the_in_brief_ids_and_marks_them_unchanged(tmp_path: Path) -> None:
    folder = _distinct_articles(tmp_path / "a")

    def once() -> Any:
        return run_module.run_digest(
            [str(folder)], engine="offline", db=tmp_path / "s.db", synthesis="off", max_stories=2
        ).digest

    first, second = once(), once()
    assert [i.id for i in second.in_brief] == [i.id for i in first.in_brief]
    assert {i.change for i in second.in_brief} == {"unchanged"}
    assert [i.first_seen for i in second.in_brief] == [i.first_seen for i in first.in_brief]
