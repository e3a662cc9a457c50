"""The offline engine's speed-ups change nothing it says (issue 11: linear on long articles).

Timing is in benchmarks/bench_offline_large.py; here only behaviour: the Attributor the engine
shares with the grounding check (through guard_attribution's cache) gives the same brief as one
built afresh, and the previous-speaker rule reads a sentence ending in ':' or ',' as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

WIKINEWS = SHARED / "external" / "wikinews"


def _texts() -> list[Path]:
    return sorted(WIKINEWS.glob("*.txt"))[:6]


@pytest.mark.skipif(not WIKINEWS.exists(), reason="../shared/external/wikinews is not here")
def test_shared_attributor_gives_the_same_brief(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.brief import guard_attribution
    from summarizer.brief.attribution import Attributor
    from summarizer.offline import brief_offline
    from summarizer.offline import engine as offline_engine

    texts = [p.read_text(encoding="utf-8") for p in _texts()]
    text = "\n\n".join(texts)  # one long article too

    def fresh_attributor(text: str, parties: list) -> Attributor:
        return Attributor(text, parties)

    for t in [*texts, text]:
        guard_attribution._attributor.cache_clear()
        shared = brief_offline(t).model_dump(exclude={"meta": {"created_at"}})
        assert guard_attribution._attributor.cache_info().misses == 1  # built once, not twice
        with monkeypatch.context() as m:
            m.setattr(offline_engine, "_attributor", fresh_attributor)
            guard_attribution._attributor.cache_clear()
            fresh = brief_offline(t).model_dump(exclude={"meta": {"created_at"}})
        assert shared == fresh


@pytest.mark.parametrize(
    ("before", "owner"),
    [
        ("Heald stated:", "Jane Heald"),  # ends open, next paragraph is the quote
        ("Heald stated,", "Jane Heald"),
        ("Heald stated:  \n", "Jane Heald"),
        ("Heald stated the obvious.", None),  # closed sentence, other paragraph
    ],
)
def test_previous_speaker_reads_the_sentence_end(before: str, owner: str | None) -> None:
    from summarizer.brief.attribution import Attributor
    from summarizer.brief.models import Party

    text = (
        "The council met on Monday. Jane Heald is the council's chief planner.\n\n"
        f"{before.rstrip()}\n\n"
        "\u201cAn air-quality cleanup would cost the city far more than we have.\u201d\n\n"
        "The vote is next week."
    )
    parties = [Party(name="Jane Heald", kind="person", role="chief planner", aliases=["Heald"])]
    att = Attributor(text, parties)
    at = text.index("An air-quality")
    assert att.attribute(at, at + 20).party == owner
