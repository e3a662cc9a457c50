"""Repair, don't redo: ask again for only the items of a reply that failed grounding.

A reply whose items fail the guard (a quote the article does not hold, a quote given to the
wrong party, an overstated status ...) used to be re-asked whole: the article, the whole failed
reply and the error went back, and a whole new brief came back. Here the failing items are sent
alone, each with its problems and the article's nearest passage (`passage_for`), in the small
`RepairReply` schema; the answers replace those items in the reply already checked (items that
passed stay as they are), and the merged reply is checked again. A full re-ask is left for a
reply that is unusable as a whole: nothing of its facts and positions passes.

This module does no I/O. `flow` is a generator that yields the requests to make (`Ask`) and
receives their parsed answers; `summarizer.brief.llm` runs it with the sync or the async client, so
every call goes through the same transport, cost cap and call log.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from summarizer.brief.grounding import (
    ArticleIndex,
    GroundingIssue,
    GroundingReport,
    check_reply,
    content_words,
    format_issues,
)
from summarizer.brief.models import BriefReply, KeyFact, Party, Position, _no_field_titles
from summarizer.brief.prompts import data_boundary, render

REPAIR_PROMPT = "repair-v1"
# A passage shown for one failing quote: at most this many characters of the article.
MAX_PASSAGE_CHARS = 600
# A sentence is the nearest passage of a quote the article does not hold when it shares at
# least this many content words (5-letter stems) with the quote and its statement.
MIN_SHARED_WORDS = 2

Section = Literal["key_facts", "positions", "parties"]
_ITEM = re.compile(r"^(key_facts|positions|parties)\[(\d+)\]")


# --- the repair schema -------------------------------------------------------------------------


def _lean(schema: dict[str, Any]) -> None:
    """The item models' descriptions repeat the brief prompt's rules: the repair prompt says the
    few that matter once, so the repair tool carries only names and types."""
    schema.pop("description", None)
    schema.pop("title", None)  # its key in "$defs" names it
    for prop in schema.get("properties", {}).values():
        prop.pop("description", None)
        prop.pop("title", None)
        prop.pop("default", None)  # optional is said by "required"


class FactItem(KeyFact):
    model_config = ConfigDict(title="KeyFact", json_schema_extra=_lean)


class PositionItem(Position):
    model_config = ConfigDict(title="Position", json_schema_extra=_lean)


class PartyItem(Party):
    model_config = ConfigDict(title="Party", json_schema_extra=_lean)


def _fix_schema(schema: dict[str, Any]) -> None:
    # The repair prompt says what a fix is; the schema keeps the names and types.
    _lean(schema)


class ItemFix(BaseModel):
    """The replacement for one item you were asked to fix; leave all three null to remove it."""

    model_config = ConfigDict(json_schema_extra=_fix_schema)

    path: str
    key_fact: FactItem | None = None
    position: PositionItem | None = None
    party: PartyItem | None = None


class RepairReply(BaseModel):
    """Replacements for the failing items of a brief, one per item."""

    model_config = ConfigDict(title="RepairReply", json_schema_extra=_no_field_titles)

    fixes: list[ItemFix]


# --- failing items and what the article says -------------------------------------------------


@dataclass
class FailingItem:
    """One item of a reply that failed, with every problem found in it."""

    section: Section
    index: int
    item: BaseModel
    problems: list[GroundingIssue] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The item's path, e.g. "key_facts[2]"."""
        return f"{self.section}[{self.index}]"


def item_of(path: str) -> tuple[Section, int] | None:
    """The (section, index) of the item an issue path points into, or None."""
    m = _ITEM.match(path)
    return (m.group(1), int(m.group(2))) if m else None  # type: ignore[return-value]


def failing_items(reply: BriefReply, report: GroundingReport) -> list[FailingItem]:
    """The reply's failing items, in the reply's order, with their problems."""
    found: dict[tuple[Section, int], FailingItem] = {}
    for issue in report.issues:
        key = item_of(issue.path)
        if key is None:
            continue
        section, i = key
        items: list[Any] = getattr(reply, section)
        if i >= len(items):
            continue
        if key not in found:
            found[key] = FailingItem(section, i, items[i])
        found[key].problems.append(issue)
    order = {"key_facts": 0, "positions": 1, "parties": 2}
    return sorted(found.values(), key=lambda f: (order[f.section], f.index))


def unusable(reply: BriefReply, failing: list[FailingItem]) -> bool:
    """Whether nothing of the reply's facts and positions passed: redo it whole, then."""
    bad = {(f.section, f.index) for f in failing}
    claims = [("key_facts", i) for i in range(len(reply.key_facts))]
    claims += [("positions", i) for i in range(len(reply.positions))]
    return bool(claims) and all(c in bad for c in claims)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in content_words(text)}


