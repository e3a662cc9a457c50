"""Talking to the model: the only package that imports openai, instructor and tenacity.

One brief request is one instructor call: instructor validates the reply against `BriefReply`
(grounding included, through the validation context) and re-asks with the error text when it
fails. Under it, every HTTP call goes through the transport, which retries what retrying can fix
(429, 5xx, timeouts, dropped connections) with tenacity, and turns everything else into one of
our own errors with a one-line message that says what to do.

The modules, each importing only from the ones before it:
- `calls`: `CallLog` (what a request's calls cost and how they went), `RetryPolicy`;
- `clients`: building and sharing clients, the request parameters, redacting keys from logs;
- `apierrors`: what is worth retrying, and `map_api_error`;
- `transport`: retries, call records, cost reservations, the request body as sent;
- `request`: one structured request (`request_brief`, `arequest_brief`) and its repairs;
- `batch`: the Batch API; `synthesis`: one grounded call per multi-source story.

This module only re-exports their names, so `from summarizer.brief.llm import X` keeps working.
To monkeypatch a name, patch it in the module that looks it up (e.g. `llm.clients.make_client`).
"""

from __future__ import annotations

from summarizer.brief.grounding import format_issues
from summarizer.brief.llm.apierrors import map_api_error
from summarizer.brief.llm.batch import (
    BatchState,
    batch_line,
    batch_results,
    batch_state,
    brief_tool,
    repair_reply,
    reply_from_batch_line,
    submit_batch,
)
from summarizer.brief.llm.calls import DEFAULT_MAX_OUTPUT_TOKENS, CallLog, RetryPolicy
from summarizer.brief.llm.clients import (
    _sync_clients as _sync_clients,
)
from summarizer.brief.llm.clients import (
    close_shared_clients,
    is_client,
    make_client,
    request_kwargs,
    resolve_model,
    shared_client,
)
from summarizer.brief.llm.request import (
    _REPLY_TOOL as _REPLY_TOOL,
)
from summarizer.brief.llm.request import (
    ReplyResult,
    arequest_brief,
    request_brief,
)
from summarizer.brief.llm.request import (
    _parse_last as _parse_last,
)
from summarizer.brief.llm.request import (
    _skip_known_async_check as _skip_known_async_check,
)
from summarizer.brief.llm.synthesis import arequest_synthesis

# Private names that callers in this repository use (`digests.batch`, tests, benchmarks).
from summarizer.brief.llm.transport import _as_sent as _as_sent
from summarizer.brief.llm.transport import _prompt_estimate as _prompt_estimate
from summarizer.config import DEFAULT_MODEL

__all__ = [
    "DEFAULT_MAX_OUTPUT_TOKENS",
    "DEFAULT_MODEL",
    "BatchState",
    "CallLog",
    "ReplyResult",
    "RetryPolicy",
    "arequest_brief",
    "arequest_synthesis",
    "batch_line",
    "batch_results",
    "batch_state",
    "brief_tool",
    "close_shared_clients",
    "format_issues",
    "is_client",
    "make_client",
    "map_api_error",
    "repair_reply",
    "reply_from_batch_line",
    "request_brief",
    "request_kwargs",
    "resolve_model",
    "shared_client",
    "submit_batch",
]
