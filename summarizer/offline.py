"""The offline engine: the same schema, filled by rules, with no network and no model.

It is what `summarizer brief` uses when no LLM is configured, and the baseline every LLM brief
is compared against. Every quote it gives is a verbatim sentence (or clause) of the article, so
its briefs are grounded by construction; what it cannot do is paraphrase or judge.

- parties: runs of capitalised words, split on possessives and dashes, with titles ("Lieutenant
  General", "President") and appositives ("Baza, a Telegram channel ...") giving kind and role;
  short forms (surnames) become aliases of the full name.
- key facts: the highest-ranked sentences (lead position, named parties, numbers, words the
  article repeats), with a status from their wording (reportedly / according to / said /
  confirmed / disputed) and the speaker as attribution.
- positions: reported speech ("X said", "said X", "according to X", "X criticized"), with the
  speaker found left of the verb after skipping parentheticals and leading clauses, pronouns
  resolved to the last person named, and quote-only sentences given to the previous speaker.
- open questions: what the article marks as unknown, unconfirmed, uncommented, suspected,
  under investigation or possible ("could complicate").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from summarizer.errors import InputError
from summarizer.grounding import ArticleIndex, check_reply
from summarizer.models import (
    Brief,
    BriefMeta,
    BriefReply,
    KeyFact,
    OpenQuestion,
    Party,
    Position,
    SourceMeta,
    count_sentences,
)

OFFLINE_VERSION = "offline-v1"

# --- small gazetteers (words, not names from any article) --------------------------------------

COUNTRIES = {
    "Russia": "Russian",
    "Ukraine": "Ukrainian",
    "United States": "American",
    "U.S.": "American",
    "US": "American",
    "America": "American",
    "China": "Chinese",
    "Germany": "German",
    "France": "French",
    "Britain": "British",
    "United Kingdom": "British",
    "UK": "British",
    "Syria": "Syrian",
    "Israel": "Israeli",
    "Iran": "Iranian",
    "Turkey": "Turkish",
    "India": "Indian",
    "Japan": "Japanese",
    "Italy": "Italian",
    "Spain": "Spanish",
    "Poland": "Polish",
    "Europe": "European",
    "Canada": "Canadian",
    "Mexico": "Mexican",
    "Brazil": "Brazilian",
    "Crimea": "Crimean",
    "Belarus": "Belarusian",
    "Gaza": "Palestinian",
    "North Korea": "North Korean",
    "South Korea": "South Korean",
    "Taiwan": "Taiwanese",
    "Australia": "Australian",
    "Egypt": "Egyptian",
    "Saudi Arabia": "Saudi",
    "Namibia": "Namibian",
}
DEMONYMS = {v: k for k, v in COUNTRIES.items()}
GOV_WORDS = {"Kremlin", "White House", "Pentagon", "Downing Street", "Elysee", "Élysée"}
MEDIA_NAMES = {
    "Reuters",
    "AP",
    "AFP",
    "Bloomberg",
    "BBC",
    "CNN",
    "Associated Press",
    "TASS",
    "Interfax",
    "Al Jazeera",
    "DW",
    "NPR",
}
ORG_WORDS = {
    "Committee",
    "Ministry",
    "Department",
    "Council",
    "Agency",
    "Bank",
    "Court",
    "Parliament",
    "Party",
    "Union",
    "Authority",
    "Commission",
    "Police",
    "Army",
    "Forces",
    "Office",
    "Service",
    "University",
    "Institute",
    "Corporation",
    "Inc",
    "Ltd",
    "Company",
    "Group",
    "Foundation",
    "Association",
    "Organization",
    "Organisation",
    "Centre",
    "Center",
    "Government",
    "Senate",
    "Congress",
    "Navy",
    "Federation",
    "Board",
    "Bureau",
    "Fund",
    "Guard",
    "Cabinet",
    "Assembly",
}
GOV_ORG_WORDS = {
    "Committee",
    "Ministry",
    "Department",
    "Council",
    "Parliament",
    "Authority",
    "Commission",
    "Police",
    "Government",
    "Senate",
    "Congress",
    "Cabinet",
    "Assembly",
    "Bureau",
    "Office",
    "Court",
    "Army",
    "Navy",
    "Forces",
    "Guard",
}
MEDIA_WORDS = {
    "magazine",
    "newspaper",
    "channel",
    "agency",
    "broadcaster",
    "outlet",
    "daily",
    "tabloid",
    "website",
    "network",
    "radio",
    "television",
    "news",
}
MEDIA_TITLE_WORDS = {
    "Times",
    "Post",
    "News",
    "Journal",
    "Herald",
    "Gazette",
    "Tribune",
    "Courier",
    "Telegraph",
    "Guardian",
    "Chronicle",
    "Observer",
    "Magazine",
}
TITLES = [
    "Lieutenant General",
    "Oberbürgermeisterin",
    "Oberbürgermeister",
    "Bürgermeisterin",
    "Bürgermeister",
    "Verhandlungsführerin",
    "Verhandlungsführer",
    "Geschäftsführerin",
    "Geschäftsführer",
    "Sprecherin",
    "Sprecher",
    "Ministerin",
    "Präsidentin",
    "Präsident",
    "Kanzlerin",
    "Kanzler",
    "Lt Gen",
    "Lt. Gen.",
    "Major General",
    "General",
    "Gen.",
    "Colonel",
    "Admiral",
    "President",
    "Vice President",
    "Prime Minister",
    "Foreign Minister",
    "Defence Minister",
    "Defense Minister",
    "Finance Minister",
    "Minister",
    "Chancellor",
    "Governor",
    "Mayor",
    "Senator",
    "Secretary",
    "Ambassador",
    "Judge",
    "Justice",
    "Director",
    "Chief",
    "Chairman",
    "Chairwoman",
    "CEO",
    "Dr.",
    "Dr",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Professor",
    "Prof.",
    "King",
    "Queen",
    "Prince",
    "Pope",
    "Sheikh",
    "Commander",
    "Councillor",
    "Council member",
    "Spokesman",
    "Spokeswoman",
    "Military blogger",
    "Envoy",
]
PERSON_ROLE_WORDS = {
    "adviser",
    "advisor",
    "envoy",
    "president",
    "minister",
    "general",
    "director",
    "spokesman",
    "spokeswoman",
    "blogger",
    "head",
    "chief",
    "daughter",
    "son",
    "wife",
    "husband",
    "leader",
    "official",
    "governor",
    "mayor",
    "secretary",
    "ambassador",
    "judge",
    "analyst",
    "ideologue",
}
# Capitalised words that start sentences or name times, never parties.
NOT_NAMES = set(
    """
