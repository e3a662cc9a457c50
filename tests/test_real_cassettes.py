"""Real OpenAI exchanges recorded by other projects (../shared/external/openai_cassettes).

Nobody here wrote these replies: they show that our response handling copes with what real
endpoints send (a refusal, finish_reason=length, 400, 404, 429, error bodies from issue reports).
Each test replays one recording through the real client and checks the error we raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml

from summarizer import APIStatusError, OutputTruncatedError, RefusalError, TransientError
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.models import CallRecord
from summarizer.engine import asummarize, summarize
from summarizer.testing.server import FakeOpenAIServer, Step
from tests.conftest import SHARED

REAL = SHARED / "external" / "openai_cassettes"
FAST = RetryPolicy(attempts=3, backoff_base_s=0.01, backoff_max_s=0.05, max_retry_after_s=0.05)

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/external is not beside the repo"
)


def _body_text(interaction: dict[str, Any]) -> str:
    raw = interaction["response"]["body"].get("string", "")
    if isinstance(raw, bytes):
        with contextlib.suppress(OSError):
            raw = gzip.decompress(raw)
        return raw.decode("utf-8", "replace")
    return str(raw)


def subset(name: str, tmp_path: Path, keep: Any = None) -> str:
    """A copy of a real cassette holding only the interactions `keep` selects, in order."""
    data = yaml.safe_load((REAL / name).read_text(encoding="utf-8"))
    if keep is not None:
        data["interactions"] = [i for i in data["interactions"] if keep(i)]
    out = tmp_path / name
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(out)


def replay(path: str, **kw: Any) -> Any:
    return vcr.VCR(record_mode="none", match_on=["method", "path"]).use_cassette(path, **kw)


def test_real_refusal(seed_text: str, tmp_path: Path) -> None:
    path = subset(
        "openllmetry__test_parsed_refused_completion.yaml",
        tmp_path,
        lambda i: '"refusal": "' in _body_text(i),
    )
    with replay(path) as cassette, pytest.raises(RefusalError) as info:
        summarize(seed_text, base_url="https://api.openai.com/v1", retry=FAST)
    assert cassette.play_count == 1
    assert info.value.refusal and "sorry" in info.value.refusal.lower()
    assert "refused" in str(info.value)


def test_real_length_every_time(seed_text: str, tmp_path: Path) -> None:
    path = subset("crewai__test_openai_async_with_max_tokens_length.yaml", tmp_path)
    calls: list[CallRecord] = []
    with replay(path, allow_playback_repeats=True), pytest.raises(OutputTruncatedError):
        asyncio.run(
            asummarize(
                seed_text, base_url="https://api.openai.com/v1", retry=FAST, on_call=calls.append
            )
        )
    # three growing output budgets, then a smaller part, then a clear error
    assert [c.outcome for c in calls] == ["length"] * 4


def test_real_length_then_400(seed_text: str, tmp_path: Path) -> None:
    path = subset("openllmetry__test_vision_length_and_400.yaml", tmp_path)
    calls: list[CallRecord] = []
    with replay(path) as cassette, pytest.raises(APIStatusError) as info:
        summarize(seed_text, base_url="https://api.openai.com/v1", retry=FAST, on_call=calls.append)
    assert cassette.all_played
    assert [c.outcome for c in calls] == ["length", "length", "client_error"]
    assert info.value.status_code == 400
    assert "(400)" in str(info.value) and "invalid_image_url" not in str(info.value)


def test_real_400_is_not_retried(seed_text: str, tmp_path: Path) -> None:
    path = subset("crewai__test_llm_call_when_stop_is_unsupported_400_then_200.yaml", tmp_path)
    with replay(path) as cassette, pytest.raises(APIStatusError) as info:
        summarize(seed_text, base_url="https://api.openai.com/v1", retry=FAST)
    assert cassette.play_count == 1
    assert "Unsupported parameter" in str(info.value)


def test_real_404_model_not_found(seed_text: str, tmp_path: Path) -> None:
    path = subset("crewai__test_llm_call_with_error_404.yaml", tmp_path)
    with replay(path) as cassette, pytest.raises(APIStatusError) as info:
        summarize(
            seed_text, model="non-existent-model", base_url="https://api.openai.com/v1", retry=FAST
        )
    assert cassette.play_count == 1
    message = str(info.value)
    assert "not found (404)" in message and "SUMMARIZER_MODEL" in message
    assert "\n" not in message


def test_real_429s_are_retried_then_reported(seed_text: str, tmp_path: Path) -> None:
    path = subset("pydantic_ai__test_openrouter_errors_raised_429.converted_std_vcr.yaml", tmp_path)
    calls: list[CallRecord] = []
    with replay(path) as cassette, pytest.raises(TransientError) as info:
        summarize(
            seed_text,
            model="google/gemini-2.0-flash-exp:free",
            base_url="https://openrouter.ai/api/v1",
            retry=FAST,
            on_call=calls.append,
        )
    assert cassette.all_played
    assert [c.outcome for c in calls] == ["rate_limited"] * 3
    assert "gave up after 3 attempt(s)" in str(info.value)


ERROR_BODIES = json.loads(
    (REAL / "openai_error_bodies_from_issue_reports.json").read_text()
    if REAL.is_dir()
    else '{"errors": []}'
)["errors"]


@pytest.mark.parametrize("case", ERROR_BODIES, ids=[e["kind"] for e in ERROR_BODIES])
def test_real_error_bodies(seed_text: str, case: dict[str, Any]) -> None:
    """Each body from a public issue report, served by the local server: retry or stop at once."""
    from summarizer.testing.server import reply

    good = json.loads((Path(__file__).parent / "data" / "replies" / "seed.json").read_text())
    step = Step("error", case["body"], status=case["status"])
    calls: list[CallRecord] = []
    with FakeOpenAIServer([step, reply(good)]) as server:
        kind = case["kind"]
        if "insufficient_quota" in kind or "larger than TPM" in kind:
            with pytest.raises(APIStatusError) as info:
                summarize(seed_text, base_url=server.base_url, retry=FAST, on_call=calls.append)
            assert len(calls) == 1, "a problem retrying cannot fix must not be retried"
            assert "429" in str(info.value)
        else:
            brief = summarize(seed_text, base_url=server.base_url, retry=FAST, on_call=calls.append)
            assert [c.status_code for c in calls] == [case["status"], 200]
            assert brief.meta.attempts == 2
