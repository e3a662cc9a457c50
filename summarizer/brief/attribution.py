"""Who said what: one attribution engine for any span of an article.

`Attributor(text, parties).attribute(start, end)` answers, for a span of the article, who the
article says is speaking or asserting it and how: a direct quote, reported speech ("X said",
"X told Y", "X was quoted as saying"), "according to X", a cited outlet, unnamed sources,
a hedge ("reportedly", "it is believed") or the narrator's own voice. The speaker is resolved
to a listed party through names and aliases, titles ("the president"), group nouns ("the
ministry"), and pronouns (he/she to the nearest person, it/they to the nearest organisation);
when the article does not make it clear the party is None: unknown, never a guess.

Rules are general English: reporting verbs, title and group nouns, pronoun agreement, quote
conventions (a quote paragraph left open continues in the next one). Nothing here names a
party of any article. The pass over the article is linear: mentions are found with one regular
expression, and every look-back is bounded to a few sentences.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from summarizer.brief.models import Party


def _words(words: str) -> list[str]:
    """A word list written as one string."""
    return words.split()


Mode = Literal["quote", "reported", "according_to", "outlet", "unnamed", "hedge", "narrator"]


@dataclass(frozen=True)
class Attribution:
    """Who the article says asserts a span, and how."""

    party: str | None  # canonical name of a listed party; None = unknown / unlisted / narrator
    speaker: str | None  # the article's words for the speaker, None when there are none
    mode: Mode
    cue: str | None  # the cue words as in the article ("said", "according to", "reportedly")
    hedged: bool  # the asserting sentence carries a hedge or source cue
    sentence: tuple[int, int]  # offsets of the sentence holding the span
    paragraph: int  # index of the paragraph holding the span
    # The listed organisation, government or country the speaker speaks for, when the article
    # says so next to the name ("CEO of the Refugee Council X", "ISD spokesman X", "Tunisia's
    # coach X", "the English captain X" when England is listed); None otherwise. `party` stays
    # the person.
    on_behalf_of: str | None = None
    # Who only relays what `party` asserts: "According to Yonhap, quoting KCNA, ...": the party
    # is KCNA, relayed by Yonhap (the listed party, or the article's words when unlisted).
    relayed_by: str | None = None


# --- word lists (general English, never names) -------------------------------------------------

# (The lookahead holds the first letters of every cue: other offsets are skipped at once.)
_HEDGE = re.compile(
    r"(?=[acehilmnpqrsuw])\b(?:reportedly|allegedly|purportedly|supposedly|apparently|presumably|possibly|"
    r"rumou?red|unconfirmed|unverified|unsubstantiated|alleged|suspected|"
    r"[Aa]ccording to|quoting|(?:was|were) quoted as|seen by|"
    r"it (?:is|was|has been|had been) (?:widely )?(?:believed|thought|understood|reported|"
    r"alleged|claimed|said|rumou?red|suspected|feared|estimated)|"
    r"(?:is|are|was|were|has been|have been) (?:widely )?(?:believed|thought|said|reported|"
    r"understood|rumou?red|alleged|suspected|claimed|estimated) to|"
    r"(?:appears?|appeared|seems?|seemed) to|"
    r"(?:unnamed|anonymous|unidentified) (?:sources?|officials?|people)|"
    r"sources? (?:say|said|says|told|tell|close to|familiar with|claim|claimed|suggest|"
    r"suggested|indicate|indicated)|"
    r"(?:exit )?polls? (?:indicate|indicated|suggest|suggested|show|showed|shows|project|"
    r"projected)|"
    r"(?:media|press|news|local|unconfirmed|initial|early) reports?|"
    r"reports? (?:say|said|says|suggest|suggested|suggests|indicate|indicated|indicates|"
    r"claim|claimed|claims)|"
    r"(?:is|are|was|were) (?:believed|thought)|claimed)\b",
    re.I,
)


def hedge_cue(sentence: str) -> str | None:
    """The hedge or source cue in a sentence ("reportedly", "according to", ...), or None."""
    m = _HEDGE.search(sentence)
    return m.group() if m else None


# Reporting verbs, by form. "reported" is also how outlets assert.
_PAST = _words(
    "said told added stated explained wrote noted continued asked replied responded answered "
    "argued claimed insisted warned announced declared confirmed denied acknowledged admitted "
    "stressed emphasised emphasized urged criticised criticized accused commented remarked "
    "recalled reported conceded countered observed suggested predicted estimated maintained "
    "contended alleged testified tweeted posted cautioned complained agreed disagreed concluded "
    "revealed disclosed indicated defended promised pledged vowed rejected condemned welcomed "
    "praised threatened demanded blamed dismissed described called questioned proposed "
    "announced reiterated affirmed assured boasted joked lamented mused quipped recounted "
    "remembered shouted wondered asserted sagte erklärte betonte kritisierte forderte warnte "
    "nannte kündigte wies rief äußerte bestätigte dementierte"
)
_PRESENT = _words(
    "says tells adds states writes notes reports argues claims insists warns explains believes "
    "thinks suggests estimates predicts maintains contends alleges reads recalls admits "
    "acknowledges concedes agrees disagrees denies confirms stresses urges asserts sagt"
)
_PLURAL = _words("say tell report argue claim believe think warn estimate suggest indicate")
_PARTICIPLE = _words(
    "saying stating adding telling noting arguing claiming explaining warning writing "
    "insisting reporting calling describing urging"
)
_VERBS = sorted(set(_PAST + _PRESENT + _PLURAL + _PARTICIPLE), key=len, reverse=True)


def _by_first_letter(words: list[str]) -> str:
    """`"|".join(words)` as a pattern, grouped by first letter ("s(?:aid|ays)|t(?:old)"), the
    order of the words kept within each group. Words with different first letters never match
    at the same offset, so the same word wins; the engine tries one letter per group instead
    of every word, and a lookahead on the first letters skips the other offsets at once."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    first = "".join(re.escape(c) for c in groups)
    return (
        f"(?=[{first}])(?:"
        + "|".join(f"{re.escape(c)}(?:{'|'.join(rest)})" for c, rest in groups.items())
        + ")"
    )


_VERB = re.compile(
    r"(?<![\w’'\-])(" + _by_first_letter([*_VERBS, "pointed out", "went on"]) + r")(?![\w’'\-])"
)
# Verbs that make a speaker of their subject only with a quote or colon after them.
_WEAK = {"continued", "went on", "called", "described", "asked", "reads", "posted"}
# Verbs that report speech only with a clause or quote after them ("conceded that ...", not
# "conceded a penalty").
_NEEDS_CLAUSE = set(
    _words("""conceded admitted revealed indicated observed recalled remembered agreed disagreed
    concluded answered replied responded posted wrote writes called described questioned
    proposed reads recalls admits concedes agrees disagrees tweeted""")
)
# Verbs that are not always speech ("maintains status pages", "added three buses", "noted the
# complaints and left"): speech only with a clause, a quote or a colon after them, or as the tag
# after a quote or a comma ('"...," she added').
_NEEDS_CONTEXT = set(_words("maintains maintained maintain added adds noted notes"))
# Roles whose holder speaks for the organisation, team or country named with them.
_LEADER = (
    r"spokes(?:man|woman|person)|representative|press secretary|chief executive(?: officer)?|"
    r"ceo|chair(?:man|woman)?|president|(?:executive |managing )?director|head|leader|founder|"
    r"co-founder|coach|captain|manager|secretary(?:-general)?|minister|governor|mayor|"
    r"ambassador|commissioner|official|chief|general counsel"
)
# Demonyms that no spelling rule derives from the country's name (general English).
_DEMONYMS: dict[str, tuple[str, ...]] = {
    "English": ("England",),
    "French": ("France",),
    "Dutch": ("Netherlands", "Holland"),
    "Welsh": ("Wales",),
    "Scottish": ("Scotland",),
    "Irish": ("Ireland",),
    "British": ("Britain", "Great Britain", "United Kingdom", "UK", "U.K."),
    "American": ("United States", "US", "U.S.", "USA", "America"),
    "Swiss": ("Switzerland",),
    "Greek": ("Greece",),
    "Danish": ("Denmark",),
    "Norwegian": ("Norway",),
    "Spanish": ("Spain",),
    "Portuguese": ("Portugal",),
    "Turkish": ("Turkey", "Türkiye"),
    "Polish": ("Poland",),
    "Finnish": ("Finland",),
    "Icelandic": ("Iceland",),
    "Swedish": ("Sweden",),
    "Chinese": ("China",),
    "Japanese": ("Japan",),
    "Vietnamese": ("Vietnam",),
    "Lebanese": ("Lebanon",),
    "Sudanese": ("Sudan",),
    "Senegalese": ("Senegal",),
    "Thai": ("Thailand",),
    "Filipino": ("Philippines",),
    "Afghan": ("Afghanistan",),
    "Saudi": ("Saudi Arabia",),
    "Emirati": ("United Arab Emirates", "UAE"),
    "Panamanian": ("Panama",),
    "Peruvian": ("Peru",),
    "Argentine": ("Argentina",),
    "Argentinian": ("Argentina",),
    "Kiwi": ("New Zealand",),
}