A An The This That These Those It Its He She They We I You His Her Their Our However But And Or
If When While Since After Before During Despite Even Although Though Because As In On At By For
From With Without Into Over Under About Besides Also Meanwhile Still Yet Then There Here Some
Many Most Several Few Other Another Such No Not One Two Three Four Five Six Seven Eight Nine Ten
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Today Yesterday Tomorrow Earlier Later
According Sources Source Officials Footage Photos Video Reports Analysts Residents Engineers
Experts Critics Witnesses Police Local Last Next First Second Third Only Each Every Both
Whether Who What Where Why How Once Now Until Unless Like Unlike Amid Among Between Toward
Der Die Das Den Dem Des Ein Eine Einen Einem Einer Eines Nach Laut Am Im Auf Aus Bei Mit Von Vom
Zu Zum Zur Für Über Unter Vor Auch Sein Seine Ihr Ihre Sie Er Es Wir Ich Dieses Diese Dieser
Ob Wenn Als Wie Und Oder Aber Doch Noch Nur Schon Viele Einige Alle Angaben Millionen Milliarden
Prozent Euro Dollar Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Januar Februar
März Mai Juni Juli Oktober Dezember Le La Les Un Une Des Du Au Aux Selon El Los Las Según
""".split()
)
SPEECH_VERBS = (
    "said",
    "says",
    "told",
    "added",
    "stated",
    "criticized",
    "criticised",
    "accused",
    "admitted",
    "highlighted",
    "warned",
    "called",
    "denied",
    "confirmed",
    "praised",
    "condemned",
    "urged",
    "argued",
    "insisted",
    "claimed",
    "announced",
    "declared",
    "rejected",
    "wrote",
    "noted",
    "acknowledged",
    "refused",
    "threatened",
    "promised",
    "vowed",
    "blamed",
    "defended",
    "questioned",
    "disagreed",
    "demanded",
    "ordered",
    "pledged",
    "stressed",
    "suggested",
    "estimated",
    "predicted",
    "dismissed",
    "welcomed",
    "described",
    # German: the article may be in any language; these are the reporting verbs of the wires.
    "sagte",
    "sagt",
    "erklärte",
    "betonte",
    "kritisierte",
    "forderte",
    "warnte",
    "nannte",
    "kündigte",
    "wies",
    "rief",
    "äußerte",
    "bestätigte",
    "dementierte",
)
_SPEECH = re.compile(r"\b(" + "|".join(SPEECH_VERBS) + r")\b")
_ACCORDING = re.compile(
    r"\b(?:[Aa]ccording to|[Nn]ach Angaben (?:der|des|von)|[Ll]aut|[Ss]elon|[Ss]egún)\b"
)
_STOPWORDS = {
    "en": set(
        "the and of to in a is that for on was with as by at from it he said has have".split()
    ),
    "de": set(
        "der die und das ist nicht mit den von zu ein eine sich auf dem des im sagte".split()
    ),
    "fr": set("le la les et des est une dans pour que qui pas sur au avec du il a dit".split()),
    "es": set("el la los las y de que en un una es por con para del se dijo al".split()),
    "it": set("il la di che e un una per con non sono del della ha detto".split()),
    "pt": set("o a os as e de que em um uma para com não do da disse".split()),
    "nl": set("de het een en van in is dat op te met voor zijn niet zei".split()),
}

_ABBREV = re.compile(
    r"\b(?:U\.S|U\.K|U\.N|E\.U|Mr|Mrs|Ms|Dr|Gen|Lt|Col|St|Jr|Sr|Prof|No|vs"
    r"|Inc|Ltd|Co|Corp|Sen|Rep|Gov|a\.m|p\.m|e\.g|i\.e)\.$"
)
_SENT_END = re.compile(r"[.!?…][”“\"’')\]]*\s+(?=[“„\"‘'(\[]?[A-Z0-9À-ÖØ-Þ])")
_WORDCHAR = r"[\w’'\-]"
# A capitalised word, an initialism ("U.S.") or an initial ("J."); a trailing full stop is not
# part of a word, so runs never cross a sentence end.
_CAP_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z]\.(?=\s[A-Z])|[A-Z][\w’'\-]*)"
_CAP_RUN = re.compile(
    r"(?<![\w’'])"
    + _CAP_TOKEN
    + r"(?:(?:[ \t]+(?:of|for|the|de|del|von|van|al|bin|da|di|and)[ \t]+|[ \t]+)"
    + _CAP_TOKEN
    + r")*"
)
_QUOTE = re.compile(r"[“„\"]([^”“\"]{8,})[”“\"]")


@dataclass
class Sentence:
    """A sentence with its offsets in the article."""

    start: int
    end: int
    text: str


@dataclass
class Entity:
    """A party being assembled: canonical name, kind, role, and every spelling seen."""

    name: str
    kind: str
    role: str = ""
    aliases: list[str] = field(default_factory=list)
    mentions: int = 0
    first: int = 0

    def spellings(self) -> list[str]:
        """Name first, then aliases."""
        return [self.name, *self.aliases]


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets; paragraph breaks always end one; abbreviations do not."""
    out: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        start = para.start()
        chunk = para.group()
        pos = 0
        for m in _SENT_END.finditer(chunk):
            candidate = chunk[pos : m.start() + 1]
            if _ABBREV.search(candidate.rstrip("”\"’')] ")):
                continue
            piece = chunk[pos : m.end()].strip()
            if piece:
                lead = len(chunk[pos:]) - len(chunk[pos:].lstrip())
                out.append(Sentence(start + pos + lead, start + pos + lead + len(piece), piece))
            pos = m.end()
        rest = chunk[pos:].strip()
        if rest:
            lead = len(chunk[pos:]) - len(chunk[pos:].lstrip())
            out.append(Sentence(start + pos + lead, start + pos + lead + len(rest), rest))
    return [s for s in out if re.search(r"[^\W\d_]{2,}", s.text)]


