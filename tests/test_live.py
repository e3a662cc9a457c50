"""Real-model tests: recorded once with a key, replayed everywhere after.

Record (needs OPENAI_API_KEY; writes cassettes/test_live/):
    pytest tests/test_live.py --record-mode=rewrite --allowed-hosts=api.openai.com -m live
Without a recorded cassette and without a key these tests are skipped, never faked.
"""

from __future__ import annotations

import pytest

from summarizer import summarize
from summarizer.brief.grounding import check_reply
from tests.conftest import CASSETTES, REAL_KEY


def _cassette_or_key(request: pytest.FixtureRequest) -> str | None:
    cassette = CASSETTES / "test_live" / f"{request.node.name}.yaml"
    recording = request.config.getoption("--record-mode") != "none"
    if recording and not REAL_KEY:
        pytest.skip("recording a live cassette needs OPENAI_API_KEY")
    if not recording and not cassette.exists():
        pytest.skip(f"no recorded cassette {cassette.name}: record it with a key (see docstring)")
    return REAL_KEY if recording else None


@pytest.mark.live
@pytest.mark.vcr
def test_live_seed_brief(seed_text: str, request: pytest.FixtureRequest) -> None:
    key = _cassette_or_key(request)
    brief = summarize(seed_text, api_key=key or "replayed-from-cassette")
    assert check_reply(brief, seed_text).ok
    names = " ".join(
        [p.name for p in brief.parties] + [a for p in brief.parties for a in p.aliases]
    )
    for who in ("Moskalik", "Putin", "Trump", "Witkoff"):
        assert who in names
    assert brief.positions and brief.open_questions
    assert brief.meta.usage.total_tokens > 0
