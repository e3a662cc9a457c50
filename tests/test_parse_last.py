"""The last reply of a failed request: parsed, or one clear error naming what was wrong."""

from __future__ import annotations

import pytest

from summarizer import errors
from summarizer.brief import llm
from summarizer.brief.models import BriefReply


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "the model sent no usable reply after 0 attempt(s)"),
        ("", "the model sent no usable reply after 0 attempt(s)"),
        ('{"title": 1}', "the model's reply did not match the brief schema after 0 attempt(s): "),
        ("not json", "the model's reply did not match the brief schema after 0 attempt(s): "),
    ],
)
def test_a_missing_or_broken_last_reply_is_one_clear_error(raw: str | None, expected: str) -> None:
    log = llm.CallLog(model="gpt-4.1-mini")
    with pytest.raises(errors.ReplyValidationError) as info:
        llm._parse_last(
            BriefReply, raw, what="reply", schema="the brief schema", model="m", log=log
        )
    assert str(info.value).startswith(expected)
    assert info.value.last_reply == raw