def guess_language(text: str) -> str:
    """A crude guess from stop-word counts (a guess, and labelled as one in meta.warnings)."""
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in _STOPWORDS.items()}
    return max(scores, key=lambda k: scores[k]) if any(scores.values()) else "und"


# --- parties ------------------------------------------------------------------------------------


# Occupations that open a sentence capitalised: "Librarian Tom Hale criticized the vote."
OCCUPATIONS = set(
    """librarian teacher farmer lawyer attorney economist analyst scientist researcher professor
    doctor nurse officer spokesperson witness resident activist author historian journalist
    reporter engineer coach player singer actor actress designer founder blogger prosecutor
    defendant investor trader pilot soldier commander priest bishop rabbi imam lawmaker
    legislator candidate voter sheriff detective chef architect student worker owner""".split()
)
_INNER_TITLES = {
    "President",
    "Executive",
    "Co-founder",
    "Founder",
    "Chairman",
    "Director",
    "Minister",
    "Secretary",
    "Spokesman",
    "Spokeswoman",
    "Chief",
    "Officer",
}


def _strip_title(run: str) -> tuple[str, str]:
    """('Lieutenant General Yaroslav Moskalik') -> ('Yaroslav Moskalik', 'Lieutenant General')."""
    words = run.split()
    prefix: list[str] = []
    while len(words) > 2 and words[0].lower() in OCCUPATIONS:
        prefix.append(words.pop(0))
    # "GVD-Verhandlungsführerin Katrin Wolff": a title after a hyphen is a title too.
    if len(words) > 2 and "-" in words[0] and words[0].rsplit("-", 1)[1] in TITLES:
        prefix.append(words.pop(0))
    # "Microsoft President Brad Smith", "Chief Executive Satya Nadella": the name follows the
    # last title word, and everything before it is the role.
    inner = [i for i, w in enumerate(words[:-1]) if w in _INNER_TITLES]
    if inner and 1 <= len(words) - inner[-1] - 1 <= 3:
        k = inner[-1] + 1
        return " ".join(words[k:]), " ".join(prefix + words[:k])
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[0] in DEMONYMS or words[0].rstrip("’'s") in COUNTRIES:
            prefix.append(words.pop(0))
            changed = True
            continue
        for title in sorted(TITLES, key=len, reverse=True):
            tw = title.split()
            if words[: len(tw)] == tw and len(words) > len(tw):
                prefix.extend(words[: len(tw)])
                del words[: len(tw)]
                changed = True
                break
    return " ".join(words), " ".join(prefix)


