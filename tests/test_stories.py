"""Story grouping on its own: which briefs become one story, and why."""

from __future__ import annotations

import pytest

from summarizer.brief.models import Brief, BriefMeta, KeyFact, Party, SourceRef
from summarizer.digests.stories import Entry, build_story, group

TOPICS = [
    "tariffs on steel imports from Canada rise",
    "hurricane season forecast for Florida coast",
    "senate vote on the defence budget delayed",
    "pipeline permit denied by the river authority",
    "school lunch programme expanded in Ohio",
    "space agency delays the lunar lander test",
    "farm subsidies cut for dairy producers",
    "court blocks the new voting map in Texas",
    "central bank holds interest rates steady",
    "wildfire smoke closes schools in Oregon",
    "drug prices capped for insulin users",
    "railway strike averted after late talks",
]


def entry(i: int, topic: str, parties: list[str]) -> Entry:
    sentence = f"{topic.capitalize()}."
    brief = Brief(
        title=topic.capitalize(),
        summary=f"{sentence} {sentence}",
        key_facts=[KeyFact(statement=sentence, evidence=[sentence], status="claimed")],
        parties=[Party(name=p, kind="person", role="named") for p in parties],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test"),
    )
    return Entry(article_id=f"a{i}", brief=brief, ref=SourceRef(article_id=f"a{i}", title=topic))


def test_a_party_in_every_brief_does_not_chain_a_batch_into_one_story() -> None:
    # Every brief names the same two people, as a day of US politics names the president.
    entries = [entry(i, t, ["Donald Trump", "Mike Johnson"]) for i, t in enumerate(TOPICS)]
    stories = group(entries)
    assert len(stories) == len(TOPICS)


def test_two_named_parties_and_some_shared_wording_make_one_story() -> None:
    a = entry(1, "dam collapse in harlow kills twelve", ["Nadia Brennan", "Harlow Courier"])
    b = entry(2, "harlow dam collapse toll rises to fourteen", ["Nadia Brennan", "Harlow Courier"])
    c = entry(3, "central bank holds interest rates steady", ["Ilse Marquardt"])
    stories = group([a, b, c])
    sizes = sorted(len(members) for members, _ in stories)
    assert sizes == [1, 2]
    (_members, why), *_ = [s for s in stories if len(s[0]) == 2]
    assert "shared parties Harlow Courier, Nadia Brennan" in why[0]


def test_two_named_parties_without_any_shared_wording_stay_apart() -> None:
    a = entry(1, "tariffs on steel imports from canada rise", ["Nadia Brennan", "Tom Hale"])
    b = entry(2, "hurricane season forecast for florida coast", ["Nadia Brennan", "Tom Hale"])
    assert len(group([a, b])) == 2


def fact_entry(i: int, statement: str) -> Entry:
    e = entry(i, "harlow dam collapse", ["Nadia Brennan", "Harlow Courier"])
    fact = KeyFact(statement=statement, evidence=[statement], status="reported")
    e.brief = e.brief.model_copy(update={"key_facts": [fact]})
    return e


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (
            "Fourteen people died in the Harlow dam collapse, according to the Courier.",
            "Twelve people died when the Harlow dam failed on Monday night.",
            "14 vs 12 people",
        ),
        (
            "The dam failure destroyed 300 homes in the Harlow valley.",
            "About 250 homes in the Harlow valley were destroyed by the dam failure.",
            "300 vs 250 homes",
        ),
        (
            "Twelve people died when the Harlow dam failed.",
            "The Harlow dam had 3 spillway gates.",
            None,
        ),
    ],
)
def test_counts_of_the_same_thing_that_differ_are_a_disagreement(
    a: str, b: str, reason: str | None
) -> None:
    story = build_story([fact_entry(1, a), fact_entry(2, b)], [])
    reasons = [d.reason for d in story.disagreements]
    if reason is None:
        assert reasons == []
    else:
        assert len(reasons) == 1 and reasons[0].endswith(reason)


