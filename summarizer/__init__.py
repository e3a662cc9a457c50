"""summarizer: news articles in, structured and evidence-grounded briefs out.

Public API: `summarize` / `asummarize` for one article, `digest` for many. Heavy modules
(openai, instructor) load on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from summarizer.brief.models import SCHEMA_VERSION, Brief, BriefMeta, BriefReply
from summarizer.errors import (
    APIStatusError,
    AuthenticationError,
    ConfigError,
    FetchError,
    GroundingError,
    InputError,
    LLMError,
    OutputTruncatedError,
    RefusalError,
    ReplyValidationError,
    SummarizerError,
    TransientError,
)

if TYPE_CHECKING:
    from summarizer.digests import adigest, digest
    from summarizer.engine import asummarize, summarize

__all__ = [
    "SCHEMA_VERSION",
    "APIStatusError",
    "AuthenticationError",
    "Brief",
    "BriefMeta",
    "BriefReply",
    "ConfigError",
    "FetchError",
    "GroundingError",
    "InputError",
    "LLMError",
    "OutputTruncatedError",
    "RefusalError",
    "ReplyValidationError",
    "SummarizerError",
    "TransientError",
    "adigest",
    "asummarize",
    "digest",
    "summarize",
]

_LAZY = {
    "summarize": "summarizer.engine",
    "asummarize": "summarizer.engine",
    "digest": "summarizer.digests",
    "adigest": "summarizer.digests",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
