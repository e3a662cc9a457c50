"""A table of small batches that must or must not be one story (summarizer.digests.stories.group).

Each case is a batch of briefs with their words and dates; the expected stories are given as
groups of article ids. The words are chosen so that which pairs are alike is plain: two briefs
are alike when they share words, and nothing else is in common.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from summarizer.brief.models import Brief, BriefMeta, KeyFact, Party, SourceRef
from summarizer.digests import stories
from summarizer.digests.stories import Entry, group

DAY0 = datetime(2016, 3, 1, 9, 0, tzinfo=UTC)


def brief_entry(
    aid: str, title: str, fact: str, day: int | None, parties: tuple[str, ...] = ()
) -> Entry:
    brief = Brief(
        title=title,
        summary=f"{title}. {fact}",
        key_facts=[KeyFact(statement=fact, evidence=[fact], status="claimed")],
        parties=[Party(name=p, kind="person", role="named") for p in parties],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test"),
    )
    when = None if day is None else DAY0 + timedelta(days=day)
    return Entry(aid, brief, SourceRef(article_id=aid, title=title), when)


SHOOTING = (
    "Gunman kills cashier during robbery at Maple Avenue pharmacy",
    "A masked gunman shot the cashier at the Maple Avenue pharmacy and fled with cash.",
)
ARREST = (
    "Police arrest teenager over pharmacy robbery killing",
    "Detectives arrested a teenager over the Maple Avenue pharmacy killing after a tip.",
)
FUNERAL = (
    "Hundreds mourn cashier killed by masked gunman",
    "Mourners remembered the cashier a masked gunman shot during the robbery.",
)
# A different incident of the same kind, in other words and at another place.
OTHER = (
    "Driver wounded in highway carjacking near airport exit",
    "A driver was wounded when two men took his sedan near the airport exit ramp.",
)


def batch(*items: tuple[str, tuple[str, str], int | None]) -> list[Entry]:
    return [brief_entry(aid, title, fact, day) for aid, (title, fact), day in items]


def ids(result: list[tuple[list[Entry], list[str]]]) -> list[list[str]]:
    return sorted(sorted(e.article_id for e in members) for members, _ in result)


CASES = [
    pytest.param(
        batch(("a", SHOOTING, 0), ("b", ARREST, 0)),
        [["a", "b"]],
        id="same day, alike: one story",
    ),
    pytest.param(
        batch(("a", SHOOTING, 0), ("b", OTHER, 0)),
        [["a"], ["b"]],
        id="same day, another incident: apart",
    ),
    pytest.param(
        batch(("a", SHOOTING, 0), ("c", FUNERAL, 20)),
        [["a"], ["c"]],
        id="alike but 20 days apart with nothing between: apart",
    ),
    pytest.param(
        batch(("a", SHOOTING, 0), ("b", ARREST, 10), ("c", FUNERAL, 20)),
        [["a", "b", "c"]],
        id="the story goes on: the day-20 report joins through the day-10 one's window",
    ),
    pytest.param(
        batch(("a", SHOOTING, 0), ("b", ARREST, 4), ("c", FUNERAL, 20)),
        [["a", "b"], ["c"]],
        id="the story's last report is 16 days before: apart",
    ),
    pytest.param(
        batch(("a", SHOOTING, None), ("c", FUNERAL, None)),
        [["a", "c"]],
        id="undated: wording alone",
    ),
]


@pytest.mark.parametrize(("entries", "expected"), CASES)
def test_which_briefs_are_one_story(entries: list[Entry], expected: list[list[str]]) -> None:
    assert ids(group(entries)) == expected


def test_the_funeral_report_is_alike_to_the_first_report_only() -> None:
    # What the chained case rests on: the day-20 report links to the day-0 one (20 days back),
    # not to the day-10 arrest; so it is the story's window, not a link to its last report,
    # that lets it in.
    entries = batch(("a", SHOOTING, 0), ("b", ARREST, 10), ("c", FUNERAL, 20))
    pairs = {
        (entries[i].article_id, entries[j].article_id) for _, i, j, _ in stories.links(entries)
    }
    assert pairs == {("a", "b"), ("a", "c")}


def test_a_link_reaches_no_further_than_link_reach_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stories, "LINK_REACH_DAYS", 14)
    entries = batch(("a", SHOOTING, 0), ("b", ARREST, 10), ("c", FUNERAL, 20))
    assert ids(group(entries)) == [["a", "b"], ["c"]]


# Years stand in for dates when there are none: one kind of event, told alike, five years apart.
PATCH_NEW = (
    "Microsoft rushes out emergency browser patch for 2013 zero-day flaw in Japan attacks",
    "Microsoft rushed out an emergency browser patch in 2013 for a zero-day flaw used in "
    "targeted attacks in Japan.",
)
PATCH_NEW_2 = (
    "Microsoft rushes out browser patch for 2013 zero-day flaw after Japan attacks",
    "Microsoft rushed out a browser patch in 2013 for the zero-day flaw used in targeted "
    "attacks in Japan, the company said.",
)
PATCH_OLD = (
    "Microsoft issues emergency browser patch for zero-day flaw that exposed passwords",
    "Microsoft issued an emergency patch for a zero-day browser flaw that exposed millions of "
    "passwords to hackers.",
)
PATCH_OLD_2 = (
    "Microsoft issues browser patch for zero-day flaw that exposed passwords",
    "Microsoft issued a browser patch for the zero-day flaw that exposed millions of passwords "
    "to hackers, the company said.",
)


def many_old(n: int, day: int | None = None) -> list[tuple[str, tuple[str, str], int | None]]:
    """n reports of the older patch, none of them saying a year."""
    return [(f"o{k}", PATCH_OLD if k % 2 else PATCH_OLD_2, day) for k in range(n)]


YEAR_CASES = [
    pytest.param(
        batch(("n1", PATCH_NEW, None), ("n2", PATCH_NEW_2, None)),
        [["n1", "n2"]],
        id="two reports of one year: one story",
    ),
    pytest.param(
        batch(
            ("n1", PATCH_NEW, None),
            ("n2", PATCH_NEW_2, None),
            ("o1", PATCH_OLD, None),
            ("o2", PATCH_OLD_2, None),
        ),
        [["n1", "n2"], ["o1", "o2"]],
        id="a 2013 story and a story that never says 2013: apart",
    ),
    pytest.param(
        batch(
            ("n1", PATCH_NEW, 0),
            ("n2", PATCH_NEW_2, 0),
            ("o1", PATCH_OLD, 1),
            ("o2", PATCH_OLD_2, 1),
        ),
        [["n1", "n2", "o1", "o2"]],
        id="dated a day apart: the dates tell, not the years",
    ),
    pytest.param(
        batch(("n1", PATCH_NEW, None), *many_old(10)),
        [["n1"], sorted(f"o{k}" for k in range(10))],
        id="one 2013 report and ten that never say it: apart",
    ),
    pytest.param(
        batch(("n1", PATCH_NEW, None), *many_old(9)),
        [["n1", *sorted(f"o{k}" for k in range(9))]],
        id="one 2013 report and nine: too few to tell, one story",
    ),
]


@pytest.mark.parametrize(("entries", "expected"), YEAR_CASES)
def test_years_stand_in_for_dates(entries: list[Entry], expected: list[list[str]]) -> None:
    assert ids(group(entries)) == expected


def test_without_the_year_rule_the_two_patches_would_be_one_story(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories, "YEAR_MIN_MEMBERS", 10**6)
    entries = batch(
        ("n1", PATCH_NEW, None),
        ("n2", PATCH_NEW_2, None),
        ("o1", PATCH_OLD, None),
        ("o2", PATCH_OLD_2, None),
    )
    assert ids(group(entries)) == [["n1", "n2", "o1", "o2"]]


# One outlet's items compared among themselves (OUTLET_MIN_ITEMS): a German developer feed in
# an English batch, where the words all its items use are rare in the batch and so weigh as
# much as the names that tell its items apart (heise's Scrum Day call and MySQLDumper's future
# were one story at 0.12 on four such words: "des", "sich", "mit", "werden", German stop words
# since; the feed's own vocabulary, "Entwickler", "Projekt", "Entwicklung", is not).
FEED_WORDS = "Entwickler Projekts Neuerungen Anpassungen Entwicklung"
HEISE_TOPICS = [
    "Scrum Konferenz sucht Vortragende Workshops Agilität",
    "MySQLDumper Skript verliert Betreuer Schlichtholz Datensicherung",
    "WildFly Anwendungsserver Version zehn JBoss Unternehmen",
    "Cordova Erweiterung Editor hybride Apps Android",
    "Parse Plattform schließt Migration MongoDB Backend",
    "Zing Laufzeit verdoppelt Speichergröße Terabyte Java",
    "Apache Stiftung bekommt Logo Wachstum Organisation",
    "SourceForge Slashdot wechseln Besitzer Hosting Ruf",
    "PowerShell sortiert GPX Dateien Dotnet Doktor",
    "JavaScript Typprüfung instanceof Operator Klassen Muster",
]
ENGLISH_TOPICS = [
    "Orcas imitate human speech in aquarium study",
    "Train carrying lawmakers hits truck at crossing",
    "Director of health agency resigns over shares",
    "Facebook bans cryptocurrency adverts as scams",
    "Syrian peace talks agree on constitution panel",
    "Newspaper advert thanks fans after awards snub",
    "Library on border at heart of smuggling case",
    "Secret files found in secondhand cabinets",
    "Super blue blood moon seen across the globe",
    "Report warns mosquito nets used for fishing",
    "Veteran basketball player killed in car crash",
    "Offshore tax secrecy index names territories",
]


def outlet_entry(aid: str, text: str, outlet: str, day: int = 0) -> Entry:
    brief = Brief(
        title=text,
        summary=f"{text}. {text}.",
        key_facts=[KeyFact(statement=f"{text}.", evidence=[text], status="claimed")],
        parties=[],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test"),
    )
    ref = SourceRef(article_id=aid, title=text, outlet=outlet)
    return Entry(aid, brief, ref, DAY0 + timedelta(hours=day))


def developer_batch(*extra: Entry) -> list[Entry]:
    heise = [
        outlet_entry(f"h{k}", f"{topic} {FEED_WORDS}", "heise developer")
        for k, topic in enumerate(HEISE_TOPICS)
    ]
    english = [
        outlet_entry(f"g{k}", topic, "The Guardian") for k, topic in enumerate(ENGLISH_TOPICS)
    ]
    return [*heise, *english, *extra]


def stories_of_two_or_more(entries: list[Entry]) -> list[list[str]]:
    return [ids_ for ids_ in ids(group(entries)) if len(ids_) > 1]


# A second report of MySQLDumper's future by the same outlet: one event, its own names shared.
MYSQLDUMPER_AGAIN = "MySQLDumper Schlichtholz braucht Nachfolger Skript Datensicherung"

OUTLET_CASES = [
    pytest.param(
        developer_batch(),
        [],
        id="one outlet, one subject, different events sharing only the feed's words: apart",
    ),
    pytest.param(
        developer_batch(
            outlet_entry("h-again", f"{MYSQLDUMPER_AGAIN} {FEED_WORDS}", "heise developer", 1)
        ),
        [["h-again", "h1"]],
        id="one outlet, two reports of one event (its names shared): one story",
    ),
    pytest.param(
        developer_batch(
            outlet_entry("x-again", "MySQLDumper Schlichtholz Datensicherung Skript", "Golem", 1)
        ),
        [["h1", "x-again"]],
        id="another outlet's report of that event: one story",
    ),
]


@pytest.mark.parametrize(("entries", "expected"), OUTLET_CASES)
def test_one_outlets_items_are_compared_among_themselves(
    entries: list[Entry], expected: list[list[str]]
) -> None:
    assert stories_of_two_or_more(entries) == expected


def test_without_the_outlet_rule_the_feeds_words_join_its_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories, "OUTLET_MIN_ITEMS", 10**6)
    assert len(stories_of_two_or_more(developer_batch())) >= 1


# A name most of an outlet's items give (a blog's language, "Objective-C") links none of them,
# as a name common in the whole batch links nothing: two posts alike on one word join only
# through a name of their own. The batch is large enough that the name is not common in it.
BLOG_POSTS = [
    "Namespacing prefixes classes avoid collisions linker symbols",
    "Swizzling exchanges method implementations runtime load selectors hooks",
    "Associated objects attach values categories runtime keys policies",
    "Operation queues schedule dependent tasks priorities",
    "Formatters convert dates numbers strings locales",
    "Diagnostics pragmas silence compiler warnings flags",
]


def party_entry(aid: str, text: str, outlet: str, parties: tuple[str, ...]) -> Entry:
    entry = outlet_entry(aid, text, outlet)
    assert entry.brief is not None
    entry.brief.parties = [Party(name=p, kind="organization", role="named") for p in parties]
    return entry


def blog_batch(names_of_two: tuple[str, ...] = ()) -> list[Entry]:
    blog = [
        party_entry(
            f"n{k}", post, "NSHipster", ("Objective-C", *(names_of_two if k in (1, 2) else ()))
        )
        for k, post in enumerate(BLOG_POSTS)
    ]
    others = [
        outlet_entry(f"g{k}", topic, f"Paper {k % 3}") for k, topic in enumerate(ENGLISH_TOPICS * 3)
    ]
    return [*blog, *others]


def blog_stories(entries: list[Entry]) -> list[list[str]]:
    return [s for s in stories_of_two_or_more(entries) if s[0].startswith("n")]


@pytest.mark.parametrize(
    ("names_of_two", "expected"),
    [
        pytest.param((), [], id="two posts sharing a word and the blog's common name: apart"),
        pytest.param(("WWDC",), [["n1", "n2"]], id="and a name of their own: one story"),
    ],
)
def test_a_name_common_in_an_outlet_links_none_of_its_items(
    names_of_two: tuple[str, ...], expected: list[list[str]]
) -> None:
    assert blog_stories(blog_batch(names_of_two)) == expected


def test_without_the_outlet_rule_the_blogs_name_joins_two_posts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories, "OUTLET_MIN_ITEMS", 10**6)
    assert blog_stories(blog_batch()) == [["n1", "n2"]]


# Two real heise developer items (German) of different events, as the offline engine briefs
# their feed entries (title, summary, key facts): alone in a batch (too few of their outlet for
# the outlet rule) they shared only "das", "der", "die", "und" and were one story at 0.12.
HEISE_APP_MODEL = (
    "Microsoft ändert das v2.0 Auth Protocol zur Anmeldung an die Cloud-Dienste Microsoft "
    "Account und…",
    "Microsoft ändert das v2.0 Auth Protocol zur Anmeldung an die Cloud-Dienste Microsoft "
    "Account und Azure Active Directory.",
    "Entwickler müssen aufgrund der Neuerungen vermutlich vorhandenen Code anpassen.",
)
HEISE_LONDON = (
    "Anfang Mai feiert die englische Version der Continuous-Lifecycle-Konferenz in London "
    "Premiere.",
    "Anfang Mai feiert die englische Version der Continuous-Lifecycle-Konferenz in London "
    "Premiere.",
    "Jez Humble und Dave Farley sind nur zwei der Sprecher aus dem nun bekannt gegebenen "
    "Programm, das Continuous Delivery, DevOps und Co. ins Zentrum stellt.",
)


def german_entry(aid: str, item: tuple[str, str, str], language: str | None) -> Entry:
    title, *sentences = item
    brief = Brief(
        title=title,
        summary=" ".join(sentences),
        key_facts=[KeyFact(statement=s, evidence=[s], status="claimed") for s in sentences],
        parties=[],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test", language=language),
    )
    return Entry(aid, brief, SourceRef(article_id=aid, title=title), DAY0)


def german_pair(language: str | None) -> list[Entry]:
    return [
        german_entry("app", HEISE_APP_MODEL, language),
        german_entry("lon", HEISE_LONDON, language),
    ]


@pytest.mark.parametrize(
    "language",
    [
        pytest.param("de", id="recorded German"),
        pytest.param("de-DE", id="recorded with a region"),
        # `--lang German` ("Write the brief in German"): the name the brief records
        pytest.param("German", id="recorded by name"),
        pytest.param(None, id="not recorded: guessed from its words"),
    ],
)
def test_german_items_do_not_link_on_german_function_words(language: str | None) -> None:
    entries = german_pair(language)
    assert ids(group(entries)) == [["app"], ["lon"]]
    assert stories.links(entries) == []


def test_with_english_stop_words_only_the_german_items_were_one_story(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories, "_STOP_LISTS", {})
    monkeypatch.setattr(stories, "_STOP_NAMES", {})
    stories.stop_words.cache_clear()
    try:
        assert ids(group(german_pair("de"))) == [["app", "lon"]]
    finally:
        stories.stop_words.cache_clear()


@pytest.mark.parametrize(
    ("language", "stop", "kept"),
    [
        pytest.param(
            "de",
            {"das", "der", "die", "und", "the"},
            # names and nouns tell events apart (jusText's German list held these three)
            {"programm", "konferenz", "berlin", "krieg", "regierung"},
            id="de",
        ),
        pytest.param(
            "pt-BR",
            {"não", "para", "com", "uma"},
            {"eleição", "prisão", "brasil", "governo", "paulo"},
            id="pt-BR",
        ),
        pytest.param("French", {"dans", "pour", "avec"}, {"élection"}, id="French by name"),
        pytest.param("norwegian", {"ikke", "eller"}, {"valget"}, id="norwegian by name"),
        pytest.param("en", {"the", "said"}, {"american", "announced"}, id="en keeps its own list"),
        pytest.param("English", {"the", "said"}, {"american"}, id="English by name: its own"),
        pytest.param(None, {"the"}, {"die", "und"}, id="unknown: English only"),
    ],
)
def test_stop_words_by_language(language: str | None, stop: set[str], kept: set[str]) -> None:
    words = stories.stop_words(language)
    assert stop <= words
    assert not kept & words


# A story's subject (SUBJECT_MIN_MEMBERS): real items as the offline engine briefs them (feed
# title, brief title, key facts, parties). The Guardian's two Stormy Daniels items give her name
# in both titles; its late-night hosts on the State of the Union name Stephen Colbert and never
# Stormy Daniels, yet shared "Jimmy Kimmel", "late night", "Tuesday" with them (0.25).
def real_entry(
    aid: str, feed_title: str, facts: tuple[str, ...], parties: tuple[str, ...], day: int = 0
) -> Entry:
    brief = Brief(
        title=facts[0],
        summary=" ".join(facts),
        key_facts=[KeyFact(statement=f, evidence=[f], status="claimed") for f in facts],
        parties=[Party(name=p, kind="person", role="named") for p in parties],
        positions=[],
        open_questions=[],
        meta=BriefMeta(prompt_version="test", language="en"),
    )
    return Entry(
        aid, brief, SourceRef(article_id=aid, title=feed_title), DAY0 + timedelta(hours=day)
    )


LATE_NIGHT = real_entry(
    "late-night",
    "Late-night hosts on State of the Union: 'This wasn't a night for facts'",
    (
        "Comics, including Stephen Colbert, Trevor Noah and Jimmy Kimmel, reacted to Trump’s "
        "first State of the Union address",
        "Late-night hosts on Tuesday addressed Donald Trump’s first official State of the Union "
        "address.",
        "“We are live right now, and barely conscious following a 90-minute speech,” said "
        "Stephen Colbert, whose show aired directly following Trump’s speech.",
    ),
    ("Stephen Colbert", "State of the Union", "Donald Trump"),
)
DANIELS_VIDEO = real_entry(
    "daniels-video",
    "Stormy Daniels on Jimmy Kimmel: porn actor casts doubt on denial of Trump affair – video",
    (
        "Speaking on Jimmy Kimmel Live! the adult film star Stormy Daniels appears to question "
        "the authenticity of a statement denying her affair with the US president, Donald Trump, "
        "only for her lawyer to insist it is real.",
        "'Did you sign this letter that was released today?'",
        "Porn actor Stormy Daniels casts doubt on denial of affair with Trump",
    ),
    ("Donald Trump", "Stormy Daniels"),
)
DANIELS_ARTICLE = real_entry(
    "daniels-article",
    "Porn actor Stormy Daniels casts doubt on denial of affair with Trump",
    (
        "On Jimmy Kimmel Live!",
        "Daniels appears to question the authenticity of a statement denying the affair, only "
        "for her lawyer to insist it is real",
        "The allegations that Donald Trump paid hush money to hide an affair with adult film star "
        "Stormy Daniels took another bizarre twist on Tuesday night during an interview with "
        "late-night host Jimmy Kimmel that followed the president’s first State of the Union "
        "address.",
    ),
    ("Jimmy Kimmel", "State of the Union"),
)
# GVC dev: three reports of one Little Rock shooting; the family's report never says "Little
# Rock" (the story's subject) but names nobody the other two do not: it joins.
LITTLE_ROCK = [
    real_entry(
        "kark",
        "2-Year - Old Killed in Little Rock Shooting",
        (
            "2-Year - Old Killed in Little Rock Shooting",
            "Around 8:30 p.m. Tuesday, Little Rock Police officers received a call from UAMS "
            "saying they were treating a two - year - old for gunshot wounds.",
            "The mother's cousin, who was driving the car, said that she and the child's mother "
            "were driving toward Van Buren St. when they turned a corner and heard several "
            "gunshots as a car drove by.",
        ),
        ("Little Rock", "Van Buren St"),
    ),
    real_entry(
        "kthv",
        "2-year - old killed in overnight Little Rock shooting",
        (
            "2-year - old killed in overnight Little Rock shooting",
            "(KTHV) – A two - year - old is dead after an overnight shooting in Little Rock.",
            "It happened on the 2000 block of Harrison Street on Tuesday evening, and police were "
            "dispatched to UAMS around 8:34 p.m.",
        ),
        ("Little Rock", "KTHV"),
    ),
    real_entry(
        "family",
        "Family identifies 2-year - old killed in suspected drive - by shooting",
        (
            "Family identifies 2-year - old killed in suspected drive - by shooting",
            "Family members have identified the 2-year - old killed in what police believe was a "
            "drive - by shooting Tuesday night.",
            "Police say RaMaya Reed was killed while riding in a vehicle with her mother, her "
            "mother's cousin, and four other juveniles when several shots were fired into their "
            "vehicle from a passing car.",
        ),
        (),
    ),
]


def guardian_batch() -> list[Entry]:
    """The three items in a day of other stories that all name Donald Trump (a common name)."""
    others = [
        real_entry(f"g{k}", topic, (f"{topic}, Donald Trump said.", f"{topic}."), ("Donald Trump",))
        for k, topic in enumerate(ENGLISH_TOPICS[:8])
    ]
    return [LATE_NIGHT, DANIELS_VIDEO, DANIELS_ARTICLE, *others]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param(
            guardian_batch(),
            [["daniels-article", "daniels-video"]],
            id="late-night hosts never say the Stormy Daniels story's subject: apart",
        ),
        pytest.param(
            LITTLE_ROCK,
            [["family", "kark", "kthv"]],
            id="a follow-up that names nobody new joins without the subject: one story",
        ),
    ],
)
def test_a_story_takes_in_nothing_that_never_says_its_subject(
    entries: list[Entry], expected: list[list[str]]
) -> None:
    assert stories_of_two_or_more(entries) == expected


def test_without_the_subject_rule_the_late_night_hosts_joined_stormy_daniels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories, "SUBJECT_MIN_MEMBERS", 10**6)
    assert stories_of_two_or_more(guardian_batch()) == [
        ["daniels-article", "daniels-video", "late-night"]
    ]


# A feed entry briefed from its own text has a brief without its headline: the words of the
# source's title that the brief never says count too (`_title_terms`), once each.
TRUMP_LAUDS = real_entry(
    "lauds",
    "'Extraordinary success': Trump lauds first year at State of the Union – video",
    (
        "In his first address , the US president says his administration embarked on a "
        "'righteous mission' to 'make America great again for all Americans'.",
        "Reflecting on the past year, Donald Trump says: 'We have endured floods and fires and "
        "storms, but through it all we have seen the beauty of America's soul and the steel in "
        "America's spine'",
    ),
    ("Donald Trump",),
)
SOTU_DISCORD = real_entry(
    "discord",
    "Trump State of the Union address promised unity but emphasized discord",
    (
        "The president’s ‘new American moment’ speech stirred Republican applause while "
        "Democrats showed thinly disguised contempt",
        "Donald Trump has promised a “new American moment” in a State of the Union address that "
        "sought harmony but succeeded only in underlining the deep discord at the heart of the "
        "country’s politics.",
        "Related: Fact check: Donald Trump's State of the Union address analyzed",
    ),
    ("Donald Trump", "State of the Union"),
)


def with_title(entry: Entry, title: str, **ref: str) -> Entry:
    return Entry(
        entry.article_id,
        entry.brief,
        SourceRef(article_id=entry.article_id, title=title, **ref),
        entry.when,
    )


@pytest.mark.parametrize(
    ("entry", "added"),
    [
        pytest.param(
            TRUMP_LAUDS,
            {"extraordinary", "success", "lauds", "state", "union", "video"},
            id="headline",
        ),
        pytest.param(
            with_title(SOTU_DISCORD, "Donald Trump promised a new American moment"),
            set(),
            id="a title the brief says already: nothing",
        ),
        pytest.param(
            with_title(TRUMP_LAUDS, "feeds/guardian-30.txt", path="feeds/guardian-30.txt"),
            set(),
            id="a title that is the file's path: nothing",
        ),
        pytest.param(
            with_title(TRUMP_LAUDS, "Ungewisse Zukunft des MySQLDumper-Projekts"),
            {"ungewisse", "zukunft", "mysqldumper", "projekts"},
            id="a German headline: without its function words",
        ),
    ],
)
def test_the_headline_words_the_brief_never_says_count(entry: Entry, added: set[str]) -> None:
    assert set(stories._title_terms(entry)) - set(entry.feats().terms()) == added
    assert all(c == entry.feats().terms().get(w, 1) for w, c in stories._title_terms(entry).items())


def test_the_headline_makes_the_video_as_alike_to_the_address_as_its_words_say() -> None:
    others = [
        real_entry(f"g{k}", topic, (f"{topic}, Donald Trump said.", f"{topic}."), ("Donald Trump",))
        for k, topic in enumerate(ENGLISH_TOPICS[:8])
    ]
    entries = [TRUMP_LAUDS, SOTU_DISCORD, *others]
    plain = stories._vectors([e.feats().terms() for e in entries])
    titled = stories._vectors([stories._title_terms(e) for e in entries])
    assert stories.cosine(titled[0], titled[1]) > stories.cosine(plain[0], plain[1])
