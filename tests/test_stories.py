"""Story grouping on its own: which briefs become one story, and why."""

from __future__ import annotations

import pytest

from summarizer.digests.stories import Entry, build_story, group
from summarizer.models import Brief, BriefMeta, KeyFact, Party, SourceRef

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
    """The definition: compare every pair (what group() did before it indexed candidates)."""
    from summarizer.digests import stories as st

    names = [st._named(e.brief) for e in entries]
    words = [st._words(e.brief) for e in entries]
    df: dict[str, int] = {}
    for n in names:
        for key in set(n.values()):
            df[key] = df.get(key, 0) + 1
    common = {
        k
        for k, c in df.items()
        if c > st.COMMON_PARTY_MIN and c > st.COMMON_PARTY_SHARE * len(entries)
    }
    links = set()
    for i in range(len(entries)):
        for j in range(i + 1, len(entries)):
            shared = {names[i][k] for k in names[i].keys() & names[j].keys()} - common
            overlap = st.jaccard(words[i], words[j])
            if (
                (len(shared) >= 2 and overlap >= st.SHARED_PARTIES_MIN_WORDING)
                or overlap >= st.WORDING_ALONE
                or (len(shared) == 1 and overlap >= st.WORDING_WITH_ONE_PARTY)
            ):
                links.add((i, j))
    return links


@pytest.mark.parametrize("seed", range(8))
def test_indexed_grouping_equals_comparing_every_pair(seed: int) -> None:
    import random

    rng = random.Random(seed)
    # Small vocabularies make pairs that link on wording alone; half the seeds name nobody.
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
    from summarizer.digests import stories as st

    links = brute_force_links(entries)
    assert links  # the case has links to find
    # Every pair that links is among the candidates, and group() reports exactly those links.
    names = [st._named(e.brief) for e in entries]
    words = [st._words(e.brief) for e in entries]
    assert links <= set(st._candidates(names, words, set()))
    reasons = [why for _, whys in group(entries) for why in whys]
    assert len(reasons) == len(links)
