"""Group briefs into stories and merge each story across its sources. No model involved.

Two briefs are one story when they were published within GROUP_WINDOW_DAYS of each other
(when both dates are known; a story's window moves with its latest report) and their wording
is alike: the cosine of their word vectors (title, summary and key facts; each word weighted
by how rare it is in the batch, tf-idf) reaches
SIMILAR_ALONE, or SIMILAR_WITH_PARTY when they also share a named party (person, organisation,
media) that is not in a large share of the batch. A brief (or story) joins a story only if its
average similarity to the members reaches AVERAGE_TO_JOIN, so one pair alike by chance does not
chain two stories into one, and two stories never join when each has names or numbers of its
own that the other never mentions (two games of one team, two fires at one chain's stores), or
when, undated, one is of a year the other never reaches (YEAR_MIN_MEMBERS), or when one's
subject (a name all its titles give) is never said by the other, which names someone the first
never says (SUBJECT_MIN_MEMBERS).
Every grouping records why, in words. Within a story, facts worded
alike are merged with all their sources, positions are collected per party, and facts that talk
about the same thing with different numbers, or with a status one source calls disputed, are
listed as disagreements.

The thresholds were set on the dev half of eval/grouping (real Wikinews articles labelled by
event; `summarizer eval --grouping eval/grouping`) and of eval/grouping/ecbplus (ECB+: many
outlets per event, two events of one kind per topic), and measured on their held-out halves.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from stop_words import LANGUAGE_MAPPING as _STOP_LISTS
from stop_words import get_stop_words as _stop_list

from summarizer.brief.grounding import normalize
from summarizer.brief.models import (
    Brief,
    Disagreement,
    OutletRef,
    SourceRef,
    Story,
    StoryFact,
    StoryPosition,
)
from summarizer.digests import syndication
from summarizer.digests.headline import first_sentence, headline
from summarizer.errors import StoreError

_STOP = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those he she they them his her their we our you your i not no
    has have had do does did will would can could should may might must said says say also
    about after before over under into than then there here who whom which what when where
    why how all any some more most other such only own same so too very just new one two
    """.split()
)
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# A brief in another language loses that language's stop words too (the lists of the
# `stop-words` package, made of function words): two German feed items of different events
# shared nothing but "das", "der", "die", "und" and were one story (heise's v2.0 App Model
# change and a London conference programme, similarity 0.12). English keeps _STOP (a longer
# English list holds words that tell events apart: "american", "announced", "appointed").
# jusText's lists, tried first, hold names and nouns too (German "Berlin", "Krieg",
# "Regierung"; Portuguese "Brasil", "governo"; Russian "Москва"): those would leave every
# brief in that language. Languages by ISO 639-1 code, as briefs record them, or by English
# name, as `--lang German` records it.
_STOP_NAMES = {name: code for code, name in _STOP_LISTS.items()} | {"norwegian bokmal": "nb"}
_STOP_CODES = {"no": "nb", "nn": "nb"}
_NUMBER = re.compile(r"\d[\d,.]*")

