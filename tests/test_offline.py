"""The offline engine: the brief a fresh machine gets with no key and no model.

Checked on the seed article against the acceptance list of the CLI issue, on the real pages'
trafilatura extractions in ../shared/external (written by nobody here), and on tables of
sentences whose speaker or party is known.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer import InputError, summarize
from summarizer.brief.grounding import ArticleIndex, check_reply, normalize
from summarizer.brief.models import BriefReply, count_sentences
from summarizer.offline import brief_offline, find_parties, split_sentences

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE = SHARED / "external" / "article_html" / "reference_extraction_trafilatura_2.3.1"
DIGEST_ARTICLES = Path(__file__).parent / "data" / "digest" / "articles"


def reference_texts() -> list[Path]:
    return sorted(REFERENCE.glob("*.txt")) if REFERENCE.is_dir() else []


def strip_header(text: str) -> str:
    """The reference extractions open with '# title: ...' lines that are not the article."""
    return re.sub(r"\A(?:# [^\n]*\n)+\n?", "", text)


def party_named(brief_parties: list, name: str) -> bool:
    return any(name == p.name or name in p.aliases for p in brief_parties)


# --- the seed article ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_brief(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    seed = next((SHARED / "seeds").glob("*.txt"), None)
    if seed is None:
        pytest.skip("../shared/seeds is not beside the repo")
    text = seed.read_text(encoding="utf-8")
    return text, brief_offline(text)


@pytest.mark.parametrize(
    "name",
    [
        "Moskalik",
        "Putin",
        "Trump",
        "Witkoff",
        "Ushakov",
        "Dmitriev",
        "Zelenskyy",
        "Kellogg",
        "Kirillov",
        "Zvinchuk",
        "Investigative Committee",
        "Baza",
    ],
)
def test_seed_names_every_party_the_issue_lists(seed_brief, name: str) -> None:  # type: ignore[no-untyped-def]
    _, brief = seed_brief
    assert party_named(brief.parties, name), [p.name for p in brief.parties]


@pytest.mark.parametrize(
    ("name", "kind", "role_word"),
    [
        ("Yaroslav Moskalik", "person", "deputy head of operations"),
        ("Baza", "media", "Telegram channel"),
        ("Steve Witkoff", "person", "special envoy"),
        ("Yuri Ushakov", "person", "adviser"),
        ("Kirill Dmitriev", "person", "adviser"),
        ("Keith Kellogg", "person", "national security adviser"),
        ("Mikhail Zvinchuk", "person", "blogger"),
        ("Investigative Committee", "government", ""),
        ("Russia", "country", ""),
    ],
)
def test_seed_party_kinds_and_roles(seed_brief, name: str, kind: str, role_word: str) -> None:  # type: ignore[no-untyped-def]
    _, brief = seed_brief
    party = next(p for p in brief.parties if p.name == name)
    assert party.kind == kind
    assert role_word in party.role


def test_seed_positions_go_to_the_right_speaker(seed_brief) -> None:  # type: ignore[no-untyped-def]
    _, brief = seed_brief
    by = {}
    for p in brief.positions:
        by.setdefault(p.party, []).append(p.evidence[0])
    assert any("very fragile" in q for q in by["Donald Trump"])
    assert any("criticized the killing" in q for q in by["Keith Kellogg"])
    assert any("homemade bomb" in q for q in by["Investigative Committee"])
    assert any("planted in a parked car" in q for q in by["Baza"])
    # Nobody else is handed Trump's or Kellogg's words.
    for party, quotes in by.items():
        if party not in ("Donald Trump",):
            assert not any("very fragile" in q for q in quotes), party
        if party != "Keith Kellogg":
            assert not any("criticized the killing" in q for q in quotes), party


def test_seed_lists_who_carried_out_the_attack_as_open(seed_brief) -> None:  # type: ignore[no-untyped-def]
    _, brief = seed_brief
    questions = [q.question for q in brief.open_questions]
    assert any(re.search(r"who carried out", q, re.I) for q in questions), questions


def test_seed_attributed_claims_keep_their_source_and_status(seed_brief) -> None:  # type: ignore[no-untyped-def]
    _, brief = seed_brief
    baza = [f for f in brief.key_facts if "According to Baza" in f.statement]
    assert baza and baza[0].attribution == "Baza" and baza[0].status == "reported"


def test_seed_brief_is_grounded_and_valid(seed_brief) -> None:  # type: ignore[no-untyped-def]
    text, brief = seed_brief
    reply = BriefReply.model_validate(brief.model_dump(include=set(BriefReply.model_fields)))
    assert check_reply(reply, ArticleIndex(text)).issues == []
    assert brief.meta.engine == "offline" and brief.meta.cost_usd == 0.0
    assert brief.meta.dropped == []
    # Every quote's offsets point at the quote.
    assert brief.meta.evidence
    for loc in brief.meta.evidence:
        for start, end in loc.spans:
            assert normalize(text[start:end]) in normalize(loc.quote)


def test_offline_is_deterministic(seed_brief) -> None:  # type: ignore[no-untyped-def]
    text, brief = seed_brief
    again = brief_offline(text)
    assert again.model_dump(exclude={"meta"}) == brief.model_dump(exclude={"meta"})


def test_public_api_reaches_the_offline_engine(seed_brief) -> None:  # type: ignore[no-untyped-def]
    text, brief = seed_brief
    via_api = summarize(text, engine="offline")
    assert via_api.model_dump(exclude={"meta"}) == brief.model_dump(exclude={"meta"})


# --- real pages and the digest fixtures ------------------------------------------------------


@pytest.mark.parametrize("path", reference_texts(), ids=lambda p: p.stem)
def test_real_extractions_brief_grounded(path: Path) -> None:
    text = strip_header(path.read_text(encoding="utf-8"))
    brief = brief_offline(text)
    index = ArticleIndex(text)
    assert check_reply(brief, index).issues == []
    assert brief.key_facts
    assert 2 <= count_sentences(brief.summary) <= 4
    # Noise the capitalised-run heuristic used to let through: acronyms nobody defines.
    assert not {"NOT", "COM", "DOC", "JPEG"} & {p.name for p in brief.parties}


@pytest.mark.parametrize("path", sorted(DIGEST_ARTICLES.glob("*.txt")), ids=lambda p: p.stem)
def test_fixture_articles_brief_grounded(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    brief = brief_offline(text)
    assert check_reply(brief, ArticleIndex(text)).issues == []


def test_sixty_thousand_words_in_one_pass() -> None:
    from summarizer.testing.server import synthetic_article

    text = synthetic_article(7, 60_000)
    brief = brief_offline(text)
    assert len(text.split()) >= 60_000
    assert check_reply(brief, ArticleIndex(text)).issues == []
    assert brief.meta.chunks == 1 and 3 <= len(brief.key_facts) <= 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("One sentence with no second one", "fewer than two sentences"),
        ("12345 67890 ... !!!", "fewer than two sentences"),
    ],
)
def test_not_an_article_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        brief_offline(text)


# --- tables: speakers and parties --------------------------------------------------------------

SPEAKERS = [
    ("Anna Berg, the city's mayor, said the bridge would reopen. Traffic resumed.", "Anna Berg"),
    ("“The bridge will reopen,” said Anna Berg, the mayor. Traffic resumed.", "Anna Berg"),
    ("According to Reuters, the bridge will reopen in May. Traffic resumed.", "Reuters"),
    (
        "Mayor Anna Berg visited the site. She said the bridge would reopen soon. Fine.",
        "Anna Berg",
    ),
    (
        "Governor Tom Hale criticized the delay, calling it a scandal. Nothing changed.",
        "Tom Hale",
    ),
    (
        "Anna Berg, the mayor, spoke on Monday. “We will reopen the bridge in May,” she added.",
        "Anna Berg",
    ),
    (
        "Nadia Brennan, director of the Harlow Water Authority, said the gates were inspected. "
        "The river is high.",
        "Nadia Brennan",
    ),
    (
        "“We are investigating why the gates did not open,” said authority director Nadia "
        "Brennan. The river is high.",
        "Nadia Brennan",
    ),
]


# Who speaks for an organisation named with them ("director of the Harlow Water Authority")
# states its position too: the position is the speaker's, and the organisation's.
SPEAKS_FOR = {"Nadia Brennan": {"Harlow Water Authority"}}


@pytest.mark.parametrize(("text", "speaker"), SPEAKERS)
def test_speaker_table(text: str, speaker: str) -> None:
    brief = brief_offline(text)
    assert brief.positions, brief.parties
    holders = {p.party for p in brief.positions}
    assert speaker in holders
    assert holders - {speaker} <= SPEAKS_FOR.get(speaker, set())


def test_according_to_mid_sentence_keeps_the_claim_before_it() -> None:
    brief = brief_offline(
        "Fourteen people died in the dam collapse, according to the Harlow Courier, which "
        "cited hospital records. The river is high."
    )
    [position] = brief.positions
    assert position.party == "Harlow Courier"
    assert position.stance == "Fourteen people died in the dam collapse"


GERMAN = (
    "Die Gewerkschaft fordert neun Prozent mehr Lohn. „Dieses Angebot ist eine Provokation“, "
    "sagte GVD-Verhandlungsführerin Katrin Wolff. Der Geschäftsführer der Stadtwerke, Thomas "
    "Berger, wies die Forderung als unbezahlbar zurück. Oberbürgermeisterin Sabine Keller rief "
    "beide Seiten auf, schnell weiterzuverhandeln. Nach Angaben der Stadtwerke fuhren nur "
    "wenige Busse.\n"
)


def test_german_reported_speech() -> None:
    brief = brief_offline(GERMAN)
    roles = {p.name: p.role for p in brief.parties}
    assert roles["Katrin Wolff"] == "GVD-Verhandlungsführerin"
    assert roles["Sabine Keller"] == "Oberbürgermeisterin"
    said = {(p.party, p.stance) for p in brief.positions}
    assert ("Katrin Wolff", "Dieses Angebot ist eine Provokation") in said
    assert any(party == "Thomas Berger" and "unbezahlbar" in st for party, st in said)
    assert any(party == "Sabine Keller" for party, _ in said)
    assert not {"Die Gewerkschaft", "Nach Angaben", "Dieses Angebot"} & set(roles)
    assert brief.meta.language == "de"


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        # Wikinews 01: a hedge is never "confirmed" (and "rejected" makes it disputed).
        ("A similar system was reportedly rejected by Prime Minister Boris Johnson.", "disputed"),
        ("A similar system was reportedly backed by Prime Minister Boris Johnson.", "reported"),
        # Wikinews 05: what an outlet says comes from a quote, not from the narrator.
        ('"The KPA fired one shell at the south side", said KCNA.', "claimed"),
        ("According to Reuters, the bridge will reopen in May.", "reported"),
        ("According to the Ministry of Health, the bridge will reopen in May.", "claimed"),
        ("According to the ministry of health, the bridge will reopen in May.", "reported"),
        ("Local officials said the bridge will reopen in May.", "claimed"),
        ("Sources say the bridge will reopen in May.", "reported"),
        ("The ministry denied that the bridge was closed.", "disputed"),
        ("The bridge reopened in May.", "confirmed"),
    ],
)
def test_fact_status_is_never_surer_than_the_article(sentence: str, status: str) -> None:
    from summarizer.brief.attribution import Attributor
    from summarizer.brief.models import Party
    from summarizer.offline.facts import fact_status

    parties = [
        Party(name="KCNA", kind="organization", role="news agency"),
        Party(name="Reuters", kind="media", role="news agency"),
        Party(name="Boris Johnson", kind="person", role="prime minister"),
        Party(name="Ministry of Health", kind="government", role="ministry"),
    ]
    att = Attributor(sentence, parties).attribute(0, len(sentence))
    kind = next((p.kind for p in parties if p.name == att.party), None)
    assert fact_status(sentence, att, kind) == status


def test_unnamed_sources_are_no_party() -> None:
    brief = brief_offline(
        "Sources said the bridge would reopen in May. Officials said nothing else. "
        "The river is high."
    )
    assert brief.positions == []


PARTIES = [
    ("top advisers Yuri Ushakov and Kirill Dmitriev met.", ["Yuri Ushakov", "Kirill Dmitriev"]),
    (
        "the Department of Health and Human Services said so.",
        ["Department of Health and Human Services"],
    ),
    ("According to Baza, a Telegram channel, it was a bomb.", ["Baza"]),
    ("In a Time magazine interview, he spoke.", []),
    ("Microsoft President Brad Smith said it would.", ["Brad Smith"]),
]


@pytest.mark.parametrize(("sentence", "names"), PARTIES)
def test_party_table(sentence: str, names: list[str]) -> None:
    found = [e.name for e in find_parties(sentence)]
    assert found == names


def test_sentence_split_keeps_abbreviations_and_offsets() -> None:
    text = "Talks between Russia and the U.S. went on. Lt. Gen. Kirillov was killed in 2024.\nNew."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Talks between Russia and the U.S. went on.",
        "Lt. Gen. Kirillov was killed in 2024.",
        "New.",
    ]
    for s in sentences:
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("No group has claimed responsibility for the bombing in the city centre.", True),
        ("Germany has up to now failed to properly take responsibility for that.", False),
    ],
)
def test_who_question_needs_an_act_to_ask_about(sentence: str, question: bool) -> None:
    brief = brief_offline(f"The mayor spoke on Monday. {sentence} The city is calm.\n")
    asked = [q.question for q in brief.open_questions if q.question.startswith("Who carried")]
    assert bool(asked) is question, asked
    assert not any(" the it?" in q.question for q in brief.open_questions)


# --- open questions: real sentences of the development articles --------------------------------
#
# (source, context sentence, sentence, question or None). The context sentence stands before the
# sentence (the engine needs two sentences, and some subjects are named only there).
OPEN = [
    (
        "wikinews 03",
        "The court sat on Friday.",
        "Thomas Sam, 42, and his wife Manju Sam, 36, from Sydney, Australia, are undergoing trial "
        "for manslaughter by gross negligence for the death of their nine-month-old child, Gloria.",
        "Will Thomas Sam and Manju Sam be found guilty of manslaughter by gross negligence?",
    ),
    (
        "wikinews 11",
        "Daniel Montalvo, 19, a member of Scientology all his life, was arrested after leaving its "
        "elite group the Sea Org.",
        "Montalvo was charged with taking hard drives and a zip drive from the Scientology "
        "organization after leaving the Sea Org group.",
        "Will Daniel Montalvo be convicted of taking hard drives and a zip drive from the "
        "Scientology organization?",
    ),
    (
        "wikinews 05: a future someone announces",
        "South Korea had recently started to broadcast propaganda from loudspeakers.",
        "The broadcasts began on August 10 and South Korea says the broadcasts will continue.",
        "Will the broadcasts continue?",
    ),
    (
        "wikinews 05: 'it' after the speaker is the speaker",
        "Yesterday, North Korea fired artillery rounds aimed at a loudspeaker in South Korea that "
        "broadcasts anti-Pyongyang propaganda into the North.",
        "After the exchange of fire, North Korea stated it would attack any loudspeakers "
        "broadcasting propaganda and would respond, militarily, within 48 hours if the broadcasts "
        "do not stop.",
        "Will North Korea attack any loudspeakers broadcasting propaganda?",
    ),
    (
        "wikinews 09",
        "The scientists found reduction of crop yields by 2050.",
        "Several scenarios were considered because of uncertainty of future levels of ozone "
        "pollution.",
        "How will future levels of ozone pollution turn out?",
    ),
    (
        "theverge.com.ios13: an embedded question is inverted",
        "Apple showed the feature on Monday.",
        "It’s not clear which devices the feature will eventually work with, or whether it will "
        "support group calls.",
        "Which devices will the feature eventually work with?",
    ),
    (
        "seed: an uncommented party",
        "Russia’s Investigative Committee said the explosion was caused by a homemade bomb.",
        "Ukrainian officials have not commented on the incident.",
        "What do Ukrainian officials say about the incident?",
    ),
    (
        "seed: a suspected attack",
        "The general was killed on Friday.",
        "This latest suspected Ukrainian attack inside Russia could complicate Trump’s efforts to "
        "show progress before his 100th day back in office next week.",
        "Who carried out the attack?",
    ),
    (
        "disaster-belmar-floods (authored): an inquiry's question",
        "The river burst its banks on Sunday.",
        "The provincial governor, Roberto Lanza, said an inquiry would examine how the warnings "
        "were passed on.",
        "How were the warnings passed on?",
    ),
    (
        "court-clearwater-verdict (authored): a pending case",
        "The court fined the company on Monday.",
        "A separate civil lawsuit brought by more than 200 households against the company is "
        "still pending.",
        "How will the separate civil lawsuit brought by more than 200 households against the "
        "company end?",
    ),
    (
        "science-talven-glacier (authored): what a party did not say",
        "The regional water authority said it was studying the report.",
        "It did not say whether new reservoirs would be needed.",
        "Would new reservoirs be needed?",
    ),
    (
        "vancouversun.com.microsoft: a plan",
        "Microsoft Corp said on Thursday it aims to remove more carbon than it emits.",
        "Microsoft plans to cut its carbon emissions by more than half by 2030 across its supply "
        "chain.",
        "Will Microsoft Corp cut its carbon emissions by more than half by 2030 across its supply "
        "chain?",
    ),
    (
        "wikinews 09: what a study leaves out",
        "The study focuses on ozone-temperature covariation.",
        "The model does not include the effect of rising carbon dioxide concentration, which has "
        "complex and potentially offsetting impacts on global food supply.",
        "How would the effect of rising carbon dioxide concentration change the results of the "
        "model?",
    ),
    (
        "diplomacy-cod-talks (authored): a condition not yet met",
        "The accord expires on 31 December.",
        "If no agreement is reached by then, Castellane's roughly 300 trawlers would lose access "
        "to Norland's waters, according to the Castellane Fishing Federation.",
        "Will an agreement be reached by then?",
    ),
    # Nothing to ask, or nothing the rules can ask cleanly.
    (
        "wikinews 07: a possibility inside someone's quote is theirs, not an open question",
        "PC World's recent analysis of its own web traffic statistics concluded, \"Usually, "
        "Internet Explorer is the #2 browser after Firefox.",
        "It might be a statistical blip. But if it isn't, and Chrome continues to surge, IE could "
        'fall to fourth place."',
        None,
    ),
    (
        "wikinews 13: a hope inside a coach's quote",
        "After the match, Tunisia's coach Nabil Maaloul said, \"We were playing against a "
        "highly-skilled team.",
        'But hopefully this will lead to higher levels of concentration in the coming games."',
        None,
    ),
    (
        "science-talven-glacier (authored): 'disputed that finding' has no claim to ask about",
        "The researchers published the study on Monday.",
        "The mining company Skarn Minerals disputed that finding.",
        None,
    ),
    (
        "wikinews 07: no longer wanting is no pending decision",
        "IE6 shipped with Windows XP, nearly a decade ago.",
        "But it has outlived its usefulness, and Microsoft no longer wants to support it.",
        None,
    ),
    (
        "election-tarvia-runoff (authored): 'his party' names nobody a question can",
        "Viktor Harlan came third.",
        "His party said it would file complaints in at least twelve districts.",
        None,
    ),
]


@pytest.mark.parametrize(
    ("source", "context", "sentence", "question"), OPEN, ids=[c[0] for c in OPEN]
)
def test_open_question_table(
    source: str, context: str, sentence: str, question: str | None
) -> None:
    text = f"{context}\n\n{sentence}\n"
    brief = brief_offline(text)
    from_sentence = [q for q in brief.open_questions if sentence.strip() in q.why_open]
    if question is None:
        assert from_sentence == [], (source, from_sentence)
        return
    assert [q.question for q in from_sentence] == [question], (source, brief.open_questions)
    # why_open cites the article's sentence word for word.
    assert from_sentence[0].why_open == f"The article says: “{sentence.strip()}”"


def test_open_questions_are_capped_and_ranked() -> None:
    # Sentences of the development articles, one cue each: the brief keeps the five surest.
    text = (
        "Thomas Sam, 42, and his wife Manju Sam, 36, from Sydney, Australia, are undergoing trial "
        "for manslaughter by gross negligence for the death of their nine-month-old child.\n\n"
        "The broadcasts began on August 10 and South Korea says the broadcasts will continue.\n\n"
        "Several scenarios were considered because of uncertainty of future levels of ozone "
        "pollution.\n\n"
        "It did not say whether new reservoirs would be needed.\n\n"
        "A separate civil lawsuit brought by more than 200 households against the company is "
        "still pending.\n\n"
        "The provincial governor, Roberto Lanza, said an inquiry would examine how the warnings "
        "were passed on.\n\n"
        "Microsoft plans to cut its carbon emissions by more than half by 2030.\n"
    )
    questions = [q.question for q in brief_offline(text).open_questions]
    assert len(questions) == 5, questions
    # What the article says is unknown or pending in court comes before plans and forecasts.
    assert questions[:2] == [
        "Would new reservoirs be needed?",
        "Will Thomas Sam and Manju Sam be found guilty of manslaughter by gross negligence?",
    ]
    assert "Will the broadcasts continue?" not in questions
    assert all(q.endswith("?") and q[0].isupper() for q in questions)


@pytest.mark.parametrize(
    ("made", "shown"),
    [
        (
            "Will Next year's competition take place in Mexico City?",
            "Will next year's competition take place in Mexico City?",
        ),
        ("What is the cause of which?", None),
        ("Will the  talks go ahead?", "Will the talks go ahead?"),
        ("who carried out the attack?", "Who carried out the attack?"),
        ("Will Thomas Sam be found guilty?", "Will Thomas Sam be found guilty?"),
    ],
)
def test_questions_are_tidied_or_dropped(made: str, shown: str | None) -> None:
    from summarizer.offline.facts import _tidy_question

    assert _tidy_question(made) == shown


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        # seed article: a narrated act of a listed source names that source
        ("The Kremlin released a short video of the meeting at a white oval table.", "Kremlin"),
        (
            "On Monday, the Harlow Water Authority announced the closure of the dam.",
            "Harlow Water Authority",
        ),
        ("Police searched the house of the suspect on Monday evening in town.", None),
    ],
)
def test_a_narrated_fact_names_the_source_that_opens_it(sentence: str, source: str | None) -> None:
    text = (
        f"{sentence} Engineers at the Harlow Water Authority worked through the night. "
        "The Kremlin made no comment on the matter. The river is high and the roads are closed.\n"
    )
    brief = brief_offline(text)
    [fact] = [f for f in brief.key_facts if f.statement == sentence]
    assert fact.attribution == source
