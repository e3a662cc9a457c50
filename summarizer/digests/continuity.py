"""Stories that last across runs, and the front page.

The store remembers every story a digest showed (`StoryState`: its id, member articles, parties
and words for matching, the facts, sources and disagreements it had, when it was first seen and
last updated). The next digest over the same store matches each of its stories to an earlier one:

1. by members: a story that shares articles with an earlier story takes its id (the earlier story
   it shares most with; each earlier id goes to one story only);
2. else by wording, like the grouping but with a higher bar: within WINDOW_DAYS of the earlier
   story's last update, the cosine of their word vectors (tf-idf over this digest's stories and
   the earlier ones) reaches CARRY_ALONE, or CARRY_WITH_PARTY with a shared party. The bars were
   set on the dev half of eval/grouping (`scripts/continuity_eval.py`, one digest a day): the
   grouping's own (0.12 / 0.08) carried ids across storylines ("Apple doubled its profits" into
   the iPhone launch); 0.20 / 0.16 did not on dev (12 of 14 -> 11 of 11 carried pairs in one
   event or storyline; same-event pairs carried 11 of 11 -> 10 of 11), nor on the held-out half
   (21 of 23 -> 20 of 20; 1 of 2 same-event pairs either way).

A matched story is `updated` when it has a fact, a source or a disagreement the earlier one did
not (listed in `since_last`), else `unchanged`; a story matched to nothing is `new`. What the
store keeps is the union of what every digest found, so a fact seen on Monday is not new again
on Wednesday when Tuesday's digest left its article out.

The front page ranks stories by the number of distinct outlets, then by recency (the newest
source's date, else when the story was last updated), stories with something new before
unchanged ones, and keeps `max_stories`; the rest go to "In brief".
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from summarizer.brief.grounding import normalize
from summarizer.brief.models import InBrief, Story, StoryChanges
from summarizer.digests.stories import WINDOW_DAYS, content_words

Unchanged = Literal["fold", "omit", "show"]
UNCHANGED_CHOICES: tuple[str, ...] = ("fold", "omit", "show")
DEFAULT_MAX_STORIES = 12
# Outlets named in a story's one line (In brief, unchanged): a wire story can have hundreds.
ONE_LINE_OUTLETS = 5
# Words kept per story for matching (the most frequent in its title, summary and facts).
TERMS_KEPT = 60
# Earlier stories looked at besides those sharing an article: last updated within this many days.
LOOKBACK_DAYS = 30
# A story with no article in common with an earlier one takes its id when worded this alike
# (cosine), or CARRY_WITH_PARTY with a shared party (see the module's docstring).
CARRY_ALONE = 0.20
CARRY_WITH_PARTY = 0.16


@dataclass
class StoryState:
    """What the store keeps of a story between digests."""

    id: str
    title: str
    members: list[str]
    parties: list[str]
    terms: dict[str, int]
    facts: list[str]
    sources: list[str]
    disagreements: list[str]
    first_seen: datetime
    last_updated: datetime
    fingerprint: str = ""
    categories: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """The state as JSON (datetimes as ISO 8601)."""
        d = asdict(self)
        d["first_seen"] = self.first_seen.isoformat()
        d["last_updated"] = self.last_updated.isoformat()
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> StoryState:
        """A state from `to_json`'s text."""
        d = json.loads(raw)
        d["first_seen"] = datetime.fromisoformat(d["first_seen"])
        d["last_updated"] = datetime.fromisoformat(d["last_updated"])
        return cls(**d)


def _key(text: str) -> str:
    return " ".join(normalize(text).split()).lower()


def _disagreement_key(about: str, reason: str) -> str:
    return _key(f"{about} | {reason}")


def fingerprint(facts: Iterable[str], sources: Iterable[str], disagreements: Iterable[str]) -> str:
    """sha256 (first 16 hex) of a story's facts, sources and disagreements, order ignored."""
    parts = [sorted(set(facts)), sorted(set(sources)), sorted(set(disagreements))]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def _terms(story: Story) -> Counter[str]:
    words: Counter[str] = Counter()
    for text in [story.title, story.title, story.summary, *(f.statement for f in story.facts)]:
        words.update(content_words(text))
    return words


def state_of(story: Story, now: datetime) -> StoryState:
    """A story as the store keeps it (facts, sources and disagreements as matching keys)."""
    facts = [_key(f.statement) for f in story.facts]
    sources = [s.article_id for s in story.sources]
    disagreements = [_disagreement_key(d.about, d.reason) for d in story.disagreements]
    return StoryState(
        id=story.id,
        title=story.title,
        members=sources,
        parties=list(story.parties),
        terms=dict(_terms(story).most_common(TERMS_KEPT)),
        facts=facts,
        sources=sources,
        disagreements=disagreements,
        first_seen=story.first_seen or now,
        last_updated=story.last_updated or now,
        fingerprint=fingerprint(facts, sources, disagreements),
        categories=list(story.categories),
    )


