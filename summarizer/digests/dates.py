"""Dates in news text, absolute ("March 1, 2008") or relative ("on Monday", "yesterday", "last
week"), resolved against the article's own date.

News writes dates relative to the day it is published: "on Friday" in a story dated Tuesday
2011-03-08 is Friday 2011-03-04; "yesterday" is the day before. A weekday is taken as the most
recent one on or before the article's date, or the next one when the sentence speaks of the
future ("will", "is due to", "next Monday"). Absolute dates are parsed by dateutil; a date with
no year takes the article's year (the year before, when that would put a past event more than
a month after the article).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil import parser as dateutil_parser

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_M = rf"(?:{_MONTHS})\.?"

# Longest forms first, so "March 1, 2008" is one mention, not "March 1" and a stray year.
_ABSOLUTE = re.compile(
    # a weekday before a full date is part of it (a dateline: "Thursday, February 23, 2023")
    r"\b(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+"
    rf"(?={_M}\s+{_DAY},?\s+{_YEAR}|{_DAY}\s+{_M},?\s+{_YEAR}))?"
    rf"(?:{_YEAR}-[01]\d-[0-3]\d"  # 2008-03-01
    rf"|{_M}\s+{_DAY},?\s+{_YEAR}"  # March 1, 2008
    rf"|{_DAY}\s+{_M},?\s+{_YEAR}"  # 1 March 2008
    rf"|{_M}\s+{_DAY}"  # March 1
    rf"|{_DAY}\s+{_M}"  # 1 March
    rf"|{_M}\s+{_YEAR}"  # March 2008
    r")\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?:(?P<mod>last|this|next|on|earlier\s+this|late\s+on|early\s+on)\s+)?"
    r"(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?P<word>yesterday|today|tonight|tomorrow|this\s+morning|this\s+afternoon"
    r"|this\s+evening|last\s+night|last\s+week|next\s+week|last\s+month|next\s+month"
    r"|last\s+year|next\s+year)\b",
    re.IGNORECASE,
)
# A sentence about what is still to come: its bare weekdays point forward.
FUTURE = re.compile(
    r"\b(?:will|won't|shall|(?:is|are)\s+(?:due|set|expected|scheduled|going)\b"
    r"|is\s+to|are\s+to"
    r"|next\s+(?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|tomorrow|upcoming|later\s+this\s+(?:week|month|year))\b",
    re.IGNORECASE,
)

# A statement that something is still to come: a future verb form, not a date word alone ("by
# next year" in "the talks broke down when they insisted on cuts by next year" is no forecast).
# Bare "is to" / "are to" is left out: it is a relative clause ("the first that is to be
# delivered") or a condition ("if they are to meet demand") far more often than a schedule.
# "is due to" is a schedule before a verb ("is due to arrive"), a cause before a noun phrase
# ("this is due to the ongoing events"); "plans to" is a plan after its subject ("GM plans to",
# "they plan to"), a noun after an adjective or a verb ("tentative plans to", "announced plans to").
_NOT_A_VERB = (
    r"(?!\s+(?:(?:the|a|an|its|their|his|her|this|these|those|our|ongoing)\b|(?-i:[A-Z0-9$£€])))"
)
FORWARD = re.compile(
    r"\b(?:will|won't|shall"
    r"|(?:is|are|'s|'re)\s+(?:now\s+|also\s+|still\s+)?(?:set|expected|scheduled|going|"
    r"planning|poised|slated|likely)\s+to"
    rf"|(?:is|are|'s|'re)\s+(?:now\s+|also\s+|still\s+)?due\s+to{_NOT_A_VERB}"
    r"|(?:is|are)\s+(?:due|scheduled|slated)\s+(?:for|on|in)"
    r"|(?:\b(?:he|she|it|company|government|firm|group|bank|board|council|ministry|airline|"
    r"administration|carmaker|automaker|maker|union|party)|(?-i:\b[A-Z][\w&.'-]*))"
    r"\s+(?:also\s+|now\s+|still\s+)?(?:plans|intends)\s+to"
    r"|\b(?:they|we|I|you)\s+(?:also\s+|now\s+|still\s+)?(?:plan|intend)\s+to)\b",
    re.IGNORECASE,
)
# "are to be arraigned Thursday": a schedule, when the sentence names a date still ahead (bare,
# "is to be delivered" is as often a relative clause).
TO_BE_DONE = re.compile(r"\b(?:is|are)\s+to\s+be\s+[a-z]+(?:ed|en|d)\b", re.IGNORECASE)
# A forecast someone doubts or fears is no forecast of the writer's ("worries that the
# government will nationalize the banks", "uncertainty over whether the bill will be effective").
DOUBTED = re.compile(
    r"\b(?:whether|if|worr(?:y|ies|ied)|fears?|feared|concerns?|uncertainty|doubts?|speculation|"
    r"rumou?rs?)\b[^,;.:]*$",
    re.IGNORECASE,
)
# A plan told as past that did not happen as planned ("ANA were to take delivery in May 2008,
# but will now ..."): its date is no event.
UNREALISED = re.compile(
    r"\b(?:was|were)\s+(?:originally\s+|initially\s+|supposed\s+|meant\s+)?to\s+(?!be\b)"
    r"[a-z]+|\b(?:was|were)\s+(?:originally\s+|initially\s+)(?:due|expected|scheduled|set)\b",
    re.IGNORECASE,
)

# Where a clause ends: a comma, semicolon, colon, dash or bracket, or before "that", "amid",
# "because", "although", "while", "whether" (a date's tense is its own clause's).
_CLAUSE = re.compile(
    r"[,;:()\u2013\u2014]|\s(?=(?:that|amid|amidst|because|although|while|whether)\b)",
    re.IGNORECASE,
)


def same_clause(text: str, a: int, b: int) -> bool:
    """Whether no clause boundary (`_CLAUSE`) stands between two positions of a text."""
    lo, hi = min(a, b), max(a, b)
    return not any(lo < m.start() < hi for m in _CLAUSE.finditer(text))


# A quotation, to its closing mark or (when the text ends inside it) to the end.
_QUOTED = re.compile(r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)")


# A quotation's closing mark and its speech tag ('... go off," Mehler said'), when the text
# lost the opening mark (a paragraph that opens inside the quotation).
_CLOSED_UNOPENED = re.compile(
    r"^[^“\"]{8,}?[,.!?]\s*[”\"]\s*(?=(?:said|says|added|adds|told|asked|wrote)\b"
    r"|(?:[\w.'-]+\s+){1,5}(?:said|says|added|adds|told|asked|wrote)\b)"
)


def without_quotes(text: str) -> str:
    """`text` with every quotation blanked out (same length): what the writer says, not what
    someone is quoted saying (also a quotation whose opening mark the text lost: 'So if you
    touch it lightly, it's going to go off," Mehler said')."""
    lost = _CLOSED_UNOPENED.match(text)
    if lost:
        text = " " * lost.end() + text[lost.end() :]
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


# A date after these words is a reference point ("lows not seen since October 1982"), not when
# the event happened.
_REFERENCE = re.compile(r"\b(?:since|until|till|than|as\s+of|by)\s+(?:the\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """A date said in a text: the words, where they are, and the date they stand for."""

    said: str
    start: int
    end: int
    value: str  # YYYY-MM-DD, YYYY-MM or YYYY
    relative: bool

    @property
    def day(self) -> date | None:
        """The date, when the mention names a day."""
        return date.fromisoformat(self.value) if len(self.value) == 10 else None


def as_date(value: str | datetime | date | None) -> date | None:
    """An article's date from an ISO string or a datetime (None when there is none)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None