def _classify(name: str, context_after: str) -> str | None:
    words = name.split()
    if name in COUNTRIES:
        return "country"
    if name in GOV_WORDS:
        return "government"
    if name in MEDIA_NAMES or (words and words[-1] in MEDIA_TITLE_WORDS and len(words) > 1):
        return "media"
    appositive = re.match(r"\s*,\s*(?:an?|the)\s+([^,.;]{3,80})", context_after)
    if appositive and any(w in appositive.group(1).lower().split() for w in MEDIA_WORDS):
        return "media"
    if re.match(r"\s+(magazine|newspaper|news agency|channel)\b", context_after):
        return "media"
    if any(w in ORG_WORDS for w in words):
        return "government" if any(w in GOV_ORG_WORDS for w in words) else "organization"
    if name.isupper() and 2 <= len(name) <= 6:
        return "organization"
    if (
        len(words) >= 2
        and all(w[:1].isupper() for w in words)
        and not any(w in NOT_NAMES for w in words)
    ):
        return "person"
    return None


def _clean_run(run: str) -> str:
    run = run.strip(" .,-’'")
    words = run.split()
    while words and (words[0] in NOT_NAMES or words[0].lower() in {"of", "the", "and"}):
        words.pop(0)
    while words and (words[-1] in NOT_NAMES or words[-1].lower() in {"of", "the", "and", "for"}):
        words.pop()
    return " ".join(words)


_ROLE_NOUN = r"(?:" + "|".join(sorted(PERSON_ROLE_WORDS, key=len, reverse=True)) + r")s?"
_PRECEDING_ROLE = re.compile(
    r"((?:[A-Z][\w.]*(?:\s[A-Z][\w.]*)*[’']s\s+|[A-Z][a-z]+\s+)?(?:[a-z][\w\-]*\s+){0,3}"
    + _ROLE_NOUN
    + r")(?:,\s*|\s+)$"
)


def _preceding_role(text: str, start: int) -> str:
    """ "Donald Trump’s special envoy, Steve Witkoff" -> "Donald Trump’s special envoy"."""
    m = _PRECEDING_ROLE.search(text[max(0, start - 80) : start])
    if not m:
        return ""
    role = re.sub(r"s$", "", m.group(1).strip())  # "Putin advisers X and Y": each an adviser
    return role[0].lower() + role[1:] if role.split()[0] in NOT_NAMES | {"Military"} else role


def _appositive_role(text: str, end: int) -> str:
    after = text[end : end + 160]
    m = re.match(
        r"\s*(?:,|—|–|\s-\s)\s*((?:an?\s+|the\s+|[A-Z][\w.]*[’']s\s+)?[a-z][^,.;—–()]{3,90})",
        after,
    )
    if m:
        role = m.group(1).strip()
        if any(w in role.lower() for w in PERSON_ROLE_WORDS | MEDIA_WORDS) or role.startswith(
            ("a ", "an ", "the ")
        ):
            return role
    return ""