def _demonyms(country: str) -> set[str]:
    """The demonyms of a country's name: by the regular spelling rules ("Russia" -> "Russian",
    "Germany" -> "German", "Belgium" -> "Belgian", "Brazil" -> "Brazilian", "Iraq" -> "Iraqi")
    and the irregular table ("England" -> "English")."""
    c = country.strip()
    out = {d for d, names in _DEMONYMS.items() if c in names}
    if not c or not c[-1:].isalpha():
        return out
    out |= {c + "n", c + "ian", c + "i", c + "ese"}
    if c.endswith("y"):
        out.add(c[:-1])  # Germany -> German
        out.add(c[:-1] + "ian")  # Italy -> Italian, Hungary -> Hungarian
    if c.endswith(("um", "ia", "ea", "a")):
        out.add(c[: -2 if c.endswith("um") else -1] + "an")  # Belgium, Cuba, Korea
    if c.endswith("o"):
        out.add(c[:-1] + "an")  # Mexico -> Mexican, Morocco -> Moroccan
    return out


# Verb forms that are nouns too, and the words before them that make them nouns.
_NOUN_TOO = set(_words("reports report claims claim estimates estimate"))
_NOUN_BEFORE = (
    r"(?<![\w’'])(?:media|news|press|recent|local|initial|early|unconfirmed|the|these|those|of|"
    r"received|such|many|some|more|several|earlier|later|official|outage|police|witness|"
    r"eyewitness|first|latest|new|their|its|his|her|our|and|or|by)\s+$"
)
# Verbs after which a name is the hearer or the thing, never an inverted speaker.
_NOT_INVERTED = set(
    _words(
        "told tells tell reported reports report called described announced confirmed denied "
        "accused urged criticised criticized praised blamed rejected welcomed condemned "
        "defended promised pledged vowed threatened demanded dismissed questioned proposed "
        "revealed disclosed indicated posted"
    )
)
_ACCORDING = re.compile(
    r"(?=[AaNnLl])(?:\b[Aa]ccording to\s+|\b[Nn]ach Angaben (?:der|des|von)\s+|\b[Ll]aut\s+)"
)

_LEADING = re.compile(
    r"(?:(?:In|At|During|After|Before|Since|On|Even though|Although|Though|While|As|When|"
    r"Despite|Besides|Amid|Meanwhile|However|But|Later|Earlier|Yesterday|Today|Then)\b[^,]{0,80},"
    r"\s*)?"
)
_PRONOUNS = {"he": "person", "she": "person", "it": "org", "they": "org", "er": "person"}
_SKIP_LEFT = set(
    _words("""also later previously then further earlier recently once has have had would will could
    may might did does do reportedly allegedly publicly repeatedly subsequently additionally
    firmly flatly simply even again often always today yesterday tonight separately jointly
    quickly immediately initially originally formally officially privately openly angrily
    bluntly reportedly already still just now""")
)
_NEGATIONS = {"not", "never", "n't", "no"}
_SKIP_OR_NEGATION = frozenset(_SKIP_LEFT | _NEGATIONS)

# Nouns that name a role a person holds: "the president said" resolves to a person so titled.
_TITLE_NOUNS = set(
    _words("""president minister premier secretary spokesman spokeswoman spokesperson chancellor
    governor mayor senator congressman congresswoman representative coach manager chief director
    chairman chairwoman chair ceo executive judge prosecutor lawyer attorney official leader
    general commander ambassador king queen pope founder author researcher scientist professor
    doctor officer actor actress player captain singer sheriff detective inspector chef owner
    economist analyst historian lawmaker legislator candidate deputy administrator commissioner
    superintendent principal headteacher bishop archbishop cardinal rabbi imam priest pastor
    president-elect envoy adviser advisor diplomat activist campaigner president""")
)
# Roles that speak for the organisation they belong to.
_SPOKES = re.compile(
    r"\b(?:spokes(?:man|woman|person|people)|representatives?|press (?:secretary|officer|office)|"
    r"statement|release|press release|communiqu[eé]|letter|memo|filing|website|blog post|post|"
    r"tweet|report|announcement|chief executive|ceo|chair(?:man|woman)?|president|director|"
    r"head|leader|officials?|executives?|lawyers?|attorneys?|analysis|study|survey|research|"
    r"review|findings|figures|data|paper|audit|investigation)\b",
    re.I,
)
_GROUP_NOUNS: dict[str, list[str]] = {
    "organization": _words(
        "company firm corporation giant maker retailer carrier developer manufacturer startup "
        "bank airline group organisation organization charity association union party "
        "campaign coalition alliance team club church movement foundation institute university "
        "museum network society federation league club business brand studio publisher "
        "operator provider"
    ),
    "government": _words(
        "ministry department government administration agency office commission authority "
        "authorities police military army court regulator council committee cabinet embassy "
        "kremlin state navy service prosecutors parliament legislature"
    ),
    "media": _words(
        "newspaper paper agency broadcaster network outlet magazine channel website station "
        "daily tabloid publication"
    ),
    "country": _words("country nation"),
}
_COMPANY_NOUNS = set(
    _words(
        "company firm corporation giant maker retailer carrier developer manufacturer startup "
        "bank airline business brand studio publisher operator provider"
    )
)
_COMPANY_KINDS = {"organization"}
_KIND_OF_NOUN = {n: k for k, ns in _GROUP_NOUNS.items() for n in ns}
_FITS = {
    "organization": {"organization", "group", "government", "media", "other"},
    "government": {"government", "organization", "country"},
    "media": {"media", "organization"},
    "country": {"country", "government"},
}
_UNNAMED = set(
    _words("""officials sources experts analysts critics residents witnesses observers diplomats
    insiders people activists scientists researchers authorities investigators prosecutors
    doctors lawyers aides advisers advisors officers police reports polls media reporters
    journalists spokesperson spokesman spokeswoman source official someone one others many
    some locals neighbours neighbors staff employees members supporters opponents""")
)
# Capitalised words that open sentences or are titles, not names.
_TITLE_WORDS = set(
    _words("""Mr Mr. Mrs Mrs. Ms Ms. Dr Dr. Prof Prof. Professor President Vice Prime Minister
    Secretary Foreign Defence Defense Finance Home Interior Justice Health Shadow Chancellor
    Governor Mayor Senator Sen. Rep. Representative Ambassador Judge Justice Director Chief
    Chairman Chairwoman CEO Executive General Gen. Lt. Colonel Col. Admiral Captain Capt.
    Commander Sergeant Sgt. King Queen Prince Princess Pope Sheikh Spokesman Spokeswoman
    Envoy Deputy Attorney Councillor Council Detective Inspector Officer Officials Coach
    Manager Father Sister Brother Rabbi Imam Bishop Archbishop Cardinal Rev. Reverend Sir Dame
    Lord Lady Baron Premier Leader Superintendent Commissioner Sheriff Ald. Speaker""")
)
_FUNCTION_CAPS = set(
    _words("""A An The This That These Those It Its He She They We I You His Her Their Our
    However But
    And Or If When While Since After Before During Despite Even Although Though Because As In On
    At By For From With Without Into Over Under About Also Meanwhile Still Yet Then There Here
    Some Many Most Several Few Other Another Such No Not One Two Three Four Five Six Seven Eight
    Nine Ten Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March
    April May June July August September October November December Today Yesterday Tomorrow
    Earlier Later According Last Next First Second Third Only Each Every Both Whether Who What
    Where Why How Once Now Until Unless Like Unlike Amid Among Between Toward""")
)
_ORG_WORDS = set(
    _words("""Committee Ministry Department Council Agency Bank Court Parliament Party Union
    Authority
    Commission Police Army Forces Office Service University Institute Corporation Inc Inc. Ltd
    Ltd. Company Co. Corp. Group Foundation Association Organization Organisation Centre Center
    Government Senate Congress Navy Federation Board Bureau Fund Guard Cabinet Assembly School
    College Hospital Museum Church News Times Post Journal Club League Team Network Press
    Stadium Arena Airport Street Road River Lake Mountain Island Park Award Cup World""")
)