def _month_shift(base: date, months: int) -> str:
    n = base.year * 12 + base.month - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _weekday(base: date, name: str, mod: str, future: bool) -> date:
    target = _WEEKDAYS.index(name.lower())
    back = (base.weekday() - target) % 7  # days since the last such weekday (0: today)
    mod = " ".join(mod.lower().split())
    if mod == "next":
        return base + timedelta(days=(target - base.weekday()) % 7 or 7)
    if mod == "last":
        return base - timedelta(days=back or 7)
    if future and mod not in {"earlier this"}:
        return base + timedelta(days=(target - base.weekday()) % 7)
    return base - timedelta(days=back)


def _relative(m: re.Match[str], base: date, future: bool) -> str | None:
    if m.group("day"):
        return _weekday(base, m.group("day"), m.group("mod") or "", future).isoformat()
    word = " ".join(m.group("word").lower().split())
    days = {
        "yesterday": -1,
        "last night": -1,
        "today": 0,
        "tonight": 0,
        "this morning": 0,
        "this afternoon": 0,
        "this evening": 0,
        "tomorrow": 1,
    }
    if word in days:
        return (base + timedelta(days=days[word])).isoformat()
    if word in {"last week", "next week"}:
        # The Monday of that week: the timeline shows it as "the week of ...".
        monday = base - timedelta(days=base.weekday())
        return (monday + timedelta(days=-7 if word == "last week" else 7)).isoformat()
    if word in {"last month", "next month"}:
        return _month_shift(base, -1 if word == "last month" else 1)
    if word in {"last year", "next year"}:
        return f"{base.year + (-1 if word == 'last year' else 1):04d}"
    return None  # pragma: no cover - every alternative of _RELATIVE is handled above