def find_parties(text: str) -> list[Entity]:
    """Every party the article names, with kinds, roles and aliases."""
    found: dict[str, Entity] = {}

    def add(name: str, kind: str, role: str, at: int, alias: str | None = None) -> Entity:
        ent = found.get(name)
        if ent is None:
            ent = found[name] = Entity(name, kind, role, first=at)
        if role and not ent.role:
            ent.role = role
        if alias and alias != name and alias not in ent.aliases:
            ent.aliases.append(alias)
        ent.mentions += 1
        return ent

    # Split capitalised runs on possessives and dashes (and on "and" between names, but not
    # inside "Department of Health and Human Services"), then classify each piece.
    for m in _CAP_RUN.finditer(text):
        raw = m.group()
        offset = m.start()
        split_on = r"(’s|'s|—|–)"
        if not any(w in ORG_WORDS for w in raw.split()):
            split_on = r"(’s|'s|—|–| and )"
        shared_role = ""  # "advisers Yuri Ushakov and Kirill Dmitriev": both are advisers
        for piece in re.split(split_on, raw):
            if piece in ("’s", "'s", "—", "–", " and "):
                offset += len(piece)
                if piece != " and ":
                    shared_role = ""
                continue
            start = offset
            offset += len(piece)
            run = _clean_run(piece)
            if not run:
                continue
            run_at = text.find(run, start)
            if re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", run) and text.startswith(".", run_at + len(run)):
                run += "."  # "U.S." lost its last full stop to the sentence end
            # "a Telegram channel", "a Time magazine interview": a modifier, not a party.
            if re.search(r"(?<![\w])[Aa]n?\s+$", text[max(0, run_at - 3) : run_at]) and re.match(
                r"\s+[a-z]", text[run_at + len(run) : run_at + len(run) + 3]
            ):
                continue
            name, title = _strip_title(run)
            if not name or name in NOT_NAMES:
                continue
            after = text[run_at + len(run) : run_at + len(run) + 120]
            if name in DEMONYMS or name.rstrip(".") in DEMONYMS:
                continue
            kind = _classify(name, after)
            if kind is None:
                continue
            role = title
            if kind in ("person", "media", "organization", "government"):
                appos = _appositive_role(text, run_at + len(run))
                if not appos and not title and kind == "person":
                    appos = _preceding_role(text, run_at) or shared_role
                    shared_role = appos
                role = (f"{title} — {appos}" if title and appos else title or appos).strip()
            alias = run if (title and kind == "person" and run != name) else None
            add(name, kind, role, run_at, alias)

    # "according to X" and "X, a Telegram channel" name single-word parties too.
    for m in re.finditer(
        r"\b(?:[Aa]ccording to (?:the )?|[Nn]ach Angaben (?:der|des|von) |[Ll]aut (?:der |dem )?)"
        r"([A-Z][\w’'\-]+(?: [A-Z][\w’'\-]+)*)",
        text,
    ):
        name = _clean_run(m.group(1))
        if name and name not in NOT_NAMES and name not in found:
            kind = _classify(name, text[m.end() : m.end() + 120]) or "other"
            add(name, kind, _appositive_role(text, m.end()), m.start(1))
    # Groups named by a demonym: "Ukrainian officials", "Russian security forces".
    group_re = (
        r"\b("
        + "|".join(re.escape(d) for d in DEMONYMS)
        + r")\s+(officials|authorities|security forces|forces|military|government)\b"
    )
    for m in re.finditer(group_re, text):
        name = f"{m.group(1)} {m.group(2)}"
        kind = "government" if m.group(2) in ("officials", "authorities", "government") else "group"
        add(name, kind, f"{m.group(2)} of {DEMONYMS[m.group(1)]}", m.start())

    # Short forms: a surname or a single word of a multi-word name becomes an alias of it.
    persons = [e for e in found.values() if e.kind == "person"]
    for ent in list(found.values()):
        if ent.kind == "person" and len(ent.name.split()) == 1:
            full = [p for p in persons if p is not ent and ent.name in p.name.split()]
            if len(full) == 1:
                full[0].aliases.append(ent.name)
                full[0].mentions += ent.mentions
                del found[ent.name]
    for p in persons:
        last = p.name.split()[-1]
        owners = [q for q in persons if q.name.split()[-1] == last]
        if (
            len(p.name.split()) > 1
            and len(owners) == 1
            and last not in p.aliases
            and re.search(r"(?<![\w’'])" + re.escape(last) + r"(?![\w])", text)
        ):
            p.aliases.append(last)
    # Single capitalised words that the article uses as a speaker are parties too.
    return sorted(found.values(), key=lambda e: e.first)


def _keep_party(ent: Entity, text: str) -> bool:
    """Drop the noise capitalised runs bring: one-off acronyms, headlines, unplaced names."""
    if ent.name.isupper() and "." not in ent.name:
        # "DOC", "JPEG", "NOT": an acronym counts when the article defines it or keeps using it.
        return bool(re.search(r"\(" + re.escape(ent.name) + r"\)", text)) or ent.mentions >= 3
    if ent.kind == "person":
        words = [w for w in ent.name.split() if w[:1].isupper()]
        if len(words) > 3:
            return False  # "Meta Outage Hits Facebook" is a headline, not a person
        # A person is introduced with a title or role, named again, or quoted.
        near = text[max(0, ent.first - 40) : ent.first + len(ent.name) + 40]
        named = len(re.findall(r"(?<![\w])" + re.escape(words[-1]) + r"(?![\w])", text))
        return bool(ent.role) or named >= 2 or bool(_SPEECH.search(near))
    if ent.kind in ("media", "government", "organization", "group"):
        return True
    if ent.kind == "country":
        return len(re.findall(r"(?<!\w)" + re.escape(ent.name) + r"(?!\w)", text)) >= 2
    return ent.mentions >= 2


# --- mentions and speakers -------------------------------------------------------------------


@dataclass
class Mention:
    """Where a party is named."""

    start: int
    end: int
    party: str
    kind: str


def mentions(text: str, parties: list[Entity]) -> list[Mention]:
    """Every occurrence of every spelling of every party, longest match first."""
    spell: dict[str, Entity] = {}
    for ent in parties:
        for s in ent.spellings():
            spell.setdefault(s, ent)
    if not spell:
        return []
    pattern = re.compile(
        r"(?<![\w])("
        + "|".join(re.escape(s) for s in sorted(spell, key=len, reverse=True))
        + r")(?![\w])"
    )
    return [
        Mention(m.start(), m.end(), spell[m.group(1)].name, spell[m.group(1)].kind)
        for m in pattern.finditer(text)
    ]