def brute_force_links(entries: list[Entry]) -> set[tuple[int, int]]:
    """The definition: compare every pair (what links() finds through its candidate index)."""
    from summarizer.digests import stories as st

    names = [st._named(e.brief) for e in entries]
    vectors = st._vectors([st._terms(e.brief) for e in entries])
    df: dict[str, int] = {}
    for n in names:
        for key in set(n.values()):
            df[key] = df.get(key, 0) + 1
    common = {
        k
        for k, c in df.items()
        if c > st.COMMON_PARTY_MIN and c > st.COMMON_PARTY_SHARE * len(entries)
    }
    found = set()
    for i in range(len(entries)):
        for j in range(i + 1, len(entries)):
            if st._apart(entries[i], entries[j]):
                continue
            shared = {names[i][k] for k in names[i].keys() & names[j].keys()} - common
            similarity = st.cosine(vectors[i], vectors[j])
            if similarity >= st.SIMILAR_ALONE or (shared and similarity >= st.SIMILAR_WITH_PARTY):
                found.add((i, j))
    return found


@pytest.mark.parametrize("seed", range(8))
def test_indexed_grouping_equals_comparing_every_pair(seed: int) -> None:
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(seed)
    # Small vocabularies make pairs that link on wording alone; half the seeds name nobody;
    # some seeds date the entries over a month, so that the window keeps some pairs apart.
    vocab = ["q" + chr(97 + k % 26) + chr(97 + k // 26) for k in range(rng.choice([15, 25, 40]))]
    people = [f"Person {chr(65 + k)}{chr(97 + k)}" for k in range(10)] if seed % 2 else []
    entries = [
        entry(
            i,
            " ".join(rng.sample(vocab, rng.randint(3, 10))),
            rng.sample(people, rng.randint(0, 3)) if people else [],
        )
        for i in range(rng.randint(20, 60))
    ]
    if seed % 4 >= 2:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for e in entries:
            e.when = start + timedelta(days=rng.randint(0, 30))
    from summarizer.digests import stories as st

    expected = brute_force_links(entries)
    assert expected  # the case has links to find
    # Every pair that links is among the candidates, and links() reports exactly those pairs.
    names = [st._named(e.brief) for e in entries]
    vectors = st._vectors([st._terms(e.brief) for e in entries])
    candidates = set(st._candidates(names, vectors, set()))
    assert {pair for pair in expected if not st._apart(*(entries[k] for k in pair))} <= candidates
    assert {(i, j) for _, i, j, _ in st.links(entries)} == expected
    # Every link is a reason of the story it is in, or joined two stories that stayed apart.
    stories = group(entries)
    assert sum(len(whys) for _, whys in stories) <= len(expected)
    assert sorted(e.article_id for members, _ in stories for e in members) == sorted(
        e.article_id for e in entries
    )


def dated(e: Entry, day: int) -> Entry:
    from datetime import UTC, datetime, timedelta

    e.when = datetime(2009, 6, 1, tzinfo=UTC) + timedelta(days=day)
    return e


@pytest.mark.parametrize(
    ("days_apart", "together"), [(0, True), (6, True), (30, False), (None, True)]
)
def test_articles_far_apart_in_time_are_never_one_story(
    days_apart: int | None, together: bool
) -> None:
    # The same company's second bankruptcy filing a month later is another event.
    a = entry(1, "automaker files for bankruptcy protection in new york", ["Fritz Henderson"])
    b = entry(2, "automaker bankruptcy filing in new york court", ["Fritz Henderson"])
    if days_apart is not None:
        dated(a, 0)
        dated(b, days_apart)
    assert (len(group([a, b])) == 1) is together


def test_a_two_letter_acronym_is_a_party_but_a_short_word_is_not() -> None:
    from summarizer.digests.stories import _named

    e = entry(1, "automaker files for bankruptcy", ["GM", "Mr", "Penske Automotive"])
    assert set(_named(e.brief)) == {"gm", "penske automotive"}


def test_a_brief_between_two_stories_does_not_chain_them_into_one() -> None:
    dam = "harlow dam collapse flood valley homes"
    bank = "central bank interest rates inflation lenders"
    a = [entry(i, f"{dam} {w}", []) for i, w in enumerate(["monday", "toll"])]
    b = [entry(10 + i, f"{bank} {w}", []) for i, w in enumerate(["hold", "vote", "forecast"])]
    # Alike enough to either story to link to both (single linkage would make one story).
    bridge = entry(2, "harlow dam rescue lenders central bank interest", [])
    stories = group([*a, bridge, *b])
    together = [{e.article_id for e in members} for members, _ in stories]
    assert {"a0", "a1"} in together and not any({"a0", "a10"} <= s for s in together)
    assert sorted(len(s) for s in together) == [2, 4]  # the bridge joins the closer story
