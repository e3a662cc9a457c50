"""A story's title is a headline: never a dateline, a line of code, a path or a URL.

Feeds and pages give titles, briefs give titles, and the offline engine's title is the article's
first sentence, which is sometimes a dateline ("NEWARK, N.J. (AP) — Jurors finished …") or, in a
programming blog, a line of code (`#import <objc/runtime.h>`). The rule, in order:

1. A leading dateline is cut off: a place in capitals, optionally ", STATE" and "(AGENCY)",
   then a dash ("NEWARK, N.J. (AP) — Jurors …" -> "Jurors …").
2. A candidate is refused when it is
   - a dateline alone, or any text with no lower-case letter in it ("NEWARK, N.J.");
   - code: a preprocessor or decorator line (`#import`, `#include`, `@implementation`), a tag
     (`<objc/runtime.h>`, `<div>`), braces, a statement ending in `;`, `()`, `=>`, `::`, `//`,
     or more than a fifth of its characters symbols;
   - a path or a URL (`/tmp/x.txt`, `C:\\x`, `https://…`);
   - without a word of three letters or more, or one word closed by a full stop or a question
     mark ("Mpls.", "Why?": the first line of a page whose headline was split; a one-word title
     such as "Empathy" or "NSOperation" is a headline).
3. The first candidate left wins: the feed entry's or page's title, then the brief's title, then
   the summary's first sentence, then each fact; a long one is cut at a word near 110 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_CHARS = 110

_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z.'’\- ]{1,40}"  # NEWARK / WASHINGTON / ST. LOUIS
    r"(?:,\s*[A-Z][A-Za-z.]{0,14}(?:\s[A-Z][A-Za-z.]{0,14})?)?"  # , N.J. / , Calif. / , New York
    r"\s*(?:\((?:[A-Z][\w.&-]*\s?){1,3}\))?"  # (AP) / (Reuters)
    r"\s*[—–-]+\s*"  # the dash after it
)
_CODE = re.compile(
    # a preprocessor line, also Markdown-escaped ("\#import"; a hashtag is no code: "#MeToo")
    r"^\s*(?:\\?#\s*(?:import|include|define|ifn?def|if|endif|pragma)\b|"
    r"@(?:implementation|interface|end|property)\b)"
    r"|<\s*/?\s*[\w.]+(?:/[\w.]+)*\s*/?>"  # <objc/runtime.h>, <div>, </p>
    r"|[{}]|;\s*$|\(\s*\)|=>|::|^\s*//|/\*"
)
_PATH = re.compile(
    r"^\s*(?:[a-z][a-z0-9+.-]*://|/|\./|\.\./|~/|[A-Za-z]:\\)"  # /tmp/x, C:\x, https://
    r"|^\S*/\S*$|^\S+\.(?:txt|md|html?|xml|rss|atom|json)$",  # one token: a/b.txt, x.html
    re.I,
)
_WORDS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z0-9“\"'])")


def strip_dateline(text: str) -> str:
    """The text without a leading dateline ("NEWARK, N.J. (AP) — ")."""
    m = _DATELINE.match(text)
    if m and any(c.islower() for c in text[m.end() :]):
        return text[m.end() :]
    return text


def headline_problem(text: str) -> str | None:
    """Why `text` is not a headline (None when it is one)."""
    t = " ".join(text.split())
    words = _WORDS.findall(t)
    if not any(len(w) >= 3 for w in words):
        return "no word of three letters or more"
    if len(words) < 2 and t.rstrip()[-1:] in ".?":
        return "one word and a stop: a cut line"
    if not any(c.islower() for c in t):
        return "no lower-case letter (a dateline or a label)"
    if _PATH.match(t):
        return "a path or a URL"
    if _CODE.search(t):
        return "code"
    symbols = sum(1 for c in t if not (c.isalnum() or c.isspace() or c in ".,'’\"“”-–—:!?&%$€£()"))
    if symbols > len(t) / 5:
        return "mostly symbols"
    return None


def _short(text: str) -> str:
    t = " ".join(text.split()).rstrip()
    if len(t) <= MAX_CHARS:
        return t
    cut = t[:MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


def first_sentence(text: str) -> str:
    """The first sentence of a text's first paragraph (approximate: punctuation, a capital)."""
    para = text.strip().split("\n\n", 1)[0]
    return _SENTENCE.split(para, maxsplit=1)[0] if para else ""


def headline(candidates: Iterable[str | None], fallback: str = "Untitled story") -> str:
    """The first candidate that is a headline (dateline cut off, cut near 110 characters)."""
    for c in candidates:
        if not c:
            continue
        text = strip_dateline(" ".join(c.split()))
        if headline_problem(text) is None:
            return _short(text)
    return fallback