_LEADING = re.compile(
    r"^(?:In|At|During|After|Before|Since|On|Even though|Although|Though|While|As|When|"
    r"Despite|Besides|Amid|Meanwhile|However|But|At that time)\b[^,]*,\s*"
)


def _subject_zone(sentence: str, verb_at: int) -> tuple[int, str]:
    """The part of the sentence left of the verb where its subject is, parentheticals blanked."""
    left = sentence[:verb_at]
    # Blank dash parentheticals and comma appositives after a name (keep offsets).
    left = re.sub(r"—[^—]*—|–[^–]*–", lambda m: " " * len(m.group()), left)
    left = re.sub(
        r",\s*(?:an?|the|known|who|which|whose|[a-z][\w\-]*(?:\s+[a-z][\w\-]*)*\s+of)\b[^,]*,",
        lambda m: " " * len(m.group()),
        left,
    )
    lead = _LEADING.match(left)
    start = lead.end() if lead else 0
    return start, left


@dataclass
class Speech:
    """A reported-speech sentence: who, the verb, and what."""

    sentence: Sentence
    party: str
    verb: str
    stance: str


def speeches(sentences: list[Sentence], ments: list[Mention], text: str) -> list[Speech]:
    """Reported speech, attributed to the right party."""
    out: list[Speech] = []
    last_person: str | None = None
    last_speaker: str | None = None
    for s in sentences:
        in_s = [m for m in ments if s.start <= m.start < s.end]
        found = False
        # "according to X, ..."
        acc = _ACCORDING.search(s.text)
        if acc:
            after = [m for m in in_s if m.start - s.start >= acc.end()]
            if after:
                before = s.text[: acc.start()].rstrip(" ,—–")
                if len(before.split()) >= 4:
                    # "Fourteen people died, according to the Courier, which ...": the claim
                    # is what comes before.
                    rest = before
                else:
                    rest = s.text[after[0].end - s.start :].lstrip(" ,")
                    rest = re.sub(r"^(?:an?|the)\s[^,]*,\s*", "", rest)
                out.append(Speech(s, after[0].party, "according to", rest))
                last_speaker, found = after[0].party, True
        for v in _SPEECH.finditer(s.text):
            if found and v.group() in ("said", "says"):
                continue
            start, zone = _subject_zone(s.text, v.start())
            left = [
                m
                for m in in_s
                if start <= m.start - s.start < v.start()
                and zone[m.start - s.start : m.end - s.start].strip()
            ]
            speaker = None
            if left and not re.search(
                r"\b(that|and|but|which)\s*$", s.text[left[-1].end - s.start : v.start()]
            ):
                speaker = left[-1].party
            elif (
                re.search(r"\b(he|she|er|sie)\s+(?:\w+\s+)?$", s.text[: v.start()], re.I)
                and last_person
            ):
                speaker = last_person
            elif v.group() in ("said", "says", "told", "added", "wrote", "noted", "sagte", "sagt"):
                # "..., said X"
                # "..., said X" or "..., said authority director X"
                gap = re.compile(r"\s*(?:[a-z][\w\-]*\s+){0,3}")
                right = [
                    m
                    for m in in_s
                    if m.start - s.start >= v.end()
                    and gap.fullmatch(s.text[v.end() : m.start - s.start])
                ]
                speaker = right[0].party if right else None
            if speaker is None or re.match(r"\s*(Sources|Officials)\b", s.text):
                continue
            stance = s.text[v.start() :].strip()
            # Stop where a new clause with its own subject starts (", Trump has ...").
            cut = re.search(
                r",\s+(?=[A-Z][\w’'\-]+\s+(?:has|have|had|is|was|said|also|will)\b)", stance
            )
            if cut:
                stance = stance[: cut.start()]
            quote = _QUOTE.search(s.text)
            if (
                quote
                and v.group() in ("said", "says", "told", "sagte", "sagt")
                and quote.end() <= v.start() + 2
            ):
                stance = quote.group(1).strip(" ,")
            if len(stance.split()) < 4:
                # "..., Houser said." holds no stance of its own: the quote, or the sentence, does.
                stance = quote.group(1).strip(" ,") if quote else s.text
            out.append(Speech(s, speaker, v.group(), stance))
            last_speaker, found = speaker, True
        if not found and s.text.lstrip().startswith(("“", "„", '"')):
            # '“...,” remembers Shanna Challenger': a person right after the quote speaks it;
            # a quote standing alone continues the previous speaker.
            close = re.search(r"[”\"]", s.text[1:])
            after = [
                m
                for m in in_s
                if m.kind == "person" and close and 0 <= m.start - s.start - close.end() - 1 < 25
            ]
            speaker = after[0].party if after else last_speaker
            if speaker:
                out.append(Speech(s, speaker, "said", s.text.strip(' “”„"')))
                last_speaker = speaker
        persons = [m for m in in_s if m.kind == "person"]
        if persons:
            last_person = persons[-1].party
    return out


