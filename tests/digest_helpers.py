"""Authored replies for the digest fixture articles (tests/data/digest/articles), and a
responder that serves them from the local test server. Written by hand, not by a model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from summarizer.testing.server import Step, article_of, reply

ARTICLES = Path(__file__).parent / "data" / "digest" / "articles"


def _fact(statement: str, quote: str, status: str = "claimed", who: str | None = None) -> dict:
    return {"statement": statement, "evidence": [quote], "status": status, "attribution": who}


def _party(name: str, kind: str, role: str, *aliases: str) -> dict:
    return {"name": name, "kind": kind, "role": role, "aliases": list(aliases)}


BRENNAN = _party("Nadia Brennan", "person", "director of the Harlow Water Authority", "Brennan")
AMADO = _party("Felix Amado", "person", "Governor", "Governor Felix Amado")
AUTHORITY = _party("Harlow Water Authority", "organization", "runs the dam")
MARQUARDT = _party("Ilse Marquardt", "person", "central bank governor", "Marquardt")
OKAFOR = _party("Tomas Okafor", "person", "Finance Minister", "Finance Minister Tomas Okafor")
BANK = _party("Central Bank of Valdoria", "organization", "sets interest rates")

REPLIES: dict[str, dict[str, Any]] = {
    "dam-wire.txt": {
        "title": "Harlow dam failure kills 12",
        "summary": "The Harlow dam failed after heavy rain. The governor declared an emergency.",
        "key_facts": [
            _fact(
                "12 people died when the Harlow dam failed.",
                "Twelve people died when the Harlow dam failed on Monday night",
                who="the regional emergency service",
            ),
            _fact(
                "Governor Felix Amado declared a state of emergency.",
                "Governor Felix Amado declared a state of emergency",
                "confirmed",
            ),
        ],
        "parties": [BRENNAN, AMADO, AUTHORITY],
        "positions": [
            {
                "party": "Nadia Brennan",
                "stance": "The spillway failure is under investigation.",
                "evidence": ["We are investigating why the spillway gates did not open"],
            }
        ],
        "open_questions": [
            {
                "question": "What caused the dam failure?",
                "why_open": "Under investigation.",
                "parties": [],
            }
        ],
    },
    "dam-local.txt": {
        "title": "Harlow dam collapse: 14 dead",
        "summary": "Hospital records show 14 deaths. The state will pay for housing.",
        "key_facts": [
            _fact(
                "14 people died in the Harlow dam collapse.",
                "Fourteen people died in the Harlow dam collapse",
                "reported",
                "Harlow Courier",
            ),
            _fact(
                "Governor Felix Amado declared a state of emergency.",
                "Governor Felix Amado said the state would pay for temporary housing",
            ),
        ],
        "parties": [BRENNAN, AMADO, AUTHORITY],
        "positions": [
            {
                "party": "Felix Amado",
                "stance": "The state will pay for housing.",
                "evidence": ["the state would pay for temporary housing"],
            }
        ],
        "open_questions": [
            {
                "question": "How many homes were destroyed?",
                "why_open": "Not yet known.",
                "parties": [],
            }
        ],
    },
    "dam-analysis.txt": {
        "title": "Engineers question Harlow dam design",
        "summary": "Engineers questioned the dam's design. A spillway upgrade was postponed.",
        "key_facts": [
            _fact(
                "The authority postponed a spillway upgrade in 2021.",
                "had postponed a spillway upgrade in 2021",
                "reported",
                "budget papers",
            ),
        ],
        "parties": [BRENNAN, AMADO, AUTHORITY],
        "positions": [
            {
                "party": "Nadia Brennan",
                "stance": "The postponement did not affect safety.",
                "evidence": ["the postponement did not affect safety"],
            }
        ],
        "open_questions": [
            {
                "question": "What caused the dam failure?",
                "why_open": "The review has not begun.",
                "parties": [],
            }
        ],
    },
    "bank-rates.txt": {
        "title": "Valdoria raises rates to 4.5 percent",
        "summary": "The central bank raised its rate again. The finance minister objected.",
        "key_facts": [
            _fact(
                "The Central Bank of Valdoria raised its main rate to 4.5 percent.",
                "raised its main interest rate to 4.5 percent on Thursday",
                "confirmed",
            ),
        ],
        "parties": [MARQUARDT, OKAFOR, BANK],
        "positions": [
            {
                "party": "Ilse Marquardt",
                "stance": "Inflation is too high.",
                "evidence": ["Governor Ilse Marquardt said inflation remained too high"],
            },
            {
                "party": "Tomas Okafor",
                "stance": "The rise will slow growth.",
                "evidence": ["saying it would slow growth"],
            },
        ],
        "open_questions": [
            {
                "question": "Will rates rise again in December?",
                "why_open": "Unclear.",
                "parties": ["Central Bank of Valdoria"],
            }
        ],
    },
    "bank-markets.txt": {
        "title": "Valdorian bonds fall after rate rise",
        "summary": "Bonds fell after the rate rise. The government disagreed with the bank.",
        "key_facts": [
            _fact(
                "The Central Bank of Valdoria raised its rate to 4.5 percent.",
                "the Central Bank of Valdoria raised its interest rate to 4.5 percent",
                "confirmed",
            ),
        ],
        "parties": [MARQUARDT, OKAFOR, BANK],
        "positions": [
            {
                "party": "Tomas Okafor",
                "stance": "The government disagrees.",
                "evidence": ["the government disagreed with the bank's decision"],
            }
        ],
        "open_questions": [],
    },
}


def responder(request: dict[str, Any]) -> Step:
    """Serve the authored reply of whichever fixture article the request carries (a story's
    synthesis request gets its authored synthesis, see `synthesis_reply`)."""
    if is_synthesis(request):
        return reply(synthesis_reply(request))
    text = " ".join(article_of(request).split())
    for name, data in REPLIES.items():
        if " ".join((ARTICLES / name).read_text(encoding="utf-8").split()) == text:
            return reply(data)
    raise AssertionError("request for an article with no authored reply")


# --- story synthesis (prompt synthesis-v1): authored replies for the two fixture stories -------

_SOURCE = re.compile(r"<source-(\d+)-([0-9a-f]+)>\n(.*?)\n</source-\1-\2>", re.S)


def _user(request: dict[str, Any]) -> str:
    return next(
        (str(m.get("content")) for m in reversed(request["messages"]) if m["role"] == "user"), ""
    )


def is_synthesis(request: dict[str, Any]) -> bool:
    """Whether a request asks for a story's synthesis (its sources in <source-N-CODE> blocks)."""
    return bool(_SOURCE.search(_user(request)))


