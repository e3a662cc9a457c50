"""OpenAI clients: building them (`make_client`), sharing them (`shared_client`), the request
parameters an endpoint accepts, and redacting keys from openai's and instructor's logs."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import hmac
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

from summarizer import errors, replylimit, secrets
from summarizer.config import DEFAULT_MODEL


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

# Models that take neither `temperature=0` nor `max_tokens` (reasoning models).
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


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


def _base_url(client: Any) -> str | None:
    url = getattr(client, "base_url", None)
    return str(url).rstrip("/") if url else None


def is_client(obj: Any) -> bool:
    """Whether `obj` is an OpenAI client we can use (sync or async)."""
    return isinstance(obj, (openai.OpenAI, openai.AsyncOpenAI))