# --- facts and questions --------------------------------------------------------------------

_REPORTED = re.compile(
    r"\b(reportedly|according to|sources|footage|photos|was seen|were seen|"
    r"reported|reports)\b",
    re.I,
)
_CLAIMED = re.compile(r"\b(said|says|claimed|claims|alleged|accused|suspected|told|argued)\b")
_DISPUTED = re.compile(r"\b(disputed|denied|denies|rejected|contested|disagree\w*)\b")
_CONFIRMED = re.compile(r"\b(confirmed|identified|announced|officially)\b")


def fact_status(sentence: str, speaker_kind: str | None) -> str:
    """confirmed / claimed / reported / disputed, from the sentence's own wording."""
    if _DISPUTED.search(sentence):
        return "disputed"
    if _REPORTED.search(sentence) or speaker_kind == "media":
        return "reported"
    if _CONFIRMED.search(sentence):
        return "confirmed"
    if _CLAIMED.search(sentence):
        return "claimed"
    return "confirmed"


_OPEN_CUES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(have|has|had) not (?:yet )?commented|declined to comment|did not respond|"
            r"no comment|not immediately respond",
            re.I,
        ),
        "comment",
    ),
    (
        re.compile(
            r"\b(suspected|little is known|responsibility|behind (?:the|such) attacks?|"
            r"unclaimed|no one has claimed)\b",
            re.I,
        ),
        "who",
    ),
    (
        re.compile(
            r"\b(investigation is underway|under investigation|investigating|"
            r"ordered an? (?:independent )?review|inquiry)\b",
            re.I,
        ),
        "investigation",
    ),
    (
        re.compile(
            r"\b(could|may|might) (impact|complicate|affect|delay|derail|threaten|slow|"
            r"change|lead)\b",
            re.I,
        ),
        "effect",
    ),
    (
        re.compile(
            r"\b(not yet known|unknown|unclear|remains to be seen|no set deadline|pending|"
            r"not (?:yet )?(?:been )?(?:confirmed|decided|determined|begun))\b",
            re.I,
        ),
        "unknown",
    ),
]


def _open_question(kind: str, s: Sentence, parties: list[str]) -> tuple[str, str] | None:
    t = s.text.strip()
    if kind == "comment":
        who = parties[0] if parties else "those involved"
        return (f"What is the position of {who}?", f"The article says: “{t}”")
    if kind == "who":
        noun = re.search(
            r"\b(attack|bombing|killing|explosion|blast|strike|assassination|"
            r"hack|fire|leak)s?\b",
            t,
            re.I,
        )
        what = noun.group(1).lower() if noun else "it"
        return (f"Who carried out the {what}?", f"The article says: “{t}”")
    if kind == "investigation":
        return ("What will the investigation find?", f"The article says: “{t}”")
    if kind == "effect":
        m = re.search(r"\b(?:could|may|might) (.+?)[.;]?$", t)
        if m:
            return (f"Will it {m.group(1).rstrip('.')}?", f"The article says it {m.group(0)}")
        return None
    deadline = re.search(r"\bno set deadline (?:for )?(.+?)[.;]?$", t)
    if deadline:
        return (
            f"Is there a deadline for {deadline.group(1).rstrip('.')}?",
            f"The article says: “{t}”",
        )
    m = re.search(r"\b(how|whether|who|what|when|why|where) (.+?)(?: is| remains|,|$)", t, re.I)
    if m and m.group(1).lower() != "whether":
        return (f"{m.group(1).capitalize()} {m.group(2).rstrip('.')}?", f"The article says: “{t}”")
    if m:
        return (f"Is it known whether {m.group(2).rstrip('.')}?", f"The article says: “{t}”")
    return (
        f"What is still unknown here: “{t.rstrip('.')}”?",
        "The article marks it as unknown or pending.",
    )


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]{4,}", text.lower()) if w not in _STOPWORDS["en"]]


# --- the engine ------------------------------------------------------------------------------