def source_numbers_of(request: dict[str, Any]) -> dict[str, int]:
    """Fixture file name -> the number the request gives its source."""
    out = {}
    for m in _SOURCE.finditer(_user(request)):
        text = " ".join(m.group(3).split())
        for path in ARTICLES.iterdir():
            if " ".join(path.read_text(encoding="utf-8").split()) == text:
                out[path.name] = int(m.group(1))
    return out


def _cite(n: dict[str, int], name: str, quote: str) -> dict[str, Any]:
    return {"source": n[name], "quote": quote}


def synthesis_reply(request: dict[str, Any], *, wrong_source: bool = False) -> dict[str, Any]:
    """The authored synthesis of the story the request carries. With `wrong_source`, one
    perspective cites the wire report for a quote only the local report carries."""
    n = source_numbers_of(request)
    if "dam-wire.txt" in n:
        housing = _cite(
            n, "dam-wire.txt" if wrong_source else "dam-local.txt",
            "the state would pay for temporary housing",
        )  # fmt: skip
        return {
            "headline": "Harlow dam failure: death toll disputed as engineers question design",
            "summary": [
                {
                    "text": "The Harlow dam failed, and the sources give different death tolls.",
                    "citations": [
                        _cite(n, "dam-wire.txt", "Twelve people died when the Harlow dam failed"),
                        _cite(
                            n, "dam-local.txt", "Fourteen people died in the Harlow dam collapse"
                        ),
                    ],
                },
                {
                    "text": "A spillway upgrade had been postponed in 2021.",
                    "citations": [
                        _cite(n, "dam-analysis.txt", "had postponed a spillway upgrade in 2021")
                    ],
                },
            ],
            "perspectives": [
                {
                    "who": "Nadia Brennan",
                    "kind": "party",
                    "view": "The postponement did not affect safety.",
                    "citation": _cite(
                        n, "dam-analysis.txt", "the postponement did not affect safety"
                    ),
                },
                {
                    "who": "Felix Amado",
                    "kind": "party",
                    "view": "The state will pay for temporary housing.",
                    "citation": housing,
                },
            ],
            "timeline": [
                {
                    "date": "2021",
                    "event": "The authority postponed a spillway upgrade.",
                    "citations": [
                        _cite(n, "dam-analysis.txt", "had postponed a spillway upgrade in 2021")
                    ],
                }
            ],
            "watch": [
                {
                    "text": "The governor's independent review has not yet begun.",
                    "citations": [
                        _cite(n, "dam-analysis.txt", "has ordered an independent review")
                    ],
                }
            ],
            "disagreements": [
                {
                    "about": "the death toll",
                    "sides": [
                        {
                            "claim": "Twelve people died.",
                            "citation": _cite(n, "dam-wire.txt", "Twelve people died"),
                        },
                        {
                            "claim": "Fourteen people died.",
                            "citation": _cite(n, "dam-local.txt", "Fourteen people died"),
                        },
                    ],
                }
            ],
        }
    return {
        "headline": "Valdoria raises its main rate to 4.5 percent",
        "summary": [
            {
                "text": "The Central Bank of Valdoria raised its main rate to 4.5 percent.",
                "citations": [
                    _cite(n, "bank-rates.txt", "raised its main interest rate to 4.5 percent"),
                    _cite(n, "bank-markets.txt", "raised its interest rate to 4.5 percent"),
                ],
            }
        ],
        "perspectives": [
            {
                "who": "Tomas Okafor",
                "kind": "party",
                "view": "The government disagrees with the decision.",
                "citation": _cite(
                    n, "bank-markets.txt", "the government disagreed with the bank's decision"
                ),
            }
        ],
        "timeline": [],
        "watch": [
            {
                "text": "Whether the bank raises rates again in December.",
                "citations": [
                    _cite(
                        n, "bank-rates.txt", "Whether the bank will raise rates again in December"
                    )
                ],
            }
        ],
        "disagreements": [],
    }