_NAME_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'&\-.]*\w\.?|[A-Z]\.?)"
_CONNECT = (
    r"(?:\s+(?:(?:of|for)(?:\s+the)?|de|del|della|di|da|du|des|la|le|van|von|der|den|al|el|bin|"
    r"ibn)\s+|\s+)"
)
# (Every name starts with a capital: the lookahead skips the other offsets at once.)
_RUN_END = re.compile(r"(?=[A-Z])(?:" + _NAME_TOKEN + _CONNECT + r")*" + _NAME_TOKEN + r"$")
_RUN_START_RE = re.compile(_NAME_TOKEN + r"(?:" + _CONNECT + _NAME_TOKEN + r")*")
_PREP_END = (
    r"(?<![\w’'])(?:by|of|in|at|from|to|for|on|about|against|than|like|between|among|into|"
    r"over|under|after|before|via|near|with)\s+(?:the\s+)?$"
)
# Adjectives that may sit in a speaker's noun phrase ("a senior official", "the local police").
_SPEAKER_ADJ = set(
    _words(
        "senior junior top chief former deputy local state federal national regional foreign "
        "military government company official news press security health police public "
        "unnamed anonymous several other two three some many"
    )
)
_POSS = re.compile(r"[’']s$")
_QUOTE_OPEN = '“„«"'
_SENT_END = re.compile(r"[.!?…][”\"’')\]]*\s+(?=[“„\"‘'(\[]?[A-Z0-9À-ÖØ-Þ])")
_ABBREV = re.compile(
    r"\b(?:[A-Z]|U\.S|U\.K|U\.N|E\.U|Mr|Mrs|Ms|Dr|Gen|Lt|Col|St|Jr|Sr|Prof|No|vs|Inc|Ltd|Co|"
    r"Corp|Sen|Rep|Gov|Capt|Sgt|Rev|Ald|a\.m|p\.m|e\.g|i\.e|approx|est)\.$"
)
_MASK = "\u2591"  # stands for every character inside a quote when looking for tags


# --- the article's structure -------------------------------------------------------------------


@dataclass
class _Quote:
    start: int  # offset of the opening mark
    end: int  # offset after the closing mark (or the paragraph end when left open)
    para: int
    open_end: bool  # left open at the paragraph's end: continues in the next paragraph
    words: int
    owner: _Tag | None = None


@dataclass
class _Tag:
    at: int  # where the cue starts
    cue: str
    mode: Mode
    party: str | None
    speaker: str | None
    kind: str | None  # the party's kind when known
    sent: int  # sentence index
    region: tuple[int, int]  # the part of the sentence the speaker asserts
    quotes: list[_Quote] = field(default_factory=list)
    behalf: str | None = None  # the listed organisation the speaker speaks for
    relay: str | None = None  # who relays the speaker's words ("according to X, quoting Y": X)


@dataclass
class _Mention:
    start: int
    end: int
    party: str
    kind: str


def _sentences(text: str) -> tuple[list[tuple[int, int]], list[int], list[tuple[int, int]]]:
    """Sentences (start, end), each one's paragraph index, and the paragraphs."""
    sents: list[tuple[int, int]] = []
    paras: list[int] = []
    plist: list[tuple[int, int]] = []
    for pm in _RE_0.finditer(text):
        chunk = pm.group()
        if not chunk.strip():
            continue
        pi = len(plist)
        plist.append((pm.start(), pm.end()))
        pos = 0
        for m in _SENT_END.finditer(chunk):
            if _abbrev_end(chunk[pos : m.start() + 1].rstrip("”\"’')] ")):
                continue
            piece = chunk[pos : m.end()]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                s = pm.start() + pos + lead
                sents.append((s, s + len(piece.strip())))
                paras.append(pi)
            pos = m.end()
        rest = chunk[pos:]
        if rest.strip():
            lead = len(rest) - len(rest.lstrip())
            s = pm.start() + pos + lead
            sents.append((s, s + len(rest.strip())))
            paras.append(pi)
    return sents, paras, plist


_QUOTE_MARK = re.compile('[“„«”»"]')


def _quotes(text: str, plist: list[tuple[int, int]]) -> list[_Quote]:
    """Double-quoted spans per paragraph; one left open runs to the paragraph's end."""
    out: list[_Quote] = []
    for pi, (ps, pe) in enumerate(plist):
        start: int | None = None
        # Only quotation marks change the state: visit them alone, not every char.
        for m in _QUOTE_MARK.finditer(text, ps, pe):
            i = m.start()
            ch = text[i]
            if start is None:
                if ch in "“„«" or (ch == '"' and (i == ps or text[i - 1] in " \t([—–/")):
                    start = i
                elif (ch in "”»" or ch == '"') and not any(q.para == pi for q in out[-3:]):
                    # A closing mark with no opening one: the quote left open at the end of the
                    # previous paragraph ends here.
                    out.append(_Quote(ps, i + 1, pi, False, len(text[ps:i].split())))
            elif ch in "”»" or (ch == '"' and text[start] in '"“'):
                if ch == '"' or text[start] != '"':
                    out.append(_Quote(start, i + 1, pi, False, len(text[start:i].split())))
                    start = None
            elif ch == "“" and text[start] == "„":
                out.append(_Quote(start, i + 1, pi, False, len(text[start:i].split())))
                start = None
        if start is not None:
            out.append(_Quote(start, pe, pi, True, len(text[start:pe].split())))
    return out


def _speaks_for(words: list[str]) -> bool:
    """Whether the words before a preposition name who speaks for its object: "a spokesperson
    [for]", "sources close [to]"; not "a letter seen [by]"."""
    if not words:
        return False
    last = words[-1]
    if _SPOKES.fullmatch(last) or last in _UNNAMED:
        return True
    return last in ("close", "familiar", "near") and len(words) > 1 and words[-2] in _UNNAMED


def _lower_prep(np: str) -> tuple[int, int] | None:
    """The first preposition after a lowercase word: "spokesperson for", "sources close to";
    not the "of" inside a name ("Department of Agriculture")."""
    if _PREPOSITIONS.isdisjoint(np.split()):
        return None  # (what the pattern below needs, found without scanning every offset)
    for m in _LOWER_PREP.finditer(np):
        if m.group(1)[:1].islower():
            return m.start(2), m.end(2)
    return None


def _is_word(ch: str) -> bool:
    """`\\w` of `re` for one character."""
    return ch.isalnum() or ch == "_"


