"""Story synthesis: relative dates, the offline rules over real articles, every quote checked
against the source it cites, and the LLM path (authored replies from the local test server:
one bad citation re-asked and fixed, then cached)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from summarizer.brief.grounding import normalize
from summarizer.digests.dates import find_dates
from summarizer.digests.run import run_digest
from summarizer.digests.synthesis import (
    check_synthesis,
    prune,
    source_numbers,
    synthesis_markdown,
)
from summarizer.errors import ConfigError
from summarizer.llm import RetryPolicy
from summarizer.models import Citation, Perspective, StorySynthesis, SynthesisReply
from summarizer.store import SQLiteStore
from summarizer.testserver import FakeOpenAIServer, reply
from tests.conftest import ROOT, SHARED
from tests.digest_helpers import (
    ARTICLES,
    is_synthesis,
    responder,
    source_numbers_of,
    synthesis_reply,
)

WIKINEWS = SHARED / "external" / "wikinews"
GROUPING = ROOT / "eval" / "grouping"
FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


def _line(path: Path, phrase: str) -> str:
    """The sentence of a real article that holds `phrase`."""
    text = path.read_text(encoding="utf-8")
    return next(s for s in re.split(r"(?<=[.!?])\s+", text) if phrase in s)


@pytest.mark.parametrize(
    ("name", "phrase", "said", "expected"),
    [
        # dated Friday 2015-08-21: "yesterday" is Thursday the 20th
        ("05_north-korea-quasi-war_2015-08-21.txt", "artillery fire yesterday", "yesterday", "2015-08-20"),  # noqa: E501
        # dated Tuesday 2011-03-08: the Friday before
        ("07_microsoft-ie6-countdown_2011-03-08.txt", "announced on Friday", "on Friday", "2011-03-04"),  # noqa: E501
        # dated Friday 2017-07-21: the Tuesday of that week
        ("21_afghan-robotics-team_2017-07-21.txt", "silver medal", "on Tuesday", "2017-07-18"),
        # dated Monday 2015-05-18: "On Friday" is the 15th
        ("17_indonesia-asylum-rescue_2015-05-18.txt", "On Friday, fishermen", "On Friday", "2015-05-15"),  # noqa: E501
        # dated Tuesday 2015-09-22: "last week" is the week of Monday the 14th
        ("27_ahmed-mohamed-clock_2015-09-22.txt", "in Texas last week", "last week", "2015-09-14"),
    ],
)  # fmt: skip
def test_relative_dates_in_real_wikinews_sentences(
    name: str, phrase: str, said: str, expected: str
) -> None:
    path = WIKINEWS / name
    article_date = re.search(r"^Date: (\S+)$", path.read_text(encoding="utf-8"), re.M)
    assert article_date is not None
    found = find_dates(_line(path, phrase), article_date.group(1))
    assert [(d.said, d.value, d.relative) for d in found if d.said == said] == [
        (said, expected, True)
    ]


def test_absolute_dates_and_reference_points() -> None:
    base = "2008-10-09"
    found = find_dates("Japan's Nikkei fell to lows not seen since October 1982 on Monday.", base)
    # "since October 1982" is a reference point, not when anything happened
    assert [(d.said, d.value) for d in found] == [("on Monday", "2008-10-06")]
    assert [d.value for d in find_dates("It was signed on March 01, 2008.", None)] == ["2008-03-01"]
    assert find_dates("on Monday", None) == []  # a relative date needs the article's date
    # a weekday in a sentence about the future points forward; a past month-day without a year
    # that would fall after the article is last year's
    assert [d.value for d in find_dates("The vote will be held on Thursday.", base)] == [
        "2008-10-09"
    ]
    assert [d.value for d in find_dates("On Saturday the board will meet.", base)] == ["2008-10-11"]
    assert [d.value for d in find_dates("On December 30 he resigned.", "2011-01-05")] == [
        "2010-12-30"
    ]
    # a dateline's weekday is part of its date, not a relative "Thursday"
    line = find_dates("Thursday, February 23, 2023  The Home Office today is to begin", None)
    assert [(d.said, d.value) for d in line] == [("Thursday, February 23, 2023", "2023-02-23")]
    # a quotation's "today" is the speaker's, not the article's; its "will" is not the sentence's
    quoted = "Panama coach, said, \"I think we have learned a lot from today's game."
    assert find_dates(quoted, "2018-06-19") == []
    said = 'He said on Monday: "We will win."'
    assert [d.value for d in find_dates(said, "2008-10-09")] == ["2008-10-06"]
    # "are expected" speaks of the future: the next Tuesday, not the last
    ahead = "Further losses are expected when markets reopen Tuesday."
    assert [d.value for d in find_dates(ahead, "2008-01-21")] == ["2008-01-22"]


def _crisis_articles() -> list[str]:
    data = json.loads((GROUPING / "set.json").read_text(encoding="utf-8"))
    return [
        str(GROUPING / a["path"])
        for a in data["articles"]
        if a.get("storyline") == "financial-crisis-oct-2008"
    ]


def _in_text(quote: str, text: str) -> bool:
    """Independent of the locator: every '…' part is in the text, spaces and case folded."""
    hay = " ".join(normalize(text).split())
    return all(" ".join(normalize(p).split()) in hay for p in quote.split("…") if p.strip())


def test_offline_synthesis_over_real_articles(tmp_path: Path) -> None:
    paths = _crisis_articles()
    assert len(paths) == 8
    result = run_digest(paths, engine="offline", db=tmp_path / "s.db")
    story = max(result.digest.stories, key=lambda s: len(s.sources))
    assert len(story.sources) >= 3
    s = story.synthesis
    assert s is not None and s.engine == "offline"
    store = SQLiteStore(tmp_path / "s.db")
    texts = {}
    for ref in story.sources:
        row = store._read("t", "SELECT text FROM articles WHERE id LIKE ?", (ref.article_id + "%",))
        assert row
        texts[ref.article_id] = str(row[0][0])
    store.close()
    by_number = {i: texts[ref.article_id] for i, ref in enumerate(story.sources, 1)}
    cites: list[Citation] = [c for x in s.summary for c in x.citations]
    cites += [p.citation for p in s.perspectives]
    cites += [c for ev in s.timeline for c in ev.citations]
    cites += [c for w in s.watch for c in w.citations]
    cites += [side.citation for d in s.disagreements for side in d.sides]
    assert len(cites) >= 10
    # every quote shown is in the source it cites
    assert all(_in_text(c.quote, by_number[c.source]) for c in cites)
    assert 2 <= len(s.summary) <= 4 and any(len(x.citations) >= 2 for x in s.summary)
    assert len({c.source for c in cites}) >= 3
    # the timeline is in date order and resolves what the articles say relative to their date
    dates = [ev.date for ev in s.timeline]
    assert dates == sorted(dates) and len(dates) >= 3
    assert all(d.startswith("2008-10") for d in dates)
    assert any(ev.said_as for ev in s.timeline)
    assert s.watch and s.perspectives
    lines = synthesis_markdown(s, source_numbers(story))
    assert "**Timeline**" in lines and any(re.search(r"\[\d\]", line) for line in lines)


def test_a_quote_cited_to_the_wrong_source_does_not_check_and_is_dropped() -> None:
    sources = ["The minister said the plant will close in May.", "Unions said they would strike."]
    draft = SynthesisReply(
        headline="Plant to close",
        summary=[
            {"text": "The plant will close.", "citations": [{"source": 1, "quote": "the plant will close in May"}]}  # noqa: E501
        ],
        perspectives=[
            Perspective(who="Unions", view="They will strike.", citation=Citation(source=1, quote="they would strike")),  # noqa: E501
            Perspective(who="Minister", view="It closes.", citation=Citation(source=3, quote="the plant will close")),  # noqa: E501
        ],
    )  # fmt: skip
    problems = check_synthesis(draft, sources)
    assert problems == [
        "perspectives[0].citation: the quote 'they would strike' is not in source [1], it is in "
        "source [2]: cite the source that carries it",
        "perspectives[1].citation: there is no source [3] (sources are [1] to [2])",
    ]
    kept, dropped = prune(draft, sources)
    assert [p.who for p in kept.perspectives] == [] and len(kept.summary) == 1
    assert len(dropped) == 2
    # bound as the validation context, the same problems make the reply invalid (re-asked)
    with pytest.raises(ValueError, match="it is in source \\[2\\]"):
        SynthesisReply.model_validate(draft.model_dump(), context={"sources": sources})


def _run(server: FakeOpenAIServer, db: Path, *sources: Any, **kw: Any) -> Any:
    return run_digest(
        [str(s) for s in sources] or [str(ARTICLES)],
        engine="llm",
        base_url=server.base_url,
        db=db,
        retry=FAST,
        **kw,
    )


def test_llm_synthesis_bad_citation_is_reasked_fixed_and_cached(tmp_path: Path) -> None:
    asked: list[dict[str, Any]] = []

    def script(request: dict[str, Any]) -> Any:
        if not is_synthesis(request):
            return responder(request)
        asked.append(request)
        dam_asks = sum("dam-wire.txt" in source_numbers_of(r) for r in asked)
        # the dam story's first reply cites the wire report for the local report's quote
        wrong = "dam-wire.txt" in source_numbers_of(request) and dam_asks == 1
        return reply(synthesis_reply(request, wrong_source=wrong))

    with FakeOpenAIServer(responder=script) as server:
        first = _run(server, tmp_path / "s.db")
        syntheses = list(asked)
        second = _run(server, tmp_path / "s.db")
    dam = next(s for s in first.digest.stories if len(s.sources) == 3)
    bank = next(s for s in first.digest.stories if len(s.sources) == 2)
    # 2 multi-source stories: the dam story asked twice (its first reply re-asked), the bank once
    assert len(syntheses) == 3
    dam_asks = [r for r in syntheses if "dam-wire.txt" in source_numbers_of(r)]
    assert len(dam_asks) == 2
    reask = json.dumps(dam_asks[1]["messages"][2:])
    assert "it is in source" in reask and "temporary housing" in reask
    assert dam.synthesis is not None and dam.synthesis.engine == "llm"
    assert dam.synthesis.headline.startswith("Harlow dam failure")
    assert dam.title == dam.synthesis.headline  # the story is titled by its synthesis
    amado = next(p for p in dam.synthesis.perspectives if p.who == "Felix Amado")
    local = next(
        i for i, r in enumerate(dam.sources, 1) if (r.path or "").endswith("dam-local.txt")
    )
    assert amado.citation.source == local and dam.synthesis.dropped == []
    assert bank.synthesis is not None and bank.synthesis.engine == "llm"
    # the calls are counted in the digest's totals
    assert first.digest.totals["calls"] == 5 + 3
    # same members: no new call, the cached synthesis is used
    assert len(asked) == 3 and second.digest.totals["calls"] == 0
    again = next(s for s in second.digest.stories if len(s.sources) == 3)
    assert again.synthesis == dam.synthesis


def test_llm_synthesis_still_wrong_after_reasks_keeps_what_checks(tmp_path: Path) -> None:
    def script(request: dict[str, Any]) -> Any:
        if not is_synthesis(request):
            return responder(request)
        return reply(synthesis_reply(request, wrong_source=True))

    with FakeOpenAIServer(responder=script) as server:
        result = _run(
            server,
            tmp_path / "s.db",
            ARTICLES / "dam-wire.txt",
            ARTICLES / "dam-local.txt",
            ARTICLES / "dam-analysis.txt",
        )
    dam = result.digest.stories[0]
    assert dam.synthesis is not None and dam.synthesis.engine == "llm"
    assert [p.who for p in dam.synthesis.perspectives] == ["Nadia Brennan"]
    assert len(dam.synthesis.dropped) == 1 and "it is in source" in dam.synthesis.dropped[0]


def test_synthesis_off_and_offline_settings(tmp_path: Path) -> None:
    with FakeOpenAIServer(responder=responder) as server:
        off = _run(server, tmp_path / "a.db", synthesis="off")
        assert len(server.requests) == 5
        rules = _run(server, tmp_path / "b.db", synthesis="offline")
        assert len(server.requests) == 10
    assert all(s.synthesis is None for s in off.digest.stories)
    assert all(s.synthesis and s.synthesis.engine == "offline" for s in rules.digest.stories)
    with pytest.raises(ConfigError, match="synthesis must be one of"):
        run_digest([str(ARTICLES)], engine="offline", db=tmp_path / "c.db", synthesis="maybe")


def test_synthesis_round_trips_in_the_digest_json(tmp_path: Path) -> None:
    result = run_digest([str(ARTICLES)], engine="offline", db=tmp_path / "s.db")
    data = json.loads(result.digest.model_dump_json())
    story = next(s for s in data["stories"] if len(s["sources"]) == 3)
    back = StorySynthesis.model_validate(story["synthesis"])
    assert back.summary and all(c.source in (1, 2, 3) for x in back.summary for c in x.citations)


def test_store_keeps_syntheses_by_members_prompt_and_model(store: Any) -> None:
    """SQLite and PostgreSQL alike: a synthesis is found by its members (in any order)."""
    from summarizer.digests.synthesis import cache_key

    s = StorySynthesis(
        headline="h", summary=[{"text": "t.", "citations": [{"source": 1, "quote": "q"}]}]
    )
    key = cache_key(["b" * 64, "a" * 64], "gpt-4.1-mini")
    assert key == cache_key(["a" * 64, "b" * 64], "gpt-4.1-mini")
    assert key != cache_key(["a" * 64, "b" * 64, "c" * 64], "gpt-4.1-mini")
    assert key != cache_key(["a" * 64, "b" * 64], "gpt-4.1")
    assert store.get_synthesis(key) is None
    store.put_synthesis(key, "gpt-4.1-mini", "synthesis-v1", s.model_dump_json())
    store.put_synthesis(key, "gpt-4.1-mini", "synthesis-v1", s.model_dump_json())
    got = store.get_synthesis(key)
    assert got is not None and StorySynthesis.model_validate_json(got) == s


def test_cli_synthesis_flag_and_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    runner = CliRunner()
    base = ["digest", str(ARTICLES), "--engine", "offline", "--format", "json"]
    out = runner.invoke(main, [*base, "--db", str(tmp_path / "a.db")])
    assert out.exit_code == 0, out.output
    stories = json.loads(out.stdout)["stories"]
    assert all(s["synthesis"]["engine"] == "offline" for s in stories)
    out = runner.invoke(main, [*base, "--db", str(tmp_path / "b.db"), "--synthesis", "off"])
    stories = json.loads(out.stdout)["stories"]
    assert out.exit_code == 0 and all(s["synthesis"] is None for s in stories)
    # the setting, from the environment (or a config file): a bad value is one line, exit 2
    monkeypatch.setenv("SUMMARIZER_SYNTHESIS", "sometimes")
    out = runner.invoke(main, [*base, "--db", str(tmp_path / "c.db")])
    assert out.exit_code == 2
    assert "synthesis must be auto, llm, offline or off, got 'sometimes'" in out.output
    assert not (tmp_path / "c.db").exists()


def test_a_quote_shown_is_the_sources_own_text() -> None:
    source = 'The union leader said "we will strike on Monday" after the vote.'
    draft = SynthesisReply(
        headline="Strike",
        summary=[{"text": "A strike.", "citations": [{"source": 1, "quote": "said “we will strike on Monday”"}]}],  # noqa: E501
    )  # fmt: skip
    assert check_synthesis(draft, [source]) == []
    kept, dropped = prune(draft, [source])
    assert dropped == [] and kept.summary[0].citations[0].quote == 'said "we will strike on Monday"'


def test_a_failing_synthesis_call_leaves_the_rules_and_a_warning(tmp_path: Path) -> None:
    from summarizer.testserver import error

    def script(request: dict[str, Any]) -> Any:
        if is_synthesis(request):
            return error(400, "this model cannot do that")
        return responder(request)

    with FakeOpenAIServer(responder=script) as server:
        result = _run(server, tmp_path / "s.db")
    multi = [s for s in result.digest.stories if len(s.sources) > 1]
    assert len(multi) == 2
    assert all(s.synthesis is not None and s.synthesis.engine == "offline" for s in multi)
    failed = [w for w in result.digest.warnings if "synthesised by rules" in w]
    assert [w.split("'")[1] for w in failed] == [s.id for s in multi]
    assert all("this model cannot do that" in w for w in failed)
    assert result.exit_code == 0