# Thresholds, explained in why_grouped: publication dates, wording similarity, shared parties.
# Articles further apart than GROUP_WINDOW_DAYS (when both dates are known) are never one story:
# a company's orders, results or launches a year apart share every name and most words. Within
# two weeks, an incident's follow-ups (the arrest, the charges, the coroner's ruling) are the same
# story: 14 was chosen on the dev halves of eval/grouping and eval/grouping/gvc (GVC dev recall
# 0.86 -> 0.98 at precision 1.00 against 7 days; Wikinews dev unchanged).
GROUP_WINDOW_DAYS = 14
# The window moves with the story (chained continuity): two stories may join when the gap
# between their date spans (first to last dated member) is at most GROUP_WINDOW_DAYS, so an
# incident reported on days 0, 10, 20 and 30 stays one story while each new report comes within
# two weeks of the story's last one, though its first and last are a month apart. A link may
# reach back LINK_REACH_DAYS to the member it is most alike; further apart, nothing links.
LINK_REACH_DAYS = 60
# The window of continuity across runs (continuity.py): an earlier story updated within it can
# carry its id to today's.
WINDOW_DAYS = 7
SIMILAR_ALONE = 0.12
SIMILAR_WITH_PARTY = 0.08
# A story takes in another story (or a brief) only if their members are this alike on average.
AVERAGE_TO_JOIN = 0.08
# Word weights: idf = ln((n + PSEUDO_DOCS) / (df + 1)) over a batch of n briefs, as if the batch
# came with PSEUDO_DOCS unrelated briefs, so that in a batch of two a shared word still counts.
PSEUDO_DOCS = 20
# A party named in more than this share of a batch's briefs (and in more than 4) links nothing:
# in a day of US politics "Donald Trump" is in every brief and would chain them all into one.
COMMON_PARTY_SHARE = 0.15
COMMON_PARTY_MIN = 4
# Two stories of OWN_MIN_MEMBERS or more never join when each has specifics of its own (a name
# word or a number, a year too, in at least OWN_SHARE of its members) that the other story never
# mentions: two games of one team (each with its own opponent and score), two rehab stays of
# two actresses, two fires at one chain's two stores. Set on eval/grouping/ecbplus dev.
OWN_SHARE = 0.5
OWN_MIN_MEMBERS = 2
# Years stand in for dates when a story has none (an undated feed; a page with no date): a story
# whose own year (in OWN_SHARE of its members) is later than any year another story of
# YEAR_MIN_MEMBERS or more says, or a single article whose latest year is later than any year a
# story of SOLO_MIN_MEMBERS or more says, is another event: the 2013 Internet Explorer patch and
# the 2008 one, told in the same words. (A story that says no year says nothing as late.) Set on
# eval/grouping/ecbplus dev (precision 0.82 -> 0.97, recall 0.91 -> 0.88); Wikinews and GVC dev
# unchanged.
YEAR_MIN_MEMBERS = 2
SOLO_MIN_MEMBERS = 10
# Two items of one outlet are compared as if the batch were that outlet's items alone (its
# own document frequencies; the lower of the two similarities counts) once the batch holds
# OUTLET_MIN_ITEMS or more of its items: words every item of the outlet says (a German feed's
# "des", "sich", "mit" in an English batch; a blog's subject and boilerplate) tell nothing of
# the event. heise's Scrum Day call and MySQLDumper's future joined at 0.12 on four German
# function words. Set on the dev halves of eval/grouping (feeds, ECB+: at 2 items, ECB+ dev
# lost 6 of 2,733 pairs; at 5, none); GVC and Wikinews dev unchanged. Likewise a party named
# by more than COMMON_PARTY_SHARE (and COMMON_PARTY_MIN) of an outlet's items is common among
# them: a blog's "Objective-C" links none of its posts (no dev pair changes by it).
OUTLET_MIN_ITEMS = 5
# A story of SUBJECT_MIN_MEMBERS or more whose members' titles all give a name (a word of a
# party's name, not common in the batch: its subject) takes in nothing that never says that
# name when that other also names someone the story never says: two subjects, not one. The
# Guardian's late-night hosts on the State of the Union (Colbert) joined its two Stormy Daniels
# items at 0.25 on "Jimmy Kimmel", "late night", "Tuesday". Both sides must show it: a
# follow-up that names nobody new ("Family identifies 2-year-old killed", GVC dev) still joins
# the "Little Rock" story it never names. Set on the dev halves of eval/grouping (feeds dev
# precision 0.85 -> 1.00, recall 0.38 -> 0.55; Wikinews, ECB+, GVC dev unchanged).
SUBJECT_MIN_MEMBERS = 2
FACT_MERGE = 0.5
DISAGREE_SUBJECT = 0.5
# A story shows at most this many reasons (the most alike pairs first) and counts the rest: n
# copies of one wire story are n(n-1)/2 alike pairs, not worth a line each.
WHY_SHOWN = 5


@functools.cache
def stop_words(language: str | None) -> frozenset[str]:
    """The words that tell no event from another in a text of `language` (an ISO 639-1 code
    such as "de" or "pt-BR", or its English name, "German"): _STOP, and the language's own stop
    words when it is not English."""
    key = (language or "").strip().lower().replace("_", " ")
    # A code ("de", "pt-BR"), or the language's name as `--lang German` records it ("Write the
    # brief in ...").
    code = key.split("-")[0]
    code = _STOP_CODES.get(code, code)
    if code not in _STOP_LISTS:
        code = _STOP_NAMES.get(key, "")
    if code in ("", "en"):
        return _STOP
    listed = (normalize(w) for w in _stop_list(code))
    return _STOP | {w for w in listed if _WORD.fullmatch(w)}


def _language(brief: Brief) -> str:
    """The brief's language: as its engine recorded it, else guessed from its stop words."""
    from summarizer.offline.sentences import guess_language

    recorded = brief.meta.language
    return recorded if recorded and recorded != "und" else guess_language(_brief_text(brief))


def content_words(text: str) -> set[str]:
    """Lower-cased words of three letters or more, stop words removed."""
    return {w for w in _WORD.findall(normalize(text)) if w not in _STOP}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(slots=True)
class Features:
    """What grouping needs of a brief, without the brief: its parties' names, the counts of its
    content words, its specifics and numbers. Words are interned (a batch shares them) and
    counts kept as tuples, so a digest holds a few hundred bytes per article, not the brief."""

    named: tuple[tuple[str, str], ...]
    words: tuple[str, ...]
    counts: tuple[int, ...]
    specifics: tuple[str, ...]
    numbers: tuple[str, ...]

    @classmethod
    def of(cls, brief: Brief) -> Features:
        """The features of one brief (computed once, when the brief is made or read)."""
        terms = _terms(brief)
        return cls(
            named=tuple((sys.intern(k), sys.intern(v)) for k, v in _named(brief).items()),
            words=tuple(sys.intern(w) for w in terms),
            counts=tuple(terms.values()),
            specifics=tuple(sorted(sys.intern(w) for w in _specifics(brief))),
            numbers=tuple(sorted(sys.intern(n) for n in _numbers_of(_brief_text(brief)))),
        )

    def terms(self) -> Counter[str]:
        """The content words with their counts (`_terms` of the brief)."""
        return Counter(dict(zip(self.words, self.counts, strict=True)))