class Attributor:
    """Attribution for every span of one article, against a list of parties."""

    def __init__(self, text: str, parties: Sequence[Party] = ()) -> None:
        self.text = text
        self.parties = list(parties)
        self._kind = {p.name: p.kind for p in self.parties}
        self._sents, self._sent_para, self._paras = _sentences(text)
        self._sent_starts = [s for s, _ in self._sents]
        self._quotes = _quotes(text, self._paras)
        self._quote_starts = [q.start for q in self._quotes]
        masked = list(text)
        for q in self._quotes:
            for i in range(q.start + 1, q.end - (0 if q.open_end else 1)):
                masked[i] = _MASK
        self._masked = "".join(masked)
        self._mentions = self._find_mentions()
        self._ment_starts = [m.start for m in self._mentions]
        self._ment_ends = sorted((m.end, i) for i, m in enumerate(self._mentions))
        self._titles = self._title_context()
        self._persons = self._unlisted_people()
        self._person_starts = [p[0] for p in self._persons]
        self._gender = self._genders()
        self._demonym = self._demonym_parties()
        self._introduced = self._introductions()
        self._tags: list[_Tag] = []
        self._build()

    # --- mentions ------------------------------------------------------------------------------

    def _find_mentions(self) -> list[_Mention]:
        spell: dict[str, Party] = {}
        for p in self.parties:
            for s in [p.name, *p.aliases]:
                s = s.strip()
                if len(s) >= 2:
                    spell.setdefault(s, p)
        if not spell:
            return []
        # What `(?<!\w)(longest|...|shortest)(?!\w)` finds, scanning left to right, without
        # compiling a pattern per party list: at each offset the longest spelling with no word
        # character either side, then on from its end.
        text = self.text
        size = len(text)
        at: dict[int, str] = {}
        for s in spell:
            n = len(s)
            i = text.find(s)
            while i >= 0:
                alone = (i == 0 or not _is_word(text[i - 1])) and (
                    i + n == size or not _is_word(text[i + n])
                )
                if alone and len(at.get(i, "")) < n:
                    at[i] = s
                i = text.find(s, i + 1)
        out = []
        pos = 0
        for i in sorted(at):
            if i < pos:
                continue
            s = at[i]
            p = spell[s]
            out.append(_Mention(i, i + len(s), p.name, p.kind))
            pos = i + len(s)
        return out

    def _mentions_in(self, start: int, end: int) -> list[_Mention]:
        i = bisect.bisect_left(self._ment_starts, start)
        out = []
        while i < len(self._mentions) and self._mentions[i].start < end:
            if self._mentions[i].end <= end:
                out.append(self._mentions[i])
            i += 1
        return out

    def _title_context(self) -> dict[str, set[str]]:
        """Per person party: the title and role words the article gives it."""
        out: dict[str, set[str]] = {}
        for p in self.parties:
            if p.kind != "person":
                continue
            words = set(_RE_2.findall((p.role or "").lower()))
            words |= {w.lower().rstrip(".") for n in [p.name, *p.aliases] for w in n.split()}
            out[p.name] = words
        for m in self._mentions:
            if m.kind == "person":
                before = self.text[max(0, m.start - 40) : m.start]
                after = self.text[m.end : m.end + 60]
                app = _RE_3.match(after)
                ctx = before.split(",")[-1] + " " + (app.group(1) if app else "")
                out[m.party] |= set(_RE_2.findall(ctx.lower()))
        return out

    def _unlisted_people(self) -> list[tuple[int, int, str]]:
        """Names of people the party list lacks: they can be a pronoun's antecedent too."""
        out = []
        for m in _UNLISTED_NAME.finditer(self._masked):
            words = m.group(1).split()
            while words and (words[0] in _FUNCTION_CAPS or words[0] in _TITLE_WORDS):
                words.pop(0)
            # (Set operations and a substring test first: no generator per name.)
            if (
                len(words) < 2
                or not _ORG_WORDS.isdisjoint(words)
                or not _FUNCTION_CAPS.isdisjoint(words)
            ):
                continue
            name = m.group(1)
            if ("’s" in name or "'s" in name) and any(w.endswith(("’s", "'s")) for w in words[:-1]):
                continue
            start = m.end() - len(" ".join(words))
            if any(x.end > start for x in self._mentions_in(max(0, m.start() - 80), m.end())):
                continue
            # "the Budweiser Man of the Match", "the Grand Canyon": names of things, not people.
            if _RE_5.search(self.text[max(0, start - 4) : start]) or (
                _RE_6.match(self.text[m.end() : m.end() + 4])
            ):
                continue
            out.append((start, m.end(), " ".join(words)))
        return out

    def _genders(self) -> dict[str, str]:
        """ "m" or "f" for the people the article marks so: by title (Mr., Mrs.) or by the
        pronouns it uses right after naming one person alone."""
        counts: dict[str, list[int]] = {}
        for m in self._mentions:
            if m.kind != "person" or self._in_quote(m.start):
                continue
            c = counts.setdefault(m.party, [0, 0])
            title = _RE_7.search(self.text[max(0, m.start - 12) : m.start])
            if title:
                c[
                    0
                    if title.group(1)
                    in ("Mr", "Sir", "King", "Prince", "Lord", "Father", "Brother")
                    else 1
                ] += 2
            k = self._sent_of(m.start)
            ss, se = self._sents[k]
            others = {x.party for x in self._mentions_in(ss, se) if x.kind == "person"}
            if len(others) != 1 or self._unlisted_in(ss, se):
                continue
            span = self._masked[m.end : se]
            if k + 1 < len(self._sents):
                ns, ne = self._sents[k + 1]
                if not any(x.kind == "person" for x in self._mentions_in(ns, ne)) and not (
                    self._unlisted_in(ns, ne)
                ):
                    span += " " + self._masked[ns:ne]
            # One pass for both: each match is a whole word, and no word is in both lists.
            for male, _ in _HE_OR_SHE.findall(span):
                c[0 if male else 1] += 1
        out = {}
        for party, (male, female) in counts.items():
            if male > 2 * female:
                out[party] = "m"
            elif female > 2 * male:
                out[party] = "f"
        return out

    def _unlisted_in(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._person_starts, start)
        return i < len(self._persons) and self._persons[i][0] < end

    # --- locating ------------------------------------------------------------------------------

    def _sent_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._sent_starts, pos) - 1)

    def _in_quote(self, pos: int) -> _Quote | None:
        i = bisect.bisect_right(self._quote_starts, pos) - 1
        if i >= 0 and self._quotes[i].start <= pos < self._quotes[i].end:
            return self._quotes[i]
        return None

    # --- the pass ------------------------------------------------------------------------------

    def _build(self) -> None:
        masked = self._masked
        for si, (ss, se) in enumerate(self._sents):
            found: list[_Tag] = []
            acc = _ACCORDING.search(masked, ss, se)
            if acc:
                tag = self._according(si, acc)
                if tag:
                    found.append(tag)
            for v in _VERB.finditer(masked, ss, se):
                if not v.group().endswith("ing") and any(
                    t.region[0] <= v.start() < t.region[1] and t.at != v.start() for t in found
                ):
                    continue  # a second verb inside a clause already given
                tag = self._tag(si, v)
                if tag:
                    found.append(tag)
            found = self._regions(si, found)
            self._tags.extend(found)
        self._own_quotes()

    def _according(self, si: int, acc: re.Match[str]) -> _Tag | None:
        ss, se = self._sents[si]
        np_end = self._np_forward(acc.end(), se)
        if np_end is None:
            return None
        np = self.text[acc.end() : np_end]
        if np.endswith(".") and not _abbrev_end(np):
            np = np[:-1]
        party, speaker, kind, _ = self._resolve_np(acc.end(), np_end, acc.end())
        mode: Mode = "according_to"
        before = self.text[ss : acc.start()].strip(" ,—–")
        region = (ss, acc.start()) if len(before.split()) >= 4 else (ss, se)
        relay = None
        # "According to X, quoting Y, ...": X only relays; Y is who asserts it.
        nested = _RE_8.match(self._masked, np_end, se)
        if nested:
            i_start, i_end = nested.span(1)
            i_end = (
                i_start
                + len(self.text[i_start:i_end].rstrip(" )"))
                + (1 if self.text[i_start:i_end].rstrip().endswith(")") else 0)
            )
            i_party, i_speaker, i_kind, _ = self._resolve_np(i_start, i_end, acc.end())
            if i_party is not None or i_speaker is not None:
                relay = party or speaker or np
                party, speaker, kind = i_party, i_speaker, i_kind
                np = self.text[i_start:i_end]
        tag = _Tag(acc.start(), acc.group().strip(), mode, party, speaker or np, kind, si, region)
        tag.relay = relay
        return tag

    def _np_forward(self, start: int, limit: int) -> int | None:
        """End of the noun phrase that starts at `start`: "Reuters", "the ministry",
        "Yonhap news agency", "Panama coach Hernan Gomez", "a spokesperson for the ministry"."""
        masked = self._masked
        det = _RE_9.match(masked, start, limit)
        pos = det.end() if det else start
        end: int | None = None
        run = _RUN_START_RE.match(masked, pos, limit)
        if run and run.group():
            end = run.end()
            # "Panama coach Hernan Gomez": a role noun between two names joins them.
            link = _RE_10.match(masked, end, limit)
            if link and link.group(1).split()[-1] in _TITLE_NOUNS:
                run2 = _RUN_START_RE.match(masked, link.end(), limit)
                if run2 and run2.group():
                    end = run2.end()
        # A lowercase tail: kept word by word while it names who speaks.
        tail = _RE_11.match(masked, end or pos, limit)
        if end is None:
            tail = _RE_12.match(masked, pos, limit)
        if tail:
            at = tail.start(1)
            for w in _RE_13.finditer(tail.group(1)):
                word = w.group(1)
                known = (
                    word in _TITLE_NOUNS
                    or word in _KIND_OF_NOUN
                    or word in _UNNAMED
                    or word.rstrip("s") in _TITLE_NOUNS
                    or word in _SPEAKER_ADJ
                    or _SPOKES.fullmatch(word)
                )
                if not known:
                    break
                end = at + w.end()
            if end is not None and end > pos:
                run4 = _RE_14.match(masked, end, limit)
                if run4 and masked[pos:end].split()[-1] in _TITLE_NOUNS:
                    end = run4.end()  # "said authority director Nadia Brennan"
            spokes = _RE_15.match(masked, end or pos, limit)
            if end is not None and spokes and _SPOKES.search(masked[start:end]):
                run3 = _RUN_START_RE.match(masked, spokes.end(), limit)
                if run3 and run3.group():
                    end = run3.end()
        if end is None:
            return None
        seg = self.text[start:end].rstrip(" ,’'")
        return start + len(seg) if seg.strip() else None

    def _tag(self, si: int, v: re.Match[str]) -> _Tag | None:
        masked = self._masked
        ss, se = self._sents[si]
        verb = v.group()
        vs, ve = v.span()
        left = masked[ss:vs]
        after = masked[ve:se]
        weak = verb in _WEAK
        if verb in _NOUN_TOO and left[-1:].isspace() and _NOUN_BEFORE_RE.search(left):
            return None  # "media reports", "received reports": a noun, not a verb
        if weak and not _RE_17.match(after):
            return None
        if verb in _NEEDS_CLAUSE and not _RE_18.match(after):
            return None
        # Inverted: '"...," said X' / ', said X, the ...' / '"...," it added'.
        last = left.rstrip()[-1:]
        after_quote = _AFTER_QUOTE.search(left) if last and last in _QUOTE_OR_STOP else None
        if verb in _NEEDS_CONTEXT and not (
            _RE_20.match(after) or (_RE_21.search(left) and _RE_22.fullmatch(after))
        ):
            return None  # "While the company maintains status pages": no speech here
        if after_quote:
            return self._inverted(si, v) or self._forward(si, v)
        if left.rstrip().endswith(","):
            return self._forward(si, v) or self._inverted(si, v)
        return self._forward(si, v)

    def _inverted(self, si: int, v: re.Match[str]) -> _Tag | None:
        """'"...," said X', '..., said X, the Y of Z': the speaker follows the verb."""
        text = self.text
        ss, se = self._sents[si]
        verb = v.group()
        vs, ve = v.span()
        # "told X": X is who heard it, never the speaker; a participle has no inverted form.
        if verb in _NOT_INVERTED or verb.endswith("ing") or not text[ve : ve + 1].isspace():
            return None
        np_end = self._np_forward(ve + 1, se)
        if np_end is None:
            return None
        np = text[ve:np_end].strip()
        if np.endswith(".") and not _abbrev_end(np):
            np = np[:-1]
            np_end -= 1
        np_start = np_end - len(np)
        if _RE_23.match(np):
            return None
        party, speaker, kind, unnamed = self._resolve_np(np_start, np_end, vs)
        if speaker is None:
            return None
        mode: Mode = "unnamed" if unnamed else "quote"
        # ', said Katherine Maher, Executive Director of the Wikimedia Foundation.'
        app = _RE_24.match(self._masked, np_end, se)
        phrase_end = app.end() if app else np_end
        words = self._speaker_words(speaker, np_start, np_end, phrase_end)
        behalf = self._affiliation(np_start, phrase_end, party)
        return _Tag(vs, verb, mode, party, words, kind, si, (ss, se), behalf=behalf)

    def _forward(self, si: int, v: re.Match[str]) -> _Tag | None:
        """'X said ...', 'X, the Y of Z, said', 'he said', 'with X saying'."""
        text, masked = self.text, self._masked
        ss, se = self._sents[si]
        verb = v.group()
        vs = v.start()
        left = masked[ss:vs]
        end = vs
        # "X was quoted (by Y) as saying": X speaks, through whoever quotes them.
        quoted = _QUOTED_AS.search(left) if "quoted" in left else None
        if verb == "saying" and quoted:
            left = left[: quoted.start()]
            verb = "quoted as saying"
        stripped = left.rstrip()
        words_skipped = []
        # Its last word, while that is one to skip: `stripped` never ends in white space, so
        # the last word is what str.rsplit gives (no regex search over the whole prefix).
        while stripped:
            last = stripped.rsplit(None, 1)[-1]
            if last.lower() not in _SKIP_OR_NEGATION:
                break
            words_skipped.append(last.lower())
            stripped = stripped[: len(stripped) - len(last)].rstrip()
        if any(w in _NEGATIONS or w.endswith("n't") for w in words_skipped):
            return None
        # Passive: "was rejected by X", "is said to": the subject is not a speaker.
        if _PASSIVE_END.search(stripped, max(0, len(stripped) - _SHORT_END)):
            return None
        if _may_end_with(stripped, "t") and _NT_END.search(stripped):
            return None
        end = ss + len(stripped)
        phrase_end = end  # the speaker's words with their appositive, for `speaker`
        # Parenthetical and appositive just before the verb.
        seg = masked[ss:end]
        paren = _PAREN_END.search(seg) if _may_end_with(seg, ")") else None
        if paren:
            end = ss + paren.start()
            seg = masked[ss:end]
        dash = _DASH_END.search(seg) if _may_end_with(seg, "—–-") else None
        if dash:
            end = ss + dash.start()
            seg = masked[ss:end]
        if seg.endswith(","):
            app = _RE_30.search(seg)
            lead = _LEADING.match(masked, ss)
            app_name = app and _RE_31.fullmatch(app.group(1).strip())
            app_ment = (
                [
                    m
                    for m in self._mentions_in(ss + app.start(1), ss + app.end(1))
                    if m.kind == "person"
                ]
                if app
                else []
            )
            if app and app_name and app_ment:
                # "The company's chief executive, John Smith, said": the name speaks.
                end = ss + app.end(1)
                seg = masked[ss:end]
            elif app and len(app.group(1).split()) <= 16:
                end = ss + app.start()
                seg = masked[ss:end]
            elif "," not in seg[(lead.end() - ss) if lead else 0 : -1]:
                # "The security firm X, has said": a stray comma after the subject.
                end = ss + len(seg) - 1
                seg = masked[ss:end]
            else:
                return None
        found_np = self._np_backward(ss, end)
        if found_np is None:
            return None
        np_start, np_end = found_np
        # "with Boswell stating": a participle speaks only after "with" or a comma.
        if verb.endswith("ing") and not quoted and not _RE_32.search(masked[ss:np_start]):
            return None
        if verb in _PLURAL and not _RE_33.search(text[np_start:np_end]):
            return None
        party, speaker, kind, unnamed = self._resolve_np(np_start, np_end, vs)
        if speaker is None:
            return None
        fwd_mode: Mode = "unnamed" if unnamed else "reported"
        words = self._speaker_words(speaker, np_start, np_end, phrase_end)
        behalf = self._affiliation(np_start, phrase_end, party)
        return _Tag(vs, verb, fwd_mode, party, words, kind, si, (np_start, se), behalf=behalf)

    def _speaker_words(
        self, speaker: str | None, start: int, end: int, phrase_end: int
    ) -> str | None:
        """The article's words for the speaker, with the appositive that says who they are."""
        if speaker is None or speaker.lower() in _PRONOUNS or phrase_end <= end:
            return speaker
        phrase = " ".join(self.text[start:phrase_end].split()).strip(" ,")
        return (
            phrase
            if len(phrase) <= 160 and _MASK not in self._masked[start:phrase_end]
            else speaker
        )

    def _demonym_parties(self) -> dict[str, str]:
        """Demonym -> the listed country (or national team) it names: "English" -> "England"."""
        out: dict[str, str] = {}
        ambiguous: set[str] = set()
        for p in self.parties:
            if p.kind == "person":
                continue
            for name in [p.name, *p.aliases]:
                for d in _demonyms(name):
                    if out.get(d, p.name) != p.name:
                        ambiguous.add(d)
                    out[d] = p.name
        return {d: n for d, n in out.items() if d not in ambiguous}

    def _by_demonym(self, seg: str) -> str | None:
        """The listed country a "Demonym role" phrase speaks for: "the English captain",
        "French president"; None when it names none or several."""
        if not self._demonym:
            return None
        found = {
            self._demonym[m.group(1)] for m in _RE_34.finditer(seg) if m.group(1) in self._demonym
        } | {
            self._demonym[m.group(1).split()[-1]]
            for m in _RE_34.finditer(seg)
            if m.group(1) not in self._demonym and m.group(1).split()[-1] in self._demonym
        }
        return found.pop() if len(found) == 1 else None

    def _introductions(self) -> dict[str, str]:
        """Per person: the one listed country the article introduces them as speaking for by a
        demonym and a role ("the English captain Harry Kane"), so that a later "he said" speaks
        for it too. A person introduced with two countries gets none."""
        seen: dict[str, set[str]] = {}
        for m in self._mentions:
            if m.kind != "person" or self._in_quote(m.start):
                continue
            before = self.text[max(0, m.start - 80) : m.start]
            if _RE_35.search(before):
                before = before.rstrip()[:-1]  # "the Russian foreign minister, Anna Berg,"
            before = _RE_36.split(before)[-1]
            if not _RE_37.search(before):
                continue
            country = self._by_demonym(before)
            if country is not None:
                seen.setdefault(m.party, set()).add(country)
        return {p: next(iter(c)) for p, c in seen.items() if len(c) == 1}

    def _affiliation(self, start: int, end: int, party: str | None) -> str | None:
        """The listed organisation a speaker speaks for, named next to the speaker's name:
        "X's coach", "X spokesman", "CEO of X", "a spokesperson for X"."""
        if party is None or self._kind.get(party) != "person":
            return None
        seg = self.text[start:end]
        for m in self._mentions_in(start, end):
            if m.kind == "person" or m.party == party:
                continue
            a, b = m.start - start, m.end - start
            after = _RE_38.match(seg[b:])
            before = _RE_39.search(seg[:a])
            if after or before:
                return m.party
        # "the English captain Harry Kane": the country the demonym names, when listed.
        return self._by_demonym(seg) or self._introduced.get(party)

    def _np_backward(self, ss: int, end: int) -> tuple[int, int] | None:
        """The noun phrase ending at `end`: a name run, a pronoun or a determiner phrase."""
        seg = self._masked[ss:end]
        if not seg.strip() or seg.endswith(_MASK):
            return None
        pron = _PRONOUN_END.search(seg, max(0, len(seg) - _SHORT_END))
        if pron:
            return ss + pron.start(), end
        run = _RUN_END.search(seg)
        if run and run.group():
            start = ss + run.start()
            # A mention reaching into the run from the left belongs to it ("Health and Human
            # Services").
            for m in self._mentions_in(max(ss, start - 80), end):
                if m.start < start < m.end:
                    start = m.start
            pp = self._pp_subject(ss, start)
            if pp is not None:
                return pp, end
            if start > ss and _prep_end(self._masked[ss:start]):
                # "a letter seen by Sky News says": the name is not the subject.
                return start, start
            before = self._masked[ss:start]
            pre2 = _ROLE_BEFORE.search(before) if before[-1:].isspace() else None
            if pre2:
                # "immigration barrister Colin Yeo", "campaigner Caitlin Boswell"
                words = pre2.group().split()
                if (
                    words[-1].lower() in _TITLE_NOUNS
                    or words[-1].lower().rstrip("s") in _TITLE_NOUNS
                ):
                    start = ss + pre2.start()
            return start, end
        det = _RE_43.search(seg)
        if det:
            start = ss + det.start()
            pp = self._pp_subject(ss, start)
            if pp is not None:
                return pp, end
            if _prep_end(self._masked[ss:start]):
                return start, start
            return start, end
        return None

    def _pp_subject(self, ss: int, start: int) -> int | None:
        """Where the subject starts when the phrase found is the object of a preposition:
        "a spokesperson for [the ministry]", "sources close to [the ministry]"."""
        before = self._masked[ss:start]
        prep = _PREP_END_RE.search(before) if before[-1:].isspace() else None
        if not prep:
            return None
        head = _RE_44.search(self._masked[ss : ss + prep.start()] + " ")
        if not head:
            return None
        words = head.group().lower().split()
        if _speaks_for(words):
            return ss + head.start()
        return None

    def _resolve_np(
        self, start: int, end: int, at: int
    ) -> tuple[str | None, str | None, str | None, bool]:
        """(party, speaker words, kind, unnamed) for the noun phrase text[start:end]."""
        text = self.text
        np = text[start:end].strip(" ,")
        while np.split(" ", 1)[0] in _FUNCTION_CAPS and " " in np and np.lower()[:4] != "the ":
            # "As Heald told ...", "While Meta ...": the opening word is not part of the name
            np = np.split(" ", 1)[1]
            start = end - len(np)
        if not np:
            return None, None, None, False
        low = np.lower()
        if low in _PRONOUNS or low in ("we", "i", "sie"):
            if low in ("we", "i", "sie"):
                # first person, or German "sie" (she or they): no antecedent to trust
                return None, np, None, False
            return self._pronoun(low, at)
        ments = self._mentions_in(start, end)
        # "X's analysis concluded", "the company's statement said": the owner asserts.
        poss = _POSSESSIVE.match(np) if "’s" in np or "'s" in np else None
        if poss and _SPOKES.fullmatch(poss.group(2)):
            o_start = start + poss.start(1)
            o_ments = [m for m in ments if o_start <= m.start and m.end <= start + poss.end(1)]
            if o_ments and o_ments[-1].end == start + poss.end(1):
                return o_ments[-1].party, np, o_ments[-1].kind, False
        # "a spokesperson for X", "officials from X", "sources close to X", "a letter seen by X".
        pp = _lower_prep(np)
        if pp:
            head_words = np[: pp[0]].lower().split()
            obj_start = start + (text[start:end].find(np)) + pp[1]
            if _speaks_for(head_words) and any(_SPOKES.fullmatch(w) for w in head_words[-2:]):
                owner = [m for m in ments if m.start >= obj_start]
                if owner and owner[-1].end >= end - 1:
                    return owner[-1].party, np, owner[-1].kind, False
                obj = text[obj_start:end].lower().split()
                if not owner and obj and obj[-1] in _KIND_OF_NOUN:
                    return self._definite(obj[-1], at, np)
                return None, np, None, True
            if _speaks_for(head_words):
                return None, np, None, True
            return None, np, None, False
        # The head: the mention that ends the phrase, unless it is the tail of a longer name
        # ("Amazon.com Inc." is not a party "Inc").
        head = next((m for m in reversed(ments) if m.end >= end - 1), None)
        if head is not None:
            before = text[start : head.start].rstrip()
            prev = before.split()[-1] if before.split() else ""
            if (
                head.kind != "person"
                and prev[:1].isupper()
                and prev not in _TITLE_WORDS
                and not _POSS.search(prev)
                and prev.lower() not in ("the",)
            ):
                return None, np, None, False
            return head.party, np, head.kind, False
        # "a spokesperson for X", "X spokesman Y", "the CEO of X", "X officials": X speaks.
        tail_noun = _RE_46.search(np)
        if (
            ments
            and tail_noun
            and tail_noun.group(1) in _KIND_OF_NOUN
            and ments[-1].kind != "person"
            and not _RE_47.search(np[ments[-1].end - start :][:3] + " ")
        ):
            m = ments[-1]
            if m.kind in _FITS.get(_KIND_OF_NOUN[tail_noun.group(1)], set()) | {"organization"}:
                return m.party, np, m.kind, False
        if ments and _SPOKES.search(text[ments[-1].end : end]):
            last_ment = ments[-1]
            if not self._names_unlisted_person(np, ments):
                return last_ment.party, np, last_ment.kind, False
        last = np.split()[-1].lower().strip("’'.,")
        det = _RE_48.match(low)
        if det and (last in _KIND_OF_NOUN or last in _TITLE_NOUNS) and not ments:
            return self._definite(last, at, np)
        if last in _UNNAMED or (last.endswith("s") and last[:-1] in _TITLE_NOUNS):
            return None, np, None, True
        if last in _TITLE_NOUNS and _RE_49.match(low):
            return None, np, None, True
        if np[:1].isupper() and not ments:
            # A name the party list lacks: the speaker is known, the party is not listed.
            words = np.split()
            if all(w in _FUNCTION_CAPS for w in words):
                return None, None, None, False
            return None, np, None, False
        if ments:
            return None, np, None, False
        return None, None, None, False

    def _names_unlisted_person(self, np: str, ments: list[_Mention]) -> bool:
        """Whether the phrase ends in a person's name the list lacks ("Microsoft's Jane Roe")."""
        tail = np
        for m in ments:
            tail = tail.replace(self.text[m.start : m.end], " ")
        words = _RE_50.findall(tail.split(",")[0])
        words = [w for w in words if w not in _TITLE_WORDS and w not in _FUNCTION_CAPS]
        return len(words) >= 2 and np.rstrip(". ").endswith(words[-1])

    def _pronoun(self, pron: str, at: int) -> tuple[str | None, str | None, str | None, bool]:
        want = _PRONOUNS[pron]
        si = self._sent_of(at)
        recent = [t for t in self._tags[-6:] if t.sent >= si - 2]
        for k in range(si, max(-1, si - 3), -1):
            ss, se = self._sents[k]
            stop = at if k == si else se
            if want == "person":
                cands = [
                    (m.start, m.party, m.party)
                    for m in self._mentions_in(ss, stop)
                    if m.kind == "person" and not self._in_quote(m.start)
                ]
                i = bisect.bisect_left(self._person_starts, ss)
                while i < len(self._persons) and self._persons[i][0] < stop:
                    if not self._in_quote(self._persons[i][0]):
                        cands.append((self._persons[i][0], None, self._persons[i][2]))  # type: ignore[arg-type]
                    i += 1
                # speakers named in this sentence by a tag count too
                for t in recent:
                    if t.sent == k and t.kind == "person" and t.party and t.at < stop:
                        cands.append((t.at, t.party, t.party))
                # He/she agrees with what the article says of the person elsewhere.
                sex = "m" if pron in ("he", "er") else "f"
                cands = [c for c in cands if self._gender.get(c[2], sex) == sex]
                if not cands:
                    continue
                distinct = {c[2] for c in cands}
                lead = _LEADING.match(self.text, ss)
                head = lead.end() if lead else ss
                if k == si:
                    # Someone named earlier in the same sentence: only its subject (or one named
                    # in its opening clause) is the antecedent a reader takes.
                    c = min(cands)
                    if len(distinct) == 1 and (
                        c[0] < head or len(self.text[head : c[0]].split()) <= 3
                    ):
                        return c[1], c[2], "person" if c[1] else None, False
                    return None, None, None, False
                if len(distinct) == 1:
                    c = cands[-1]
                    return c[1], c[2], "person" if c[1] else None, False
                spoke = [t for t in recent if t.kind == "person" and t.party in distinct]
                if spoke:
                    return spoke[-1].party, spoke[-1].party, "person", False
                # Several people the pronoun may mean, none of them the last speaker: the
                # article does not make it clear.
                return None, None, None, False
            else:
                spoke = [
                    t
                    for t in recent
                    if t.sent == k and t.party and t.kind != "person" and t.at < stop
                ]
                if spoke:
                    return spoke[-1].party, spoke[-1].party, spoke[-1].kind, False
                if pron == "they":
                    continue
                cands2 = [
                    m
                    for m in self._mentions_in(ss, stop)
                    if m.kind not in ("person",) and not self._in_quote(m.start)
                ]
                if cands2:
                    distinct = {m.party for m in cands2}
                    if len(distinct) == 1:
                        return cands2[-1].party, cands2[-1].party, cands2[-1].kind, False
                    return None, None, None, False
        return None, None, None, False

    def _definite(
        self, noun: str, at: int, np: str
    ) -> tuple[str | None, str | None, str | None, bool]:
        """ "the ministry", "the president": the nearest earlier party that fits, when no other
        party that fits as well is named as close."""
        si = self._sent_of(at)
        lo = self._sents[max(0, si - 6)][0]
        cands = [m for m in self._mentions_in(lo, at) if not self._in_quote(m.start)]
        if noun in _KIND_OF_NOUN and noun not in _TITLE_NOUNS:
            fits = _COMPANY_KINDS if noun in _COMPANY_NOUNS else _FITS[_KIND_OF_NOUN[noun]]
            named = [m for m in cands if noun in m.party.lower().split()]
            if named:
                m = named[-1]
                return m.party, np, m.kind, False
            fitting = [m for m in cands if m.kind in fits and m.kind != "person"]
        else:
            fitting = [
                m for m in cands if m.kind == "person" and noun in self._titles.get(m.party, set())
            ]
        if not fitting:
            return None, np, None, False
        best = fitting[-1]
        near = self._sents[max(0, self._sent_of(best.start) - 1)][0]
        rivals = {m.party for m in fitting if m.start >= near} - {best.party}
        if rivals:
            return None, np, None, False  # two candidates as close: the article is not clear
        return best.party, np, best.kind, False

    def _regions(self, si: int, found: list[_Tag]) -> list[_Tag]:
        """Each tag's share of its sentence: all of it when it is the only one."""
        ss, se = self._sents[si]
        found.sort(key=lambda t: t.at)
        if len(found) == 1:
            t = found[0]
            if t.mode != "according_to":
                t.region = (ss, se)
            return found
        # Several voices: each tag asserts from where its subject starts (the first from the
        # sentence start) to where the next one's starts.
        starts = [ss]
        for t in found[1:]:
            own = t.region[0] if t.mode not in ("quote", "according_to") else t.at
            starts.append(max(starts[-1], min(own, t.at)))
        starts.append(se)
        kept = []
        for i, t in enumerate(found):
            if starts[i] < starts[i + 1]:
                t.region = (starts[i], starts[i + 1])
                kept.append(t)
        return kept

    def _own_quotes(self) -> None:
        """Give each quote its speaker: the tag in its sentences, then continuations."""
        by_sent: dict[int, list[_Tag]] = {}
        for t in self._tags:
            by_sent.setdefault(t.sent, []).append(t)
        prev: _Quote | None = None
        for q in self._quotes:
            s0, s1 = self._sent_of(q.start), self._sent_of(max(q.start, q.end - 1))
            cands = [
                t for k in range(s0, s1 + 1) for t in by_sent.get(k, []) if t.mode != "according_to"
            ]
            # Adjacent tags first: right after the close, or right before the opening.
            best = None
            for t in cands:
                gap_after = self._masked[q.end : t.at]
                if 0 <= t.at - q.end <= 60 and _RE_51.fullmatch(gap_after):
                    best = t
                    break
            if best is None:
                for t in cands:
                    if t.at < q.start and (t.region[0] <= q.start < t.region[1]):
                        best = t
            if (
                best is None
                and len(cands) == 1
                and cands[0].region[0] <= q.start < cands[0].region[1]
            ):
                best = cands[0]
            if best is None and not cands:
                best = self._previous_speaker(q, by_sent)
            if best is None and prev is not None and prev.owner is not None:
                if prev.open_end and q.para == prev.para + 1 and self._para_starts_with(q):
                    best = prev.owner  # the quote paragraph left open continues here
                elif q.para == prev.para and not cands:
                    best = prev.owner  # a further quote of the same speaker, no new tag
                elif (
                    q.para == prev.para + 1
                    and q.words >= 4
                    and not self._tags_in_para(q.para)
                    and self._para_starts_with(q)
                    and self._last_sentence_quoted(prev)
                ):
                    best = prev.owner
            q.owner = best
            if best is not None:
                best.quotes.append(q)
                if best.mode == "reported":
                    best.mode = "quote"
            prev = q

    def _previous_speaker(self, q: _Quote, by_sent: dict[int, list[_Tag]]) -> _Tag | None:
        """A quote opening a sentence right after a sentence that names its speaker: 'Heald
        noted the findings show ... "An air-quality cleanup would ..."', or 'X stated:' ending
        the paragraph before a quote paragraph."""
        s0 = self._sent_of(q.start)
        if q.words < 4 or s0 == 0 or self._sents[s0][0] != q.start:
            return None
        tags = by_sent.get(s0 - 1, [])
        if len(tags) != 1 or (tags[0].party is None and tags[0].speaker is None):
            return None
        t = tags[0]
        same_para = self._sent_para[s0 - 1] == q.para
        # The previous sentence's last visible character (no copy of the text before it).
        j = self._sents[s0 - 1][1]
        while j > 0 and self.text[j - 1].isspace():
            j -= 1
        ends_open = j > 0 and self.text[j - 1] in ":,"
        if (same_para and not t.quotes) or (q.para == self._sent_para[s0 - 1] + 1 and ends_open):
            return t
        return None

    def _tags_in_para(self, pi: int) -> bool:
        ps, pe = self._paras[pi]
        lo = bisect.bisect_left(self._sent_starts, ps)
        hi = bisect.bisect_left(self._sent_starts, pe)
        return any(t.sent in range(lo, hi) for t in self._tags[-50:])

    def _para_starts_with(self, q: _Quote) -> bool:
        return self._paras[q.para][0] == q.start

    def _last_sentence_quoted(self, q: _Quote) -> bool:
        """The previous paragraph ends inside or right after the quote `q`."""
        pe = self._paras[q.para][1]
        return not self.text[q.end : pe].strip(" .,;:") or bool(
            _RE_52.fullmatch(self.text[q.end : pe])
        )

    # --- answers -------------------------------------------------------------------------------

    def _narrator(self, si: int) -> Attribution:
        ss, se = self._sents[si]
        cue = hedge_cue(self.text[ss:se])
        mode: Mode = "hedge" if cue else "narrator"
        return Attribution(None, None, mode, cue, cue is not None, (ss, se), self._sent_para[si])

    def _from_tag(self, t: _Tag, si: int, quoted: bool) -> Attribution:
        ss, se = self._sents[si]
        cue = hedge_cue(self.text[ss:se])
        mode = t.mode
        if quoted and mode in ("reported",):
            mode = "quote"
        if mode in ("reported", "quote") and t.kind == "media":
            mode = "outlet" if not quoted else mode
        return Attribution(
            t.party,
            t.speaker,
            mode,
            t.cue,
            cue is not None,
            (ss, se),
            self._sent_para[si],
            t.behalf,
            t.relay,
        )

    def _pieces(self, si: int) -> list[tuple[Attribution, int, int]]:
        """The sentence cut into attributed pieces (quotes of other sentences included)."""
        ss, se = self._sents[si]
        out: list[tuple[Attribution, int, int]] = []
        tags = [t for t in self._tags_by_sent().get(si, [])]
        for t in tags:
            out.append((self._from_tag(t, si, bool(t.quotes)), t.region[0], t.region[1]))
        # Quotes owned by tags of other sentences.
        i = bisect.bisect_right(self._quote_starts, se) - 1
        while i >= 0 and self._quotes[i].end > ss - 1:
            q = self._quotes[i]
            if q.owner is not None and q.owner.sent != si and q.start < se and q.end > ss:
                a, b = max(q.start, ss), min(q.end, se)
                out.append((self._from_tag(q.owner, si, True), a, b))
            i -= 1
            if i >= 0 and self._quotes[i].end < ss - 2000:
                break
        return sorted(out, key=lambda x: x[1])

    _by_sent_cache: dict[int, list[_Tag]] | None = None

    def _tags_by_sent(self) -> dict[int, list[_Tag]]:
        if self._by_sent_cache is None:
            d: dict[int, list[_Tag]] = {}
            for t in self._tags:
                d.setdefault(t.sent, []).append(t)
            self._by_sent_cache = d
        return self._by_sent_cache

    def attribute(self, start: int, end: int) -> Attribution:
        """Who the article says asserts text[start:end], and how."""
        si = self._sent_of(start)
        pieces = self._pieces(si)
        best: tuple[int, Attribution] | None = None
        for att, a, b in pieces:
            overlap = min(b, end) - max(a, start)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, att)
        return best[1] if best else self._narrator(si)

    def in_quote(self, pos: int) -> bool:
        """Whether offset `pos` lies inside a direct quote of the article."""
        return self._in_quote(pos) is not None

    def kind_of(self, party: str | None) -> str | None:
        """The kind of a listed party ("person", "organization", ...), None when unlisted."""
        return self._kind.get(party) if party else None

    def resolve(self, start: int, end: int) -> str | None:
        """The listed party the noun phrase text[start:end] names ("the ministry", "he", a
        name or alias), or None when the article does not make it clear."""
        if not self.text[start:end].strip():
            return None
        return self._resolve_np(start, end, start)[0]

    def utterances(self) -> list[tuple[Attribution, int, int]]:
        """Every attributed span, in article order."""
        out: list[tuple[Attribution, int, int]] = []
        sents = sorted(
            {t.sent for t in self._tags}
            | {self._sent_of(k) for q in self._quotes if q.owner for k in (q.start, q.end - 1)}
            | {
                k
                for q in self._quotes
                if q.owner
                for k in range(self._sent_of(q.start), self._sent_of(max(q.start, q.end - 1)) + 1)
            }
        )
        for si in sents:
            out.extend(self._pieces(si))
        return out


