"""Syndicated copies: the same wire text carried by many outlets, shown as one source.

An agency's story (AP, Reuters, a press release) is published by many outlets with small
edits: another headline, a dateline, a trimmed last paragraph, an "AP contributed" line. A
digest that lists each copy as a source shows twelve identical cards; readers of Kagi News or
Ground News expect "AP, carried by 12 outlets". Within a story (grouping has already put the
copies together), two members are copies when most of the shorter text's word sequences are
in the longer one: COPY_CONTAINMENT of its 5-word shingles (|A ∩ B| / min(|A|, |B|)).
Containment, not Jaccard, so a copy trimmed to its first paragraphs still counts.

The threshold was set by reading pairs of ECB+ (982 articles, many outlets per event;
`eval/grouping/ecbplus`): of its 42 pairs with a containment of 0.78 or more, the 17 read
(0.78 to 0.98) were each one text with edits (headline, dateline, house style, a cut tail);
the 6 read from 0.75 down were rewrites (a write-through with a new lede, a story built around
a few wire paragraphs), which keep facts of their own. No pair of two events reaches 0.3
there, nor 0.5 in the Wikinews set (144 articles) or GVC (152). `python
scripts/syndication_eval.py` folds each set as one story and lists the folds: ECB+ 32, GVC 3,
Wikinews 0, none across two events.

The texts compared are the articles' own when the digest can read them back (`Entry.text`);
otherwise the words each brief quotes from its article (summary, statements, evidence), which
measure lower for the same copies and so fold fewer (`--briefs`: ECB+ 19, GVC 3, Wikinews 0,
every one also a fold by the texts). Short texts (fewer than MIN_SHINGLES shingles) are never
folded: a few shared sentences do not make a copy.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SHINGLE_WORDS = 5
COPY_CONTAINMENT = 0.8
MIN_SHINGLES = 30
# A copy at least this much longer than the group's canonical text takes its place: the
# canonical is the fullest text, so the story's facts come from all of it.
FULLER = 1.2
# Candidates are found through every SAMPLE-th shingle (by hash), then checked exactly.
SAMPLE = 8
SAMPLE_MIN = 8

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# The agency a copy credits: its dateline ("WASHINGTON (AP) —", "(Reuters) -") near the start,
# or a credit line near the end ("The Associated Press contributed", "(Reporting by ...").
_WIRES = (
    (
        "AP",
        re.compile(r"\((?:AP|The Associated Press)\)"),
        re.compile(
            r"Associated Press (?:contributed|writers?|reporters?)|\(AP\)|Copyright \d{4} The "
            r"Associated Press"
        ),
    ),
    ("Reuters", re.compile(r"\(Reuters\)"), re.compile(r"\(Reporting by |\(Reuters\)")),
    ("AFP", re.compile(r"\(AFP\)"), re.compile(r"\(AFP\)|Agence France-Presse contributed")),
)


def shingles(text: str) -> frozenset[int]:
    """The hashes of a text's 5-word sequences (lower-cased words; punctuation ignored)."""
    words = [w.lower() for w in _WORD.findall(text)]
    n = SHINGLE_WORDS
    return frozenset(hash(tuple(words[i : i + n])) for i in range(max(0, len(words) - n + 1)))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """|a ∩ b| / min(|a|, |b|): how much of the shorter text is in the longer one."""
    if not a or not b:
        return 0.0
    if len(b) < len(a):
        a, b = b, a
    return len(a & b) / len(a)


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether two texts are one text with small edits (both long enough to tell)."""
    return min(len(a), len(b)) >= MIN_SHINGLES and containment(a, b) >= COPY_CONTAINMENT


def wire_of(text: str) -> str | None:
    """The news agency a text credits: "(AP)" in its dateline, a credit line at its end."""
    head, tail = text[:300], text[-300:]
    for name, dateline, credit in _WIRES:
        if dateline.search(head) or credit.search(tail):
            return name
    return None


@dataclass
class _Group:
    canonical: int
    members: list[int]
    sketch: frozenset[int]


def copy_groups(sketches: Iterable[frozenset[int]]) -> list[list[int]]:
    """Indexes grouped into copies of one text; each group's canonical first.

    `sketches` come in order of preference for the canonical (the caller's: a known outlet,
    then the earliest). Each text joins the first group whose canonical it is a copy of; a copy
    FULLER than the canonical takes its place. Candidates come from a sampled index of the
    canonicals' shingles (every text with SAMPLE_MIN sampled shingles or fewer is checked
    against every group), so n copies of one text cost n comparisons, not n². Only the
    canonicals' sketches are kept: `sketches` may be a generator.
    """
    groups: list[_Group] = []
    index: dict[int, list[int]] = {}
    for i, sketch in enumerate(sketches):
        sampled = [h for h in sketch if h % SAMPLE == 0]
        hits: Counter[int] = Counter()
        for h in sampled:
            hits.update(index.get(h, ()))
        candidates = [g for g, _ in hits.most_common()]
        if len(sampled) <= SAMPLE_MIN:
            candidates += [g for g in range(len(groups)) if g not in hits]
        joined = next((g for g in candidates if is_copy(sketch, groups[g].sketch)), None)
        if joined is None:
            joined = len(groups)
            groups.append(_Group(i, [], sketch))
        group = groups[joined]
        group.members.append(i)
        if len(sketch) >= FULLER * len(group.sketch):
            group.canonical, group.sketch = i, sketch
        if group.canonical == i:
            for h in sampled:
                index.setdefault(h, []).append(joined)
    return [[g.canonical, *(i for i in g.members if i != g.canonical)] for g in groups]
