"""The grouping keeps two events of one kind apart when each story has specifics of its own."""

from __future__ import annotations

import re

import pytest

from summarizer.brief.models import Brief, BriefMeta, KeyFact, Party, SourceRef
from summarizer.digests import stories
from summarizer.digests.stories import Entry, group


def entry(i: int, title: str, fact: str, parties: list[str]) -> Entry:
    brief = Brief(
        title=title,
        summary=f"{title}. {fact}",
        key_facts=[KeyFact(statement=fact, evidence=[fact], status="claimed")],
        parties=[Party(name=p, kind="organization", role="named") for p in parties],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test"),
    )
    return Entry(article_id=f"a{i}", brief=brief, ref=SourceRef(article_id=f"a{i}", title=title))


def two_games() -> list[Entry]:
    """Two outlets on each of two games of one team: same wording, own opponent and score."""
    return [
        entry(
            1,
            "Colts beat Jaguars 31-24 to clinch playoff berth",
            "The Colts beat the Jaguars 31-24 on Thursday night.",
            ["Indianapolis Colts", "Jacksonville Jaguars"],
        ),
        entry(
            2,
            "Colts clinch a playoff berth, beating the Jaguars",
            "Indianapolis beat the Jaguars 31-24.",
            ["Indianapolis Colts", "Jacksonville Jaguars"],
        ),
        entry(
            3,
            "Colts top Chiefs 20-13 and reach the playoffs",
            "The Colts beat the Chiefs 20-13 on Sunday.",
            ["Indianapolis Colts", "Kansas City Chiefs"],
        ),
        entry(
            4,
            "Colts reach the playoffs with a win over the Chiefs",
            "Indianapolis beat the Chiefs 20-13.",
            ["Indianapolis Colts", "Kansas City Chiefs"],
        ),
    ]


def ids(result: list[tuple[list[Entry], list[str]]]) -> list[list[str]]:
    return sorted(sorted(e.article_id for e in members) for members, _ in result)


def test_two_events_of_one_kind_with_their_own_names_and_numbers_stay_apart() -> None:
    assert ids(group(two_games())) == [["a1", "a2"], ["a3", "a4"]]


def test_without_the_rule_the_same_wording_would_join_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The control: what keeps them apart is the rule, not the wording.
    monkeypatch.setattr(stories, "OWN_MIN_MEMBERS", 10**6)
    assert ids(group(two_games())) == [["a1", "a2", "a3", "a4"]]


def test_a_story_whose_specifics_the_other_mentions_still_joins() -> None:
    # A third report of the first game that names the opponent and the score joins its story,
    # and a report that names neither team's opponent is not kept out by the rule.
    batch = [
        *two_games()[:2],
        entry(
            5,
            "Colts clinch playoff berth with win",
            "The Colts beat the Jaguars 31-24 in Jacksonville.",
            ["Indianapolis Colts", "Jacksonville Jaguars"],
        ),
        entry(
            6,
            "Colts win and clinch a playoff berth",
            "The Colts won on Thursday night.",
            ["Indianapolis Colts"],
        ),
    ]
    assert ids(group(batch)) == [["a1", "a2", "a5", "a6"]]


def two_patches() -> list[Entry]:
    """Two emergency patches of one browser, five years apart, in one undated batch."""
    batch = [
        entry(
            1,
            "Microsoft rushes emergency patch for Internet Explorer flaw",
            "Microsoft released the emergency fix in December 2008 after attacks.",
            ["Microsoft"],
        ),
        entry(
            2,
            "Emergency Internet Explorer patch from Microsoft after attacks",
            "The December 2008 emergency update closes the flaw attackers used.",
            ["Microsoft"],
        ),
        entry(
            3,
            "Microsoft issues out-of-band fix for Internet Explorer zero-day",
            "Microsoft published the out-of-band fix in September 2013.",
            ["Microsoft"],
        ),
        entry(
            4,
            "Out-of-band Internet Explorer zero-day fix from Microsoft",
            "The September 2013 out-of-band update closes the zero-day.",
            ["Microsoft"],
        ),
    ]
    return batch


def test_a_year_each_story_names_and_the_other_never_does_keeps_them_apart() -> None:
    assert ids(group(two_patches())) == [["a1", "a2"], ["a3", "a4"]]


def test_without_the_years_the_two_patches_would_join(monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = stories._numbers_of
    monkeypatch.setattr(
        stories,
        "_numbers_of",
        lambda text: {n for n in numbers(text) if not re.fullmatch(r"#(19|20)\d\d", n)},
    )
    assert ids(group(two_patches())) == [["a1", "a2", "a3", "a4"]]


@pytest.mark.parametrize(("days", "together"), [(0, True), (12, True), (30, False)])
def test_a_follow_up_within_two_weeks_is_the_same_story(days: int, together: bool) -> None:
    from datetime import UTC, datetime, timedelta

    a = entry(
        1,
        "Teenager fatally shot in Sheraden",
        "A 17-year-old was shot on Glen Mawr Street.",
        ["Rashawn Gibson", "Allegheny County"],
    )
    b = entry(
        2,
        "Man charged in fatal Sheraden shooting of teenager",
        "Police charged a man in the killing of the 17-year-old on Glen Mawr Street.",
        ["Rashawn Gibson", "Allegheny County"],
    )
    a.when = datetime(2016, 12, 20, tzinfo=UTC)
    b.when = a.when + timedelta(days=days)
    assert (len(group([a, b])) == 1) is together
