"""The grouping metric (pairwise precision/recall against labelled events) and its command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer.cli import main
from summarizer.evaluation.grouping import load_grouping_set, pair_counts, run_grouping_eval

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "eval" / "grouping"

GOLD = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"}  # gold pairs: ab ac bc


@pytest.mark.parametrize(
    ("predicted", "tp", "pred", "gold", "precision", "recall"),
    [
        ([["a", "b", "c"], ["d"], ["e"]], 3, 3, 3, 1.0, 1.0),  # perfect
        ([["a"], ["b"], ["c"], ["d"], ["e"]], 0, 0, 3, None, 0.0),  # all apart
        ([["a", "b", "c", "d", "e"]], 3, 10, 3, 0.3, 1.0),  # all together
        ([["a", "b"], ["c"], ["d"], ["e"]], 1, 1, 3, 1.0, 1 / 3),  # one event split
        ([["a", "b", "c", "d"], ["e"]], 3, 6, 3, 0.5, 1.0),  # one wrong article joined
        ([["a", "d"], ["b", "e"], ["c"]], 0, 2, 3, 0.0, 0.0),  # only wrong merges
    ],
)
def test_pair_counts(predicted, tp, pred, gold, precision, recall):
    c = pair_counts(predicted, GOLD)
    assert (c.true_positive, c.predicted, c.gold) == (tp, pred, gold)
    assert c.precision == pytest.approx(precision) if precision is not None else c.precision is None
    assert c.recall == pytest.approx(recall)


def test_pair_counts_f1_and_no_gold_pairs():
    c = pair_counts([["a", "b", "c", "d"], ["e"]], GOLD)
    assert c.f1 == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    singletons = pair_counts([["p"], ["q"]], {"p": "1", "q": "2"})
    assert (singletons.precision, singletons.recall, singletons.f1) == (None, None, None)
    assert pair_counts([["a", "d"], ["b", "e"], ["c"]], GOLD).f1 == 0.0


def test_storyline_pairs_are_left_out():
    gold = {"a": "x", "b": "x", "c": "y", "d": "z"}
    lines = {"a": "s", "b": "s", "c": "s", "d": None}
    c = pair_counts([["a", "b", "c"], ["d"]], gold, lines)
    # ac and bc are different events of one storyline: neither wrong nor needed
    assert (c.true_positive, c.predicted, c.gold, c.ignored) == (1, 1, 1, 2)
    # without the storyline they are wrong merges
    assert pair_counts([["a", "b", "c"], ["d"]], gold).predicted == 3


@pytest.mark.parametrize(
    ("predicted", "message"),
    [
        ([["a", "b"], ["b", "c", "d", "e"]], "two predicted clusters"),
        ([["a", "b", "c"], ["d"]], "missing"),
        ([["a", "b", "c"], ["d"], ["e", "f"]], "unlabelled"),
    ],
)
def test_pair_counts_rejects_a_bad_partition(predicted, message):
    with pytest.raises(ValueError, match=message):
        pair_counts(predicted, GOLD)


def test_the_set_is_whole_and_labelled():
    root, data = load_grouping_set(SET)
    arts = data.articles
    assert len(arts) >= 60
    events: dict[str, list[str]] = {}
    for a in arts:
        events.setdefault(a.event, []).append(a.id)
        assert a.licence and a.source.startswith("https://") and a.outlet
        assert (root / a.path).read_text(encoding="utf-8").strip()
    multi = {e: ids for e, ids in events.items() if len(ids) > 1}
    assert len(multi) >= 6
    # an event or storyline never spans the two splits
    for key in ("event", "storyline"):
        splits: dict[str, set[str]] = {}
        for a in arts:
            if getattr(a, key):
                splits.setdefault(getattr(a, key), set()).add(a.split)
        assert all(len(s) == 1 for s in splits.values()), key


def _small_set(tmp_path: Path) -> Path:
    """Four real articles: the A380's first delivery told twice, and two other events."""
    _, data = load_grouping_set(SET)
    keep = {
        "meantime-airbus-82548",
        "meantime-airbus-82597",
        "meantime-airbus-11714",
        "gum-crane",
    }
    (tmp_path / "articles").mkdir(parents=True)
    records = []
    for a in data.articles:
        if a.id in keep:
            target = tmp_path / "articles" / f"{a.id}.txt"
            shutil.copyfile(SET / a.path, target)
            records.append({**a.model_dump(), "path": f"articles/{a.id}.txt", "split": "dev"})
    (tmp_path / "set.json").write_text(json.dumps({"articles": records}), encoding="utf-8")
    return tmp_path