@dataclass
class Entry:
    """A brief with what the digest knows of its source.

    A digest's entries hold no brief (`brief` None): only their `features` for grouping and a
    `load` that reads the brief back from the store when its story is built (`Entry.compact`),
    so memory does not hold every brief of a batch at once. An entry made with its brief (tests,
    the grouping eval) works the same way.
    """

    article_id: str
    brief: Brief | None
    ref: SourceRef
    when: datetime | None = None
    features: Features | None = field(default=None, repr=False, compare=False)
    load: Callable[[], Brief | None] | None = field(default=None, repr=False, compare=False)
    # The article's own text, read back (from the store) when its story is built, to tell
    # syndicated copies apart (syndication.py); without it, the brief's quoted words are used.
    text: Callable[[], str | None] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def compact(
        cls,
        article_id: str,
        brief: Brief,
        ref: SourceRef,
        when: datetime | None,
        load: Callable[[], Brief | None],
    ) -> Entry:
        """An entry that keeps the features of `brief`, not the brief; `load` gives it back."""
        return cls(article_id, None, ref, when, Features.of(brief), load)

    def feats(self) -> Features:
        """The grouping features (computed from the brief on first use)."""
        if self.features is None:
            self.features = Features.of(self.full())
        return self.features

    def full(self) -> Brief:
        """The brief itself: held, or loaded (and not kept) from the store."""
        if self.brief is not None:
            return self.brief
        got = self.load() if self.load is not None else None
        if got is None:
            raise StoreError(f"the brief of article {self.article_id} is no longer in the store")
        return got


def _named(brief: Brief) -> dict[str, str]:
    """Normalised names and aliases of a brief's parties (countries left out: too common).

    Names of one or two letters are left out too, except an acronym in capitals ("GM", "EU").
    """
    out: dict[str, str] = {}
    for p in brief.parties:
        if p.kind == "country":
            continue
        for n in [p.name, *p.aliases]:
            key = normalize(n).strip()
            if len(key) > 2 or (len(key) == 2 and n.strip().isupper()):
                out[key] = p.name
    return out


_SPECIFIC_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:\-]\d+)*")


def _brief_text(brief: Brief) -> str:
    return " ".join([brief.title, brief.summary, *(f.statement for f in brief.key_facts)])


def _numbers_of(text: str) -> set[str]:
    """Numbers as '#31-24', '#6.1', '#2008': a score, a magnitude, an age, a year."""
    found = (n.rstrip(".,:-").replace(",", "") for n in _SPECIFIC_NUMBER.findall(text))
    return {"#" + n for n in found if n}


def _specifics(brief: Brief) -> set[str]:
    """What can tell one event from another of its kind: the words of its parties' names
    (countries left out) and the numbers of its title, summary and key facts."""
    out = _numbers_of(_brief_text(brief))
    stop = stop_words(_language(brief))
    for p in brief.parties:
        if p.kind == "country":
            continue
        for n in [p.name, *p.aliases]:
            out |= {w for w in _WORD.findall(normalize(n)) if w not in stop}
    return out


def _own(specifics: Counter[str], size: int) -> set[str]:
    """A story's own specifics: in at least OWN_SHARE of its members (none below
    OWN_MIN_MEMBERS members: one article's names are too noisy to stand for a story)."""
    if size < OWN_MIN_MEMBERS:
        return set()
    need = max(2, math.ceil(OWN_SHARE * size))
    return {w for w, c in specifics.items() if c >= need}


def _latest_year(words: Iterable[str]) -> int:
    """The latest year among specifics ('#2013'), 0 when there is none."""
    return max((int(w[1:]) for w in words if _YEAR_SPECIFIC.fullmatch(w)), default=0)


_YEAR_SPECIFIC = re.compile(r"#(?:19|20)\d\d")


def _terms(brief: Brief) -> Counter[str]:
    """Content words of the title (counted twice), summary and key facts, with their counts
    (stop words of the brief's language left out)."""
    text = " ".join([brief.title, brief.title, brief.summary])
    text += " " + " ".join(f.statement for f in brief.key_facts)
    stop = stop_words(_language(brief))
    return Counter(w for w in _WORD.findall(normalize(text)) if w not in stop)


def _title_words(e: Entry) -> set[str]:
    """The words of the entry's own title (the feed's or page's headline), stop words kept."""
    return set(_WORD.findall(normalize(e.ref.title or "")))


def _title_terms(e: Entry) -> Counter[str]:
    """The entry's content words: its brief's (`Features.terms`) and, once each, the words of
    its source's own title (the feed's or page's headline) that the brief never says. A feed
    entry briefed from its own text (--no-fetch) has a brief without its headline: the Guardian's
    "'Extraordinary success': Trump lauds first year at State of the Union – video" is briefed
    as "In his first address, the US president says his administration embarked on a…", and
    joined its State of the Union story only with its headline's words (feeds dev recall 0.55
    -> 0.76 at precision 1.00; Wikinews, ECB+ and GVC dev unchanged)."""
    terms = e.feats().terms()
    title = e.ref.title
    if title and title not in (e.ref.path, e.ref.url):
        from summarizer.offline.sentences import guess_language

        stop = stop_words(guess_language(title))
        terms.update(
            {w for w in _WORD.findall(normalize(title)) if w not in stop and w not in terms}
        )
    return terms


