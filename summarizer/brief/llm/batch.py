"""The Batch API: half the price, answers within 24 h (lines, submit, poll, results, and the
repair of an answer that fails its checks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import instructor
import openai
from pydantic import ValidationError
from tenacity import (
    Retrying,
)

from summarizer import errors
from summarizer.brief import repair
from summarizer.brief.grounding import ArticleIndex
from summarizer.brief.llm.apierrors import map_api_error
from summarizer.brief.llm.calls import DEFAULT_MAX_OUTPUT_TOKENS, CallLog, RetryPolicy
from summarizer.brief.llm.clients import _base_url, request_kwargs
from summarizer.brief.llm.request import ReplyResult, _mode, _raise_known, _repair_answer
from summarizer.brief.llm.transport import _retrying_kwargs, _sync_transport
from summarizer.brief.models import BriefReply, CallRecord, Usage, grounding_article

if TYPE_CHECKING:
    from summarizer.budget import Meter


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
