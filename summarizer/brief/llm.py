"""Talking to the model: the only module that imports openai, instructor and tenacity.

One brief request is one instructor call: instructor validates the reply against `BriefReply`
(grounding included, through the validation context) and re-asks with the error text when it
fails. Under it, every HTTP call goes through `_transport`, which retries what retrying can fix
(429, 5xx, timeouts, dropped connections) with tenacity, and turns everything else into one of
our own errors with a one-line message that says what to do.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2
import instructor
import openai
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from summarizer import errors, replylimit, secrets
from summarizer.brief import offload, repair
from summarizer.brief.grounding import ArticleIndex, GroundingReport, check_reply, format_issues
from summarizer.brief.models import BriefReply, CallRecord, CorrectedItem, Usage, grounding_article
from summarizer.brief.pricing import estimate_cost
from summarizer.brief.tokens import count_tokens, estimate_tokens
from summarizer.config import DEFAULT_MODEL

if TYPE_CHECKING:
    from summarizer.budget import Meter, Ticket


class _RedactKeys(logging.Filter):
    """Redact key-like strings from third-party log records (instructor logs raw API errors,
    and a 401 body echoes a masked key)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = errors.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


for _name in (
    "instructor",
    "instructor.v2",
    "instructor.v2.retry",
    "openai",
    "openai._base_client",
    "httpx",
    "httpx2",
):
    logging.getLogger(_name).addFilter(_RedactKeys())
