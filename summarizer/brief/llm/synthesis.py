"""Story synthesis (issue 13): one grounded call per multi-source story."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import instructor
import openai

from summarizer.brief.llm.calls import DEFAULT_MAX_OUTPUT_TOKENS, CallLog, RetryPolicy
from summarizer.brief.llm.clients import _base_url, request_kwargs
from summarizer.brief.llm.request import _last_arguments, _mode, _parse_last, _raise_known
from summarizer.brief.llm.transport import _async_transport
from summarizer.brief.models import CallRecord

if TYPE_CHECKING:
    from summarizer.budget import Meter


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