def _vectors(terms: list[Counter[str]]) -> list[dict[str, float]]:
    """tf-idf vectors of unit length: (1 + ln tf) * ln((n + PSEUDO_DOCS) / (df + 1))."""
    df: Counter[str] = Counter(w for t in terms for w in t)
    n = len(terms)
    out = []
    for t in terms:
        v = {w: (1 + math.log(c)) * math.log((n + PSEUDO_DOCS) / (df[w] + 1)) for w, c in t.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({w: x / norm for w, x in v.items()})
    return out


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product: the cosine of two unit vectors (0 when they share no word)."""
    if len(b) < len(a):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def _candidates(
    names: list[dict[str, str]], vectors: list[dict[str, float]], common: set[str]
) -> list[tuple[int, int]]:
    """Every pair that can be linked, without comparing all pairs; sorted as (i, j), i < j.

    A pair can be linked only if it shares a party that is not common (inverted index on
    names) or if its similarity reaches SIMILAR_ALONE. For the latter, prefix filtering is
    exact: each vector is indexed on its heaviest words until the words left out have a norm
    below SIMILAR_ALONE; a pair that shares none of x's indexed words shares only words left
    out of x, so its cosine is at most that norm (Cauchy-Schwarz) and below the threshold. So a
    5,000-brief digest compares the pairs that might match, not 12.5 million.
    """
    return [(i, j) for j, found in _candidates_by_j(names, vectors, common) for i in sorted(found)]


def _candidates_by_j(
    names: list[dict[str, str]], vectors: list[dict[str, float]], common: set[str]
) -> Iterator[tuple[int, set[int]]]:
    """`_candidates`, one j at a time: (j, every i < j it may be linked to). The pairs are never
    all held at once (a million at 10,000 synthetic briefs, ~100 MiB as a set of tuples)."""
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        for key, canonical in n.items():
            if canonical not in common:
                by_name.setdefault(key, []).append(i)
    prefix: dict[str, list[int]] = {}
    heads: list[list[str]] = []
    for i, v in enumerate(vectors):
        left = sum(x * x for x in v.values())
        head = []
        for word, x in sorted(v.items(), key=lambda item: (-item[1], item[0])):
            if left < SIMILAR_ALONE**2 - 1e-12:
                break
            prefix.setdefault(word, []).append(i)
            head.append(word)
            left -= x * x
        heads.append(head)
    # Every word's briefs, to find the i < j that have a word of j's indexed head.
    having: dict[str, list[int]] = {}
    for i, v in enumerate(vectors):
        for word in v:
            having.setdefault(word, []).append(i)
    for j, v in enumerate(vectors):
        found: set[int] = set()
        for key, canonical in names[j].items():
            if canonical not in common:
                found.update(i for i in by_name.get(key, ()) if i < j)
        for word in v:  # i's head holds a word of j
            found.update(i for i in prefix.get(word, ()) if i < j)
        for word in heads[j]:  # j's head holds a word of i
            found.update(i for i in having.get(word, ()) if i < j)
        yield j, found


def _day(when: datetime) -> float:
    """A date as days since the epoch, naive dates taken as UTC (so both kinds compare)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() / 86400


def _apart(a: Entry, b: Entry, days: float | None = None) -> bool:
    """Both dated and further apart than `days` (default LINK_REACH_DAYS, how far a link may
    reach; whether the two stories may join is `_gap` against GROUP_WINDOW_DAYS)."""
    if a.when is None or b.when is None:
        return False
    reach = LINK_REACH_DAYS if days is None else days
    return abs(_day(a.when) - _day(b.when)) > reach


def _gap(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float:
    """Days between two stories' date spans (first, last dated member); 0 when they overlap or
    either has no date."""
    if a is None or b is None:
        return 0.0
    return max(0.0, b[0] - a[1], a[0] - b[1])


def _outlet_of(e: Entry) -> str | None:
    """Who published the entry (its feed's title or site name, else its domain), if known."""
    return e.ref.outlet or e.ref.domain or None


class _OutletWeights:
    """tf-idf of an entry among its own outlet's items of the batch (OUTLET_MIN_ITEMS or more),
    for `links`: each outlet's document frequencies and each entry's norm, computed once; a
    pair's weights are made when the pair is scored, so no second set of vectors is held. A
    party many of an outlet's items name (a blog's subject) is common among them (`common`)."""

    def __init__(self, entries: list[Entry]) -> None:
        outlets = [_outlet_of(e) for e in entries]
        sizes = Counter(o for o in outlets if o)
        self.outlet = [o if o and sizes[o] >= OUTLET_MIN_ITEMS else None for o in outlets]
        self.size = sizes
        self.df: dict[str, Counter[str]] = {}
        for o, e in zip(self.outlet, entries, strict=True):
            if o:
                self.df.setdefault(o, Counter()).update(_title_terms(e).keys())
        self.entries = entries
        self.norm: dict[int, float] = {}
        # How many of each outlet's items name each party (by its name), for `common`.
        self.named: dict[str, Counter[str]] = {}
        for o, e in zip(self.outlet, entries, strict=True):
            if o:
                self.named.setdefault(o, Counter()).update({p for _, p in e.feats().named})

    def common(self, i: int, party: str) -> bool:
        """A party that many of i's outlet's items name (COMMON_PARTY_SHARE of them, and more
        than COMMON_PARTY_MIN), as the batch's common parties: it links none of them."""
        o = self.outlet[i]
        assert o is not None
        c = self.named[o][party]
        return c > COMMON_PARTY_MIN and c > COMMON_PARTY_SHARE * self.size[o]

    def _weights(self, i: int) -> dict[str, float]:
        o = self.outlet[i]
        assert o is not None
        terms, df, n = _title_terms(self.entries[i]), self.df[o], self.size[o]
        return {
            w: (1 + math.log(c)) * math.log((n + PSEUDO_DOCS) / (df[w] + 1))
            for w, c in terms.items()
        }

    def same(self, i: int, j: int) -> bool:
        """Both of one outlet that has enough items in the batch."""
        return self.outlet[i] is not None and self.outlet[i] == self.outlet[j]

    def similarity(self, i: int, j: int) -> float:
        """Cosine of i and j weighted by their outlet's own document frequencies."""
        wi, wj = self._weights(i), self._weights(j)
        for k, w in ((i, wi), (j, wj)):
            if k not in self.norm:
                self.norm[k] = math.sqrt(sum(x * x for x in w.values())) or 1.0
        dot = sum(x * wj.get(w, 0.0) for w, x in wi.items())
        return dot / (self.norm[i] * self.norm[j])


def links(
    entries: list[Entry], vectors: list[dict[str, float]] | None = None
) -> list[tuple[float, int, int, list[str]]]:
    """The pairs that may be one story: (similarity, i, j, shared parties), most alike first.

    Two entries of one outlet count the lower of their similarity in the batch and their
    similarity among that outlet's items alone (`_OutletWeights`, OUTLET_MIN_ITEMS), and a
    party common among that outlet's items is not a shared party of theirs."""
    names = [dict(e.feats().named) for e in entries]
    if vectors is None:
        vectors = _vectors([_title_terms(e) for e in entries])
    df: dict[str, int] = {}
    for n in names:
        for key in set(n.values()):
            df[key] = df.get(key, 0) + 1
    common = {
        k for k, c in df.items() if c > COMMON_PARTY_MIN and c > COMMON_PARTY_SHARE * len(entries)
    }
    own_outlet = _OutletWeights(entries)
    out = []
    for j, found in _candidates_by_j(names, vectors, common):
        for i in found:
            if _apart(entries[i], entries[j]):
                continue
            similarity = cosine(vectors[i], vectors[j])
            shared = sorted({names[i][k] for k in names[i].keys() & names[j].keys()} - common)
            if own_outlet.same(i, j):
                similarity = min(similarity, own_outlet.similarity(i, j))
                shared = [p for p in shared if not own_outlet.common(i, p)]
            if similarity >= SIMILAR_ALONE or (shared and similarity >= SIMILAR_WITH_PARTY):
                out.append((similarity, i, j, shared))
    out.sort(key=lambda link: (-link[0], link[1], link[2]))
    return out


def group(entries: list[Entry]) -> list[tuple[list[Entry], list[str]]]:
    """Cluster entries into stories; each with the reasons it was grouped.

    Links are taken most alike first. A link inside a story only adds its reason; a link
    between two stories merges them when the average similarity of their members (every
    member of one with every member of the other) reaches AVERAGE_TO_JOIN, unless each of the
    two has specifics of its own that the other never mentions (`_own`): then they are two
    events of one kind, however alike their wording; likewise, when either is undated, if one
    is of a later year than any the other says (`years_apart`). Two stories whose date spans
    are more than GROUP_WINDOW_DAYS apart do not join (yet): their link is tried again after
    the stories have grown, so a story takes in a later report while its reports keep coming.
    """
    terms = [_title_terms(e) for e in entries]
    vectors = _vectors(terms)
    # Each vector has its entry's words as keys: the counts are not held past this point.
    del terms
    found = links(entries, vectors)
    if not found:
        return [([e], []) for e in entries]
    # A story's summed vector: the sum of its members' pairwise similarities with another
    # story's members is the dot product of the two sums (the vectors have unit length). A
    # story of one shares its member's vector; it is copied when the story first takes in
    # another (memory flat in the batch size, issue 15: one dict per article, not two).
    sums = dict(enumerate(vectors))
    del vectors
    copied: set[int] = set()
    members: dict[int, list[int]] = {i: [i] for i in range(len(entries))}
    owner = list(range(len(entries)))
    # Per story: its reasons, specifics (names and numbers with how many members say each), the
    # title words all its members share, what it says (words, numbers, names, title words) and
    # its own specifics (`_own`). Held for stories of two or more members only; a story of one
    # reads them from its entry when asked (memory flat in the batch size, issue 15).
    reasons: dict[int, list[str]] = {}
    specifics: dict[int, Counter[str]] = {}
    titled: dict[int, set[str]] = {}
    mentioned: dict[int, set[str]] = {}
    own: dict[int, set[str]] = {}

    def specifics_of(x: int) -> Counter[str]:
        got = specifics.get(x)
        return got if got is not None else Counter(entries[x].feats().specifics)

    def titled_of(x: int) -> set[str]:
        # The title is the feed's or page's, which the brief's own title may shorten.
        got = titled.get(x)
        return got if got is not None else _title_words(entries[x])

    def mentioned_of(x: int) -> set[str]:
        got = mentioned.get(x)
        if got is not None:
            return got
        e = entries[x]  # a story of one: its vector's keys are its words
        return set(sums[x]).union(e.feats().numbers, e.feats().specifics, titled_of(x))

    def own_of(x: int) -> set[str]:
        # Every story of two or more has its own (set when it grew); one article has none.
        got = own.get(x)
        return got if got is not None else _own(Counter(), len(members[x]))

    # Words said by many of the batch (as COMMON_PARTY_SHARE for parties) tell no subject apart.
    said_by = Counter(w for i in range(len(entries)) for w in mentioned_of(i))
    common_words = {
        w
        for w, c in said_by.items()
        if c > COMMON_PARTY_MIN and c > COMMON_PARTY_SHARE * len(entries)
    }
    del said_by
    # The latest year each story says (any member), for `years_apart`.
    latest = {i: _latest_year(e.feats().specifics) for i, e in enumerate(entries)}

    def years_apart(x: int, y: int) -> bool:
        """Story x is of a year that story y (of enough members) never reaches: x's own year
        (said by OWN_SHARE of its members; for one article, the latest it says) is later than
        every year y says, or y says none. Only for undated stories: dates tell better."""
        if span[x] is not None and span[y] is not None:
            return False
        one = len(members[x]) == 1
        if len(members[y]) < (SOLO_MIN_MEMBERS if one else YEAR_MIN_MEMBERS):
            return False
        year = latest[x] if one else _latest_year(own_of(x))
        return year > latest[y]

    def subject(x: int) -> set[str]:
        """The names every title of story x gives (SUBJECT_MIN_MEMBERS or more members)."""
        if len(members[x]) < SUBJECT_MIN_MEMBERS:
            return set()
        return titled_of(x).intersection(specifics_of(x)) - common_words

    def two_subjects(x: int, y: int) -> bool:
        """Story x's subject is never said by y, and y names someone x never says."""
        of_x = subject(x)
        if not of_x or of_x & mentioned_of(y):
            return False
        return any(
            not w.startswith("#") for w in set(specifics_of(y)) - mentioned_of(x) - common_words
        )

    span: dict[int, tuple[float, float] | None] = {
        i: None if e.when is None else (_day(e.when), _day(e.when)) for i, e in enumerate(entries)
    }
    # A link between stories further apart than the window waits: it is tried again once a pass
    # has joined stories (the story may since have a report within the window).
    pending = found
    while pending:
        waiting: list[tuple[float, int, int, list[str]]] = []
        joined = False
        for similarity, i, j, shared in pending:
            why = (
                f"{entries[i].ref.title!r} and {entries[j].ref.title!r}: "
                f"shared parties {', '.join(shared) or 'none'}; similarity {similarity:.2f}"
            )
            a, b = owner[i], owner[j]
            if a == b:
                reasons.setdefault(a, []).append(why)
                continue
            average = cosine(sums[a], sums[b]) / (len(members[a]) * len(members[b]))
            if average < AVERAGE_TO_JOIN:
                continue
            own_a, own_b = own_of(a), own_of(b)
            if own_a and own_b and own_a - mentioned_of(b) and own_b - mentioned_of(a):
                continue
            if years_apart(a, b) or years_apart(b, a):
                continue
            if two_subjects(a, b) or two_subjects(b, a):
                continue
            if _gap(span[a], span[b]) > GROUP_WINDOW_DAYS:
                waiting.append((similarity, i, j, shared))
                continue
            joined = True
            if b < a:
                a, b = b, a
            sa, sb = span[a], span.pop(b)
            span[a] = (
                sb if sa is None else sa if sb is None else (min(sa[0], sb[0]), max(sa[1], sb[1]))
            )
            for k in members[b]:
                owner[k] = a
            specifics[a] = specifics_of(a) + specifics_of(b)
            mentioned[a] = mentioned_of(a) | mentioned_of(b)
            titled[a] = titled_of(a) & titled_of(b)
            for held in (specifics, mentioned, titled, own):
                held.pop(b, None)
            latest[a] = max(latest[a], latest.pop(b))
            members[a] += members.pop(b)
            own[a] = _own(specifics[a], len(members[a]))
            reasons[a] = [*reasons.get(a, []), *reasons.pop(b, []), why]
            total = sums[a]
            if a not in copied:
                total = sums[a] = dict(total)
                copied.add(a)
            copied.discard(b)
            for w, weight in sums.pop(b).items():
                total[w] = total.get(w, 0.0) + weight
        pending = waiting if joined else []
    return [
        ([entries[i] for i in sorted(ids)], reasons.get(root, []))
        for root, ids in sorted(members.items())
    ]


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_QUANTITY = re.compile(
    r"\b(\d[\d,.]*|" + "|".join(_NUMBER_WORDS) + r")\s+([^\W\d_]{3,})", re.IGNORECASE
)
QUANTITY_SUBJECT = 0.2


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def _quantities(text: str) -> dict[str, str]:
    """'Fourteen people died' -> {'people': '14'}: a count and what it counts."""
    out = {}
    for number, unit in _QUANTITY.findall(text):
        n = _NUMBER_WORDS.get(number.lower(), number.rstrip(".,").replace(",", ""))
        out[unit.lower()] = n
    return out


def _counts_differ(a: str, b: str) -> str | None:
    """The reason two facts count the same thing differently ("people: 12 vs 14"), if they do."""
    qa, qb = _quantities(a), _quantities(b)
    for unit in sorted(qa.keys() & qb.keys()):
        if qa[unit] != qb[unit] and jaccard(content_words(a), content_words(b)) >= (
            QUANTITY_SUBJECT
        ):
            return f"same count, different numbers: {qa[unit]} vs {qb[unit]} {unit}"
    return None


def _facts(members: list[tuple[Entry, Brief]]) -> tuple[list[StoryFact], list[Disagreement]]:
    from summarizer.config import offline_disagreements_shown

    facts: list[StoryFact] = []
    keys: list[set[str]] = []
    numbers: list[set[str]] = []
    disagreements: list[Disagreement] = []
    # Rules' disagreements among offline briefs are hidden unless `offline_disagreements` is set
    # (on ECB+ dev events nearly all were wrong: eval/synthesis/README.md); facts are unchanged.
    shown = offline_disagreements_shown() or all(b.meta.engine != "offline" for _, b in members)
    for e, brief in members:
        for f in brief.key_facts:
            w = content_words(f.statement)
            nums = _numbers(f.statement)
            for k, fact in enumerate(facts):
                counted = _counts_differ(fact.statement, f.statement)
                if counted and e.article_id not in fact.sources:
                    disagreements.append(
                        Disagreement(
                            about=" ".join(sorted(w & keys[k])[:8]),
                            claims=[fact.statement, f.statement],
                            sources=[fact.sources[0], e.article_id],
                            reason=counted,
                        )
                    )
                    break
                same_subject = jaccard(w, keys[k]) >= DISAGREE_SUBJECT
                if (
                    same_subject
                    and nums
                    and numbers[k]
                    and nums != numbers[k]
                    and (e.article_id not in fact.sources)
                ):
                    disagreements.append(
                        Disagreement(
                            about=" ".join(sorted(w & keys[k])[:8]),
                            claims=[fact.statement, f.statement],
                            sources=[fact.sources[0], e.article_id],
                            reason="same subject, different numbers: "
                            f"{', '.join(sorted(numbers[k]))} vs {', '.join(sorted(nums))}",
                        )
                    )
                    break
                if jaccard(w, keys[k]) >= FACT_MERGE and nums == numbers[k]:
                    if e.article_id not in fact.sources:
                        fact.sources.append(e.article_id)
                        fact.evidence.append(f.evidence[0])
                        if f.attribution and f.attribution not in fact.attributions:
                            fact.attributions.append(f.attribution)
                        if {fact.status, f.status} == {"confirmed", "disputed"}:
                            disagreements.append(
                                Disagreement(
                                    about=fact.statement,
                                    claims=[
                                        f"{fact.status}: {fact.statement}",
                                        f"{f.status}: {f.statement}",
                                    ],
                                    sources=[fact.sources[0], e.article_id],
                                    reason="one source says confirmed, another disputed",
                                )
                            )
                    break
            else:
                facts.append(
                    StoryFact(
                        statement=f.statement,
                        status=f.status,
                        sources=[e.article_id],
                        evidence=[f.evidence[0]],
                        attributions=[f.attribution] if f.attribution else [],
                    )
                )
                keys.append(w)
                numbers.append(nums)
    facts.sort(key=lambda f: -len(f.sources))
    return facts, disagreements if shown else []


def _positions(members: list[tuple[Entry, Brief]]) -> list[StoryPosition]:
    canonical: dict[str, str] = {}
    for _, brief in members:
        for p in brief.parties:
            for n in [p.name, *p.aliases]:
                canonical.setdefault(normalize(n).strip(), p.name)
    out: dict[str, StoryPosition] = {}
    for e, brief in members:
        for pos in brief.positions:
            name = canonical.get(normalize(pos.party).strip(), pos.party)
            sp = out.setdefault(
                name, StoryPosition(party=name, stances=[], sources=[], evidence=[])
            )
            if pos.stance not in sp.stances:
                sp.stances.append(pos.stance)
            if e.article_id not in sp.sources:
                sp.sources.append(e.article_id)
            sp.evidence.append(pos.evidence[0])
    return list(out.values())


def _why_shown(why: list[str]) -> list[str]:
    """At most WHY_SHOWN reasons, most alike first, and a count of the rest."""
    if not why:
        return ["a single source"]
    if len(why) <= WHY_SHOWN:
        return why
    shown = sorted(why, key=_why_similarity, reverse=True)[:WHY_SHOWN]
    rest = len(why) - WHY_SHOWN
    return [*shown, f"and {rest} more alike pair{'s' if rest > 1 else ''} of these sources"]


def _why_similarity(why: str) -> float:
    found = re.search(r"similarity (\d+\.\d+)$", why)
    return float(found.group(1)) if found else 0.0


def _copy_text(e: Entry, brief: Brief, own: bool) -> str | None:
    """The text copies are told by: the article's own (`own`; None when it cannot be read),
    else the words the brief quotes from it."""
    if own:
        return e.text() if e.text is not None else None
    quoted = [brief.summary, *(f.statement for f in brief.key_facts)]
    quoted += [q for f in brief.key_facts for q in f.evidence]
    quoted += [q for p in brief.positions for q in p.evidence]
    return "\n".join(quoted)


def _fold_copies(
    loaded: list[tuple[Entry, Brief]],
) -> tuple[list[tuple[Entry, Brief]], dict[str, SourceRef], int]:
    """Syndicated copies folded (syndication.py): the canonical members in story order, each
    canonical's ref (by article id) with the outlets that also carried its text, and how many
    copies were folded.

    The canonical of a group is the fullest text, else the first with a known outlet, else the
    earliest. Texts are compared like with like: the articles' own when every member's can be
    read, else the words each brief quotes."""
    if len(loaded) < 2:
        return loaded, {}, 0
    own = all(e.text is not None for e, _ in loaded)
    far = datetime.max.replace(tzinfo=UTC)

    def when(e: Entry) -> datetime:
        w = e.when or far
        return w if w.tzinfo else w.replace(tzinfo=UTC)

    order = sorted(
        range(len(loaded)), key=lambda k: (loaded[k][0].ref.outlet is None, when(loaded[k][0]), k)
    )
    # One text at a time: only each group's canonical sketch is kept (a text that cannot be
    # read back is empty, and never a copy). The agency a copy credits is noted on the way.
    wires: dict[int, str] = {}

    def sketch(k: int) -> frozenset[int]:
        text = _copy_text(*loaded[k], own) or ""
        if own and (wire := syndication.wire_of(text)):
            wires[k] = wire
        return syndication.shingles(text)

    sketches = (sketch(k) for k in order)
    refs: dict[str, SourceRef] = {}
    keep: set[int] = set()
    folded = 0
    for group in syndication.copy_groups(sketches):
        first = order[group[0]]
        keep.add(first)
        if len(group) == 1:
            continue
        folded += len(group) - 1
        ref = loaded[first][0].ref
        # The canonical's credit line, else a copy's: one "(AP)" dateline names the text's agency.
        wire = next((wires[order[k]] for k in group if order[k] in wires), None)
        # Each copy and the outlets that carried its very text (run.py lists those on it),
        # one per outlet: an outlet seen on an identical and on a near-identical copy is one.
        others: list[SourceRef | OutletRef] = []
        for k in group[1:]:
            copy = loaded[order[k]][0].ref
            others += [copy, *copy.also_carried_by]
        carried = ref.carried_with(others)
        refs[loaded[first][0].article_id] = ref.model_copy(
            update={"wire": wire or ref.wire, "also_carried_by": carried}
        )
    return [loaded[k] for k in sorted(keep)], refs, folded


def build_story(members: list[Entry], why: list[str]) -> Story:
    """One story from its entries: lead summary, merged facts, positions, questions, conflicts.

    The members' briefs are loaded here (from the store, for compact entries) and dropped when
    the story is built. Syndicated copies (one text carried by many outlets) are one source with
    the outlets that also carried it; facts, positions and quotes cite that source."""
    every = members
    loaded, carried, folded = _fold_copies([(e, e.full()) for e in members])
    members = [e for e, _ in loaded]
    of = {id(e): b for e, b in loaded}
    lead, lead_brief = max(
        loaded, key=lambda eb: (len(eb[1].key_facts) + len(eb[1].parties), eb[0].ref.title)
    )
    facts, disagreements = _facts(loaded)
    questions: list[str] = []
    seen: list[set[str]] = []
    for _, brief in loaded:
        for q in brief.open_questions:
            w = content_words(q.question)
            if all(jaccard(w, s) < FACT_MERGE for s in seen):
                seen.append(w)
                questions.append(q.question)
    parties = list(dict.fromkeys(p.name for _, b in loaded for p in b.parties))
    newest = max((e.when for e in every if e.when), default=None)
    recency = 0.0
    if newest is not None:
        age_h = max((datetime.now(newest.tzinfo) - newest).total_seconds() / 3600, 0.0)
        recency = 1.0 / (1.0 + age_h / 24)
    summary = lead_brief.summary
    if len(members) > 1:
        summary += f" ({len(members)} sources.)"
    sid = hashlib.sha256("".join(sorted(e.article_id for e in every)).encode()).hexdigest()
    # A headline, never a dateline, code or a path: the page's or feed's title first.
    title = headline(
        [
            *(e.ref.title for e in [lead, *members] if e.ref.title not in (e.ref.path, e.ref.url)),
            lead_brief.title,
            *(first_sentence(of[id(e)].summary) for e in [lead, *members]),
            *(f.statement for f in facts),
        ],
        fallback=lead_brief.title,
    )
    # Copies count: twelve outlets carrying one wire story are twelve outlets on the front page.
    # The outlets that carried a member's very text too (run.py) count as well.
    outlets = {k for e in every for k in e.ref.outlet_keys()}
    tags: Counter[str] = Counter(c for e in every for c in dict.fromkeys(e.ref.categories))
    shown = _why_shown(why)
    if folded:
        shown.insert(
            0,
            f"{folded} near-identical cop{'ies' if folded > 1 else 'y'} of one text shown as "
            f"one source (at least {syndication.COPY_CONTAINMENT:.0%} of the shorter text's "
            "word sequences in the other)",
        )
    return Story(
        id=sid[:12],
        title=title,
        summary=summary,
        # Distinct outlets, then recency (1 for now, 0.5 a day old, ...).
        importance=round(len(outlets) + recency, 3),
        categories=[c for c, _ in tags.most_common(5)],
        sources=[carried.get(e.article_id, e.ref) for e in members],
        why_grouped=shown,
        parties=parties,
        facts=facts,
        positions=_positions(loaded),
        open_questions=questions,
        disagreements=disagreements,
    )


def stories(entries: list[Entry]) -> list[Story]:
    """All stories, most important first (distinct outlets, then recency, then title)."""
    groups = group(entries)
    # Grouped: an entry that reads its brief back from the store needs its features no more,
    # and they are most of what a digest's entries hold (issue 15).
    for e in entries:
        if e.load is not None:
            e.features = None
    built = [build_story(members, why) for members, why in groups]
    return sorted(built, key=lambda s: (-s.importance, s.title))