# instructor logs every failed call at ERROR ("Max retries exceeded. Total attempts: 1"), even
# for a brief that then succeeds; with no handler set up, Python would print that on stderr.
# Our own errors and `-v` say what happened; an application that configures logging still
# gets these records through its root handler.
for _name in ("instructor", "openai", "httpx", "httpx2"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

DEFAULT_MAX_OUTPUT_TOKENS = 4096
# Models that take neither `temperature=0` nor `max_tokens` (reasoning models).
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry transient failures (429, 5xx, timeouts, dropped connections)."""

    attempts: int = 6
    max_total_s: float = 180.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    # A server's Retry-After is honoured up to this; past it we give up rather than hang.
    max_retry_after_s: float = 60.0


@dataclass
class CallLog:
    """What the calls for one request cost and how they went."""

    model: str
    chunk: int = 0
    records: list[CallRecord] = field(default_factory=list)
    on_call: Callable[[CallRecord], None] | None = None
    base_url: str | None = None
    # Reserves each call's worst case before it is sent and writes it down (see `budget`);
    # `tickets[i]` is the reservation of `records[i]`.
    meter: Meter | None = None
    tickets: list[Ticket | None] = field(default_factory=list)
    # Set when the request ends with a reply (passing, or pruned with strict=False).
    succeeded: bool = False
    # The records (indices) of the replies the final reply is made of: the brief it started
    # from, then each repair merged into it (see `answered`). Empty: the last reply alone.
    kept: list[int] = field(default_factory=list)
    # Calls made for this request before this log's first (a Batch API answer being repaired):
    # attempts are numbered after them.
    attempts_before: int = 0

    def replies(self) -> int:
        """How many replies the model has sent so far (HTTP 200s, re-asks and repairs)."""
        return sum(r.outcome == "ok" for r in self.records)

    @property
    def usage(self) -> Usage:
        """Usage added up over every call."""
        total = Usage()
        for r in self.records:
            total = total.add(r.usage)
        return total

    def add(self, record: CallRecord) -> None:
        """Keep a record (outcomes of earlier 200s are fixed up by `finish`)."""
        self.records.append(record)

    def answered(self, kind: str, answer: Any) -> None:
        """The reply just received (the last 'ok' record) was taken: a "brief" one starts the
        reply anew, a "repair" one is merged into it. An unusable answer (None) is not taken."""
        if answer is None:
            return
        last = max((i for i, r in enumerate(self.records) if r.outcome == "ok"), default=None)
        if last is None:
            return
        self.kept = [last] if kind == "brief" else [*self.kept, last]

    def finish(self, *, success: bool) -> None:
        """Name what became of each reply, then report every call.

        When the request succeeded, its final reply stays 'ok'; a reply whose failing items
        were repaired (its other items are in the final reply) is 'repaired'; every other reply
        was thrown away (it broke the schema, or was asked for again whole) and is 'invalid'.
        When the request failed, every reply was thrown away.
        """
        oks = [i for i, r in enumerate(self.records) if r.outcome == "ok"]
        final = (self.kept[-1] if self.kept else oks[-1]) if success and oks else None
        for i in oks:
            if i != final:
                kept = success and i in self.kept
                self.records[i].outcome = "repaired" if kept else "invalid"
        if self.meter is not None:
            for r, ticket in zip(self.records, self.tickets, strict=False):
                if ticket is not None:
                    self.meter.end(ticket, r)
        if self.on_call:
            for r in self.records:
                self.on_call(r)


def resolve_model(model: str | None) -> str:
    """The model to use: argument, then SUMMARIZER_MODEL, then the default."""
    return model or os.environ.get("SUMMARIZER_MODEL") or DEFAULT_MODEL


def _endpoint(api_key: str | None, base_url: str | None) -> tuple[str, str | None]:
    """The key and base URL a client is built with: arguments, then the environment."""
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    secrets.register(api_key)
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    if not api_key:
        if not base_url:
            raise errors.AuthenticationError(
                "no API key: set OPENAI_API_KEY, or give a base URL (--base-url, base_url=) "
                "for a local server, or use the offline engine"
            )
        # Local OpenAI-compatible servers (Ollama, llama.cpp, vLLM) accept any key.
        api_key = "no-key-needed"
    return api_key, base_url


def make_client(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    asynchronous: bool = False,
) -> openai.OpenAI | openai.AsyncOpenAI:
    """Build an OpenAI (or OpenAI-compatible) client; retries are ours, so the client's are off.

    The key is registered with `summarizer.secrets`, so no error, log, store row or output ever
    shows it, whatever its prefix. Replies larger than `replylimit.MAX_REPLY_BYTES` are cut off
    while they are read (`replylimit.CappedTransport`). The connection pool keeps the openai
    SDK's own limits (1,000 connections, 100 kept alive), not httpx's (100 / 20): a batch at
    concurrency 64 would otherwise reopen connections all the time.

    Every call builds a new client (~18 ms of CPU, SSL context included): to brief many articles,
    build one and pass it as `client=`, or let `summarize`/`asummarize` use `shared_client`.
    """
    api_key, base_url = _endpoint(api_key, base_url)
    if asynchronous:
        http_client, inner = _async_http()
        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout or 120.0,
            max_retries=0,
            http_client=http_client(transport=replylimit.AsyncCappedTransport(inner)),
        )
    return openai.OpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout or 120.0,
        max_retries=0,
        http_client=openai.DefaultHttpxClient(
            transport=replylimit.CappedTransport(httpx2.HTTPTransport(limits=_POOL_LIMITS))
        ),
    )


def _async_http() -> tuple[Callable[..., Any], Any]:
    """The async HTTP client class and transport: openai's aiohttp transport when the installed
    openai ships it (about 0.7 ms less CPU per request than httpx2 in `bench_ab.py`), else
    httpx2's."""
    try:
        from openai._vendor.httpx_aiohttp import AiohttpTransport
    except ImportError:  # pragma: no cover - an openai without the aiohttp transport
        return openai.DefaultAsyncHttpxClient, httpx2.AsyncHTTPTransport(limits=_POOL_LIMITS)
    return openai.DefaultAioHttpClient, AiohttpTransport(limits=_POOL_LIMITS)


# The openai SDK's own pool limits (its `DefaultHttpxClient` sets them, but only for the
# transport it builds itself; ours wraps one to cap reply sizes).
_POOL_LIMITS = httpx2.Limits(
    max_connections=1000, max_keepalive_connections=100, keepalive_expiry=5
)

# --- shared clients: one per endpoint, key, timeout (and event loop) --------------------------

# A random salt per process: the cache is keyed by a keyed hash of the API key, never the key.
_KEY_SALT = os.urandom(16)
_ClientKey = tuple[str | None, str, float | None]
_sync_clients: dict[_ClientKey, openai.OpenAI] = {}
_clients_lock = threading.Lock()


@dataclass
class _LoopClients:
    """The async clients of one event loop, and the async generator that closes them when the
    loop shuts down (`asyncio.run` and `asyncio.Runner` close every async generator left open,
    while the loop still runs, before they close the loop)."""

    clients: dict[_ClientKey, openai.AsyncOpenAI] = field(default_factory=dict)
    closer: Any = None


_loop_clients: dict[asyncio.AbstractEventLoop, _LoopClients] = {}


def _client_key(api_key: str | None, base_url: str | None, timeout: float | None) -> _ClientKey:
    key, url = _endpoint(api_key, base_url)
    digest = hmac.new(_KEY_SALT, key.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return url, digest.hexdigest(), timeout


def shared_client(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    asynchronous: bool = False,
) -> openai.OpenAI | openai.AsyncOpenAI:
    """A client for this endpoint and key, built once and reused (see `make_client`).

    `summarize` uses one sync client per (endpoint, key, timeout) for the whole process, closed
    at exit. `asummarize` uses one async client per (endpoint, key, timeout) per event loop
    (an async client belongs to the loop it first ran in), closed when `asyncio.run` (or any
    runner that shuts down async generators) ends that loop. The cache is keyed by a salted hash
    of the key, never the key itself. `asynchronous=True` needs a running loop. A loop closed
    without `loop.shutdown_asyncgens()` (a bare `loop.close()`) leaves its client to the garbage
    collector, and aiohttp then warns "Unclosed client session": run such loops with
    `asyncio.run`/`asyncio.Runner`, or pass a `client=` of your own and close it.
    """
    cache_key = _client_key(api_key, base_url, timeout)
    if not asynchronous:
        with _clients_lock:
            client = _sync_clients.get(cache_key)
            if client is None or client.is_closed():
                made = make_client(api_key=api_key, base_url=base_url, timeout=timeout)
                assert isinstance(made, openai.OpenAI)
                client = _sync_clients[cache_key] = made
            return client
    loop = asyncio.get_running_loop()
    with _clients_lock:
        for gone in [other for other in _loop_clients if other.is_closed()]:
            del _loop_clients[gone]  # a loop closed without shutting down its generators
        entry = _loop_clients.get(loop)
        if entry is None:
            entry = _loop_clients[loop] = _LoopClients()
        aclient = entry.clients.get(cache_key)
        if aclient is not None and not aclient.is_closed():
            return aclient
        amade = make_client(api_key=api_key, base_url=base_url, timeout=timeout, asynchronous=True)
        assert isinstance(amade, openai.AsyncOpenAI)
        aclient = entry.clients[cache_key] = amade
    if entry.closer is None:
        entry.closer = _close_at_shutdown(loop, entry)
        # Run it to its `yield`: the loop now knows it, and closes it when it shuts down.
        with contextlib.suppress(StopIteration):
            entry.closer.asend(None).send(None)
    return aclient


async def _close_at_shutdown(
    loop: asyncio.AbstractEventLoop, entry: _LoopClients
) -> AsyncIterator[None]:
    try:
        yield
    finally:
        with _clients_lock:
            if _loop_clients.get(loop) is entry:
                del _loop_clients[loop]
            clients = list(entry.clients.values())
            entry.clients.clear()
        for client in clients:
            try:
                await client.close()
            except Exception:  # pragma: no cover - closing is best effort at shutdown
                logging.getLogger(__name__).debug("closing a shared client failed", exc_info=True)


def close_shared_clients() -> None:
    """Close every shared sync client (run at exit; later calls build new ones)."""
    with _clients_lock:
        clients = list(_sync_clients.values())
        _sync_clients.clear()
    for client in clients:
        client.close()


def _forget_after_fork() -> None:
    # A forked child must not share the parent's connections; it builds its own clients.
    global _clients_lock
    _clients_lock = threading.Lock()
    _sync_clients.clear()
    _loop_clients.clear()


atexit.register(close_shared_clients)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _is_openai_host(client: Any) -> bool:
    host = str(getattr(client, "base_url", "") or "")
    return "api.openai.com" in host or "openai.azure.com" in host


def request_kwargs(
    model: str, messages: list[dict[str, str]], max_tokens: int, client: Any
) -> dict:
    """The per-request parameters, adapted to what the endpoint and model accept."""
    kw: dict[str, Any] = {"model": model, "messages": [dict(m) for m in messages]}
    reasoning = model.startswith(_REASONING_PREFIXES)
    if not reasoning:
        kw["temperature"] = 0
    # OpenAI's newer models reject `max_tokens`; many local servers only know it.
    if _is_openai_host(client) or reasoning:
        kw["max_completion_tokens"] = max_tokens
    else:
        kw["max_tokens"] = max_tokens
    return kw


# --- transport: retries and error mapping -------------------------------------------------


def _too_large(exc: BaseException) -> bool:
    # "Request too large for gpt-4o ... on tokens per min": bigger than the whole TPM limit.
    return "request too large" in _server_message(exc).lower()


def _refused_locally(exc: BaseException) -> bool:
    """A connection to this machine or a private network was refused: no server listens there.

    Retrying that for a minute helps nobody (a local server that is down stays down for now),
    so it fails at once; a refusal from a remote host may be a restart and is retried.
    """
    if not isinstance(exc, openai.APIConnectionError):
        return False
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ConnectionRefusedError):
        seen = seen.__cause__ or seen.__context__
    if seen is None:
        return False
    import ipaddress

    request = getattr(exc, "request", None)
    host = str(request.url.host) if request is not None else ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _retryable(exc: BaseException) -> bool:
    if replylimit.too_large(exc) is not None:
        return False  # the same endpoint would send the same oversized reply again
    if _refused_locally(exc):
        return False
    if isinstance(exc, openai.RateLimitError):
        # Out of quota is a billing problem, and a request above the whole per-minute limit
        # never fits: retrying fixes neither.
        return _error_code(exc) != "insufficient_quota" and not _too_large(exc)
    return isinstance(
        exc, (openai.InternalServerError, openai.APITimeoutError, openai.APIConnectionError)
    )


def _error_code(exc: BaseException) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            code = inner.get("code") or inner.get("type")
            return str(code) if code else None
    return None


def _server_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(getattr(exc, "message", "") or exc)


_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(ms|s)\b", re.I)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers or not (headers.get("retry-after") or headers.get("retry-after-ms")):
        # OpenAI's 429 bodies say "Please try again in 26.604s" even without the header.
        m = _TRY_AGAIN.search(_server_message(exc))
        if m:
            return float(m.group(1)) / (1000 if m.group(2).lower() == "ms" else 1)
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                return None
    return None


def _outcome(exc: BaseException) -> str:
    if replylimit.too_large(exc) is not None:
        return "too_large"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.InternalServerError):
        return "server_error"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    return "client_error"


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_random_exponential(multiplier=policy.backoff_base_s, max=policy.backoff_max_s)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc) if exc else None
        if after is not None:
            # Honour the server's Retry-After, plus a little jitter so clients spread out.
            return min(after, policy.max_retry_after_s) + backoff(state) * 0.1
        return backoff(state)

    return wait