def _merged(old: StoryState, new: StoryState) -> StoryState:
    """The union of what two digests found of one story (the earlier id and first_seen)."""
    terms = Counter(old.terms)
    terms.update(new.terms)

    def union(a: list[str], b: list[str]) -> list[str]:
        return list(dict.fromkeys([*a, *b]))

    facts = union(old.facts, new.facts)
    sources = union(old.sources, new.sources)
    disagreements = union(old.disagreements, new.disagreements)
    return StoryState(
        id=old.id,
        title=new.title,
        members=union(old.members, new.members),
        parties=union(old.parties, new.parties),
        terms=dict(terms.most_common(TERMS_KEPT)),
        facts=facts,
        sources=sources,
        disagreements=disagreements,
        first_seen=old.first_seen,
        last_updated=new.last_updated,
        fingerprint=fingerprint(facts, sources, disagreements),
        categories=union(old.categories, new.categories),
    )


def _unit(terms: dict[str, int], df: Counter[str], n: int) -> dict[str, float]:
    v = {w: (1 + math.log(c)) * math.log((n + 20) / (df[w] + 1)) for w, c in terms.items() if c}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {w: x / norm for w, x in v.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def _similarity_links(
    current: list[StoryState], earlier: list[StoryState], now: datetime
) -> list[tuple[float, int, int]]:
    """(score, i, j): current story i is worded like earlier story j (the grouping's rule)."""
    docs = [s.terms for s in current] + [s.terms for s in earlier]
    df: Counter[str] = Counter(w for d in docs for w in d)
    n = len(docs)
    cur = [_unit(s.terms, df, n) for s in current]
    old = [_unit(s.terms, df, n) for s in earlier]
    out = []
    for j, e in enumerate(earlier):
        if now - e.last_updated > timedelta(days=WINDOW_DAYS):
            continue
        parties = {_key(p) for p in e.parties}
        for i, c in enumerate(current):
            sim = _cosine(cur[i], old[j])
            shared = parties & {_key(p) for p in c.parties}
            if sim >= CARRY_ALONE or (shared and sim >= CARRY_WITH_PARTY):
                out.append((sim, i, j))
    return out


@dataclass
class Carried:
    """What continuity decided for one story: its id, `change`, dates, and the earlier state it
    was matched to (None for a new story), from which `since_last` is told."""

    id: str
    change: Literal["new", "updated", "unchanged"]
    first_seen: datetime
    last_updated: datetime
    old: StoryState | None = None


def match(
    current: list[StoryState], earlier: list[StoryState], now: datetime | None = None
) -> tuple[list[Carried], list[StoryState]]:
    """Match this digest's stories (as `state_of` keeps them) to the earlier ones.

    Returns what each story takes (in `current`'s order) and the states to store (earlier state
    merged with the new one for a matched story). `current`'s states are changed in place.
    """
    now = now or datetime.now(UTC)
    # Matches by shared members first (score: shared count, above any similarity), then wording.
    scored: list[tuple[float, int, int]] = []
    for j, e in enumerate(earlier):
        members = set(e.members)
        for i, c in enumerate(current):
            shared = len(members & set(c.members))
            if shared:
                scored.append((1000.0 + shared, i, j))
    scored += _similarity_links(current, earlier, now)
    scored.sort(key=lambda t: (-t[0], earlier[t[2]].first_seen, t[1], t[2]))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _score, i, j in scored:
        if i in matched or j in taken:
            continue
        matched[i] = j
        taken.add(j)
    used = {e.id for e in earlier}
    carried: list[Carried] = []
    out: list[StoryState] = []
    for i, state in enumerate(current):
        if i not in matched:
            sid = state.id
            while sid in used:  # an id is never reused for another story
                sid = hashlib.sha256(sid.encode()).hexdigest()[:12]
            used.add(sid)
            state.id = sid
            state.first_seen = state.last_updated = now
            carried.append(Carried(sid, "new", now, now))
            out.append(state)
            continue
        old = earlier[matched[i]]
        news = (
            set(state.facts) - set(old.facts)
            or set(state.sources) - set(old.sources)
            or set(state.disagreements) - set(old.disagreements)
        )
        state.last_updated = now if news else old.last_updated
        change: Literal["updated", "unchanged"] = "updated" if news else "unchanged"
        carried.append(Carried(old.id, change, old.first_seen, state.last_updated, old))
        out.append(_merged(old, state))
    return carried, out


def apply(story: Story, carried: Carried) -> None:
    """Give `story` what continuity decided for it (`match`), `since_last` told in full."""
    story.id = carried.id
    story.change = carried.change
    story.first_seen = carried.first_seen
    story.last_updated = carried.last_updated
    story.since_last = None
    old = carried.old
    if carried.change == "updated" and old is not None:
        old_facts, old_dis = set(old.facts), set(old.disagreements)
        story.since_last = StoryChanges(
            new_facts=[f.statement for f in story.facts if _key(f.statement) not in old_facts],
            new_sources=[s.article_id for s in story.sources if s.article_id not in old.sources],
            new_disagreements=[
                d.about
                for d in story.disagreements
                if _disagreement_key(d.about, d.reason) not in old_dis
            ],
        )


def carry_over(
    stories: list[Story], earlier: list[StoryState], now: datetime | None = None
) -> list[StoryState]:
    """Give each story its earlier id, `change`, `since_last`, `first_seen` and `last_updated`.

    Stories are changed in place. Returns the states to store (earlier state merged with the
    new one for a matched story).
    """
    now = now or datetime.now(UTC)
    carried, out = match([state_of(s, now) for s in stories], earlier, now)
    for story, c in zip(stories, carried, strict=True):
        apply(story, c)
    return out


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def outlets(story: Story | InBrief) -> int:
    """Distinct outlets among a story's sources and the outlets that carried copies of them (a
    source with no outlet or domain counts once)."""
    return story.outlet_count if isinstance(story, InBrief) else story.outlet_count()


def newest(story: Story | InBrief) -> datetime | None:
    """The newest source's date, else when the story was last updated."""
    if isinstance(story, InBrief):
        return story.newest or story.last_updated
    dates = [d for d in (_when(s.published) for s in story.sources) if d is not None]
    return max(dates) if dates else story.last_updated


def carriers(story: Story) -> list[str]:
    """The outlets (else domains) that carried a story, each once: each source's own, then its
    copies'."""
    names = (
        n
        for s in story.sources
        for n in [s.outlet or s.domain, *(c.outlet or c.domain for c in s.also_carried_by)]
    )
    return list(dict.fromkeys(n for n in names if n))


def in_brief_item(story: Story) -> InBrief:
    """A story in one line (`InBrief`): what "In brief" shows and the front page ranks by."""
    names = carriers(story)
    dates = [d for d in (_when(s.published) for s in story.sources) if d is not None]
    url = next(
        (
            s.url
            for s in story.sources
            if s.url and s.url.lower().startswith(("http://", "https://"))
        ),
        None,
    )
    return InBrief(
        id=story.id,
        title=story.title,
        summary=story.summary,
        change=story.change,
        first_seen=story.first_seen,
        last_updated=story.last_updated,
        source_count=len(story.sources),
        outlet_count=story.outlet_count(),
        outlets=names[:ONE_LINE_OUTLETS],
        more_outlets=max(len(names) - ONE_LINE_OUTLETS, 0),
        newest=max(dates) if dates else None,
        url=url,
        categories=list(story.categories),
    )


Ranked = TypeVar("Ranked", Story, InBrief)


def front_page(
    stories: list[Ranked],
    max_stories: int | None = DEFAULT_MAX_STORIES,
    unchanged: str = "fold",
) -> tuple[list[Ranked], list[Ranked]]:
    """(front page, in brief): ranked by something new, distinct outlets, recency, title.

    `unchanged="omit"` leaves unchanged stories out of both; `max_stories=None` keeps them all.
    Stories or their one-line items (`in_brief_item`) rank alike.
    """
    if unchanged not in UNCHANGED_CHOICES:
        raise ValueError(f"unchanged must be one of {', '.join(UNCHANGED_CHOICES)}")
    kept = [s for s in stories if not (unchanged == "omit" and s.change == "unchanged")]
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        kept,
        key=lambda s: (
            s.change == "unchanged",
            -outlets(s),
            -(newest(s) or floor).timestamp(),
            s.title,
        ),
    )
    if max_stories is None:
        return ranked, []
    return ranked[:max_stories], ranked[max_stories:]


def states_to_rows(states: list[StoryState]) -> list[dict[str, Any]]:
    """Rows for the store: the columns it indexes and the state as JSON."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "first_seen": s.first_seen.isoformat(),
            "last_updated": s.last_updated.isoformat(),
            "fingerprint": s.fingerprint,
            "members": list(s.members),
            "state_json": s.to_json(),
        }
        for s in states
    ]