# Patterns the functions above use, compiled once (not looked up in re's cache per call).


_HE_OR_SHE = re.compile(r"(?=[hs])\b(?:(he|him|his|himself)|(she|her|hers|herself))\b", re.I)


# Patterns of the inline calls above, compiled once (not looked up in re's cache per call).
_RE_0 = re.compile(r"[^\n]+")
_LOWER_PREP = re.compile(r"([\w’'\-.]+)(\s+(?:for|of|from|at|with|to|in|near|by)\s+(?:the\s+)?)")
_RE_2 = re.compile(r"[a-z][\w\-]+")
_RE_3 = re.compile(r",\s*([^,.;]{2,60})")
_UNLISTED_NAME = re.compile(
    r"(?=[A-Z])(?<![\w’'])([A-Z][a-z’'\-]+(?:\s+[A-Z][a-z’'\-]+){1,3})(?![\w])"
)
_RE_5 = re.compile(r"(?<![\w’'])(?:the|The)\s+$")
_RE_6 = re.compile(r"\s+of\b")
_RE_7 = re.compile(
    r"\b(Mr|Sir|King|Prince|Lord|Father|Brother|Mrs|Ms|Miss|Lady|Queen|Princess|"
    r"Dame|Sister)\.?\s+$"
)
_RE_8 = re.compile(r"\s*,?\s*(?:quoting|citing)\s+([^,;" + _MASK + r"“”\"]{2,120}),")
_RE_9 = re.compile(r"(?:the|a|an|its|his|her|their|one)\s+")
_RE_10 = re.compile(r"\s+((?:[a-z][\w\-]*\s+){1,2})")
_RE_11 = re.compile(r"(?:[’']s)?((?:\s+[a-z][\w\-]*){1,4})")
_RE_12 = re.compile(r"((?:\s*[a-z][\w\-]*){1,4})")
_RE_13 = re.compile(r"\s*([a-z][\w\-]*)")
_RE_14 = re.compile(r"\s+(" + _NAME_TOKEN + r"(?:" + _CONNECT + _NAME_TOKEN + r")*)")
_RE_15 = re.compile(r"\s+(?:for|of|from|at)\s+(?:the\s+)?")
_NOUN_BEFORE_RE = re.compile(_NOUN_BEFORE)
_RE_17 = re.compile(r"\s*(?:[,:]\s*)?[“„\"]|\s*:")
_RE_18 = re.compile(
    r"\s*(?:that\b|[,:]|[“„\"]|(?:to|in|on)\s+(?:the\s+)?[A-Z])|"
    r"(?:\s+[\w’'\-]+){1,6}?\s+(?:is|are|was|were|had|has|have|would|will|could|"
    r"should|may|might|did|does|do)\b"
)
_AFTER_QUOTE = re.compile(r"(?:[”\"»]|" + _MASK + r")\s*[,.!?]?\s*$")
_RE_20 = re.compile(
    r"\s*(?:that\b|[,:;]|[“„\"]|(?:to|in|on)\s+(?:the\s+)?[A-Z])|"
    r"(?:\s+[\w’'\-]+){1,6}?\s+(?:is|are|was|were|had|has|have|would|will|could|"
    r"should|may|might|did|does|do)\b"
)
_RE_21 = re.compile(r"(?:[”\"»,]|" + _MASK + r")\s*[,.!?]?\s*(?:\S+\s+){0,4}$")
_RE_22 = re.compile(r"\s*(?:[.!?;,]\s*.*)?")
_RE_23 = re.compile(r"(?:that|this|these|those|there|so|yes|no)\b", re.I)
_RE_24 = re.compile(r",\s*((?:the|a|an)\s+)?[^,.;“”\"" + _MASK + r"]{3,100}(?=[,.;]|$)")
_QUOTED_AS = re.compile(
    r"\s+(?:was|were|is|are|has been|have been|had been)\s+quoted\s+"
    r"(?:by\s+[^,;]{1,60}?\s+)?as\s+$"
)
_PASSIVE_END = re.compile(r"(?<![\w’'])(?:is|are|was|were|be|been|being|get|got)$", re.I)
_NT_END = re.compile(r"n[’']t$")
_PAREN_END = re.compile(r"\s*\([^()]*\)$")
_DASH_END = re.compile(r"\s*[—–]\s*[^—–]{2,120}[—–]$|\s+-\s+[^-]{2,120}\s+-$")
_RE_30 = re.compile(r",\s*([^,;:" + _MASK + r"“”\"]{2,160}),$")
_RE_31 = re.compile(r"(?:" + _NAME_TOKEN + r")(?:\s+" + _NAME_TOKEN + r"){1,3}")
_RE_32 = re.compile(r"(?:\bwith|,)\s*$")
_RE_33 = re.compile(r"(?:s|they|police|people)\s*$", re.I)
_RE_34 = re.compile(
    r"(?<![\w’'])((?:[A-Z][a-z]+\s)?[A-Z][a-z]+)\s+(?:[a-z][\w\-]*\s+){0,2}?(?i:" + _LEADER + r")\b"
)
_RE_35 = re.compile(r",\s*$")
_RE_36 = re.compile(r"[.;:!?,“”\"(]")
_RE_37 = re.compile(r"(?:" + _LEADER + r")\s*$", re.I)
_RE_38 = re.compile(r"(?:[’']s)?\s+(?:[a-z][\w\-]*\s+){0,2}?(" + _LEADER + r")\b", re.I)
_RE_39 = re.compile(r"\b(" + _LEADER + r")\s+(?:of|for|at|with)\s+(?:the\s+)?$", re.I)
_PRONOUN_END = re.compile(r"(?<![\w’'])(he|she|it|they|we|i|er|sie)$", re.I)
_PREP_END_RE = re.compile(_PREP_END)
_ROLE_BEFORE = re.compile(
    r"(?<![\w’'])(?:[A-Z][\w.\-]*(?:[’']s)?\s+)?(?:(?:the|a|an)\s+)?(?:[a-z][\w\-]*\s+){1,3}$"
)
_RE_43 = re.compile(
    r"(?:(?<![\w])(?:the|a|an|its|his|her|their|one|another)\s+)?"
    r"(?:" + _NAME_TOKEN + r"(?:" + _CONNECT + _NAME_TOKEN + r")*(?:[’']s)?\s+)?"
    r"(?:[a-z][\w\-]*\s+){0,2}[a-z][\w\-]*$"
)
_RE_44 = re.compile(r"(?:(?:the|a|an|one|its|his|her|their)\s+)?(?:[\w’'\-.]+\s+){0,3}$")
_POSSESSIVE = re.compile(r"(?:the\s+)?(.+?)[’']s\s+(?:[a-z][\w\-]*\s+){0,2}([a-z][\w\-]*)")
_RE_46 = re.compile(r"([a-z][\w\-]*)$")
_RE_47 = re.compile(r"[’']s\s")
_RE_48 = re.compile(r"(the|its|his|her|their|this|that)\s")
_RE_49 = re.compile(r"(a|an|one|another)\s")
_RE_50 = re.compile(r"[A-Z][a-z’'\-]+")
_RE_51 = re.compile(r"[\s,.;:!?]*(?:\S+\s+){0,6}")
_RE_52 = re.compile(r"[\s,.]*(?:\S+\s+){0,5}\S+[.!?]?\s*")


