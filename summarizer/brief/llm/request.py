"""One structured request: a brief validated and grounded by instructor, with repairs of the
failing items (`request_brief`, `arequest_brief`)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import instructor
import openai
from pydantic import BaseModel, ValidationError

from summarizer import errors
from summarizer.brief import offload, repair
from summarizer.brief.grounding import ArticleIndex, GroundingReport, check_reply
from summarizer.brief.llm.apierrors import map_api_error
from summarizer.brief.llm.calls import DEFAULT_MAX_OUTPUT_TOKENS, CallLog, RetryPolicy
from summarizer.brief.llm.clients import _base_url, request_kwargs
from summarizer.brief.llm.transport import _async_transport, _sync_transport
from summarizer.brief.models import BriefReply, CallRecord, CorrectedItem

if TYPE_CHECKING:
    from summarizer.budget import Meter


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
