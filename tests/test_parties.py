"""Party extraction of the offline engine: real sentences with the party they name, its kind,
and the capitalised words that must not become parties.

Sources: ../shared/external/wikinews (Wikinews, CC BY 2.5), the trafilatura extractions of
the real pages in ../shared/external/article_html, and eval/gum/texts (Wikinews via GUM). A
sentence marked "constructed" is ordinary English written here for a rule the real pages show
only in the held-out set.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summarizer.offline.parties import Entity, _keep_party, find_parties, set_ner

ROOT = Path(__file__).resolve().parents[1]
GUM = ROOT / "eval" / "gum"


def kept(text: str) -> list[Entity]:
    return [e for e in find_parties(text) if _keep_party(e, text)]


def party(text: str, name: str) -> Entity | None:
    """The kept party that has `name` as its name or one of its aliases."""
    return next((e for e in kept(text) if name == e.name or name in e.aliases), None)


# --- what must be found, and as what ---------------------------------------------------------

FOUND = [
    # wikinews/01_uk-asylum-questionnaire: an organization joined by "for the", a campaigner
    # named after it, and the surname she is quoted under.
    (
        "It quoted critics like immigration barrister Colin Yeo, and Joint Council for the "
        'Welfare of Immigrants campaigner Caitlin Boswell, with Boswell stating: "People '
        'fleeing desperate circumstances clearly need this government to act."',
        [
            ("Joint Council for the Welfare of Immigrants", "organization|government"),
            ("Caitlin Boswell", "person"),
            ("Boswell", "person"),
            ("Colin Yeo", "person"),
        ],
    ),
    # wikinews/01_uk-asylum-questionnaire: a title "of the" charity, then its chief; a
    # council with no state's word in its name is no government.
    (
        "After the leak, CEO of the Refugee Council Enver Solomon told Sky News any process "
        '"must be well thought out".',
        [
            ("Refugee Council", "organization"),
            ("Enver Solomon", "person"),
            ("Sky News", "media"),
        ],
    ),
    # constructed: a council named with a state's word is a government body.
    (
        "The City Council voted on Monday. The UN Security Council said it would meet.",
        [("City Council", "government"), ("UN Security Council", "government")],
    ),
    # wikinews/07_microsoft-ie6-countdown: a company named by one word that acts.
    (
        "With development of Microsoft's Internet Explorer 9 (IE9) browser almost complete, "
        "Microsoft announced on Friday that it is time for IE6 users to move away. Microsoft "
        "has replaced it with three newer versions.",
        [("Microsoft", "organization")],
    ),
    # wikinews/13_world-cup-day-five: teams named by their country.
    (
        "Yesterday, day five of the 2018 FIFA football World Cup, Sweden defeated South Korea "
        "1–0; Belgium defeated debutants Panama 3–0; and Tunisia lost 1–2 to England. Sweden "
        "won. Belgium scored three goals against Panama. Tunisia and England met in Volgograd.",
        [
            ("Sweden", "country"),
            ("Belgium", "country"),
            ("Panama", "country"),
            ("Tunisia", "country"),
            ("England", "country"),
        ],
    ),
    # article_html/dw.com.colonial: the speaker after his organization's acronym and title.
    (
        '"Migration is now being seen in connection with postcolonial history," ISD spokesman '
        "Tahir Della told DW.",
        [("Tahir Della", "person")],
    ),
    # article_html/vancouversun.com.microsoft: "Corp" and "Inc." make companies, and their
    # short names are aliases, not parties of their own.
    (
        "Microsoft Corp said on Thursday it aims to remove more carbon from the atmosphere than "
        "it emits by 2030.\nAmazon.com Inc., the world’s largest online retailer, last year "
        "pledged to be “net zero carbon” by 2040.\nMicrosoft plans to become net zero carbon a "
        "decade earlier than Amazon.",
        [
            ("Microsoft Corp", "organization"),
            ("Microsoft", "organization"),
            ("Amazon.com Inc", "organization"),
            ("Amazon", "organization"),
        ],
    ),
    # article_html/wikimediafoundation.org.turkey: a title "of the" organization.
    (
        "“We are thrilled to be reunited with the people of Turkey,” said Katherine Maher, "
        "Executive Director of the Wikimedia Foundation.",
        [("Katherine Maher", "person"), ("Wikimedia Foundation", "organization")],
    ),
    # eval/gold/science-talven-glacier (authored): what the article calls a name.
    (
        "The Talven glacier is losing ice, according to a study published on Wednesday in the "
        "journal Earth Systems Letters. The mining company Skarn Minerals disputed that finding.",
        [("Earth Systems Letters", "media"), ("Skarn Minerals", "organization")],
    ),
    # eval/gum/texts/GUM_news_warhol: a person "of" an organization is two parties.
    (
        "Kevin Allton of the University of Southern Indiana said the exhibit opens on Tuesday. "
        "Allton added that USI's students built it.",
        [
            ("Kevin Allton", "person"),
            ("University of Southern Indiana", "organization"),
            ("USI", "organization"),
        ],
    ),
    # wikinews/11_scientology-defector-arrest: a surname used alone makes a person of a name
    # no title introduces.
    (
        "Montalvo was put through to a Scientology attorney, Kendrick Moxon. Moxon told him "
        "that he would be put behind bars.",
        [("Kendrick Moxon", "person"), ("Moxon", "person")],
    ),
    # eval/gum/texts/GUM_news_crane: an Arabic name with its "al-" particle, after a title.
    (
        "Civil Defense Authority director General Suleiman al-Amr, in remarks to al-Ikhbariya "
        'television, said "All those who were wounded and the dead have been taken to '
        'hospital."',
        [("Suleiman al-Amr", "person"), ("Civil Defense Authority", "government")],
    ),
    # wikinews/03_homeopathy-manslaughter-trial: the prosecution in a Commonwealth court.
    (
        'Tedeschi also told the court that "it is asserted by the Crown that both her parents '
        'knew this".',
        [("Crown", "government")],
    ),
    # constructed: an acronym defined in brackets is the organization's alias.
    (
        "The Irving Independent School District (IISD) suspended the student. The IISD said "
        "it followed its rules.",
        [("Irving Independent School District", "organization|government"), ("IISD", "")],
    ),
    # constructed: a party whose name has no organization word of English.
    (
        "The Coalition Avenir Québec won the vote. Coalition Avenir Québec leaders said the "
        "result was clear.",
        [("Coalition Avenir Québec", "organization|government")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_party_is_found_with_its_kind(text: str, expected: list[tuple[str, str]]) -> None:
    for name, kinds in expected:
        ent = party(text, name)
        assert ent is not None, (name, [(e.name, e.kind, e.aliases) for e in kept(text)])
        if kinds:
            assert ent.kind in kinds.split("|"), (name, ent.kind)


# --- what must not become a party -------------------------------------------------------------

NOT_PARTIES = [
    # article_html/vancouversun.com.microsoft: "Inc" is no party; a treaty is no person.
    (
        "Amazon.com Inc., the world’s largest online retailer, last year pledged to be “net zero "
        "carbon” by 2040. President Donald Trump announced in 2017 his decision to pull the "
        "United States out of the Paris Agreement, the global pact to fight climate change.",
        ["Inc", "Inc.", "Paris Agreement", "Agreement"],
    ),
    # article_html/reuters.com.parasite: an awards show and a headline in capitals.
    (
        "LOS ANGELES (Reuters) - South Korean thriller “Parasite” was the upset winner at the "
        "Screen Actors Guild (SAG) awards on Sunday. It won at the Producers Guild Awards on "
        "Saturday. DISAPPOINTING NIGHT\nThe film has six nominations.",
        ["LOS ANGELES", "Producers Guild Awards", "DISAPPOINTING NIGHT"],
    ),
    # article_html/dw.com.colonial: streets, a district and a region are places.
    (
        "The renaming of three streets in Wedding — Petersallee, Nachtigalplatz, and "
        "Lüderitzstrasse — has been a major issue. All three places now being renamed are in "
        "Wedding's so-called African Quarter, where streets have associations with Africa. "
        "Carl Peters first went to East Africa in the 1880s. Peters was later named imperial "
        "high commissioner of East Africa. Residents of Wedding protested.",
        ["Wedding", "Petersallee", "Nachtigalplatz", "Lüderitzstrasse", "East Africa"],
    ),
    # article_html/theverge.com.ios13: a list item's capitalised verb is not part of a name.
    (
        "Added ARKit support for people occlusion. Developers can use ARKit to place objects.",
        ["Added ARKit"],
    ),
    # eval/gum/texts/GUM_news_crane: a country after its demonym is no person called "Arabia".
    (
        "According to Saudi Arabia's Civil Defense Authority, the crane fell. Saudi Arabia said "
        "it would investigate.",
        ["Arabia"],
    ),
    # constructed: generic words and titles alone name no one; a region is no person.
    (
        "The Union said it would appeal. The Court rejected the claim. The Prime Minister "
        "declined to comment. Maps of Greater Syria circulated online. Greater Syria was "
        "mentioned again.",
        ["Union", "Court", "Prime Minister", "Greater Syria"],
    ),
]


@pytest.mark.parametrize(
    ("text", "junk"), NOT_PARTIES, ids=[f"not-party-{i}" for i in range(len(NOT_PARTIES))]
)
def test_capitalised_words_that_are_not_parties(text: str, junk: list[str]) -> None:
    names = {e.name for e in kept(text)}
    for name in junk:
        assert name not in names, (name, sorted(names))


def test_greater_syria_is_never_a_person() -> None:
    # The issue: "Greater Syria" typed as a person. It is a place: no party, and never a person.
    text = "Maps of Greater Syria circulated. Greater Syria appeared in the speech again."
    assert all(e.kind != "person" for e in find_parties(text) if "Syria" in e.name)


def test_sentence_initial_common_word_is_dropped_but_an_organization_keeps_its_first_word() -> None:
    # article_html/vancouversun.com.microsoft: "Climate Innovation Fund" opens a sentence and
    # "climate" is common in the article; the fund keeps its full name.
    text = (
        "Microsoft will spend $1 billion on climate projects. Climate Innovation Fund money will "
        "go to new technology, the climate team said."
    )
    assert party(text, "Climate Innovation Fund") is not None


def test_finding_parties_is_linear_in_article_size() -> None:
    import time

    from summarizer.evaluation.checklist import article_body

    wikinews = ROOT.parent / "shared" / "external" / "wikinews"
    files = sorted(wikinews.glob("0*.txt"))
    if not files:
        pytest.skip("../shared/external/wikinews is not beside the repo")
    text = "\n".join(article_body(f.read_text("utf-8"))[0] for f in files)

    def timed(t: str) -> float:
        start = time.perf_counter()
        find_parties(t)
        return time.perf_counter() - start

    one = min(timed(text) for _ in range(2))
    four = min(timed(text * 4) for _ in range(2))
    assert four < one * 4 * 3, (one, four)  # quadratic growth would be 16x


# --- measured: the GUM party set ---------------------------------------------------------------


def test_gum_party_set_is_well_formed() -> None:
    data = json.loads((GUM / "parties.json").read_text("utf-8"))
    assert len(data) == 24
    assert {d["split"] for d in data.values()} == {"dev", "heldout"}
    for doc, d in data.items():
        text = (ROOT / d["text"]).resolve()
        if d["text"].startswith("eval/"):
            assert text.is_file(), doc
            body = text.read_text("utf-8")
            for e in d["entities"]:
                for name in e["names"]:
                    assert name in body, (doc, name)
        for e in d["entities"]:
            assert e["party"] == (
                e["type"] in ("person", "organization") and (e["mentions"] >= 2 or e["speaks"])
            )


def test_gum_dev_recall_and_precision_do_not_fall_below_todays() -> None:
    """Rules on the GUM dev documents (scripts/party_eval.py): recall 0.75, precision 0.57 when
    this test was written; the floors are a little under, so a change that loses parties or
    floods the list fails here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("party_eval", ROOT / "scripts" / "party_eval.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    set_ner(None)
    scores = mod.score_gum("dev", verbose=False, show=False)
    assert scores["recall"] >= 0.70
    assert scores["precision"] >= 0.52


# --- optional spaCy NER ------------------------------------------------------------------------


def test_unknown_ner_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown NER backend"):
        set_ner("flair")


def test_spacy_backend_when_installed() -> None:
    pytest.importorskip("spacy")
    try:
        if not set_ner("spacy"):
            pytest.skip("no en_core_web_sm pipeline installed (requirements-ner.txt)")
        text = (
            "Microsoft Corp said on Thursday it aims to remove more carbon. The effort will "
            "require new technology, Microsoft President Brad Smith said."
        )
        names = {e.name: e.kind for e in kept(text)}
        assert names.get("Brad Smith") == "person"
        assert "Microsoft Corp" in names and "Inc" not in names
    finally:
        set_ner(None)


def test_rules_stay_the_default() -> None:
    from summarizer.offline import parties

    assert parties._NER is None
    assert not re.search(r"\bimport spacy\b", Path(parties.__file__).read_text().split("def ")[0])


# The list rule's pattern before its rewrite (ambiguous: the space between words was optional).
_OLD_LIST_BEFORE = re.compile(r"((?:[A-Z][\w’'\-.]*[ \t]?)+)(?:,|,? and)\s+$")


@pytest.mark.parametrize(
    "before",
    [
        "Romelu Lukaku, Yannick Carrasco, and ",
        "Romelu Lukaku, ",
        "coach Marc Wilmots and ",
        "with Jean-Pierre O’Neill Jr. and  ",
        "the minister ,\t",
        "Smith\tJones, ",
        "said Smith ,  ",
        "ABC NEWS and ",
        "no list here ",
        "Trump and Pence and ",
        "",
    ],
)
def test_the_list_rule_matches_as_before(before: str) -> None:
    from summarizer.offline.parties import _LIST_BEFORE

    old, new = _OLD_LIST_BEFORE.search(before), _LIST_BEFORE.search(before)
    assert (old and (old.span(), old.group(1))) == (new and (new.span(), new.group(1)))


def test_a_run_of_capitals_does_not_hang_the_list_rule() -> None:
    """An all-caps run before a name (a shouted headline) made the old pattern backtrack
    exponentially (22 capitals 0.8 s; 60 would not end). Run in a child process so that a hang
    fails the test instead of stalling the suite."""
    import subprocess
    import sys

    code = (
        "from summarizer.offline.parties import _listed_with\n"
        "text = 'A' * 60 + ' Smith said it.'\n"
        "print(_listed_with(text, 61, 66, {'Jones'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"