def brief_offline(text: str, *, source: SourceMeta | None = None, lang: str | None = None) -> Brief:
    """Brief `text` with rules alone: same schema, grounded quotes, no network, no model."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the article is empty")
    sentences = split_sentences(text)
    if len(sentences) < 2:
        raise InputError("the text has fewer than two sentences: not an article")
    index = ArticleIndex(text)
    entities = [e for e in find_parties(text) if _keep_party(e, text)]
    ments = mentions(text, entities)
    kinds = {e.name: e.kind for e in entities}
    talk = speeches(sentences, ments, text)

    # Positions: one per (speaker, sentence), best first by article order.
    positions: list[Position] = []
    seen_pos: set[tuple[str, int]] = set()
    for sp in talk:
        key = (sp.party, sp.sentence.start)
        if key in seen_pos:
            continue
        seen_pos.add(key)
        stance = " ".join(sp.stance.split())
        stance = stance if len(stance) <= 220 else stance[:217].rsplit(" ", 1)[0] + "…"
        positions.append(Position(party=sp.party, stance=stance, evidence=[sp.sentence.text]))

    # Key facts: rank sentences.
    freq = Counter(_content_words(text))
    top = {w for w, _ in freq.most_common(25)}
    speaker_of = {sp.sentence.start: sp.party for sp in talk}
    scored = []
    for i, s in enumerate(sentences):
        n_parties = len({m.party for m in ments if s.start <= m.start < s.end})
        words = set(_content_words(s.text))
        score = (
            2.0 / (1 + 0.25 * i)
            + 0.4 * min(n_parties, 3)
            + 0.4 * len(re.findall(r"\d", s.text) and [1])
            + 0.15 * len(words & top)
        )
        if len(s.text) < 40 or s.text.strip().startswith(("“", '"')):
            score -= 1.5
        # What an investigator, a government or an outlet states is what a reader needs most.
        if kinds.get(speaker_of.get(s.start) or "") in ("government", "organization", "media"):
            score += 1.0
        scored.append((score, i))
    n_facts = min(10, max(3, len(sentences) // 3))
    chosen = sorted(i for _, i in sorted(scored, reverse=True)[:n_facts])
    facts = []
    for i in chosen:
        s = sentences[i]
        who = speaker_of.get(s.start) or _fact_source(s, ments)
        facts.append(
            KeyFact(
                statement=s.text,
                evidence=[s.text],
                attribution=who,
                status=fact_status(s.text, kinds.get(who) if who else None),  # type: ignore[arg-type]
            )
        )

    # Open questions.
    questions: list[OpenQuestion] = []
    asked: set[str] = set()
    for s in sentences:
        names = list(dict.fromkeys(m.party for m in ments if s.start <= m.start < s.end))
        for pattern, kind in _OPEN_CUES:
            if pattern.search(s.text):
                q = _open_question(kind, s, names)
                if q and q[0] not in asked:
                    asked.add(q[0])
                    questions.append(OpenQuestion(question=q[0], why_open=q[1], parties=names))
                break

    parties = [
        Party(
            name=e.name,
            kind=e.kind,  # type: ignore[arg-type]
            role=e.role or f"{e.kind} named in the article",
            aliases=[a for a in dict.fromkeys(e.aliases) if a != e.name],
        )
        for e in entities
    ]
    title = (source.title if source and source.title else None) or _headline(sentences[0].text)
    reply = BriefReply.model_construct(
        title=title,
        summary=_summary(sentences),
        key_facts=facts,
        parties=parties,
        positions=positions,
        open_questions=questions[:8],
    )
    # Rules can slip: keep only what the checker accepts, so the brief is grounded for sure.
    report = check_reply(reply, index)
    if report.issues:
        from summarizer.grounding import prune_ungrounded

        reply, _ = prune_ungrounded(reply, index)
        report = check_reply(reply, index)
    warnings = [] if lang else ["language is a guess from stop words"]
    meta = BriefMeta(
        engine="offline",
        model=None,
        prompt_version=OFFLINE_VERSION,
        cost_usd=0.0,
        attempts=0,
        chunks=1,
        evidence=report.evidence,
        source=source,
        language=lang or guess_language(text),
        warnings=warnings,
    )
    return Brief(**reply.model_dump(), meta=meta)


_SOURCE_VERB = re.compile(
    r"\s+(?:has\s+|have\s+)?(?:identified|released|announced|reported|published|confirmed|"
    r"disclosed|revealed|stated)\b"
)


def _fact_source(s: Sentence, ments: list[Mention]) -> str | None:
    """The party a fact comes from when the sentence opens with it: "The Kremlin released ..."."""
    lead = _LEADING.match(s.text)
    start = s.start + (lead.end() if lead else 0)
    for m in ments:
        if start <= m.start <= start + 5 and m.kind != "country":
            return m.party if _SOURCE_VERB.match(s.text, m.end - s.start) else None
    return None


def _headline(first: str) -> str:
    words = first.split()
    head = " ".join(words[:14])
    return head.rstrip(",;:") + ("…" if len(words) > 14 else "")


def _summary(sentences: list[Sentence]) -> str:
    """The lead: the first sentences that make 2 to 4 sentences by the schema's own count."""
    texts = [s.text for s in sentences[:8]]
    for k in (2, 3, 1, 4):
        candidate = " ".join(texts[:k])
        if 2 <= count_sentences(candidate) <= 4:
            return candidate
    for i in range(len(texts) - 1):
        candidate = f"{texts[i]} {texts[i + 1]}"
        if 2 <= count_sentences(candidate) <= 4:
            return candidate
    return f"{texts[0].rstrip('.!?')}. It is the only summary the rules could make."