# --- cheap tests before the patterns anchored at the end (`$`) --------------------------------
# A search for "...$" tries every offset of the string; these say, from its last characters,
# when it cannot match (or where the match must start), so the answer is the same.

# The longest match of `_PASSIVE_END`, `_PRONOUN_END` and `_ABBREV` is 7 characters ("approx.");
# `$` also matches before a final newline: a match starts in the last 10 characters.
_SHORT_END = 10
_QUOTE_OR_STOP = '”"»' + _MASK + ",.!?"
_PREPOSITIONS = frozenset(["for", "of", "from", "at", "with", "to", "in", "near", "by"])


def _may_end_with(s: str, chars: str) -> bool:
    """Whether `s` ends with one of `chars`, or with one of them and a newline (where `$` also
    matches)."""
    if not s:
        return False
    if s[-1] in chars:
        return True
    return s[-1] == "\n" and len(s) > 1 and s[-2] in chars


def _abbrev_end(s: str) -> re.Match[str] | None:
    """`_ABBREV.search(s)`: an abbreviation's full stop ends `s`."""
    return _ABBREV.search(s, max(0, len(s) - _SHORT_END)) if _may_end_with(s, ".") else None


def _prep_end(s: str) -> re.Match[str] | None:
    """`_PREP_END_RE.search(s)` (`_PREP_END`: a preposition ends `s`, with white space after it)."""
    return _PREP_END_RE.search(s) if s[-1:].isspace() else None