def _retrying_kwargs(policy: RetryPolicy) -> dict[str, Any]:
    return {
        "retry": retry_if_exception(_retryable),
        "stop": stop_after_attempt(policy.attempts) | stop_after_delay(policy.max_total_s),
        "wait": _wait(policy),
        "reraise": True,
    }


def map_api_error(exc: BaseException, *, model: str, log: CallLog) -> errors.SummarizerError:
    """Turn an openai exception into our error, with a message that says what to do."""
    usage = log.usage
    attempts = len(log.records)
    status = getattr(exc, "status_code", None)
    where = f" at {log.base_url}" if log.base_url else ""
    server = _server_message(exc)
    kw: dict[str, Any] = {"model": model, "attempts": attempts, "usage": usage}
    oversized = replylimit.too_large(exc)
    if oversized is not None:
        return errors.LLMError(str(oversized), **kw)
    if isinstance(exc, openai.AuthenticationError):
        return errors.AuthenticationError(
            f"the endpoint{where} rejected the API key (401): check OPENAI_API_KEY. {server}",
            status_code=status,
            **kw,
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return errors.AuthenticationError(
            f"access denied (403) for model {model!r}{where}: the key's project has no access. "
            f"{server}",
            status_code=status,
            **kw,
        )
    if isinstance(exc, openai.NotFoundError):
        return errors.APIStatusError(
            f"not found (404): model {model!r} does not exist{where} or the key has no access; "
            f"set --model or SUMMARIZER_MODEL. {server}",
            status_code=status,
            **kw,
        )
    if isinstance(exc, openai.RateLimitError) and _error_code(exc) == "insufficient_quota":
        return errors.APIStatusError(
            f"out of quota (429 insufficient_quota){where}: check the account's plan and billing. "
            f"{server}",
            status_code=status,
            **kw,
        )
    if isinstance(exc, openai.RateLimitError) and _too_large(exc):
        return errors.APIStatusError(
            f"the request is larger than the account's tokens-per-minute limit (429){where}: "
            f"lower max_input_tokens so articles are split into smaller parts. {server}",
            status_code=status,
            **kw,
        )
    if isinstance(exc, openai.BadRequestError):
        return errors.APIStatusError(
            f"the endpoint refused the request (400) for model {model!r}: {server}",
            status_code=status,
            **kw,
        )
    if _refused_locally(exc):
        return errors.LLMError(
            f"cannot connect to the model server{where}: connection refused (is it running?)",
            **kw,
        )
    if _retryable(exc):
        return errors.TransientError(
            f"gave up after {attempts} attempt(s): {_outcome(exc).replace('_', ' ')}"
            f"{f' ({status})' if status else ''}{where}. {server}",
            **kw,
        )
    if isinstance(exc, openai.APIStatusError):
        return errors.APIStatusError(
            f"the endpoint answered {status}{where}: {server}", status_code=status, **kw
        )
    return errors.LLMError(f"model call failed{where}: {exc}", **kw)


def _usage_of(response: Any) -> Usage:
    u = getattr(response, "usage", None)
    if u is None:
        return Usage()
    details = getattr(u, "prompt_tokens_details", None)
    return Usage(
        prompt_tokens=u.prompt_tokens or 0,
        completion_tokens=u.completion_tokens or 0,
        total_tokens=u.total_tokens or 0,
        cached_tokens=(getattr(details, "cached_tokens", 0) or 0) if details else 0,
    )


def _inspect_reply(response: Any, *, model: str, log: CallLog, max_tokens: int) -> None:
    """Raise our own error for a refusal or a truncated reply, before instructor parses it."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return
    message = choices[0].message
    refusal = getattr(message, "refusal", None)
    if refusal:
        log.records[-1].outcome = "refusal"
        raise errors.RefusalError(
            f"the model refused to brief this article: {refusal}",
            refusal=refusal,
            model=model,
            attempts=len(log.records),
            usage=log.usage,
            last_reply=response.model_dump(),
        )
    if choices[0].finish_reason == "length":
        log.records[-1].outcome = "length"
        raise errors.OutputTruncatedError(
            f"the reply was cut off at the output limit ({max_tokens} tokens)",
            model=model,
            attempts=len(log.records),
            usage=log.usage,
            last_reply=response.model_dump(),
        )


def _record(
    log: CallLog,
    *,
    start: float,
    outcome: str,
    usage: Usage | None = None,
    status: int | None = None,
    error: str | None = None,
    ticket: Ticket | None = None,
) -> None:
    usage = usage or Usage()
    cost = estimate_cost(log.model, usage)
    if ticket is not None and log.meter is not None:
        if outcome == "ok" and usage.total_tokens:
            log.meter.settle(ticket, cost)
        elif status is not None:
            log.meter.settle(ticket, 0.0)  # an error status is not billed
        else:
            # No answer (timeout, dropped connection, oversized reply) or one without usage:
            # it may have been billed, so its worst case stays counted.
            log.meter.settle(ticket, None)
    log.add(
        CallRecord(
            model=log.model,
            attempt=log.attempts_before + len(log.records) + 1,
            outcome=outcome,
            status_code=status,
            latency_s=round(time.perf_counter() - start, 4),
            usage=usage,
            cost_usd=cost,
            chunk=log.chunk,
            error=errors.redact(error) if error else None,
        )
    )
    log.tickets.append(ticket)


def _prompt_estimate(kwargs: dict[str, Any], model: str | None = None) -> int:
    """Input tokens of a request, leaning high: its messages, tools and response format as
    JSON (the quoting and field names more than pay for each message's framing), counted by
    the higher of the offline estimate and the model's own tokenizer (scripts whose words
    take many tokens)."""
    sent = {k: kwargs.get(k) for k in ("messages", "tools", "response_format") if kwargs.get(k)}
    text = json.dumps(sent, ensure_ascii=False, default=str)
    return max(estimate_tokens(text), count_tokens(text, model) if model else 0)


def _reservation(log: CallLog, kwargs: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    budget = kwargs.get("max_completion_tokens") or kwargs.get("max_tokens") or max_tokens
    return {
        "prompt_tokens": _prompt_estimate(kwargs, log.model),
        "max_tokens": int(budget),
        "chunk": log.chunk,
        "attempt": log.attempts_before + len(log.records) + 1,
    }


def _begin(log: CallLog, kwargs: dict[str, Any], max_tokens: int) -> Ticket | None:
    """Reserve the call's worst case and write it down, before it is sent (or raise
    `BudgetExceeded`)."""
    if log.meter is None:
        return None
    return log.meter.begin(log.model, **_reservation(log, kwargs, max_tokens))


async def _abegin(log: CallLog, kwargs: dict[str, Any], max_tokens: int) -> Ticket | None:
    """`_begin` under asyncio: waiting for calls in flight to settle does not block the loop."""
    if log.meter is None:
        return None
    return await log.meter.abegin(log.model, **_reservation(log, kwargs, max_tokens))


def _abandon(log: CallLog, ticket: Ticket | None, exc: BaseException) -> None:
    if ticket is not None and log.meter is not None:
        log.meter.abandon(ticket, f"not completed: {type(exc).__name__}")


def _failed(log: CallLog, exc: BaseException, start: float, ticket: Ticket | None) -> None:
    """Record a call that raised: an API error, or a reply over the size limit."""
    _record(
        log,
        start=start,
        outcome=_outcome(exc),
        status=getattr(exc, "status_code", None),
        error=str(replylimit.too_large(exc) or exc),
        ticket=ticket,
    )


def _call_raised(log: CallLog, exc: BaseException, start: float, ticket: Ticket | None) -> None:
    """Write down a call that raised (the sync and async transports share this)."""
    if isinstance(exc, openai.APIError):
        _failed(log, exc, start, ticket)
    elif isinstance(exc, json.JSONDecodeError):
        # A body that is not JSON (a proxy's, a cut one): a call that was made and answered, so
        # it is recorded (no usage: its reservation stays spent).
        error = f"the reply is not JSON: {exc}"
        _record(log, start=start, outcome="invalid", error=error, ticket=ticket)
    else:
        _abandon(log, ticket, exc)


def _call_answered(
    log: CallLog, response: Any, start: float, ticket: Ticket | None, max_tokens: int
) -> Any:
    """Write down a call that was answered, check the reply's finish, and hand it on."""
    _record(log, start=start, outcome="ok", usage=_usage_of(response), status=200, ticket=ticket)
    _inspect_reply(response, model=log.model, log=log, max_tokens=max_tokens)
    return response