def test_run_grouping_eval_on_a_small_set(tmp_path):
    report = run_grouping_eval(_small_set(tmp_path), ("dev", "heldout"))
    assert [s.split for s in report.splits] == ["dev"]  # no held-out article here
    dev = report.splits[0]
    assert (dev.articles, dev.events, dev.multi_article_events) == (4, 3, 1)
    assert dev.counts.gold == 1
    assert dev.counts.true_positive + len(dev.missed_pairs) == 1
    assert dev.counts.predicted == dev.counts.true_positive + len(dev.wrong_pairs)
    # the same split again without dates: same articles and gold, its own grouping
    (undated,) = report.undated
    assert (undated.split, undated.articles, undated.counts.gold) == ("dev", 4, 1)
    assert run_grouping_eval(tmp_path, ("dev",), undated=False).undated == []


def test_cli_grouping_writes_the_report(tmp_path):
    small = _small_set(tmp_path / "set")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["eval", "--grouping", str(small), "--split", "dev", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "pairs tp/pred/gold" in result.output
    assert "\ndev " in result.output and "\ndev undated " in result.output
    report = json.loads(out.read_text("utf-8"))
    assert report["splits"][0]["articles"] == 4
    assert report["splits"][0]["counts"]["gold"] == 1


def test_cli_grouping_rejects_a_folder_without_set_json(tmp_path):
    result = CliRunner().invoke(main, ["eval", "--grouping", str(tmp_path), "--out", "-"])
    assert result.exit_code == 3
    assert "set.json" in result.output


def test_the_grouping_sees_each_article_dated_and_briefed(tmp_path):
    from summarizer.evaluation.grouping import _brief_entries, score_split

    root, data = load_grouping_set(_small_set(tmp_path))
    briefed = _brief_entries(root, data.articles, [])
    seen = []

    def everyone_apart(entries):
        seen.extend(entries)
        return [([e], []) for e in entries]

    result = score_split("dev", briefed, everyone_apart)
    assert {e.article_id for e in seen} == {a.id for a in data.articles}
    assert all(e.when is not None and e.when.tzinfo is not None for e in seen)
    assert all(e.brief.title and e.brief.key_facts for e in seen)
    assert (result.counts.predicted, result.counts.gold, result.recall) == (0, 1, 0.0)
    assert result.missed_pairs == [("meantime-airbus-82548", "meantime-airbus-82597")]


def test_every_article_of_the_set_gets_an_offline_brief():
    report = run_grouping_eval(SET, ("all",), undated=False)
    assert report.failed == []
    (whole,) = report.splits
    assert whole.articles == len(load_grouping_set(SET)[1].articles)
    assert whole.counts.gold == sum(
        n * (n - 1) // 2 for n in _event_sizes(load_grouping_set(SET)[1].articles).values()
    )


def _event_sizes(articles) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for a in articles:
        sizes[a.event] = sizes.get(a.event, 0) + 1
    return sizes


ECBPLUS = SET / "ecbplus" / "set.json"


def test_the_ecbplus_manifest_is_labelled_split_and_keeps_no_text():
    data = json.loads(ECBPLUS.read_text("utf-8"))
    arts = data["articles"]
    sizes = _event_sizes([type("A", (), a) for a in arts])
    assert sum(1 for n in sizes.values() if n >= 3) >= 30
    splits: dict[str, set[str]] = {}
    for a in arts:
        assert a["licence"] and a["outlet"] and a["source"] and len(a["sha256"]) == 64
        splits.setdefault(a["event"].rstrip("ecbplus").rstrip("_"), set()).add(a["split"])
    # a topic (and so both of its events) is in one split only
    assert all(len(s) == 1 for s in splits.values())
    assert {s for v in splits.values() for s in v} == {"dev", "heldout"}
    # the outlets' texts are not part of the repository: only rebuilt locally
    assert (SET / "ecbplus" / ".gitignore").read_text("utf-8").split() == ["texts/"]


def test_a_missing_text_of_a_rebuilt_set_says_how_to_rebuild(tmp_path):
    record = {
        "id": "x",
        "path": "texts/x.txt",
        "title": "t",
        "outlet": "o",
        "licence": "l",
        "source": "s",
        "event": "e",
        "split": "dev",
    }
    (tmp_path / "set.json").write_text(
        json.dumps({"rebuild": "python build.py SRC --texts", "articles": [record]}), "utf-8"
    )
    result = CliRunner().invoke(main, ["eval", "--grouping", str(tmp_path), "--out", "-"])
    assert result.exit_code == 3
    assert "texts/x.txt not found" in result.output
    assert "python build.py SRC --texts" in result.output


def test_a_set_without_dates_is_not_grouped_twice(tmp_path):
    small = _small_set(tmp_path)
    data = json.loads((small / "set.json").read_text("utf-8"))
    for a in data["articles"]:
        a["date"] = None
    (small / "set.json").write_text(json.dumps(data), encoding="utf-8")
    report = run_grouping_eval(small, ("dev",))
    assert [s.split for s in report.splits] == ["dev"]
    assert report.undated == []


def test_the_gvc_manifest_is_dated_labelled_by_incident_and_keeps_no_text():
    arts = json.loads((SET / "gvc" / "set.json").read_text("utf-8"))["articles"]
    sizes = _event_sizes([type("A", (), a) for a in arts])
    assert sum(1 for n in sizes.values() if n >= 2) >= 30
    splits: dict[str, set[str]] = {}
    for a in arts:
        assert a["date"] and a["licence"] and len(a["sha256"]) == 64
        splits.setdefault(a["event"], set()).add(a["split"])
    assert all(len(s) == 1 for s in splits.values())  # an incident is in one split only
    assert (SET / "gvc" / ".gitignore").read_text("utf-8").split() == ["texts/"]


FEEDS = ROOT.parent / "shared" / "external" / "feeds"


@pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/external/feeds is not here")
def test_a_feed_set_is_grouped_as_the_digest_groups_the_feed(tmp_path: Path) -> None:
    # eval/grouping/feeds is briefed as the digest briefs a feed entry's own text (--no-fetch),
    # so its stories are the digest's: same members, for every story of the feed.
    import sys

    from summarizer.digests.run import run_digest
    from summarizer.digests.stories import group
    from summarizer.evaluation.grouping import _brief_entries

    sys.path.insert(0, str(SET))
    try:
        import build_feeds
        import rebuilt
    finally:
        sys.path.remove(str(SET))
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    shutil.copy(FEEDS / "node-feedparser__tpm.atom", feeds)
    out = tmp_path / "set"
    extra = {"brief_as": "feed-entry"}
    assert (
        rebuilt.write_texts(out, build_feeds.docs(feeds), write_set=True, rebuild="-", extra=extra)
        == 0
    )
    root, data = load_grouping_set(out)
    assert data.brief_as == "feed-entry"
    briefed = _brief_entries(root, data.articles, [], feed_entry=True)
    title = {a.id: a.title for a in data.articles}
    ours = {
        frozenset(title[e.article_id] for e in members)
        for members, _ in group([e for _, e in briefed])
    }

    result = run_digest(
        [str(feeds / "node-feedparser__tpm.atom")],
        engine="offline",
        fetch_pages=False,
        db=tmp_path / "s.db",
    )
    d = result.digest
    theirs = {frozenset(s.title for s in story.sources) for story in [*d.stories, *d.in_brief]}
    assert any(len(s) > 1 for s in ours)
    assert ours == theirs


def test_the_feeds_manifest_is_split_by_feed_labelled_and_keeps_no_text():
    data = json.loads((SET / "feeds" / "set.json").read_text("utf-8"))
    assert data["brief_as"] == "feed-entry"
    arts = data["articles"]
    feeds: dict[str, set[str]] = {}
    for a in arts:
        assert a["outlet"] and a["licence"] and a["via"] and len(a["sha256"]) == 64
        feeds.setdefault(a["via"], set()).add(a["split"])
    assert all(len(s) == 1 for s in feeds.values())  # a feed file is in one split only
    assert {s for v in feeds.values() for s in v} == {"dev", "heldout"}
    sizes = _event_sizes([type("A", (), a) for a in arts])
    assert sum(1 for n in sizes.values() if n >= 2) >= 6
    assert (SET / "feeds" / ".gitignore").read_text("utf-8").split() == ["texts/"]


def test_the_grouping_gets_each_articles_outlet_unless_unknown(tmp_path):
    from summarizer.evaluation.grouping import _brief_entries

    root, data = load_grouping_set(_small_set(tmp_path))
    data.articles[0].outlet = "unknown (the corpus keeps no address)"
    briefed = _brief_entries(root, data.articles, [])
    assert briefed[0][1].ref.outlet is None
    assert {e.ref.outlet for _, e in briefed[1:]} == {"Wikinews"}
