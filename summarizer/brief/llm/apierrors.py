"""Which API failures are worth retrying, and turning the rest into our own errors with a
one-line message that says what to do (`map_api_error`)."""

from __future__ import annotations

import re
import time
from typing import Any

import openai

from summarizer import errors, replylimit
from summarizer.brief.llm.calls import CallLog


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