def _sentences(index: ArticleIndex) -> list[tuple[int, int]]:
    text = index.text
    starts = [0, *(s for s in index.locator.sentence_bounds() if 0 < s < len(text))]
    ends = [*starts[1:], len(text)]
    return [(a, b) for a, b in zip(starts, ends, strict=True) if text[a:b].strip()]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_PASSAGE_CHARS:
        return text
    return text[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"


def passage_for(
    index: ArticleIndex,
    spans: list[tuple[int, int]],
    quote: str | None,
    claim: str,
) -> str | None:
    """What the article says where a failing quote belongs.

    A located quote (refused for who says it, a hedge, a status): the sentence it sits in and
    the one before it, where the speaker is often named. A quote the article does not hold: the
    sentence that shares the most content words with the quote and the item's claim (at least
    `MIN_SHARED_WORDS`), or None when no sentence comes near.
    """
    sentences = _sentences(index)
    if not sentences:
        return None
    if spans:
        start, end = spans[0][0], spans[-1][1]
        at = [k for k, (a, b) in enumerate(sentences) if a <= start < b or a < end <= b]
        if not at:
            return None
        lo, hi = sentences[at[0]][0], sentences[at[-1]][1]
        before = sentences[at[0] - 1][0] if at[0] > 0 else lo
        if len(index.text[before:hi]) <= MAX_PASSAGE_CHARS:
            return _clip(index.text[before:hi])
        if len(index.text[lo:hi]) > MAX_PASSAGE_CHARS:
            # A very long sentence: the quote with what surrounds it, as far as room allows.
            room = max(0, MAX_PASSAGE_CHARS - (end - start)) // 2
            lo, hi = max(lo, start - room), min(hi, end + room)
        return _clip(index.text[lo:hi])
    want = _stems(f"{quote or ''} {claim}")
    if not want:
        return None
    best, score = None, 0
    for a, b in sentences:
        shared = len(want & _stems(index.text[a:b]))
        if shared > score:
            best, score = (a, b), shared
    if best is None or score < MIN_SHARED_WORDS:
        return None
    return _clip(index.text[best[0] : best[1]])


def add_passages(
    failing: list[FailingItem], report: GroundingReport, index: ArticleIndex
) -> list[FailingItem]:
    """Fill each failing fact's and position's `passages` (parties get none)."""
    where: dict[str, list[tuple[int, int]]] = {e.path: e.spans for e in report.evidence}
    for f in failing:
        if f.section == "parties":
            continue
        claim = str(getattr(f.item, "statement", None) or getattr(f.item, "stance", ""))
        evidence: list[str] = list(getattr(f.item, "evidence", []))
        paths = {p.path for p in f.problems}
        # The quotes a problem names; an item-level problem (status, statement) concerns all.
        named = [
            j
            for j in range(len(evidence))
            if any(p.startswith(f"{f.path}.evidence[{j}]") for p in paths)
        ]
        for j in named or range(len(evidence)):
            passage = passage_for(
                index, where.get(f"{f.path}.evidence[{j}]", []), evidence[j], claim
            )
            if passage and passage not in f.passages:
                f.passages.append(passage)
    return failing


# --- the requests ----------------------------------------------------------------------------


def _problem_text(issue: GroundingIssue, path: str) -> str:
    message = issue.message
    # The message opens with its own path; the item's path is already the block's heading.
    if message.startswith(issue.path + ": "):
        message = message[len(issue.path) + 2 :]
        if issue.path != path:
            message = f"{issue.path[len(path) :].lstrip('.')}: {message}"
    return message


def repair_messages(reply: BriefReply, failing: list[FailingItem]) -> list[dict[str, str]]:
    """The chat messages asking for replacements of `failing` only (no article, no brief)."""
    blocks: list[dict[str, Any]] = []
    for f in failing:
        blocks.append(
            {
                "path": f.path,
                "item": json.dumps(
                    f.item.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False
                ),
                "problems": [_problem_text(p, f.path) for p in f.problems],
                "passages": f.passages,
            }
        )
    # The listed parties matter to a position (its party must be one of them), not otherwise.
    parties = (
        [p.name for p in reply.parties] if any(f.section == "positions" for f in failing) else []
    )
    texts = [str(b["item"]) for b in blocks] + parties
    texts += [t for b in blocks for t in [*b["problems"], *b["passages"]]]
    user = render(
        f"{REPAIR_PROMPT}.user.j2",
        items=blocks,
        parties=parties,
        boundary=data_boundary(*texts),
    )
    return [
        {"role": "system", "content": render(f"{REPAIR_PROMPT}.system.j2")},
        {"role": "user", "content": user},
    ]


def reask_messages(
    messages: list[dict[str, str]], reply: BriefReply, issues: list[GroundingIssue]
) -> list[dict[str, str]]:
    """A full re-ask: the first request, the reply and every issue (as instructor would)."""
    return [
        *messages,
        {"role": "assistant", "content": reply.model_dump_json()},
        {
            "role": "user",
            "content": format_issues(issues) + "\nCall the function again with the whole "
            "corrected brief.",
        },
    ]


def merge(reply: BriefReply, failing: list[FailingItem], repair: RepairReply) -> BriefReply:
    """`reply` with each failing item replaced by its fix, or removed when the fix is empty.

    Only failing items change: a fix for any other path is ignored, and a failing item with no
    fix (or one of the wrong kind) stays as it was, to fail again.
    """
    fixes: dict[tuple[str, int], ItemFix] = {}
    for given in repair.fixes:
        key = item_of(given.path.strip())
        if key is not None:
            fixes.setdefault(key, given)
    wanted = {(f.section, f.index) for f in failing}
    update: dict[str, list[Any]] = {}
    for section, attr in (
        ("key_facts", "key_fact"),
        ("positions", "position"),
        ("parties", "party"),
    ):
        out: list[Any] = []
        for i, item in enumerate(getattr(reply, section)):
            fix = fixes.get((section, i))
            if (section, i) not in wanted or fix is None:
                out.append(item)
                continue
            new = getattr(fix, attr)
            if new is not None:
                # The lean repair model's fields, as the brief's own item model.
                out.append(type(item).model_validate(new.model_dump()))
            elif fix.key_fact is fix.position is fix.party is None:
                continue  # removed
            else:
                out.append(item)  # a fix of the wrong kind: the item stays as it was
        update[section] = out
    return reply.model_copy(update=update)


# --- the flow --------------------------------------------------------------------------------


@dataclass
class Ask:
    """One request the flow wants made: a whole brief or a repair of some items."""

    kind: Literal["brief", "repair"]
    messages: list[dict[str, str]]
    # instructor's own re-asks allowed inside this request (for a reply that breaks the schema).
    max_retries: int
    # A repair's answer merged into the reply, as the flow will check it next: the async driver
    # grounds that in a worker process first (`offload.aground`), so the flow's check finds it.
    merged: Callable[[RepairReply], BriefReply] | None = None


@dataclass
class Outcome:
    """Where the flow ended: a reply, its report, and whether it passed."""

    reply: BriefReply
    report: GroundingReport
    repairs: int = 0
    reasks: int = 0

    @property
    def ok(self) -> bool:
        """True when the reply passed every check."""
        return not self.report.issues


Flow = Generator[Ask, Any, Outcome]


def flow(
    messages: list[dict[str, str]],
    article: str | ArticleIndex,
    *,
    max_retries: int,
    replies: Callable[[], int],
) -> Flow:
    """Ask for a brief, then repair (or, when unusable, redo) it until it passes.

    Sends `Ask`s and receives a `BriefReply` for a "brief" ask, a `RepairReply` (or None when
    the repair reply was unusable) for a "repair" ask. `replies()` says how many replies the
    model has sent so far (instructor's own re-asks included): no more than `1 + max_retries`
    are asked for. A failure of the first ask (a reply that never fits the schema, an API
    error) is the caller's to map.
    """
    index = ArticleIndex.of(article)
    reply: BriefReply = yield Ask("brief", messages, max_retries)
    return (yield from mend(messages, index, reply, max_retries=max_retries, replies=replies))


def mend(
    messages: list[dict[str, str]],
    article: str | ArticleIndex,
    reply: BriefReply,
    *,
    max_retries: int,
    replies: Callable[[], int],
    redo: bool = True,
) -> Flow:
    """Repair (or, when unusable, redo) a reply already received until it passes.

    `flow` after its first answer; also a reply that came outside a conversation (a Batch API
    answer), with `replies()` counting it. With `redo=False` an unusable reply is not asked for
    again whole: the flow ends there, failing, and the caller decides.
    """
    index = ArticleIndex.of(article)
    outcome = Outcome(reply, check_reply(reply, index))
    while not outcome.ok:
        left = max_retries - (replies() - 1)
        if left <= 0:
            break
        failing = failing_items(reply, outcome.report)
        if not failing or unusable(reply, failing):
            if not redo:
                break
            outcome.reasks += 1
            again = reask_messages(messages, reply, outcome.report.issues)
            reply = yield Ask("brief", again, left - 1)
        else:
            outcome.repairs += 1
            add_passages(failing, outcome.report, index)
            merged = functools.partial(merge, reply, failing)
            ask = Ask("repair", repair_messages(reply, failing), 0, merged=merged)
            fixed: RepairReply | None = yield ask
            if fixed is not None:
                reply = merge(reply, failing, fixed)
        outcome = Outcome(reply, check_reply(reply, index), outcome.repairs, outcome.reasks)
    return outcome