def _body_keys() -> tuple[str, ...]:
    """The request body's keys of `chat.completions.create`, in the order it sends them (its
    signature's order), or () when its signature cannot be read."""
    import inspect

    try:
        from openai.resources.chat.completions import Completions

        names = list(inspect.signature(Completions.create).parameters)
    except (ImportError, AttributeError, TypeError, ValueError):  # pragma: no cover
        return ()
    options = {"self", "extra_headers", "extra_query", "extra_body", "timeout"}
    return tuple(n for n in names if n not in options)


_BODY_KEYS = _body_keys()
# What openai's `create` would rewrite or check itself: such a request is sent as it is.
_OWN_HANDLING = {"stream", "response_format", "extra_body"}


def _plain(value: Any) -> bool:
    """Whether `value` is JSON data as it will be sent (dicts, lists, str, numbers, bool)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def _plain_body(body: dict[str, Any]) -> bool:
    """`_plain` for a request body. A tool's `parameters` (a JSON schema, typed `Dict[str,
    object]`, which openai passes on as it is) is not walked: it is most of a brief request."""
    for key, value in body.items():
        if key == "tools" and isinstance(value, list):
            for tool in value:
                if not isinstance(tool, dict):
                    return False
                function = tool.get("function")
                if isinstance(function, dict):
                    if not isinstance(function.get("parameters", {}), dict):
                        return False
                    rest = {k: v for k, v in function.items() if k != "parameters"}
                    tool = {**tool, "function": rest}
                if not _plain(tool):
                    return False
        elif not _plain(value):
            return False
    return True


def _as_sent(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The same request, with its body handed to openai as it will be sent.

    openai's `create` walks every request's body against its TypedDicts (`_transform`), to
    rename and reformat what its types say (aliases, dates, files): ~0.5 ms of CPU per brief
    request (0.1 ms here), most of it the messages and the tool schema. Our bodies are plain
    JSON that the walk leaves as they are (tests/test_engine_request_body.py checks that, and
    that the same JSON is sent), so the body goes in `extra_body`, which openai merges into the
    JSON unchanged: the same keys, in the order `create` would send them. A request with
    anything else (a stream, a response format, values that are not plain JSON, an argument
    `create` does not know) goes as it is.
    """
    if not _BODY_KEYS or _OWN_HANDLING & kwargs.keys():
        return kwargs
    if not {"messages", "model"} <= kwargs.keys():
        return kwargs
    body = {k: kwargs[k] for k in _BODY_KEYS if k in kwargs}
    options = {k: v for k, v in kwargs.items() if k not in body}
    if options.keys() - {"extra_headers", "extra_query", "timeout"} or not _plain_body(body):
        return kwargs
    # `create` still wants its two required arguments: the empty list is all it walks.
    return {"messages": [], "model": body["model"], **options, "extra_body": body}


def _sync_transport(
    create: Callable[..., Any], policy: RetryPolicy, log: CallLog, max_tokens: int
) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        for attempt in Retrying(**_retrying_kwargs(policy)):
            with attempt:
                ticket = _begin(log, kwargs, max_tokens)
                start = time.perf_counter()
                try:
                    response = create(*args, **_as_sent(kwargs))
                except BaseException as exc:
                    _call_raised(log, exc, start, ticket)
                    raise
                return _call_answered(log, response, start, ticket, max_tokens)
        raise AssertionError("unreachable: tenacity reraises")

    return call


def _async_transport(
    create: Callable[..., Awaitable[Any]],
    policy: RetryPolicy,
    log: CallLog,
    max_tokens: int,
    before_call: Callable[[int], Awaitable[None]] | None,
) -> Callable[..., Awaitable[Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        async for attempt in AsyncRetrying(**_retrying_kwargs(policy)):
            with attempt:
                if before_call is not None:
                    text = "".join(str(m.get("content") or "") for m in kwargs.get("messages", []))
                    await before_call(estimate_tokens(text) + max_tokens // 4)
                ticket = await _abegin(log, kwargs, max_tokens)
                start = time.perf_counter()
                try:
                    response = await create(*args, **_as_sent(kwargs))
                except BaseException as exc:
                    _call_raised(log, exc, start, ticket)
                    raise
                return _call_answered(log, response, start, ticket, max_tokens)
        raise AssertionError("unreachable: tenacity reraises")

    return call


# --- one structured request -----------------------------------------------------------------


@dataclass
class ReplyResult:
    """A validated reply and what it took to get it."""

    reply: BriefReply
    log: CallLog
    dropped: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    corrected: list[CorrectedItem] = field(default_factory=list)
    # The grounding report of `reply` when it passed as it is (None after pruning).
    report: GroundingReport | None = None


def _mode(name: str) -> instructor.Mode:
    modes = {
        "tools": instructor.Mode.TOOLS,
        "json": instructor.Mode.JSON,
        "json_schema": instructor.Mode.JSON_SCHEMA,
        "md_json": instructor.Mode.MD_JSON,
    }
    try:
        return modes[name]
    except KeyError:
        raise errors.ConfigError(f"unknown mode {name!r}: use one of {', '.join(modes)}") from None


def _last_arguments(exc: BaseException) -> str | None:
    """The raw JSON the model sent in its last reply, from instructor's retry exception."""
    completion = getattr(exc, "last_completion", None)
    if completion is None:
        return None
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return str(calls[0].function.arguments)
    content = getattr(message, "content", None)
    return str(content) if content else None


def _unwrap(exc: BaseException) -> BaseException:
    """instructor wraps transport errors; find the original."""
    seen = exc
    while isinstance(seen, instructor.core.InstructorRetryException) and seen.__cause__:
        seen = seen.__cause__
    return seen


def _raise_known(exc: BaseException, *, model: str, log: CallLog) -> None:
    """Raise what is under instructor's wrapping when it is one of ours, or an API error (as
    ours, by `map_api_error`); return for anything else, which the caller handles."""
    cause = _unwrap(exc)
    if isinstance(cause, errors.SummarizerError):
        raise cause from None
    if isinstance(cause, openai.APIError):
        raise map_api_error(cause, model=model, log=log) from None


_Reply = TypeVar("_Reply", bound=BaseModel)


def _parse_last(
    cls: type[_Reply],
    raw: str | None,
    *,
    what: str,
    schema: str,
    model: str,
    log: CallLog,
    context: dict[str, Any] | None = None,
) -> _Reply:
    """The last reply of a request that failed its checks, parsed; one clear error when the
    model sent none or it does not match the schema."""
    attempts = len(log.records)
    try:
        last = cls.model_validate_json(raw, context=context) if raw else None
    except ValidationError as parse_error:
        reason = str(parse_error).splitlines()[0]
        raise errors.ReplyValidationError(
            f"the model's {what} did not match {schema} after {attempts} attempt(s): {reason}",
            model=model,
            attempts=attempts,
            usage=log.usage,
            last_reply=raw,
        ) from None
    if last is None:
        raise errors.ReplyValidationError(
            f"the model sent no usable {what} after {attempts} attempt(s)",
            model=model,
            attempts=attempts,
            usage=log.usage,
            last_reply=raw,
        )
    return last


def _after_failure(
    exc: BaseException, *, article: str, model: str, log: CallLog, strict: bool
) -> ReplyResult:
    """Map a failed request to our error, or salvage the last reply when not strict."""
    _raise_known(exc, model=model, log=log)
    if not isinstance(exc, instructor.core.InstructorRetryException):
        raise errors.LLMError(
            f"model call failed: {exc}", model=model, attempts=len(log.records), usage=log.usage
        ) from exc
    raw = _last_arguments(exc)
    reply = _parse_last(
        BriefReply, raw, what="reply", schema="the brief schema", model=model, log=log
    )
    return _still_failing(
        reply,
        check_reply(reply, article),
        raw,
        article=article,
        model=model,
        log=log,
        strict=strict,
    )


def _still_failing(
    reply: BriefReply,
    report: GroundingReport,
    raw: str | None,
    *,
    article: str,
    model: str,
    log: CallLog,
    strict: bool,
) -> ReplyResult:
    """A reply that still fails grounding after every repair and re-ask: a `GroundingError`,
    or with strict=False the reply with what the article does not support dropped."""
    attempts = len(log.records)
    if strict or not report.issues:
        first = report.issues[0].message if report.issues else "validation failed"
        raise errors.GroundingError(
            f"{len(report.issues)} evidence item(s) still not found in the article after "
            f"{attempts} attempt(s) (first: {first}); pass strict=False to keep the rest",
            issues=report.issues,
            model=model,
            attempts=attempts,
            usage=log.usage,
            last_reply=raw,
        )
    from summarizer.brief.grounding import prune_ungrounded

    corrected: list[CorrectedItem] = []
    pruned, dropped = prune_ungrounded(reply, article, corrected)
    return ReplyResult(reply=pruned, log=log, dropped=dropped, corrected=corrected)


def _reraise_api_error(exc: BaseException) -> None:
    """Raise `exc` again when an API error or one of ours is under it: a repair reply that only
    broke its schema is no answer (the flow asks again or gives up), anything else is fatal."""
    cause = _unwrap(exc)
    if isinstance(cause, (errors.SummarizerError, openai.APIError)):
        raise exc


def _result(
    outcome: repair.Outcome, *, article: str, model: str, log: CallLog, strict: bool
) -> ReplyResult:
    """The flow's end: the passing reply, or what `_still_failing` makes of a failing one."""
    if outcome.ok:
        log.succeeded = True
        return ReplyResult(reply=outcome.reply, log=log, report=outcome.report)
    result = _still_failing(
        outcome.reply,
        outcome.report,
        outcome.reply.model_dump_json(),
        article=article,
        model=model,
        log=log,
        strict=strict,
    )
    log.succeeded = True
    return result


def _repair_answer(
    patched: Any, ask: Any, model: str, max_tokens: int, client: openai.OpenAI
) -> Any:
    """One repair request through the sync transport: the RepairReply, or None when the reply
    broke the repair schema (the flow then asks again). An API error raises as itself."""
    try:
        return patched(
            response_model=_REPAIR_TOOL,
            max_retries=ask.max_retries,
            **request_kwargs(model, ask.messages, max_tokens, client),
        )
    except instructor.core.InstructorRetryException as exc:
        _reraise_api_error(exc)
        return None


def request_brief(
    client: openai.OpenAI,
    messages: list[dict[str, str]],
    *,
    article: str,
    model: str,
    strict: bool = True,
    max_retries: int = 2,
    max_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    policy: RetryPolicy | None = None,
    mode: str = "tools",
    chunk: int = 0,
    on_call: Callable[[CallRecord], None] | None = None,
    meter: Meter | None = None,
) -> ReplyResult:
    """Ask for one validated, grounded brief of `article` (sync).

    With a `meter`, every call's worst case is reserved (and written down) before it is sent:
    a call that would pass the meter's cap raises `BudgetExceeded` instead.
    """
    log = CallLog(
        model=model, chunk=chunk, on_call=on_call, base_url=_base_url(client), meter=meter
    )
    create = _sync_transport(
        client.chat.completions.create, policy or RetryPolicy(), log, max_tokens
    )
    patched = instructor.patch(create=create, mode=_mode(mode))
    plan = repair.flow(messages, article, max_retries=max_retries, replies=log.replies)
    ok = False
    try:
        ask = next(plan)
        while True:
            if ask.kind == "brief":
                answer: Any = patched(
                    response_model=_REPLY_TOOL,
                    max_retries=ask.max_retries,
                    **request_kwargs(model, ask.messages, max_tokens, client),
                )
            else:
                answer = _repair_answer(patched, ask, model, max_tokens, client)
            log.answered(ask.kind, answer)
            ask = plan.send(answer)
    except StopIteration as done:
        return _result(done.value, article=article, model=model, log=log, strict=strict)
    except Exception as exc:
        return _after_failure(exc, article=article, model=model, log=log, strict=strict)
    finally:
        ok = log.succeeded
        log.finish(success=ok)


async def arequest_brief(
    client: openai.AsyncOpenAI,
    messages: list[dict[str, str]],
    *,
    article: str,
    model: str,
    strict: bool = True,
    max_retries: int = 2,
    max_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    policy: RetryPolicy | None = None,
    mode: str = "tools",
    chunk: int = 0,
    on_call: Callable[[CallRecord], None] | None = None,
    before_call: Callable[[int], Awaitable[None]] | None = None,
    meter: Meter | None = None,
) -> ReplyResult:
    """Ask for one validated, grounded brief of `article` (asyncio; see `request_brief`)."""
    log = CallLog(
        model=model, chunk=chunk, on_call=on_call, base_url=_base_url(client), meter=meter
    )
    create = _async_transport(
        client.chat.completions.create, policy or RetryPolicy(), log, max_tokens, before_call
    )
    patched = instructor.patch(create=create, mode=_mode(mode))
    # Held for the whole request, so the flow's `check_reply` finds the report `aground` keeps.
    index = ArticleIndex.of(article)
    plan = repair.flow(messages, index, max_retries=max_retries, replies=log.replies)
    ok = False
    try:
        ask = next(plan)
        while True:
            if ask.kind == "brief":
                with offload.busy():
                    answer: Any = await patched(  # type: ignore[misc]
                        response_model=_REPLY_TOOL,
                        max_retries=ask.max_retries,
                        **request_kwargs(model, ask.messages, max_tokens, client),
                    )
                    # Ground it in a worker process when many briefs are in flight.
                    await offload.aground(answer, index)
            else:
                try:
                    answer = await patched(  # type: ignore[misc]
                        response_model=_REPAIR_TOOL,
                        max_retries=ask.max_retries,
                        **request_kwargs(model, ask.messages, max_tokens, client),
                    )
                except instructor.core.InstructorRetryException as exc:
                    _reraise_api_error(exc)
                    answer = None  # a repair that broke its schema: the flow asks again
                if answer is not None and ask.merged is not None:
                    # The reply with the repair merged in, as the flow checks it next.
                    with offload.busy():
                        await offload.aground(ask.merged(answer), index)
            log.answered(ask.kind, answer)
            ask = plan.send(answer)
    except StopIteration as done:
        return _result(done.value, article=article, model=model, log=log, strict=strict)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return _after_failure(exc, article=article, model=model, log=log, strict=strict)
    finally:
        ok = log.succeeded
        log.finish(success=ok)


# --- the Batch API: half the price, answers within 24 h ----------------------------------------


def brief_tool() -> dict[str, Any]:
    """The function definition a brief request forces, as instructor's TOOLS mode sends it."""
    schema = BriefReply.model_json_schema()
    return {
        "type": "function",
        "function": {
            "name": "BriefReply",
            "description": schema.get("description", "The structured brief."),
            "parameters": schema,
        },
    }


def batch_line(
    custom_id: str,
    messages: list[dict[str, str]],
    *,
    model: str,
    max_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    client: Any = None,
) -> dict[str, Any]:
    """One JSONL line of a Batch API input file: the same request a live brief would send."""
    body = request_kwargs(model, messages, max_tokens, client)
    body["tools"] = [brief_tool()]
    body["tool_choice"] = {"type": "function", "function": {"name": "BriefReply"}}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def _call(fn: Callable[[], Any], *, what: str, model: str, base_url: str | None) -> Any:
    log = CallLog(model=model, base_url=base_url)
    try:
        for attempt in Retrying(**_retrying_kwargs(RetryPolicy())):
            with attempt:
                return fn()
    except openai.APIError as exc:
        raise map_api_error(exc, model=model, log=log) from None
    raise AssertionError(f"unreachable: {what}")


def submit_batch(client: openai.OpenAI, lines: list[dict[str, Any]], *, model: str) -> str:
    """Upload the lines as a JSONL file and start a batch; return the batch id."""
    import json

    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode() + b"\n"
    where = _base_url(client)
    uploaded = _call(
        lambda: client.files.create(file=("briefs.jsonl", data), purpose="batch"),
        what="upload",
        model=model,
        base_url=where,
    )
    batch = _call(
        lambda: client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        ),
        what="create batch",
        model=model,
        base_url=where,
    )
    return str(batch.id)


@dataclass
class BatchState:
    """Where a batch is: status, and the files to collect when it is done."""

    batch_id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None

    @property
    def finished(self) -> bool:
        """No more change will come (completed, failed, expired or cancelled)."""
        return self.status in {"completed", "failed", "expired", "cancelled"}


def batch_state(client: openai.OpenAI, batch_id: str, *, model: str) -> BatchState:
    """Ask the endpoint how a batch is doing."""
    b = _call(
        lambda: client.batches.retrieve(batch_id),
        what="poll",
        model=model,
        base_url=_base_url(client),
    )
    return BatchState(
        batch_id=batch_id,
        status=str(b.status),
        output_file_id=b.output_file_id,
        error_file_id=b.error_file_id,
    )


def batch_results(
    client: openai.OpenAI, state: BatchState, *, model: str
) -> dict[str, dict[str, Any]]:
    """Every line of a finished batch's output (and error) file, by custom_id."""
    import json

    out: dict[str, dict[str, Any]] = {}
    for file_id in (state.output_file_id, state.error_file_id):
        if not file_id:
            continue
        content = _call(
            _downloader(client, file_id),
            what="download",
            model=model,
            base_url=_base_url(client),
        )
        for raw in content.text.splitlines():
            if raw.strip():
                line = json.loads(raw)
                out[str(line.get("custom_id"))] = line
    return out


def _downloader(client: openai.OpenAI, file_id: str) -> Callable[[], Any]:
    return lambda: client.files.content(file_id)


def reply_from_batch_line(
    line: dict[str, Any], article: str, *, model: str, ground: bool = True
) -> tuple[BriefReply | None, Usage, str | None]:
    """Validate and ground one batch answer; (reply, usage, None) or (None, usage, reason).

    A reply that fails here is not re-asked inside the batch: the caller repairs it or briefs
    that article live instead. With `ground=False` only the schema is checked (the caller
    grounds the reply itself, to repair its failing items: `repair_reply`).
    """
    from summarizer.brief.models import BriefReply as _Reply

    response = line.get("response") or {}
    body = response.get("body") or {}
    usage_raw = body.get("usage") or {}
    usage = Usage(
        prompt_tokens=usage_raw.get("prompt_tokens", 0),
        completion_tokens=usage_raw.get("completion_tokens", 0),
        total_tokens=usage_raw.get("total_tokens", 0),
    )
    if line.get("error") or response.get("status_code", 200) != 200:
        err = line.get("error") or body.get("error") or {}
        return None, usage, f"batch request failed: {err.get('message', err)}"
    try:
        choice = body["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        return None, usage, "batch answer has no choices"
    if message.get("refusal"):
        return None, usage, f"the model refused: {message['refusal']}"
    if choice.get("finish_reason") == "length":
        return None, usage, "the reply was cut off at the output limit"
    calls = message.get("tool_calls") or []
    raw = calls[0]["function"]["arguments"] if calls else message.get("content")
    if not raw:
        return None, usage, "batch answer has no tool call"
    try:
        if not ground:
            return _Reply.model_validate_json(raw), usage, None
        with grounding_article(ArticleIndex.of(article)):
            return _Reply.model_validate_json(raw), usage, None
    except ValidationError as exc:
        return None, usage, errors.redact(str(exc).splitlines()[0])


def repair_reply(
    client: openai.OpenAI,
    reply: BriefReply,
    article: str | ArticleIndex,
    *,
    model: str,
    max_retries: int = 2,
    max_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    policy: RetryPolicy | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
    meter: Meter | None = None,
) -> ReplyResult | None:
    """Repair the failing items of a reply that came outside a conversation (a Batch API
    answer): only those items are asked for again (prompt repair-v1), through the same sync
    transport, cost reservation and call log as a live brief, at most `max_retries` times.

    The merged reply when it passes; None when the reply is unusable as a whole (nothing of its
    facts and positions passes: not repaired here, the caller briefs the article anew) or
    still fails after the repairs.
    An API error, or the meter's cap, raises as from `request_brief`.
    """
    log = CallLog(
        model=model, on_call=on_call, base_url=_base_url(client), meter=meter, attempts_before=1
    )
    create = _sync_transport(
        client.chat.completions.create, policy or RetryPolicy(), log, max_tokens
    )
    patched = instructor.patch(create=create, mode=_mode("tools"))
    # The reply in hand is the model's first: the flow counts it among the replies.
    plan = repair.mend(
        [], article, reply, max_retries=max_retries, replies=lambda: 1 + log.replies(),
        redo=False,
    )  # fmt: skip
    try:
        ask = next(plan)
        while True:
            answer = _repair_answer(patched, ask, model, max_tokens, client)
            log.answered(ask.kind, answer)
            ask = plan.send(answer)
    except StopIteration as done:
        outcome: repair.Outcome = done.value
        if not outcome.ok:
            return None
        log.succeeded = True
        return ReplyResult(reply=outcome.reply, log=log, report=outcome.report)
    except errors.SummarizerError:
        raise
    except Exception as exc:
        _raise_known(exc, model=model, log=log)
        raise errors.LLMError(
            f"repair call failed: {exc}", model=model, attempts=len(log.records), usage=log.usage
        ) from exc
    finally:
        log.finish(success=log.succeeded)


# instructor wraps a plain model in a new class on every call (so its lru-cached tool schema
# is rebuilt every time); a model that is already its ResponseSchema is used as is. Same class,
# same name, same schema as instructor would make: made once.
_REPLY_TOOL: type[BriefReply] = instructor.openai_schema(BriefReply)
_REPAIR_TOOL: type[repair.RepairReply] = instructor.openai_schema(repair.RepairReply)


def _skip_known_async_check() -> None:
    """Check our reply model for async validators once, not on every call.

    instructor 1.17 walks the response model's whole class tree for async validators (which it
    refuses) two or three times per request: a quarter of our client CPU per brief. The answer
    for `_REPLY_TOOL` never changes, so it is computed once here and the walk is skipped for
    that one model; every other model goes through instructor's check as before. If instructor
    moves the function, nothing is patched and it simply runs as it does upstream.
    """
    try:
        from instructor.v2.validation import async_validators as av
    except ImportError:  # pragma: no cover - another instructor layout
        return
    original = getattr(av, "reject_async_validators", None)
    if original is None or getattr(original, "_summarizer_wrapped", False):
        return
    original(_REPLY_TOOL)  # raises here, at import, if our model ever gains one

    def reject_async_validators(response_model: Any) -> None:
        if response_model is not _REPLY_TOOL:
            original(response_model)

    reject_async_validators._summarizer_wrapped = True  # type: ignore[attr-defined]
    # Modules that imported the name hold their own reference to it.
    for name, module in list(sys.modules.items()):
        if name.startswith("instructor") and getattr(module, "reject_async_validators", None) is (
            original
        ):
            module.reject_async_validators = reject_async_validators  # type: ignore[attr-defined]


_skip_known_async_check()


def _base_url(client: Any) -> str | None:
    url = getattr(client, "base_url", None)
    return str(url).rstrip("/") if url else None


def is_client(obj: Any) -> bool:
    """Whether `obj` is an OpenAI client we can use (sync or async)."""
    return isinstance(obj, (openai.OpenAI, openai.AsyncOpenAI))


__all__ = [
    "DEFAULT_MODEL",
    "CallLog",
    "ReplyResult",
    "RetryPolicy",
    "arequest_brief",
    "format_issues",
    "make_client",
    "request_brief",
    "resolve_model",
]


# --- story synthesis (issue 13): one grounded call per multi-source story ---------------------


async def arequest_synthesis(
    client: openai.AsyncOpenAI,
    messages: list[dict[str, str]],
    *,
    model: str,
    mode: str = "tools",
    max_retries: int = 3,
    max_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    policy: RetryPolicy | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
    before_call: Callable[[int], Awaitable[None]] | None = None,
    meter: Meter | None = None,
) -> tuple[Any, bool]:
    """Ask for one story's synthesis (`models.SynthesisReply`), checked against its sources.

    Call it inside `digests.synthesis.grounding_sources(texts)`: a reply with a citation whose
    quote is not in the source it names fails validation and is re-asked with the reasons (up to
    `max_retries` attempts in all), like a brief. Returns (reply, True) once a reply checks, or
    (the last reply, False) when none did: the caller leaves out what does not check. A reply
    that does not parse at all, and every API error, raise our errors as for a brief.
    """
    from summarizer.brief.models import SynthesisReply

    log = CallLog(model=model, on_call=on_call, base_url=_base_url(client), meter=meter)
    create = _async_transport(
        client.chat.completions.create, policy or RetryPolicy(), log, max_tokens, before_call
    )
    patched = instructor.patch(create=create, mode=_mode(mode))
    ok = False
    try:
        reply = await patched(  # type: ignore[misc]
            response_model=SynthesisReply,
            max_retries=max_retries,
            **request_kwargs(model, messages, max_tokens, client),
        )
        ok = True
        return reply, True
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        _raise_known(exc, model=model, log=log)
        raw = (
            _last_arguments(exc)
            if isinstance(exc, instructor.core.InstructorRetryException)
            else None
        )
        # Parsed without the sources: what still does not check is left out by the caller.
        last = _parse_last(
            SynthesisReply,
            raw,
            what="synthesis",
            schema="its schema",
            model=model,
            log=log,
            context={"sources": None},
        )
        ok = True
        return last, False
    finally:
        log.succeeded = ok
        log.finish(success=ok)