def _absolute(said: str, base: date | None, future: bool) -> str | None:
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", said, flags=re.IGNORECASE)
    has_day = bool(re.search(r"\b(?:[12]\d|3[01]|0?[1-9])\b(?!\d)", re.sub(_YEAR, "", text)))
    has_year = bool(re.search(_YEAR, text))
    if not has_year and base is None:
        return None
    year = base.year if base else 2000
    try:
        parsed = dateutil_parser.parse(text, default=datetime(year, 1, 1))
    except (ValueError, OverflowError):
        return None
    if not has_day:
        return f"{parsed.year:04d}-{parsed.month:02d}"
    value = parsed.date()
    if not has_year and base is not None and not future and value > base + timedelta(days=31):
        value = value.replace(year=value.year - 1)  # "on December 30" in a January article
    return value.isoformat()


def find_dates(text: str, base: str | datetime | date | None) -> list[DateMention]:
    """Every date `text` names, resolved against `base` (the article's date), in text order.

    Relative dates need `base`; without it only dates that name their year are returned.
    """
    day = as_date(base)
    # What a quotation says is dated by when it was said, which the text does not tell: its
    # relative dates are not resolved, and its tenses do not make the sentence's future.
    quoted = without_quotes(text)
    future = bool(FUTURE.search(quoted))
    bounds = [0, *(m.end() for m in _CLAUSE.finditer(quoted)), len(quoted)]

    def ahead(start: int, end: int) -> bool:
        """Whether the clause a date stands in speaks of the future: "announced Friday that it
        will give" is the Friday before; "On Monday, the board will meet" the Monday after (a
        clause of the date alone takes the next clause's tense)."""
        i = max(k for k, b in enumerate(bounds) if b <= start)
        j = min(k for k, b in enumerate(bounds) if b >= end)
        clause = quoted[bounds[i] : bounds[j]]
        if len(quoted[bounds[i] : start].split() + quoted[end : bounds[j]].split()) < 2:
            clause = quoted[bounds[i] : bounds[min(j + 1, len(bounds) - 1)]]
        return bool(FUTURE.search(clause))

    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for m in _ABSOLUTE.finditer(text):
        if _REFERENCE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        value = _absolute(m.group(0), day, future and ahead(m.start(), m.end()))
        if value:
            found.append(DateMention(m.group(0), m.start(), m.end(), value, relative=False))
            taken.append(m.span())
    if day is not None:
        for m in _RELATIVE.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if quoted[m.start() : m.end()].strip() == "":
                continue
            if _REFERENCE.search(text[max(0, m.start() - 12) : m.start()]):
                continue
            # "May" alone is a verb far more often than a month: only weekdays and the words.
            value = _relative(m, day, future and ahead(m.start(), m.end()))
            if value:
                found.append(DateMention(m.group(0), m.start(), m.end(), value, relative=True))
    return sorted(found, key=lambda d: d.start)


def written_on(text: str, base: str | datetime | date | None) -> str | None:
    """The day an article was written, when its text says it and its date does not: a sentence
    that names a day within the week before `base` together with "today" ("In a press conference
    ... June 1st, Henderson, whose company filed for bankruptcy earlier today") dates its "today"
    by that day. Else `base` (as YYYY-MM-DD), or None.
    """
    day = as_date(base)
    if day is None:
        return None
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not re.search(r"\btoday\b", without_quotes(sentence), re.IGNORECASE):
            continue
        for d in find_dates(sentence, day):
            if not d.relative and d.day is not None and day - timedelta(days=7) <= d.day < day:
                return d.day.isoformat()
    return day.isoformat()


def describe(value: str, said: str | None = None) -> str:
    """A date as a reader sees it in a timeline: 'Mon 3 Mar 2008', 'Mar 2008', 'week of ...'."""
    if said and " ".join(said.lower().split()) in {"last week", "next week"} and len(value) == 10:
        return f"week of {date.fromisoformat(value):%-d %b %Y}"
    if len(value) == 10:
        return f"{date.fromisoformat(value):%a %-d %b %Y}"
    if len(value) == 7:
        return f"{date.fromisoformat(value + '-01'):%b %Y}"
    return value
