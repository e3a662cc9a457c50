"""The transport under every model call: retries (tenacity), one `CallRecord` per HTTP call,
cost reservations, and the request body as it is sent."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from summarizer import errors, replylimit
from summarizer.brief.llm.apierrors import _outcome, _retry_after, _retryable
from summarizer.brief.llm.calls import CallLog, RetryPolicy
from summarizer.brief.models import CallRecord, Usage
from summarizer.brief.pricing import estimate_cost
from summarizer.brief.tokens import count_tokens, estimate_tokens

if TYPE_CHECKING:
    from summarizer.budget import Ticket


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
